from celery import shared_task


# Acknowledged once finished and requeued if the worker dies: the run starts over as a new
# attempt (formation_optimise is safe to repeat). The run row holds the outcome, not the backend.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_formation(run_id: int) -> str:
    """Optimise one formation run; the workspace polls the run row for progress."""
    from teams.formation.services import formation_optimise

    run = formation_optimise(run_id=run_id)
    return run.status if run is not None else "gone"


@shared_task(ignore_result=True)
def expire_formation_runs() -> int:
    """Every minute (beat schedule): runs whose worker went silent are marked failed."""
    from teams.formation.services import formation_runs_expire

    return formation_runs_expire()
