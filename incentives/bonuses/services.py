"""Incentive plans, the month close, approvals and adjustments (DESIGN §3).

The maths is ``incentives.bonuses.engine`` (pure, exact); this module feeds it from the database
in a constant number of queries, stores what it returns, and guards the state machine
draft → computed → approved → locked. Approved and locked periods never change: the
services refuse (``PeriodFrozen``) and database triggers (migration 0002) refuse too.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from incentives.bonuses import emails, engine, inputs
from incentives.metrics.services import add_months, month_end, observations_pending_review
from incentives.models import (
    AuditEntry,
    CloseAttempt,
    IncentivePeriod,
    IncentivePlan,
    Metric,
    MonthClose,
    Payout,
    PlanComponent,
    PodResult,
)
from teams.background import enqueue_on_commit
from teams.models import OrgUnit, Person, Pod, PodMembership

Status = IncentivePeriod.Status
FROZEN = IncentivePeriod.FROZEN_STATUSES


class PeriodFrozen(ValidationError):
    """An approved or locked period cannot change; corrections are adjustments."""


# --------------------------------------------------------------------------- audit


def audit_record(
    *,
    user: User | None,
    action: str,
    period: IncentivePeriod | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        period=period,
        data=dict(data or {}),
    )


# --------------------------------------------------------------------------- plans


@dataclass
class ComponentSpec:
    """One component row as entered: the metric object and its numbers (Decimal)."""

    metric: Metric
    weight: Decimal
    threshold: Decimal
    target: Decimal
    stretch: Decimal
    floor: Decimal = Decimal("0.5")
    attainment_cap: Decimal = Decimal("1.5")
    aggregation: str = "last"


def plan_problems(
    *, params: Mapping[str, Any], components: Sequence[ComponentSpec]
) -> dict[str | int | None, list[str]]:
    """The engine's own refusals (``validate_plan``) keyed by where they belong.

    Keys: a plan field name, a component row index, or ``None`` for the plan as a whole
    (e.g. weights not summing to 1). Rules live once, in the engine; this only routes the
    messages to the form field or row they name.
    """
    plan = inputs.engine_plan_from(params=params, components=components)
    out: dict[str | int | None, list[str]] = defaultdict(list)
    for problem in engine.validate_plan(plan):
        where, _, message = problem.partition(": ")
        if where.startswith("plan.components["):
            index = int(where[len("plan.components[") :].split("]")[0])
            out[index].append(message)
        elif where == "plan":
            field = message.split(" ", 1)[0]
            out[field if field in params else None].append(message)
        else:
            out[None].append(message)
    if params.get("min_attainment") is not None and params["min_attainment"] < 0:
        out["min_attainment"].append("min_attainment is negative")
    return dict(out)


@transaction.atomic
def plan_create(
    *,
    user: User | None,
    org_unit: OrgUnit,
    name: str,
    effective_from: date,
    currency: str,
    standard_cost_per_fte: Decimal,
    share: Decimal,
    pool_cap: Decimal,
    min_attainment: Decimal,
    split: str,
    components: Sequence[ComponentSpec],
) -> IncentivePlan:
    """Create a plan with its components, or raise ``ValidationError`` and save nothing."""
    params = {
        "standard_cost_per_fte": standard_cost_per_fte,
        "share": share,
        "pool_cap": pool_cap,
        "min_attainment": min_attainment,
        "split": split,
    }
    errors: dict[str, list[str]] = {}
    if not components:
        errors["__all__"] = ["A plan needs at least one outcome component."]
    if effective_from.day != 1:
        errors["effective_from"] = ["A plan starts on the first day of a month."]
    for spec in components:
        if spec.metric.org_unit_id != org_unit.pk:
            errors.setdefault("__all__", []).append(
                f"{spec.metric.name} belongs to another org unit."
            )
    if IncentivePlan.objects.filter(org_unit=org_unit, effective_from=effective_from).exists():
        errors["effective_from"] = [
            f"{org_unit.name} already has a plan effective from {effective_from:%Y-%m}."
        ]
    for key, messages in plan_problems(params=params, components=components).items():
        field = "__all__" if key is None or isinstance(key, int) else key
        prefix = (
            f"Component {key + 1} ({components[key].metric.name}): " if isinstance(key, int) else ""
        )
        errors.setdefault(field, []).extend(prefix + m for m in messages)
    if errors:
        raise ValidationError(errors)
    plan = IncentivePlan.objects.create(
        org_unit=org_unit,
        name=name,
        effective_from=effective_from,
        currency=currency.upper(),
        created_by=user if user is not None and user.is_authenticated else None,
        **params,
    )
    PlanComponent.objects.bulk_create(
        PlanComponent(
            plan=plan,
            metric=c.metric,
            weight=c.weight,
            threshold=c.threshold,
            target=c.target,
            stretch=c.stretch,
            floor=c.floor,
            attainment_cap=c.attainment_cap,
            aggregation=c.aggregation,
        )
        for c in components
    )
    audit_record(
        user=user,
        action="plan.create",
        data={
            "plan": plan.pk,
            "org_unit": org_unit.pk,
            "effective_from": effective_from.isoformat(),
        },
    )
    return plan


def plan_effective(*, org_unit_id: int, month: date) -> IncentivePlan | None:
    """The unit's plan in force for ``month``: the latest effective on or before it."""
    return (
        IncentivePlan.objects.filter(org_unit_id=org_unit_id, effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )


# --------------------------------------------------------------------------- bulk rows

_PG_CASTS = {
    "DecimalField": "numeric",
    "BooleanField": "boolean",
    "CharField": "text",
    "DateField": "date",
    "IntegerField": "integer",
}


def rows_insert(*, model, rows: Sequence[Any]) -> None:
    """Insert unsaved instances in ONE statement whatever their number: the rows travel as
    a single JSON parameter, unpacked by the database (``jsonb_array_elements`` /
    ``json_each``). ``bulk_create`` would split them into batches on SQLite (parameter limit),
    making the month close's query count grow with the org."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    payload = []
    for obj in rows:
        values = []
        for f in fields:
            value = getattr(obj, f.attname)
            values.append(str(value) if isinstance(value, Decimal) else value)
        payload.append(values)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    if connection.vendor == "postgresql":
        picks = []
        for i, f in enumerate(fields):
            kind = f.get_internal_type()
            if kind == "JSONField":
                picks.append(f"r->{i}")
            elif f.is_relation:
                picks.append(f"(r->>{i})::bigint")
            else:
                picks.append(f"(r->>{i})::{_PG_CASTS.get(kind, 'text')}")
        source = "jsonb_array_elements(%s::jsonb) AS r"
    else:
        picks = [f"json_extract(value, '$[{i}]')" for i in range(len(fields))]
        source = "json_each(%s)"
    table = qn(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) SELECT {', '.join(picks)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(payload, separators=(",", ":"))])


# --------------------------------------------------------------------------- periods


def _lock_period(period_id: int) -> IncentivePeriod:
    return IncentivePeriod.objects.select_for_update().get(pk=period_id)


def _refuse_if_frozen(period: IncentivePeriod, what: str) -> None:
    if period.status in FROZEN:
        raise PeriodFrozen(
            f"{period.org_unit} {period.month:%Y-%m} is {period.get_status_display().lower()}; "
            f"it cannot be {what}. Record a correction as an adjustment in a later period."
        )


@transaction.atomic
def period_compute(*, user: User | None, org_unit: OrgUnit, month: date) -> IncentivePeriod:
    """Compute (or recompute) a unit's month with the plan in force; allowed until approval."""
    month = month.replace(day=1)
    plan = plan_effective(org_unit_id=org_unit.pk, month=month)
    if plan is None:
        raise ValidationError(f"{org_unit.name} has no incentive plan in force for {month:%Y-%m}.")
    period, _ = IncentivePeriod.objects.get_or_create(
        org_unit=org_unit, month=month, defaults={"plan": plan}
    )
    period = _lock_period(period.pk)
    _refuse_if_frozen(period, "recomputed")
    unit = inputs.unit_month(plan=plan, org_unit_id=org_unit.pk, month=month)
    try:
        result = engine.compute_month(
            month.strftime("%Y-%m"),
            unit.engine_plan
            if unit
            else inputs.engine_plan(plan=plan, components=plan.components.all()),
            unit.pod_inputs if unit else [],
            currency=plan.currency,
        )
    except engine.ScenarioRefused as refused:
        raise ValidationError(refused.problems) from None
    Payout.objects.filter(period=period, is_adjustment=False).delete()
    PodResult.objects.filter(period=period).delete()
    pod_rows, payout_rows = [], []
    total_pool = total_paid = Decimal("0")
    missing = 0
    for pod, res in zip(unit.pods if unit else [], result.pods, strict=True):
        breakdown = res.breakdown()
        breakdown["members"] = len(res.payouts)
        no_data = [
            c.metric for c in res.components if c.observations == 0 and not c.used_empty_value
        ]
        breakdown["missing_metrics"] = no_data
        missing += bool(no_data) or not res.payouts
        pod_rows.append(
            PodResult(
                period=period,
                pod=pod,
                attainment=engine.to_decimal(res.attainment, 6),
                fte=engine.to_decimal(res.fte, 6),
                actual_cost=engine.to_decimal(res.actual_cost, 2),
                equivalent_cost=engine.to_decimal(res.equivalent_cost, 2),
                dividend=engine.to_decimal(res.dividend, 2),
                efficiency_ratio=engine.to_decimal(res.efficiency_ratio, 6),
                pool=res.pool,
                breakdown=breakdown,
            )
        )
        total_pool += res.pool
        for line in res.payouts:
            total_paid += line.amount
            payout_rows.append(
                Payout(
                    period=period,
                    pod=pod,
                    person_id=int(line.person),
                    amount=line.amount,
                    breakdown=line.breakdown,
                )
            )
    rows_insert(model=PodResult, rows=pod_rows)
    rows_insert(model=Payout, rows=payout_rows)
    adjustments = sum(
        (p.amount for p in Payout.objects.filter(period=period, is_adjustment=True).only("amount")),
        Decimal("0"),
    )
    period.plan = plan
    period.status = Status.COMPUTED
    period.computed_at = timezone.now()
    period.totals = {
        "pods": len(pod_rows),
        "people": len({p.person_id for p in payout_rows}),
        "payouts": len(payout_rows),
        "pool": str(total_pool),
        "paid": str(total_paid),
        "adjustments": str(adjustments),
        "total": str(total_paid + adjustments),
        "pods_missing_data": missing,
        "flagged_observations": unit.flagged if unit else 0,
        "self_reported_observations": unit.self_reported if unit else 0,
        "currency": plan.currency,
    }
    period.save(update_fields=["plan", "status", "computed_at", "totals"])
    audit_record(
        user=user,
        action="period.compute",
        period=period,
        data={"plan": plan.pk, "pods": len(pod_rows), "pool": str(total_pool)},
    )
    return period


@transaction.atomic
def period_approve(*, user: User, period: IncentivePeriod) -> IncentivePeriod:
    """computed → approved. Two leads approving at once: the row lock makes one win, the
    other sees 'approved' and is refused; payouts are never duplicated (approval writes none)."""
    locked = _lock_period(period.pk)
    if locked.status != Status.COMPUTED:
        if locked.status in FROZEN:
            raise PeriodFrozen(
                f"{locked.month:%Y-%m} is already {locked.get_status_display().lower()}."
            )
        raise ValidationError("Compute the month before approving it.")
    if not locked.has_ended:
        raise ValidationError(
            f"{locked.month:%B %Y} has not ended: until then its figures are a projection. "
            f"It can be approved from {locked.approvable_from:%Y-%m-%d}."
        )
    waiting = observations_pending_review().filter(
        pod__org_unit_id=locked.org_unit_id,
        date__gte=locked.month,
        date__lte=month_end(locked.month),
    )
    if waiting.exists():
        raise ValidationError(
            f"{waiting.count()} observation(s) of {locked.month:%B %Y} await a lead's decision "
            "(flagged or self-reported). Confirm or reject each, recompute, then approve."
        )
    locked.status = Status.APPROVED
    locked.approved_by = user
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        user=user,
        action="period.approve",
        period=locked,
        data={"total": locked.totals.get("total")},
    )
    transaction.on_commit(lambda: emails.statement_approved_send(period_id=locked.pk), robust=True)
    return locked


