"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from teams import clock
from teams.dated import value_on


@transaction.atomic
def pod_charter_update(
    *, pod_id: int, goal: str, product_area: str, baseline_headcount=None, user=None
):
    """Write a pod's charter. ``baseline_headcount`` None leaves it unchanged (only Org Leads may
    change it; the caller decides with ``permissions.can_edit_baseline``). Validates the whole
    row first (``full_clean``), so a bad value saves nothing. A changed goal or product area
    is kept as a ``CharterChange`` (the charter's history)."""
    from teams.models import Pod

    pod = Pod.objects.select_for_update().get(pk=pod_id)
    before = (pod.goal, pod.product_area)
    pod.goal = goal.strip()
    pod.product_area = product_area.strip()
    fields = ["goal", "product_area"]
    if baseline_headcount is not None:
        pod.baseline_headcount = baseline_headcount
        fields.append("baseline_headcount")
    pod.full_clean(exclude=["formation_run"])
    pod.save(update_fields=fields)
    if (pod.goal, pod.product_area) != before:
        _charter_record(pod, user)
    return pod


def baseline_in_force(pod, day: date) -> Decimal:
    """The baseline headcount in force on ``day`` (``Pod.baseline_headcount`` without history)."""
    steps = pod.baselines.order_by(F("effective_from").asc(nulls_first=True))
    return value_on(list(steps.values_list("effective_from", "value")), day, pod.baseline_headcount)


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
    _refuse_overlap(membership)
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


# --------------------------------------------------------------------------- administration
# Pods, stints and Pod Leads as an Org Lead changes them. Ending or moving a stint never edits
# its days in place beyond setting its end: each change from a day on is a new stint, so pay
# follows each for its days. Callers that guard approved months (incentives.bonuses.changes)
# decide whether the day is allowed.

POD_MIN, POD_MAX = 3, 5


def _charter_record(pod, user) -> None:
    from teams.models import CharterChange

    CharterChange.objects.create(
        pod=pod, name=pod.name, goal=pod.goal, product_area=pod.product_area, changed_by=user
    )


def _refuse_overlap(membership) -> None:
    """A clear refusal before the database's no-overlap rule answers with an IntegrityError."""
    from teams.models import PodMembership

    others = PodMembership.objects.filter(
        pod_id=membership.pod_id, person_id=membership.person_id
    ).exclude(pk=membership.pk)
    if membership.end is not None:
        others = others.filter(start__lte=membership.end)
    clash = others.filter(Q(end__isnull=True) | Q(end__gte=membership.start)).first()
    if clash is not None:
        until = f"to {clash.end:%Y-%m-%d}" if clash.end else "with no end"
        raise ValidationError(
            {
                "start": [
                    f"{membership.person} is in {membership.pod} from {clash.start:%Y-%m-%d} "
                    f"{until} already; end or change that membership instead."
                ]
            }
        )


@transaction.atomic
def pod_create(
    *, org_unit, name: str, goal: str = "", product_area: str = "", baseline: Decimal, user=None
):
    """A new active pod with its charter and its baseline headcount. The first baseline holds
    since ever: the pod has no earlier days to pay, and a month with a day without a baseline
    would be refused by the payout engine for the whole unit. Later changes are dated."""
    from teams.models import Baseline, Pod

    if baseline is None:
        raise ValidationError({"baseline_headcount": ["Give the pod's baseline headcount."]})
    pod = Pod(
        org_unit=org_unit,
        name=(name or "").strip(),
        goal=(goal or "").strip(),
        product_area=(product_area or "").strip(),
        baseline_headcount=baseline,
        status=Pod.Status.ACTIVE,
    )
    pod.full_clean(exclude=["formation_run"])
    pod.save()
    Baseline.objects.create(pod=pod, effective_from=None, value=baseline, created_by=user)
    _charter_record(pod, user)
    return pod


@transaction.atomic
def pod_rename(*, pod, name: str, user=None):
    from teams.models import Pod

    pod = Pod.objects.select_for_update().get(pk=pod.pk)
    name = (name or "").strip()
    if name == pod.name:
        return pod
    pod.name = name
    pod.full_clean(exclude=["formation_run"])
    pod.save(update_fields=["name"])
    _charter_record(pod, user)
    return pod


