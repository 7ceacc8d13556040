from celery import shared_task

from teams.profiles import services


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def recompute_profiles(person_ids: list[int]) -> int:
    """Rebuild stored trait profiles (e.g. after an org changes its source weights)."""
    return services.profiles_recompute(person_ids=person_ids)
