"""Month-close emails: each lead hears, in one email, how the close went for their units; once
a month is approved, each person paid in it hears that their statement is final."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from incentives.models import CloseAttempt, IncentivePeriod, MonthClose
from teams.models import OrgUnit, Person


def period_review_url(period: IncentivePeriod) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("period-review", args=[period.pk])


def close_recipients(unit_ids: Iterable[int]) -> dict[int, list[Person]]:
    """Who hears of each unit's close: its own active leads or, when it has none, the nearest
    unit up the tree that has some (a team without a lead of its own is its parent's). Two
    queries whatever the number of units."""
    parent = dict(OrgUnit.objects.values_list("id", "parent_id"))
    leads: dict[int, list[Person]] = defaultdict(list)
    links = (
        OrgUnit.leads.through.objects.filter(person__is_active=True)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
    for link in links:
        leads[link.orgunit_id].append(link.person)
    out: dict[int, list[Person]] = {}
    for unit_id in unit_ids:
        unit, seen = unit_id, set()
        while unit is not None and unit not in seen and not leads.get(unit):
            seen.add(unit)
            unit = parent.get(unit)
        out[unit_id] = list(leads.get(unit, [])) if unit is not None else []
    return out


def _line(attempt: CloseAttempt) -> dict:
    from incentives.reports.views import report_url

    site = settings.SITE_URL.rstrip("/")
    period = attempt.period
    return {
        "attempt": attempt,
        "unit": attempt.org_unit.name,
        "totals": period.totals if period is not None else {},
        "url": period_review_url(period) if period is not None else "",
        "report_url": site + report_url(period) if period is not None else "",
    }


def _subject(close: MonthClose, attempts: list[CloseAttempt]) -> str:
    month = f"{close.month:%B %Y}"
    if len(attempts) == 1:
        attempt = attempts[0]
        unit = attempt.org_unit.name
        if attempt.outcome == CloseAttempt.Outcome.COMPUTED:
            return f"Podwright: {unit} {month} bonuses are ready for review"
        if attempt.outcome == CloseAttempt.Outcome.FAILED:
            return f"Podwright: {unit} {month} close failed"
        return f"Podwright: {unit} {month} is already approved"
    counts = defaultdict(int)
    for attempt in attempts:
        counts[attempt.outcome] += 1
    parts = [
        f"{counts[CloseAttempt.Outcome.COMPUTED]} ready for review",
        *([f"{counts[CloseAttempt.Outcome.FAILED]} failed"] if counts["failed"] else []),
    ]
    return f"Podwright: {month} close of {len(attempts)} units: {', '.join(parts)}"


def month_close_send(*, close: MonthClose) -> int:
    """One email per lead listing their units' outcomes: computed (with the review link and
    totals), failed (with the problems) or already approved. Returns how many were sent."""
    attempts = list(close.attempts.select_related("org_unit", "period").order_by("org_unit__name"))
    recipients = close_recipients(a.org_unit_id for a in attempts)
    per_lead: dict[int, tuple[Person, list[CloseAttempt]]] = {}
    for attempt in attempts:
        for lead in recipients[attempt.org_unit_id]:
            per_lead.setdefault(lead.pk, (lead, []))[1].append(attempt)
    messages = []
    for lead, theirs in per_lead.values():
        if not lead.email:
            continue
        context = {"lead": lead, "close": close, "lines": [_line(a) for a in theirs]}
        messages.append(
            (
                _subject(close, theirs),
                render_to_string("emails/month_close.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [lead.email],
            )
        )
    return send_mass_mail(messages, fail_silently=False) if messages else 0


def statement_approved_send(*, period_id: int) -> int:
    """Each person paid in an approved month hears that their statement is final: one email
    each, with their total and the link. Called after the approval commits (an email never
    announces a month that was rolled back). Returns how many were sent."""
    period = IncentivePeriod.objects.select_related("org_unit", "plan").filter(pk=period_id).first()
    if period is None or not period.is_frozen:
        return 0
    totals: dict[int, Decimal] = defaultdict(Decimal)
    people: dict[int, Person] = {}
    for payout in period.payouts.select_related("person").order_by("person__name", "id"):
        people[payout.person_id] = payout.person
        totals[payout.person_id] += payout.amount
    url = settings.SITE_URL.rstrip("/") + reverse("my-statement", args=[period.pk])
    subject = f"Podwright: your {period.month:%B %Y} statement is approved"
    messages = [
        (
            subject,
            render_to_string(
                "emails/statement_approved.txt",
                {
                    "person": person,
                    "period": period,
                    "total": totals[person.pk],
                    "currency": period.plan.currency,
                    "url": url,
                },
            ),
            settings.DEFAULT_FROM_EMAIL,
            [person.email],
        )
        for person in people.values()
        if person.is_active and person.email
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0
