"""Celery tasks for the month close: thin wrappers taking ids and calling one service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from incentives.bonuses import services
from teams.models import OrgUnit


@shared_task
def close_previous_month(today: str | None = None) -> list[int]:
    """On the 1st (beat schedule): draft last month for every unit with a plan, email leads."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return [p.pk for p in services.month_close(today=day)]


@shared_task
def compute_period(org_unit_id: int, month: str, user_id: int | None = None) -> int:
    """A lead's on-demand compute, run off the request (API/CLI); returns the period id."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    period = services.period_compute(
        user=user, org_unit=OrgUnit.objects.get(pk=org_unit_id), month=date.fromisoformat(month)
    )
    return period.pk