@transaction.atomic
def period_lock(*, user: User, period: IncentivePeriod) -> IncentivePeriod:
    """approved → locked (paid out through payroll; nothing more to say)."""
    locked = _lock_period(period.pk)
    if locked.status != Status.APPROVED:
        raise ValidationError(
            "Only an approved period can be locked; "
            f"this one is {locked.get_status_display().lower()}."
        )
    locked.status = Status.LOCKED
    locked.locked_at = timezone.now()
    locked.save(update_fields=["status", "locked_at"])
    audit_record(user=user, action="period.lock", period=locked)
    return locked


@transaction.atomic
def adjustment_create(
    *, user: User, period: IncentivePeriod, person: Person, pod: Pod, amount: Decimal, note: str
) -> Payout:
    """Correct an approved/locked period: an adjustment payout carried into the next open
    period of the unit (created as a draft for the following month if there is none)."""
    if period.status not in FROZEN:
        raise ValidationError(
            "Only an approved or locked period is corrected by adjustment; "
            "recompute this one instead."
        )
    if not note.strip():
        raise ValidationError({"note": ["Say why the correction is made."]})
    if amount == 0:
        raise ValidationError({"amount": ["An adjustment of 0 changes nothing."]})
    if pod.org_unit_id != period.org_unit_id:
        raise ValidationError({"pod": [f"{pod.name} is not a pod of {period.org_unit.name}."]})
    had_stint = PodMembership.objects.filter(
        Q(end__isnull=True) | Q(end__gte=period.month),
        pod=pod,
        person=person,
        start__lte=month_end(period.month),
    ).exists()
    if not had_stint:
        raise ValidationError(
            {
                "person": [
                    f"{person.name} had no stint in {pod.name} in {period.month:%B %Y}; an "
                    "adjustment corrects the pay of someone who was in the pod that month."
                ]
            }
        )
    target = (
        IncentivePeriod.objects.select_for_update()
        .filter(
            org_unit_id=period.org_unit_id,
            month__gt=period.month,
            status__in=[Status.DRAFT, Status.COMPUTED],
        )
        .order_by("month")
        .first()
    )
    if target is None:
        latest = (
            IncentivePeriod.objects.filter(org_unit_id=period.org_unit_id)
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        month = add_months(max(latest or period.month, period.month), 1)
        plan = plan_effective(org_unit_id=period.org_unit_id, month=month) or period.plan
        target = IncentivePeriod.objects.create(
            plan=plan, org_unit_id=period.org_unit_id, month=month, status=Status.DRAFT
        )
    payout = Payout.objects.create(
        period=target,
        pod=pod,
        person=person,
        amount=amount,
        is_adjustment=True,
        adjusts=period,
        note=note.strip(),
        breakdown={
            "adjustment": True,
            "adjusts": period.month.strftime("%Y-%m"),
            "amount": str(amount),
            "note": note.strip(),
            "currency": period.plan.currency,
        },
    )
    totals = dict(target.totals or {})
    adjustments = Decimal(totals.get("adjustments", "0")) + amount
    totals["adjustments"] = str(adjustments)
    totals["total"] = str(Decimal(totals.get("paid", "0")) + adjustments)
    target.totals = totals
    target.save(update_fields=["totals"])
    audit_record(
        user=user,
        action="adjustment.create",
        period=target,
        data={
            "adjusts": period.pk,
            "person": person.pk,
            "pod": pod.pk,
            "amount": str(amount),
            "note": note.strip(),
        },
    )
    return payout


# --------------------------------------------------------------------------- the close


# A unit's close task still pending this long after the close started was lost, not delayed.
CLOSE_PATIENCE = timedelta(hours=2)


def previous_month(today: date) -> date:
    return add_months(today.replace(day=1), -1)


def units_with_plan(*, month: date) -> list[OrgUnit]:
    ids = set(
        IncentivePlan.objects.filter(effective_from__lte=month).values_list(
            "org_unit_id", flat=True
        )
    )
    return list(OrgUnit.objects.filter(pk__in=ids).prefetch_related("leads__user"))


def month_close(
    *,
    today: date,
    user: User | None = None,
    key: str = "",
    unit_ids: Collection[int] | None = None,
) -> MonthClose | None:
    """Start last month's close: one pending attempt per unit with a plan (only `unit_ids`, when
    given), each queued as its own task once this commits, so a worker that dies takes at most
    one unit with it and that unit's task comes back (month_close_unit is safe to repeat).
    None when no unit has a plan in force: there is nothing to close.

    `key` names the start: the scheduled task passes its own id, so the same start delivered
    twice reuses its close and queues again only the units still pending. Raises
    BackgroundUnavailable (from the commit) when the broker does not take the tasks; a close
    this call opened is removed again.
    """
    from incentives.bonuses.tasks import close_unit_month

    month = previous_month(today)
    with transaction.atomic():
        close, created = MonthClose.objects.get_or_create(
            key=key or uuid.uuid4().hex,
            defaults={
                "month": month,
                "started_by": user if user and user.is_authenticated else None,
            },
        )
        if created:
            units = [
                unit
                for unit in units_with_plan(month=month)
                if unit_ids is None or unit.pk in unit_ids
            ]
            if not units:
                close.delete()
                return None
            CloseAttempt.objects.bulk_create(
                [CloseAttempt(close=close, org_unit=unit) for unit in units]
            )
        pending = list(
            close.attempts.filter(outcome=CloseAttempt.Outcome.PENDING).values_list(
                "org_unit_id", flat=True
            )
        )
        month_iso = close.month.isoformat()
        enqueue_on_commit(
            [(close_unit_month, (unit_id, month_iso, close.pk)) for unit_id in pending],
            undo=MonthClose.objects.filter(pk=close.pk).delete if created else lambda: None,
        )
    return close


def _attempt_finish(
    attempt: CloseAttempt,
    outcome: str,
    *,
    period: IncentivePeriod | None = None,
    problems: Sequence[str] = (),
) -> CloseAttempt:
    attempt.outcome = outcome
    attempt.period = period
    attempt.problems = list(problems)
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["outcome", "period", "problems", "finished_at"])
    return attempt


