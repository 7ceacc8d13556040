"""Celery tasks for the month close: thin wrappers taking ids and calling one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model

from incentives.bonuses import reminders, services
from incentives.models import MonthClose
from teams import clock
from teams.background import BackgroundUnavailable
from teams.models import OrgUnit


# Acknowledged once finished: a start delivered again (its worker died) reuses its close, keyed
# by this task's id, and queues only the units still pending. A broker that refuses the unit
# tasks leaves no close behind, and the start is tried again a few minutes later.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(BackgroundUnavailable,),
    retry_backoff=60,
    max_retries=8,
)
def close_previous_month(self, today: str | None = None) -> int | None:
    """On the 1st (beat schedule): start last month's close, one task per unit with a plan.
    Returns the close's id (None when no unit has a plan)."""
    day = date.fromisoformat(today) if today else clock.today()
    close = services.month_close(today=day, key=self.request.id or "")
    return close.pk if close is not None else None


# Acknowledged once finished and requeued if the worker dies: one unit's close is safe to
# repeat (it recomputes a draft or computed month, never an approved one). Outcomes are rows.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def close_unit_month(unit_id: int, month: str, close_id: int) -> str:
    """One unit's month close; returns its outcome."""
    close = MonthClose.objects.filter(pk=close_id, month=date.fromisoformat(month)).first()
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if close is None or unit is None:
        return "gone"  # the close's start was undone, or the unit deleted meanwhile
    return services.month_close_unit(close=close, org_unit=unit).outcome


@shared_task(ignore_result=True)
def expire_month_closes() -> int:
    """Every 10 minutes (beat schedule): units whose close task was lost are recorded failed."""
    return services.month_closes_expire()


@shared_task
def compute_period(org_unit_id: int, month: str, user_id: int | None = None) -> int:
    """A lead's on-demand compute, run off the request (API/CLI); returns the period id."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    period = services.period_compute(
        user=user, org_unit=OrgUnit.objects.get(pk=org_unit_id), month=date.fromisoformat(month)
    )
    return period.pk


@shared_task(ignore_result=True)
def remind_missing_observations(today: str | None = None) -> int:
    """Every morning (beat schedule); sends only 3 days before the month ends: each Pod Lead
    hears which components of their pods' plans have no value for the month yet."""
    day = date.fromisoformat(today) if today else clock.today()
    return reminders.observation_reminders_send(today=day)
