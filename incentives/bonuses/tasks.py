"""Celery tasks for the month close: thin wrappers taking ids and calling one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model

from incentives.bonuses import services
from teams import clock
from teams.models import OrgUnit


@shared_task
def close_previous_month(today: str | None = None) -> list[int]:
    """On the 1st (beat schedule): queue last month's close, one task per unit with a plan."""
    day = date.fromisoformat(today) if today else clock.today()
    return services.month_close(today=day)


# Acknowledged once finished and requeued if the worker dies: one unit's close is safe to
# repeat (it recomputes a draft or computed month, never an approved one).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_unit_month(unit_id: int, month: str) -> int | None:
    """One unit's month close; returns the period id (None when skipped or refused)."""
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return None
    period = services.month_close_unit(org_unit=unit, month=date.fromisoformat(month))
    return period.pk if period is not None else None


@shared_task
def compute_period(org_unit_id: int, month: str, user_id: int | None = None) -> int:
    """A lead's on-demand compute, run off the request (API/CLI); returns the period id."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    period = services.period_compute(
        user=user, org_unit=OrgUnit.objects.get(pk=org_unit_id), month=date.fromisoformat(month)
    )
    return period.pk
