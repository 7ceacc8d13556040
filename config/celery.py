import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("podwright")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live with the concept they serve, not at an app's root.
app.autodiscover_tasks(["teams.profiles", "teams.formation", "teams.people", "incentives.bonuses"])

# The schedule is code, not database rows.
app.conf.beat_schedule = {
    "close-previous-month": {
        "task": "incentives.bonuses.tasks.close_previous_month",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    # Pages and the API also notice a silent run when they look at it; this catches the rest.
    "expire-formation-runs": {
        "task": "teams.formation.tasks.expire_formation_runs",
        "schedule": 60.0,
    },
    # Moves, off-boardings and dissolutions dated ahead take effect on their day (the people
    # list applies them too when it looks).
    "apply-dated-people-changes": {
        "task": "teams.people.tasks.apply_dated_changes",
        "schedule": crontab(minute=5, hour=0),
    },
    "expire-month-closes": {
        "task": "incentives.bonuses.tasks.expire_month_closes",
        "schedule": 600.0,
    },
    # Daily; the task itself sends only on the day 3 days before the month ends.
    "remind-missing-observations": {
        "task": "incentives.bonuses.tasks.remind_missing_observations",
        "schedule": crontab(minute=0, hour=8),
    },
}
