"""Outcome metrics: definitions, the pay guardrail, targets, observations and their review.

Services are keyword-only ``<noun>_<verb>`` functions under ``@transaction.atomic``; pages, the
CSV import, the REST API, the demo and the payout engineer all call these.
"""

from __future__ import annotations

import calendar
import uuid
from bisect import insort
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from incentives.bonuses import engine
from incentives.metrics import anomalies
from incentives.models import (
    AuditEntry,
    Direction,
    Metric,
    MetricTarget,
    Observation,
    TargetProposal,
)
from teams import clock, inputs, permissions
from teams.friction.figures import is_wait_figure
from teams.models import Pod, PodMembership
from teams.numbers import NumberError, parse_decimal

# --------------------------------------------------------------------------- the guardrail

PROCESS_METRIC_REFUSAL = (
    "“{name}” is a process metric (effort or activity). Pay follows outcomes, not effort: "
    "counting hours, meetings, lines of code, tickets or story points rewards being busy, and "
    "people soon optimise the count instead of the customer. Record it for diagnosis, but pick "
    "an outcome metric (revenue, activation, retention, NPS, incidents, …) for pay."
)

WAIT_FIGURE_REFUSAL = (
    "The key “{key}” names a wait figure (time spent waiting on other teams), which is a "
    "process measure: create it as a process metric. "
)

METRIC_EXAMPLES = {
    Metric.Kind.OUTCOME: [
        ("Revenue", "EUR", "higher", "sum", "Money customers paid this month."),
        (
            "Activation rate",
            "%",
            "higher",
            "last",
            "Share of new accounts reaching the 'aha' step in week one.",
        ),
        (
            "90-day retention",
            "%",
            "higher",
            "last",
            "Customers still active 90 days after sign-up.",
        ),
        ("NPS", "score", "higher", "mean", "Net promoter score from in-product surveys."),
        ("Paid conversions", "accounts", "higher", "sum", "Trials that became paying accounts."),
        (
            "Customer-facing incidents",
            "incidents",
            "lower",
            "sum",
            "Outages or bugs customers felt; empty value 0.",
        ),
        ("Time-to-value", "days", "lower", "mean", "Days from sign-up to the first useful result."),
    ],
    Metric.Kind.PROCESS: [
        ("Hours worked", "h", "higher", "sum", "Diagnosis only: are people overloaded?"),
        (
            "Meetings",
            "meetings",
            "lower",
            "sum",
            "Diagnosis only: is the calendar eating the week?",
        ),
        ("Lines of code", "lines", "higher", "sum", "Diagnosis only; never a measure of value."),
        ("PRs / tickets closed", "items", "higher", "sum", "Diagnosis only: flow, not outcome."),
        ("Story points", "points", "higher", "sum", "Diagnosis only: an estimate of effort."),
    ],
}


def metric_pay_kind(metric: Metric) -> str:
    """The kind pay sees. A metric built on wait figures (``teams.friction.figures``: a key
    such as ``wait-p90-hours`` or ``review-pod-days-lost``) is diagnosis, a process measure,
    whatever kind it was given."""
    return Metric.Kind.PROCESS if is_wait_figure(metric.key) else metric.kind


def metric_ensure_pay_eligible(metric: Metric) -> None:
    """Refuse a process metric wherever pay is computed (plans, components, payouts)."""
    if metric_pay_kind(metric) != Metric.Kind.OUTCOME:
        raise ValidationError(
            PROCESS_METRIC_REFUSAL.format(name=metric.name), code="process_metric"
        )


# --------------------------------------------------------------------------- months


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str | None, default: date) -> date:
    """First day of the month ``YYYY-MM``; ``default`` when empty or malformed."""
    if text:
        try:
            year, month = engine.parse_month(text)
            return inputs.check_day(date(year, month, 1))
        except ValueError:
            pass
    return month_start(default)


# --------------------------------------------------------------------------- definitions


