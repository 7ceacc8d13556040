"""Changes that move pay, dated: a raise or a new baseline "from when?" (DESIGN §1).

A change dated into a month that is already approved (or locked) for a unit it touches is
refused, with the way out: date it from the next open month and correct the approved months by
an adjustment. A change dated into an open month recomputes that unit's computed months from
then on, so the review shows the new figures; a month is never rewritten silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from incentives.bonuses import services
from incentives.metrics.services import add_months, month_start
from incentives.models import IncentivePeriod
from teams.models import Baseline, OrgUnit, PayRate, Person, Pod, PodMembership, UnitMove
from teams.people import services as people_services
from teams.people.services import pay_rate_add
from teams.pods import services as pods_services
from teams.pods.services import baseline_add

Status = IncentivePeriod.Status


@dataclass
class ChangeResult:
    """What the change wrote and which open months it recomputed."""

    row: PayRate | Baseline | PodMembership | Pod | Person | UnitMove
    recomputed: list[IncentivePeriod] = field(default_factory=list)


def _refuse_into_frozen(
    *, unit_ids: Iterable[int], since: date, field_name: str, what: str
) -> None:
    unit_ids = list(unit_ids)
    frozen = (
        IncentivePeriod.objects.filter(
            org_unit_id__in=unit_ids,
            month__gte=month_start(since),
            status__in=IncentivePeriod.FROZEN_STATUSES,
        )
        .select_related("org_unit")
        .order_by("-month")
    )
    latest = frozen.first()
    if latest is None:
        return
    next_open = add_months(latest.month, 1)
    raise ValidationError(
        {
            field_name: [
                f"{latest.org_unit.name} {latest.month:%B %Y} is already "
                f"{latest.get_status_display().lower()}: {what} from {since:%Y-%m-%d} would "
                f"rewrite money already approved. Date it from {next_open:%Y-%m-%d} (the next "
                "open month) and record the difference for the approved months as an "
                "adjustment on their close page."
            ]
        }
    )


def _recompute_open(*, unit_ids: Iterable[int], since: date, user: User | None) -> list:
    periods = (
        IncentivePeriod.objects.filter(
            org_unit_id__in=list(unit_ids), month__gte=month_start(since), status=Status.COMPUTED
        )
        .select_related("org_unit")
        .order_by("month", "org_unit_id")
    )
    return [services.period_compute(user=user, org_unit=p.org_unit, month=p.month) for p in periods]


def _units_paying(person: Person, since: date) -> set[int]:
    """The units whose months pay this person from ``since`` on: their pods' units."""
    units = set(
        PodMembership.objects.filter(Q(end__isnull=True) | Q(end__gte=since), person=person)
        .values_list("pod__org_unit_id", flat=True)
        .distinct()
    )
    return units or {person.org_unit_id}


@transaction.atomic
def pay_rate_change(
    *, user: User | None, person: Person, effective_from: date, base_pay: Decimal
) -> ChangeResult:
    """A raise (or any new base pay) from a day on."""
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the new pay applies."]})
    units = _units_paying(person, effective_from)
    _refuse_into_frozen(
        unit_ids=units, since=effective_from, field_name="effective_from", what="a new base pay"
    )
    row = pay_rate_add(person=person, effective_from=effective_from, base_pay=base_pay, user=user)
    services.audit_record(
        user=user,
        action="pay_rate.add",
        data={"person": person.pk, "from": effective_from.isoformat(), "base_pay": str(base_pay)},
    )
    return ChangeResult(row, _recompute_open(unit_ids=units, since=effective_from, user=user))


@transaction.atomic
def baseline_change(
    *, user: User | None, pod: Pod, effective_from: date, value: Decimal
) -> ChangeResult:
    """A pod's new baseline headcount from a day on."""
    if effective_from is None:
        raise ValidationError({"baseline_from": ["Say from which day the new baseline applies."]})
    _refuse_into_frozen(
        unit_ids=[pod.org_unit_id],
        since=effective_from,
        field_name="baseline_from",
        what="a new baseline",
    )
    row = baseline_add(pod=pod, effective_from=effective_from, value=value, user=user)
    services.audit_record(
        user=user,
        action="baseline.add",
        data={"pod": pod.pk, "from": effective_from.isoformat(), "value": str(value)},
    )
    return ChangeResult(
        row, _recompute_open(unit_ids=[pod.org_unit_id], since=effective_from, user=user)
    )


@transaction.atomic
def membership_split(
    *, user: User | None, membership: PodMembership, on: date, allocation: Decimal | None = None
) -> ChangeResult:
    """A membership continues as a new stint from ``on`` (an allocation change, a re-formation
    into the same pod), guarded like every dated change of pay."""
    _refuse_into_frozen(
        unit_ids=[membership.pod.org_unit_id], since=on, field_name="start", what="a new stint"
    )
    row = pods_services.membership_split(membership=membership, on=on, allocation=allocation)
    return ChangeResult(
        row, _recompute_open(unit_ids=[membership.pod.org_unit_id], since=on, user=user)
    )