def _stop_before(membership, day: date) -> str | None:
    """Make ``membership`` end before ``day``: a stint starting on or after it never happens
    (deleted: no day of it was lived), one running into it ends the day before. Returns
    "deleted", "ended" or None (it ended before ``day`` anyway)."""
    if membership.end is not None and membership.end < day:
        return None
    if membership.start >= day:
        membership.delete()
        return "deleted"
    membership.end = day - timedelta(days=1)
    membership.save(update_fields=["end"])
    return "ended"


def memberships_stop(*, memberships, day: date) -> list:
    """Every one of these stints ends before ``day`` (see ``_stop_before``); the ones changed."""
    return [m for m in list(memberships) if _stop_before(m, day) is not None]


@transaction.atomic
def pod_dissolve(*, pod, on: date, user=None):
    """The pod no longer exists from ``on``: every stint ends the day before (history kept),
    and the pod is dissolved on that day (at once when it is today or earlier; a sweep,
    ``pods_dissolve_due``, flips it on the day otherwise)."""
    from teams.models import Pod, PodMembership

    if on is None:
        raise ValidationError({"dissolved_on": ["Say from which day the pod is dissolved."]})
    pod = Pod.objects.select_for_update().get(pk=pod.pk)
    if pod.status == Pod.Status.DISSOLVED or pod.dissolved_on is not None:
        raise ValidationError({"dissolved_on": [f"{pod} is dissolved already."]})
    memberships_stop(memberships=PodMembership.objects.filter(pod=pod), day=on)
    pod.dissolved_on = on
    fields = ["dissolved_on"]
    if on <= clock.today():
        pod.status = Pod.Status.DISSOLVED
        fields.append("status")
    pod.save(update_fields=fields)
    return pod


def pods_dissolve_due(*, today: date | None = None) -> int:
    """Pods whose dissolution day has come: dissolved now (one UPDATE)."""
    from teams.models import Pod

    today = today or clock.today()
    return (
        Pod.objects.filter(dissolved_on__lte=today)
        .exclude(status=Pod.Status.DISSOLVED)
        .update(status=Pod.Status.DISSOLVED)
    )


@transaction.atomic
def membership_end(*, membership, on: date):
    """The stint's last day is ``on`` (the history of its days is kept)."""
    from teams.models import PodMembership

    if on is None:
        raise ValidationError({"end": ["Say the membership's last day."]})
    row = PodMembership.objects.select_for_update().get(pk=membership.pk)
    if on < row.start:
        raise ValidationError(
            {"end": [f"The membership starts on {row.start:%Y-%m-%d}; it cannot end before."]}
        )
    if row.end is not None and on > row.end:
        raise ValidationError(
            {"end": [f"The membership ends on {row.end:%Y-%m-%d} already; choose a day up to it."]}
        )
    row.end = on
    row.save(update_fields=["end"])
    return row


def _lead_stints(pod, on: date, *, exclude_person=None):
    """Pod Lead stints of ``pod`` in force on ``on`` or starting after it."""
    from teams.models import PodMembership

    rows = PodMembership.objects.select_for_update().filter(
        Q(end__isnull=True) | Q(end__gte=on), pod=pod, is_pod_lead=True
    )
    if exclude_person is not None:
        rows = rows.exclude(person=exclude_person)
    return list(rows)


def _set_lead_flag(membership, on: date, lead: bool):
    """From ``on``, the stint continues with ``is_pod_lead`` = ``lead``: a new stint, unless
    the stint starts on that day (then it simply is, or is not, the Pod Lead's)."""
    if membership.is_pod_lead == lead:
        return membership
    if on <= membership.start:
        membership.is_pod_lead = lead
        membership.save(update_fields=["is_pod_lead"])
        return membership
    new = membership_split(membership=membership, on=on)
    new.is_pod_lead = lead
    new.save(update_fields=["is_pod_lead"])
    return new