@transaction.atomic
def metric_create(
    *,
    org_unit_id: int,
    key: str,
    name: str,
    kind: str,
    direction: str,
    aggregation: str,
    unit: str = "",
    description: str = "",
    owner_pod: Pod | None = None,
    empty_value: Decimal | None = None,
) -> Metric:
    metric = Metric(
        org_unit_id=org_unit_id,
        key=key,
        name=name,
        kind=kind,
        direction=direction,
        aggregation=aggregation,
        unit=unit,
        description=description,
        owner_pod=owner_pod,
        empty_value=empty_value,
    )
    if owner_pod is not None and owner_pod.org_unit_id != org_unit_id:
        raise ValidationError({"owner_pod": "The owner pod must belong to the metric's org unit."})
    if kind == Metric.Kind.OUTCOME and is_wait_figure(key):
        raise ValidationError(
            {
                "kind": WAIT_FIGURE_REFUSAL.format(key=key)
                + PROCESS_METRIC_REFUSAL.format(name=name)
            },
            code="process_metric",
        )
    metric.full_clean()
    metric.save()
    return metric


def metrics_for_pod(pod: Pod) -> QuerySet[Metric]:
    """Metrics a pod reports on: its unit's metrics owned by the unit or by this pod."""
    return Metric.objects.filter(
        Q(owner_pod__isnull=True) | Q(owner_pod_id=pod.pk), org_unit_id=pod.org_unit_id
    ).order_by("kind", "name")


# --------------------------------------------------------------------------- targets


def target_problems(direction: str, threshold: Any, target: Any, stretch: Any) -> list[str]:
    """What is wrong with these three values for this direction (empty when they are fine)."""
    if None in (threshold, target, stretch):
        return ["Threshold, target and stretch are all required."]
    if direction == Direction.HIGHER and not threshold < target < stretch:
        return [
            f"Higher is better, so threshold < target < stretch is needed "
            f"(got {threshold}, {target}, {stretch})."
        ]
    if direction == Direction.LOWER and not threshold > target > stretch:
        return [
            f"Lower is better, so threshold > target > stretch is needed "
            f"(got {threshold}, {target}, {stretch})."
        ]
    return []


@transaction.atomic
def target_set(
    *,
    metric: Metric,
    pod: Pod,
    month: date,
    threshold: Decimal,
    target: Decimal,
    stretch: Decimal,
    user: User | None = None,
) -> MetricTarget:
    """Create or replace the pod's target for the metric in that month."""
    problems = target_problems(metric.direction, threshold, target, stretch)
    if problems:
        raise ValidationError(problems)
    row, _ = MetricTarget.objects.update_or_create(
        metric=metric,
        pod=pod,
        month=month_start(month),
        defaults={"threshold": threshold, "target": target, "stretch": stretch},
    )
    # The lead's own values answer any pending proposal for that metric and month.
    TargetProposal.objects.filter(
        metric=metric, pod=pod, month=month_start(month), status=TargetProposal.Status.PENDING
    ).update(status=TargetProposal.Status.REPLACED, decided_by=user, decided_at=timezone.now())
    return row


@transaction.atomic
def target_propose(
    *,
    metric: Metric,
    pod: Pod,
    month: date,
    threshold: Decimal,
    target: Decimal,
    stretch: Decimal,
    user: User,
) -> TargetProposal:
    """A Pod Lead proposes targets; nothing counts for pay until an Org Lead accepts them.
    A new proposal for the same metric and month replaces the pending one."""
    problems = target_problems(metric.direction, threshold, target, stretch)
    if problems:
        raise ValidationError(problems)
    proposal, _ = TargetProposal.objects.update_or_create(
        metric=metric,
        pod=pod,
        month=month_start(month),
        status=TargetProposal.Status.PENDING,
        defaults={
            "threshold": threshold,
            "target": target,
            "stretch": stretch,
            "proposed_by": user,
        },
    )
    AuditEntry.objects.create(
        actor=user,
        action="target_proposed",
        data={"pod": pod.pk, "metric": metric.key, "month": f"{month:%Y-%m}"},
    )
    return proposal


@transaction.atomic
def target_proposal_decide(*, proposal: TargetProposal, accept: bool, user: User) -> TargetProposal:
    """The Org Lead accepts a proposal (it becomes the pod's target) or declines it."""
    proposal = TargetProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != TargetProposal.Status.PENDING:
        raise ValidationError(f"This proposal is already {proposal.get_status_display().lower()}.")
    if accept:
        target_set(
            metric=proposal.metric,
            pod=proposal.pod,
            month=proposal.month,
            threshold=proposal.threshold,
            target=proposal.target,
            stretch=proposal.stretch,
            user=user,
        )
    proposal.status = TargetProposal.Status.ACCEPTED if accept else TargetProposal.Status.DECLINED
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    AuditEntry.objects.create(
        actor=user,
        action=f"target_proposal_{proposal.status}",
        data={"proposal": proposal.pk, "pod": proposal.pod_id, "metric": proposal.metric.key},
    )
    return proposal