@transaction.atomic
def membership_add(
    *,
    user: User | None,
    pod: Pod,
    person: Person,
    start: date,
    allocation: Decimal,
    is_pod_lead: bool = False,
) -> ChangeResult:
    _refuse_into_frozen(
        unit_ids=[pod.org_unit_id], since=start, field_name="start", what="a new member"
    )
    row = pods_services.membership_add(
        pod=pod, person=person, start=start, allocation=allocation, is_pod_lead=is_pod_lead
    )
    return ChangeResult(row, _recompute_open(unit_ids=[pod.org_unit_id], since=start, user=user))


# --------------------------------------------------------------------------- administration
# The Org Lead's changes of people, pods and stints that end or start stints: each refused
# into an approved month and recomputing the open ones, like the changes above.


def _pod_units(*pods: Pod) -> list[int]:
    return sorted({p.org_unit_id for p in pods})


@transaction.atomic
def membership_end(*, user: User | None, membership: PodMembership, on: date) -> ChangeResult:
    """The stint's last day is ``on``: the pod pays it until then."""
    if on is None:
        raise ValidationError({"end": ["Say the membership's last day."]})
    units = _pod_units(membership.pod)
    since = on + timedelta(days=1)
    _refuse_into_frozen(unit_ids=units, since=since, field_name="end", what="ending a membership")
    row = pods_services.membership_end(membership=membership, on=on)
    return ChangeResult(row, _recompute_open(unit_ids=units, since=since, user=user))


@transaction.atomic
def membership_move(
    *,
    user: User | None,
    membership: PodMembership,
    to_pod: Pod,
    on: date,
    allocation: Decimal | None = None,
) -> ChangeResult:
    """From ``on`` the person works in ``to_pod``: both pods' months from then are touched."""
    if on is None:
        raise ValidationError({"effective_from": ["Say from which day."]})
    units = _pod_units(membership.pod, to_pod)
    _refuse_into_frozen(
        unit_ids=units, since=on, field_name="effective_from", what="a move to another pod"
    )
    row = pods_services.membership_move(
        membership=membership, to_pod=to_pod, on=on, allocation=allocation
    )
    return ChangeResult(row, _recompute_open(unit_ids=units, since=on, user=user))


@transaction.atomic
def membership_set_lead(
    *, user: User | None, membership: PodMembership, on: date, lead: bool = True
) -> ChangeResult:
    """A new Pod Lead (or none) from ``on``: new stints for them and the one they replace."""
    if on is None:
        raise ValidationError({"effective_from": ["Say from which day."]})
    units = _pod_units(membership.pod)
    _refuse_into_frozen(
        unit_ids=units, since=on, field_name="effective_from", what="a change of Pod Lead"
    )
    row = pods_services.membership_set_lead(membership=membership, on=on, lead=lead)
    return ChangeResult(row, _recompute_open(unit_ids=units, since=on, user=user))


@transaction.atomic
def pod_dissolve(*, user: User | None, pod: Pod, on: date) -> ChangeResult:
    """The pod is dissolved from ``on``; its stints end the day before."""
    if on is None:
        raise ValidationError({"dissolved_on": ["Say from which day the pod is dissolved."]})
    units = _pod_units(pod)
    _refuse_into_frozen(
        unit_ids=units, since=on, field_name="dissolved_on", what="dissolving the pod"
    )
    row = pods_services.pod_dissolve(pod=pod, on=on, user=user)
    services.audit_record(
        user=user, action="pod.dissolve", data={"pod": pod.pk, "from": on.isoformat()}
    )
    return ChangeResult(row, _recompute_open(unit_ids=units, since=on, user=user))


@transaction.atomic
def person_offboard(*, user: User | None, person: Person, effective_from: date) -> ChangeResult:
    """The person leaves from ``effective_from``; their stints end the day before."""
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the person has left."]})
    units = _units_paying(person, effective_from)
    _refuse_into_frozen(
        unit_ids=units, since=effective_from, field_name="effective_from", what="off-boarding"
    )
    row, _ = people_services.person_offboard(
        person=person, effective_from=effective_from, user=user
    )
    services.audit_record(
        user=user,
        action="person.offboard",
        data={"person": person.pk, "from": effective_from.isoformat()},
    )
    return ChangeResult(row, _recompute_open(unit_ids=units, since=effective_from, user=user))


@transaction.atomic
def person_move(
    *,
    user: User | None,
    person: Person,
    to_unit: OrgUnit,
    effective_from: date,
    end_memberships: bool = False,
) -> ChangeResult:
    """The person moves to ``to_unit``; with ``end_memberships`` their stints in the old unit's
    pods end the day before, which is guarded like any other end of a stint."""
    if effective_from is None:
        raise ValidationError({"effective_from": ["Say from which day the move applies."]})
    units: list[int] = []
    if end_memberships:
        units = [person.org_unit_id]
        _refuse_into_frozen(
            unit_ids=units,
            since=effective_from,
            field_name="effective_from",
            what="ending the memberships in the old unit",
        )
    row, _ = people_services.person_move(
        person=person,
        to_unit=to_unit,
        effective_from=effective_from,
        end_memberships=end_memberships,
        user=user,
    )
    services.audit_record(
        user=user,
        action="person.move",
        data={
            "person": person.pk,
            "to": to_unit.pk,
            "from": effective_from.isoformat(),
            "end_memberships": end_memberships,
        },
    )
    return ChangeResult(row, _recompute_open(unit_ids=units, since=effective_from, user=user))
