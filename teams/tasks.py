from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def recompute_profiles(person_ids: list[int]) -> int:
    """Rebuild stored trait profiles (e.g. after an org changes its source weights)."""
    return services.profiles_recompute(person_ids=person_ids)


@shared_task
def run_formation(run_id: int) -> str:
    """Optimise one formation run; the workspace polls the run row for progress."""
    from .formation_services import formation_optimise

    return formation_optimise(run_id=run_id).status