def month_close_unit(*, close: MonthClose, org_unit: OrgUnit) -> CloseAttempt:
    """One unit's part of a close: compute its month and record the outcome, then email the
    leads once every unit of the close has one.

    Safe to repeat (a redelivered task after a worker's death): it recomputes a draft or
    computed period and never touches an approved or locked one (skipped). A refused month is
    recorded with its problems (and in the audit log); an unexpected error is recorded too, then
    raised so the worker logs it.
    """
    month = close.month
    attempt, _ = CloseAttempt.objects.get_or_create(close=close, org_unit=org_unit)
    CloseAttempt.objects.filter(pk=attempt.pk).update(deliveries=F("deliveries") + 1)
    attempt.deliveries += 1
    existing = IncentivePeriod.objects.filter(org_unit=org_unit, month=month).first()
    try:
        if existing is not None and existing.status in FROZEN:
            raise PeriodFrozen(f"{month:%Y-%m} is {existing.get_status_display().lower()}.")
        with transaction.atomic():
            # The outcome commits with the figures: a worker killed in between leaves neither.
            period = period_compute(user=close.started_by, org_unit=org_unit, month=month)
            _attempt_finish(attempt, CloseAttempt.Outcome.COMPUTED, period=period)
    except PeriodFrozen:
        frozen = IncentivePeriod.objects.filter(org_unit=org_unit, month=month).first()
        _attempt_finish(attempt, CloseAttempt.Outcome.SKIPPED, period=frozen)
    except ValidationError as exc:
        problems = exc.messages[:50]
        _attempt_finish(attempt, CloseAttempt.Outcome.FAILED, problems=problems)
        audit_record(
            user=close.started_by,
            action="period.compute_failed",
            data={"org_unit": org_unit.pk, "month": month.isoformat(), "problems": problems},
        )
    except Exception as exc:
        _attempt_finish(
            attempt,
            CloseAttempt.Outcome.FAILED,
            problems=[f"unexpected error ({type(exc).__name__}: {exc}); see the worker log"],
        )
        month_close_notify(close=close)
        raise
    month_close_notify(close=close)
    return attempt