@transaction.atomic
def targets_copy(*, pod: Pod, from_month: date, to_month: date, overwrite: bool = False) -> int:
    """Copy every target of ``from_month`` to ``to_month``; returns how many were written.

    Targets already set in ``to_month`` are kept unless ``overwrite``.
    """
    source = list(MetricTarget.objects.filter(pod=pod, month=month_start(from_month)))
    existing = set(
        MetricTarget.objects.filter(pod=pod, month=month_start(to_month)).values_list(
            "metric_id", flat=True
        )
    )
    rows = [
        MetricTarget(
            metric_id=t.metric_id,
            pod=pod,
            month=month_start(to_month),
            threshold=t.threshold,
            target=t.target,
            stretch=t.stretch,
        )
        for t in source
        if overwrite or t.metric_id not in existing
    ]
    if not rows:
        return 0
    MetricTarget.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["metric", "pod", "month"],
        update_fields=["threshold", "target", "stretch"],
    )
    return len(rows)


# --------------------------------------------------------------------------- observations


# Awaiting an Org Lead's decision: they count for pay only once confirmed (DESIGN §1).
PENDING_FLAGS = ("flagged", "self")


def observations_that_count() -> QuerySet[Observation]:
    """Observations pay may follow: never rejected ones, flagged or self-reported ones only
    once a lead confirmed them."""
    return Observation.objects.exclude(flag__in=(Observation.Flag.REJECTED, *PENDING_FLAGS))


def observations_pending_review() -> QuerySet[Observation]:
    return Observation.objects.filter(flag__in=PENDING_FLAGS)


@dataclass
class ObservationRow:
    """One observation to write, already resolved to ids and validated."""

    pod_id: int
    metric_id: int
    date: date
    value: Decimal
    external_id: str
    evidence_url: str = ""
    row: int = 0  # 1-based position in the file or request, for messages


