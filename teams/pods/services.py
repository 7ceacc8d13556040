"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from teams import clock


@transaction.atomic
def pod_charter_update(*, pod_id: int, goal: str, product_area: str, baseline_headcount=None):
    """Write a pod's charter. ``baseline_headcount`` None leaves it unchanged (only Org Leads may
    change it; the caller decides with ``permissions.can_edit_baseline``). Validates the whole
    row first (``full_clean``), so a bad value saves nothing."""
    from teams.models import Pod

    pod = Pod.objects.select_for_update().get(pk=pod_id)
    pod.goal = goal.strip()
    pod.product_area = product_area.strip()
    fields = ["goal", "product_area"]
    if baseline_headcount is not None:
        pod.baseline_headcount = baseline_headcount
        fields.append("baseline_headcount")
    pod.full_clean(exclude=["formation_run"])
    pod.save(update_fields=fields)
    return pod


def baseline_in_force(pod, day: date) -> Decimal:
    """The baseline headcount in force on ``day`` (``Pod.baseline_headcount`` without history)."""
    steps = list(pod.baselines.order_by(F("effective_from").asc(nulls_first=True)))
    current = steps[0].value if steps else pod.baseline_headcount
    for step in steps:
        if step.effective_from is None or step.effective_from <= day:
            current = step.value
    return current


@transaction.atomic
def baseline_add(*, pod, effective_from: date, value: Decimal, user=None):
    """A pod's baseline headcount from a day on, kept as history like pay rates (the value
    that held until then is recorded too). Approved months are guarded by the caller
    (``incentives.bonuses.changes``)."""
    from teams.models import Baseline, Pod

    if value is None or value < 0:
        raise ValidationError({"baseline_headcount": ["The baseline cannot be negative."]})
    if effective_from is None:
        raise ValidationError({"baseline_from": ["Say from which day the new baseline applies."]})
    pod = Pod.objects.select_for_update().get(pk=pod.pk)
    if not pod.baselines.exists():
        Baseline.objects.create(pod=pod, effective_from=None, value=pod.baseline_headcount)
    if pod.baselines.filter(effective_from=effective_from).exists():
        raise ValidationError(
            {
                "baseline_from": [
                    f"A baseline from {effective_from:%Y-%m-%d} exists already; date the new one "
                    "from another day."
                ]
            }
        )
    step = Baseline(pod=pod, effective_from=effective_from, value=value, created_by=user)
    step.full_clean(exclude=["pod", "created_by"])
    step.save()
    pod.baseline_headcount = baseline_in_force(pod, clock.today())
    pod.save(update_fields=["baseline_headcount"])
    return step


@transaction.atomic
def membership_add(*, pod, person, start: date, allocation: Decimal, is_pod_lead: bool = False):
    """A new stint of ``person`` in ``pod`` from ``start`` (open-ended)."""
    from teams.models import PodMembership

    membership = PodMembership(
        pod=pod, person=person, start=start, allocation=allocation, is_pod_lead=is_pod_lead
    )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_split(*, membership, on: date, allocation: Decimal | None = None):
    """From ``on``, the membership continues as a new stint (a new allocation, say): the old
    row ends the day before and keeps its history; pay follows each stint for its days."""
    from teams.models import PodMembership

    old = PodMembership.objects.select_for_update().get(pk=membership.pk)
    if on <= old.start or (old.end is not None and on > old.end):
        raise ValidationError(
            {"start": [f"Choose a day after {old.start:%Y-%m-%d} inside the membership."]}
        )
    end = old.end
    old.end = on - timedelta(days=1)
    old.save(update_fields=["end"])
    new = PodMembership(
        pod_id=old.pod_id,
        person_id=old.person_id,
        start=on,
        end=end,
        allocation=old.allocation if allocation is None else allocation,
        is_pod_lead=old.is_pod_lead,
    )
    new.full_clean()
    new.save()
    return new