def month_close_notify(*, close: MonthClose) -> int:
    """Once no unit of the close is pending, email the leads their units' outcomes (once).
    Returns how many emails were sent."""
    from incentives.bonuses.emails import month_close_send

    with transaction.atomic():
        locked = MonthClose.objects.select_for_update().get(pk=close.pk)
        pending = locked.attempts.filter(outcome=CloseAttempt.Outcome.PENDING).exists()
        if locked.emailed_at is not None or pending:
            return 0
        sent = month_close_send(close=locked)
        locked.emailed_at = timezone.now()
        locked.save(update_fields=["emailed_at"])
    return sent


def month_closes_expire() -> int:
    """Units still pending CLOSE_PATIENCE after their close started (their task was lost, not
    just delayed) are recorded as failed, so the leads hear of them. Returns how many."""
    cutoff = timezone.now() - CLOSE_PATIENCE
    stale = CloseAttempt.objects.filter(
        outcome=CloseAttempt.Outcome.PENDING, close__started_at__lt=cutoff
    )
    close_ids = set(stale.values_list("close_id", flat=True))
    count = stale.update(
        outcome=CloseAttempt.Outcome.FAILED,
        problems=[
            "no worker finished this unit's close within "
            f"{CLOSE_PATIENCE.total_seconds() / 3600:g} hours; compute the month on /close/"
        ],
        finished_at=timezone.now(),
    )
    for close in MonthClose.objects.filter(pk__in=close_ids):
        month_close_notify(close=close)
    return count


