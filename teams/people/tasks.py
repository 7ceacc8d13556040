from celery import shared_task


@shared_task(ignore_result=True)
def apply_dated_changes() -> int:
    """Daily (beat schedule): moves, off-boardings and dissolutions whose day has come."""
    from teams.people.services import people_changes_due

    return people_changes_due()
