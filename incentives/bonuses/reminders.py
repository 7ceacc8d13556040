"""Reminders to Pod Leads: a component of their pod's plan has no value for the month yet.

Sent once, 3 days before the month ends, while there is still time to record the value. A
component counts as having a value when the pod has any observation of its metric in the
month that a lead has not rejected (flagged and self-reported ones are values awaiting a
decision: the close page asks about those), or when its metric has an empty value (e.g. 0
incidents).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from incentives.bonuses.inputs import plans_in_force
from incentives.metrics.services import month_end, month_start
from incentives.models import Metric, Observation
from teams.models import Person, Pod, PodMembership

DAYS_BEFORE_END = 3


def reminder_day(month: date) -> date:
    """The day the month's reminders go out: 3 days before its last day."""
    return month_end(month) - timedelta(days=DAYS_BEFORE_END)


@dataclass
class PodGap:
    pod: Pod
    metrics: list[Metric] = field(default_factory=list)


def missing_values(month: date, *, today: date) -> dict[Person, list[PodGap]]:
    """Per current Pod Lead (on ``today``), their active pods whose plan for ``month`` has
    components without a value yet. A constant number of queries."""
    month = month_start(month)
    last = month_end(month)
    leads = (
        PodMembership.objects.current(today)
        .filter(is_pod_lead=True, pod__status=Pod.Status.ACTIVE, person__is_active=True)
        .select_related("pod", "person")
        .order_by("person__name", "pod__name")
    )
    by_pod: dict[int, list[Person]] = defaultdict(list)
    pods: dict[int, Pod] = {}
    for m in leads:
        by_pod[m.pod_id].append(m.person)
        pods[m.pod_id] = m.pod
    plans = plans_in_force({p.org_unit_id for p in pods.values()}, month)
    needed = {
        unit_id: [c.metric for c in plan.components.all() if c.metric.empty_value is None]
        for unit_id, plan in plans.items()
    }
    have = set(
        Observation.objects.filter(pod_id__in=list(pods), date__gte=month, date__lte=last)
        .exclude(flag=Observation.Flag.REJECTED)
        .values_list("pod_id", "metric_id")
        .distinct()
    )
    out: dict[Person, list[PodGap]] = defaultdict(list)
    for pod_id, pod in pods.items():
        missing = [m for m in needed.get(pod.org_unit_id, []) if (pod_id, m.pk) not in have]
        if missing:
            for person in by_pod[pod_id]:
                out[person].append(PodGap(pod, missing))
    return dict(out)


def observation_reminders_send(*, today: date) -> int:
    """On a month's reminder day, one email per Pod Lead listing their pods' components with
    no value for the month. Any other day nothing is sent. Returns how many were sent."""
    if today != reminder_day(today):
        return 0
    site = settings.SITE_URL.rstrip("/")
    messages = []
    for lead, gaps in missing_values(today, today=today).items():
        if not lead.email:
            continue
        lines = [
            {
                "pod": gap.pod,
                "metrics": gap.metrics,
                "url": site + reverse("pod-metrics", args=[gap.pod.pk]),
            }
            for gap in gaps
        ]
        context = {
            "lead": lead,
            "month": month_start(today),
            "last": month_end(today),
            "lines": lines,
        }
        messages.append(
            (
                f"Podwright: {today:%B %Y} values missing for "
                + (lines[0]["pod"].name if len(lines) == 1 else f"{len(lines)} pods"),
                render_to_string("emails/observation_reminder.txt", context),
                settings.DEFAULT_FROM_EMAIL,
                [lead.email],
            )
        )
    return send_mass_mail(messages, fail_silently=False) if messages else 0