@dataclass
class RowProblem:
    row: int
    message: str
    forbidden: bool = False

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass
class Resolution:
    rows: list[ObservationRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def forbidden(self) -> list[RowProblem]:
        return [p for p in self.problems if p.forbidden]


_url = URLValidator()


def parse_value(raw: Any) -> Decimal:
    """A Decimal that fits ``Observation.value`` (20 digits, 6 decimals), or ``NumberError``
    (a ValueError) whose text reads after the field's name."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise NumberError("is missing: a number is needed")
    return parse_decimal(raw, places=6, integer_digits=14)


def parse_day(raw: Any, today: date) -> date:
    """An observation's day: it exists, its year is one we keep records for, and it is not
    after tomorrow (a time zone ahead of ours may already be there)."""
    day = inputs.parse_day(raw)
    if day > today + timedelta(days=1):
        raise ValueError(f"{day:%Y-%m-%d} is in the future")
    return day


OBSERVATION_FIELDS = ("pod", "metric", "date", "value", "external_id", "evidence_url")


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _row_pod(raw, index: int, pods: dict, writable: set[int], with_nul: set[str], result):
    """The row's pod if the user may write for it; else one problem that reads the same for a
    pod that does not exist and one they may not see (no existence oracle)."""
    raw_pod = _text(raw, "pod")
    if "pod" in with_nul:
        return None
    try:
        pod = pods.get(int(raw_pod))
    except ValueError:
        pod = None
    if pod is None or pod.pk not in writable:
        result.problems.append(
            RowProblem(
                index,
                f"pod {raw_pod or '(empty)'} does not exist "
                "or you may not record observations for it",
                forbidden=pod is not None,
            )
        )
        return None
    return pod


def _row_metric(pod, key: str, metrics: dict, with_nul: set[str], problems: list[str]):
    if pod is None or "metric" in with_nul:
        return None
    metric = metrics.get((pod.org_unit_id, key))
    if metric is None:
        problems.append(f"unknown metric {key!r} for pod {pod.name}")
    elif metric.owner_pod_id not in (None, pod.pk):
        problems.append(f"metric {key!r} belongs to another pod")
        return None
    return metric


def _row_day_and_value(raw, today: date, with_nul: set[str], problems: list[str]):
    day = value = None
    if "date" not in with_nul:
        try:
            day = parse_day(raw.get("date"), today)
        except ValueError as exc:
            problems.append(f"date {exc}")
    if "value" not in with_nul:
        try:
            value = parse_value(raw.get("value"))
        except ValueError as exc:
            problems.append(f"value {exc}")
    return day, value


def _row_evidence(raw, with_nul: set[str], problems: list[str]) -> str:
    evidence = _text(raw, "evidence_url")
    if evidence and "evidence_url" not in with_nul:
        try:
            _url(evidence)
            if len(evidence) > 200:
                raise ValidationError("too long")
        except ValidationError:
            problems.append(f"evidence_url {evidence[:60]!r} is not a valid http(s) link")
    return evidence


def _row_key(raw, key: str, day: date | None, source: str, problems: list[str]) -> str:
    external_id = _text(raw, "external_id")
    if len(external_id) > 120:
        problems.append("external_id is longer than 120 characters")
    if not external_id:
        # A CSV re-imported without keys updates instead of duplicating: one value per
        # metric and day. The form and the API get a fresh key per observation.
        external_id = (
            f"csv:{key}:{day:%Y-%m-%d}"
            if source == Observation.Source.CSV and day
            else str(uuid.uuid4())
        )
    return external_id


def observation_rows_resolve(
    *,
    user: User | AnonymousUser,
    raw_rows: Sequence[Mapping[str, Any]],
    source: str,
    today: date | None = None,
    first_row: int = 1,
    only_pods: Collection[int] | None = None,
) -> Resolution:
    """Validate raw rows (``pod`` id, ``metric`` key, ``date``, ``value``, optional
    ``external_id`` and ``evidence_url``) against the database and the user's rights.

    A constant number of queries whatever the number of rows. Every problem of every row is
    reported with its row number (``first_row`` for the first; a CSV's header is line 1); rows
    for pods the user may not write to are marked ``forbidden``. ``only_pods`` (a service
    account's pods) narrows the user's rights further, and a pod outside it reads as a pod
    that does not exist.
    """
    today = today or clock.today()
    result = Resolution()
    pod_ids: set[int] = set()
    for raw in raw_rows:
        try:
            pod_ids.add(int(_text(raw, "pod")))
        except ValueError:
            pass
    if only_pods is not None:
        pod_ids &= set(only_pods)
    pods = {p.pk: p for p in Pod.objects.filter(pk__in=pod_ids).only("id", "name", "org_unit_id")}
    writable = permissions.editable_pod_ids(user, pods.values())
    # A NUL cannot even be sent to PostgreSQL in a query: such keys are reported, not looked up.
    keys = {k for raw in raw_rows if inputs.NUL not in (k := _text(raw, "metric"))}
    metrics = {
        (m.org_unit_id, m.key): m
        for m in Metric.objects.filter(
            org_unit_id__in={p.org_unit_id for p in pods.values()}, key__in=keys
        )
    }
    seen: dict[tuple[int, str], int] = {}
    for index, raw in enumerate(raw_rows, start=first_row):
        nul = [
            (name, problem)
            for name in OBSERVATION_FIELDS
            if (problem := inputs.nul_problem(raw.get(name), name))
        ]
        with_nul = {name for name, _ in nul}
        problems: list[str] = [problem for _, problem in nul]
        pod = _row_pod(raw, index, pods, writable, with_nul, result)
        key = _text(raw, "metric")
        metric = _row_metric(pod, key, metrics, with_nul, problems)
        day, value = _row_day_and_value(raw, today, with_nul, problems)
        evidence = _row_evidence(raw, with_nul, problems)
        problems.extend(inputs.unknown_fields(raw, OBSERVATION_FIELDS))
        external_id = _row_key(raw, key, day, source, problems)
        if pod is not None and "external_id" not in with_nul:
            first = seen.get((pod.pk, external_id))
            if first is not None:
                problems.append(
                    f"duplicate key {external_id!r} for pod {pod.pk} (already on row {first})"
                )
            else:
                seen[(pod.pk, external_id)] = index
        if problems or pod is None or metric is None:
            result.problems.extend(RowProblem(index, p) for p in problems)
            continue
        result.rows.append(
            ObservationRow(pod.pk, metric.pk, day, value, external_id, evidence, index)
        )
    return result


@dataclass
class UpsertResult:
    created: int
    updated: int
    flagged: int
    observations: list[Observation]


_HISTORY_DAYS = 400


@transaction.atomic
def _paid_from(user: User | None, rows: Sequence[ObservationRow]) -> set[tuple[int, date]]:
    """(pod, month) pairs of these rows whose pool pays ``user``: they had a stint in that pod
    that month. One query."""
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    if person is None:
        return set()
    stints = list(
        PodMembership.objects.filter(
            person=person, pod_id__in={r.pod_id for r in rows}
        ).values_list("pod_id", "start", "end")
    )
    out = set()
    for r in rows:
        first, last = month_start(r.date), month_end(r.date)
        if any(
            pod_id == r.pod_id and start <= last and (end is None or end >= first)
            for pod_id, start, end in stints
        ):
            out.add((r.pod_id, first))
    return out


def observations_upsert(
    *,
    rows: Sequence[ObservationRow],
    source: str,
    user: User | None,
    system_of_record: bool = False,
) -> UpsertResult:
    """Create or update observations by their key (pod, external_id), flagging anomalies.

    Nobody sets a number they are paid from: a value typed by someone paid from that pod's
    pool that month is self-reported and counts once an Org Lead confirms it, unless it comes
    from a system of record (a service account's token).

    A re-sent observation updates its row. A row a lead already confirmed or rejected keeps
    that decision when re-sent unchanged; a changed value is assessed afresh. A constant number
    of queries: existing rows by key, the pods' recent history, then one bulk upsert.
    """
    if not rows:
        return UpsertResult(0, 0, 0, [])
    pod_ids = {r.pod_id for r in rows}
    metric_ids = {r.metric_id for r in rows}
    existing = {
        (o["pod_id"], o["external_id"]): o
        for o in Observation.objects.filter(
            pod_id__in=pod_ids, external_id__in={r.external_id for r in rows}
        ).values("id", "pod_id", "external_id", "metric_id", "date", "value", "flag", "flag_reason")
    }
    replaced = {o["id"] for o in existing.values()}
    since = min(r.date for r in rows) - timedelta(days=_HISTORY_DAYS)
    series: dict[tuple[int, int], list[tuple[date, int, Decimal, int]]] = {}
    history = (
        Observation.objects.filter(pod_id__in=pod_ids, metric_id__in=metric_ids, date__gte=since)
        .exclude(flag=Observation.Flag.REJECTED)
        .values_list("id", "pod_id", "metric_id", "date", "value")
    )
    # (date, 0, value, -1) sorts stored points before new ones of the same day.
    for obs_id, pod_id, metric_id, day, value in history.iterator(chunk_size=5000):
        if obs_id not in replaced:
            series.setdefault((pod_id, metric_id), []).append((day, 0, value, -1))
    for i, r in enumerate(rows):
        insort(series.setdefault((r.pod_id, r.metric_id), []), (r.date, 1, r.value, i))
    reasons: dict[int, str] = {}
    for points in series.values():
        for pos, (day, is_new, value, i) in enumerate(points):
            if is_new:
                earlier = [(d, v) for d, _, v, _ in points[max(0, pos - anomalies.WINDOW) : pos]]
                reasons[i] = anomalies.assess(day, value, earlier)

    self_typed = set() if system_of_record else _paid_from(user, rows)
    objs, created, flagged = [], 0, 0
    for i, r in enumerate(rows):
        old = existing.get((r.pod_id, r.external_id))
        flag, reason = (
            (Observation.Flag.FLAGGED, reasons[i][:300])
            if reasons[i]
            else (Observation.Flag.NONE, "")
        )
        if (r.pod_id, month_start(r.date)) in self_typed:
            flag = Observation.Flag.SELF_REPORTED
            reason = "; ".join(filter(None, ["typed by a member of the pod", reason]))[:300]
        if old is None:
            created += 1
        elif (
            old["flag"] in (Observation.Flag.CONFIRMED, Observation.Flag.REJECTED)
            and old["value"] == r.value
            and old["date"] == r.date
            and old["metric_id"] == r.metric_id
        ):
            flag, reason = old["flag"], old["flag_reason"]
        flagged += flag in (Observation.Flag.FLAGGED, Observation.Flag.SELF_REPORTED)
        objs.append(
            Observation(
                pod_id=r.pod_id,
                metric_id=r.metric_id,
                date=r.date,
                value=r.value,
                source=source,
                recorded_by=user if user is not None and user.is_authenticated else None,
                evidence_url=r.evidence_url,
                external_id=r.external_id,
                flag=flag,
                flag_reason=reason,
            )
        )
    Observation.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["pod", "external_id"],
        update_fields=[
            "metric",
            "date",
            "value",
            "source",
            "recorded_by",
            "evidence_url",
            "flag",
            "flag_reason",
            "updated_at",
        ],
    )
    return UpsertResult(created, len(rows) - created, flagged, objs)


@transaction.atomic
def observation_review(*, observation: Observation, decision: str, user: User) -> Observation:
    """A lead confirms a flagged observation, or rejects it (then it no longer counts)."""
    flags = {"confirm": Observation.Flag.CONFIRMED, "reject": Observation.Flag.REJECTED}
    if decision not in flags:
        raise ValidationError(f"Unknown decision {decision!r}; use confirm or reject.")
    if decision == "confirm" and observation.flag not in PENDING_FLAGS:
        raise ValidationError("Only a flagged or self-reported observation can be confirmed.")
    before = observation.flag
    observation.flag = flags[decision]
    observation.save(update_fields=["flag", "updated_at"])
    AuditEntry.objects.create(
        actor=user,
        action=f"observation_{decision}ed",
        data={
            "observation": observation.pk,
            "pod": observation.pod_id,
            "metric": observation.metric_id,
            "date": observation.date.isoformat(),
            "value": str(observation.value),
            "before": before,
        },
    )
    return observation


# --------------------------------------------------------------------------- month status


def _decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))


@dataclass
class MetricMonth:
    """A metric's month for one pod: aggregated value so far, attainment against the target."""

    metric: Metric
    target: MetricTarget | None
    value: Decimal | None
    attainment: Decimal | None
    n_observations: int
    used_empty_value: bool

    @property
    def status(self) -> str:
        """One of ``none`` (no target), ``empty`` (no value), ``below``, ``partial``, ``met``,
        ``stretch``."""
        if self.target is None:
            return "none"
        if self.value is None:
            return "empty"
        if self.attainment == 0:
            return "below"
        if self.attainment < 1:
            return "partial"
        reached_stretch = (
            self.value >= self.target.stretch
            if self.metric.direction == Direction.HIGHER
            else self.value <= self.target.stretch
        )
        return "stretch" if reached_stretch else "met"

    @property
    def attainment_percent(self) -> int | None:
        return None if self.attainment is None else round(self.attainment * 100)


def metric_month(
    metric: Metric, target: MetricTarget | None, values: Sequence[tuple[date, Decimal]]
) -> MetricMonth:
    """Aggregate the month's counting observations (``engine.aggregate``) and score them
    (``engine.attainment``); ``empty_value`` stands in for a month with no observation."""
    value = engine.aggregate([(d, Fraction(v)) for d, v in values], metric.aggregation)
    used_empty = False
    if value is None and metric.empty_value is not None:
        value, used_empty = Fraction(metric.empty_value), True
    attainment = None
    if target is not None:
        attainment = _decimal(
            engine.attainment(
                value,
                direction=metric.direction,
                threshold=Fraction(target.threshold),
                target=Fraction(target.target),
                stretch=Fraction(target.stretch),
            )
        )
    return MetricMonth(metric, target, _decimal(value), attainment, len(values), used_empty)


def month_values(
    pod_ids: Iterable[int], metric_ids: Iterable[int], month: date
) -> dict[tuple[int, int], list[tuple[date, Decimal]]]:
    """Counting observations of the month by (pod, metric), in date then insertion order."""
    out: dict[tuple[int, int], list[tuple[date, Decimal]]] = {}
    rows = (
        observations_that_count()
        .filter(
            pod_id__in=list(pod_ids),
            metric_id__in=list(metric_ids),
            date__gte=month,
            date__lte=month_end(month),
        )
        .order_by("date", "id")
        .values_list("pod_id", "metric_id", "date", "value")
    )
    for pod_id, metric_id, day, value in rows:
        out.setdefault((pod_id, metric_id), []).append((day, value))
    return out
