"""Month-close emails: tell a unit's Org Leads a draft is ready for review."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from incentives.models import IncentivePeriod
from teams.models import Person


def period_review_url(period: IncentivePeriod) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("period-review", args=[period.pk])


def period_ready_send(*, period: IncentivePeriod, leads: Sequence[Person]) -> int:
    """One email per lead (each sees only their own address). Returns how many were sent."""
    from incentives.reports.views import report_url

    context = {
        "period": period,
        "url": period_review_url(period),
        "totals": period.totals,
        "report_url": settings.SITE_URL.rstrip("/") + report_url(period),
    }
    subject = f"Podwright: {period.org_unit.name} {period.month:%B %Y} bonuses are ready for review"
    messages = [
        (
            subject,
            render_to_string("emails/period_ready.txt", {**context, "lead": lead}),
            settings.DEFAULT_FROM_EMAIL,
            [lead.email],
        )
        for lead in leads
        if lead.email
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