@transaction.atomic
def membership_set_lead(*, membership, on: date, lead: bool = True):
    """Make the stint's person the Pod Lead from ``on`` (or stop being it, ``lead`` False).
    One Pod Lead per pod: the current one continues as a member from that day, a new stint
    without the flag, so the database's one-open-Pod-Lead rule holds throughout."""
    from teams.models import PodMembership

    if on is None:
        raise ValidationError({"effective_from": ["Say from which day."]})
    row = (
        PodMembership.objects.select_for_update()
        .select_related("pod", "person")
        .get(pk=membership.pk)
    )
    if on < row.start or (row.end is not None and on > row.end):
        raise ValidationError(
            {"effective_from": [f"Choose a day inside the membership (from {row.start:%Y-%m-%d})."]}
        )
    if lead:
        for other in _lead_stints(row.pod, on, exclude_person=row.person):
            _set_lead_flag(other, max(on, other.start), False)
    return _set_lead_flag(row, on, lead)


@transaction.atomic
def membership_move(*, membership, to_pod, on: date, allocation: Decimal | None = None):
    """From ``on``, the person works in ``to_pod`` instead: the old stint ends the day before
    (kept), a new one starts there (a member; naming the Pod Lead is its own change)."""
    from teams.models import PodMembership

    if on is None:
        raise ValidationError({"effective_from": ["Say from which day."]})
    row = PodMembership.objects.select_for_update().get(pk=membership.pk)
    if to_pod.pk == row.pod_id:
        raise ValidationError({"pod": ["That is the pod the membership is in already."]})
    if on < row.start or (row.end is not None and on > row.end):
        raise ValidationError(
            {"effective_from": [f"Choose a day inside the membership (from {row.start:%Y-%m-%d})."]}
        )
    person, share, end = row.person, row.allocation, row.end
    _stop_before(row, on)
    new = PodMembership(
        pod=to_pod,
        person=person,
        start=on,
        end=end,
        allocation=share if allocation is None else allocation,
        is_pod_lead=False,
    )
    new.full_clean()
    _refuse_overlap(new)
    new.save()
    return new


def membership_warnings(
    *,
    pod,
    person,
    on: date,
    allocation: Decimal | None = None,
    is_pod_lead: bool = False,
    replacing=None,
    leaving: bool = False,
) -> list[str]:
    """What a change from ``on`` would break, for the lead to confirm before saving: over
    1 FTE in total across pods, two Pod Leads, a pod outside 3–5 people. ``replacing`` is
    the stint the change ends or splits; ``leaving``: the person leaves ``pod`` (no new stint
    there). Reads the stints in force on ``on`` (three queries)."""
    from teams.models import PodMembership

    warnings: list[str] = []
    current = PodMembership.objects.current(on)
    if replacing is not None:
        current = current.exclude(pk=replacing.pk)
    if not leaving and allocation is not None:
        elsewhere = sum(
            current.filter(person=person).exclude(pod=pod).values_list("allocation", flat=True),
            Decimal(0),
        )
        total = elsewhere + allocation
        if total > 1:
            warnings.append(
                f"{person.name} would be at {total.normalize():f} FTE across pods on "
                f"{on:%Y-%m-%d}: over 1 FTE in total."
            )
    people = set(current.filter(pod=pod).values_list("person_id", flat=True))
    if leaving:
        people.discard(person.pk)
    else:
        people.add(person.pk)
    if not POD_MIN <= len(people) <= POD_MAX:
        warnings.append(
            f"{pod.name} would have {len(people)} {'person' if len(people) == 1 else 'people'} "
            f"on {on:%Y-%m-%d}: pods are {POD_MIN}–{POD_MAX} people."
        )
    if is_pod_lead and not leaving:
        leads = list(
            current.filter(pod=pod, is_pod_lead=True)
            .exclude(person=person)
            .values_list("person__name", flat=True)
        )
        if leads:
            warnings.append(
                f"{', '.join(leads)} {'is' if len(leads) == 1 else 'are'} Pod Lead of "
                f"{pod.name} on {on:%Y-%m-%d}: two Pod Leads. Saving anyway makes "
                f"{person.name} the Pod Lead and {', '.join(leads)} a member from that day."
            )
    return warnings
