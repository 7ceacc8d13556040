from celery import shared_task


@shared_task
def run_formation(run_id: int) -> str:
    """Optimise one formation run; the workspace polls the run row for progress."""
    from teams.formation.services import formation_optimise

    return formation_optimise(run_id=run_id).status