def month_close_latest(*, units) -> tuple[MonthClose | None, list[CloseAttempt]]:
    """The last close that covered any of these units, and their outcomes in it."""
    close = (
        MonthClose.objects.filter(attempts__org_unit__in=units)
        .select_related("started_by")
        .order_by("-started_at", "-id")
        .first()
    )
    if close is None:
        return None, []
    attempts = list(
        close.attempts.filter(org_unit__in=units)
        .select_related("org_unit", "period")
        .order_by("org_unit__name")
    )
    return close, attempts


# --------------------------------------------------------------------------- review


@dataclass
class PodChange:
    result: PodResult
    previous_pool: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.previous_pool is None:
            return None
        return self.result.pool - self.previous_pool


def pod_changes(*, period: IncentivePeriod, results: Iterable[PodResult]) -> list[PodChange]:
    previous = dict(
        PodResult.objects.filter(
            period__org_unit_id=period.org_unit_id, period__month=add_months(period.month, -1)
        ).values_list("pod_id", "pool")
    )
    return [PodChange(result=r, previous_pool=previous.get(r.pod_id)) for r in results]


def reset_allowed_sql() -> str:
    return "INSERT INTO incentives_reset_token (id) VALUES (1)"


@transaction.atomic
def periods_delete_for_reset(*, unit_ids: Sequence[int]) -> int:
    """Delete every period, payout, result, audit entry and plan of these units, frozen ones
    included. The admin-only path the demo reset uses: a row in ``incentives_reset_token``,
    inserted and removed inside this one transaction (never visible to anyone else), is what
    the immutability triggers let through."""
    with connection.cursor() as cur:
        cur.execute(reset_allowed_sql())
        try:
            periods = IncentivePeriod.objects.filter(org_unit_id__in=unit_ids)
            Payout.objects.filter(Q(period__in=periods) | Q(adjusts__in=periods)).delete()
            PodResult.objects.filter(period__in=periods).delete()
            AuditEntry.objects.filter(period__in=periods).delete()
            count, _ = periods.delete()
            PlanComponent.objects.filter(plan__org_unit_id__in=unit_ids).delete()
            IncentivePlan.objects.filter(org_unit_id__in=unit_ids).delete()
        finally:
            cur.execute("DELETE FROM incentives_reset_token")
    return count
