"""The maths of DESIGN.md §3 on a parsed scenario: exact rationals in, typed results out.

Results carry ``Fraction`` and ``Decimal`` values; only their ``breakdown``/``to_json`` edge
turns them into strings for JSON and storage.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from incentives.bonuses.engine.scenario import (
    DEFAULT_ATTAINMENT_CAP,
    DEFAULT_FLOOR,
    BaselineStep,
    MemberInput,
    Plan,
    PodInput,
    ScenarioRefused,
    Stint,
    cents_to_decimal,
    format_number,
    merged_targets,
    parse_month,
    round_half_up,
    validate_plan,
    validate_pods,
    where_component,
    where_pod,
)

# ----------------------------------------------------------------------- the maths


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def active_days(start: date | None, end: date | None, year: int, month: int) -> int:
    """Calendar days of ``[start, end]`` (inclusive, open when ``None``) inside the month."""
    first = date(year, month, 1)
    last = date(year, month, days_in_month(year, month))
    begin = max(first, start) if start is not None else first
    finish = min(last, end) if end is not None else last
    return max(0, (finish - begin).days + 1)


def aggregate(values: Sequence[tuple[date, Fraction]], rule: str) -> Fraction | None:
    """The month's value from ``(date, value)`` pairs in input order; ``None`` if none."""
    if not values:
        return None
    if rule == "last":
        # max() keeps the first of equal keys, so the input index breaks same-date ties
        # in favour of the later observation.
        return max(enumerate(values), key=lambda item: (item[1][0], item[0]))[1][1]
    total = sum((value for _, value in values), Fraction(0))
    if rule == "sum":
        return total
    if rule == "mean":
        return total / len(values)
    raise ValueError(f"unknown aggregate {rule!r}")


def attainment(
    value: Fraction | None,
    *,
    direction: str,
    threshold: Fraction,
    target: Fraction,
    stretch: Fraction,
    floor: Fraction = DEFAULT_FLOOR,
    cap: Fraction = DEFAULT_ATTAINMENT_CAP,
) -> Fraction:
    """§3 step 2: a component's attainment for value ``v`` (0 when there is no value)."""
    if value is None:
        return Fraction(0)
    if direction == "higher":
        if value < threshold:
            return Fraction(0)
        if value < target:
            return floor + (1 - floor) * (value - threshold) / (target - threshold)
        if value < stretch:
            return 1 + (cap - 1) * (value - target) / (stretch - target)
        return Fraction(cap)
    if direction == "lower":
        if value > threshold:
            return Fraction(0)
        if value > target:
            return floor + (1 - floor) * (threshold - value) / (threshold - target)
        if value > stretch:
            return 1 + (cap - 1) * (target - value) / (target - stretch)
        return Fraction(cap)
    raise ValueError(f"unknown direction {direction!r}")


def split_cents(pool_cents: int, weights: Sequence[tuple[str, Fraction]]) -> list[int]:
    """§3 step 9: the pool (in cents) split by weight, largest remainders get the leftover cents.

    ``weights`` is ``(person id, weight)`` per line; the result is in the same order and
    always adds up to ``pool_cents``. Exact ties go to the smaller id in string order.
    When every weight is 0 nobody can take a share: that is only consistent with an
    empty pool (true under §3: all-zero allocations make K = 0, so the pool is 0).
    """
    if pool_cents < 0:
        raise ValueError("a pool cannot be negative")
    total = sum((weight for _, weight in weights), Fraction(0))
    if total == 0:
        if pool_cents:
            raise ValueError("a non-zero pool cannot be split over weights that are all zero")
        return [0] * len(weights)
    exact = [pool_cents * weight / total for _, weight in weights]
    cents = [int(share // 1) for share in exact]
    leftover = pool_cents - sum(cents)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - cents[i]), str(weights[i][0])))
    for i in order[:leftover]:
        cents[i] += 1
    return cents


# ----------------------------------------------------------------------- the results


@dataclass(kw_only=True)
class ComponentResult:
    metric: str
    direction: str
    aggregate: str
    weight: Fraction
    threshold: Fraction  # T0, T1, T2 actually used (per-pod targets applied)
    target: Fraction
    stretch: Fraction
    floor: Fraction
    attainment_cap: Fraction
    observations: int  # how many observations in the month fed the value
    used_empty_value: bool
    value: Fraction | None
    attainment: Fraction

    def breakdown(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction,
            "aggregate": self.aggregate,
            "weight": format_number(self.weight),
            "threshold": format_number(self.threshold),
            "target": format_number(self.target),
            "stretch": format_number(self.stretch),
            "floor": format_number(self.floor),
            "attainment_cap": format_number(self.attainment_cap),
            "observations": self.observations,
            "used_empty_value": self.used_empty_value,
            "value": format_number(self.value),
            "attainment": format_number(self.attainment),
        }


@dataclass(kw_only=True)
class PayoutLine:
    person: str
    amount: Decimal  # two places
    active_days: int
    days_in_month: int
    active_fraction: Fraction
    allocation: Fraction
    base_pay: Fraction
    weight: Fraction  # allocation × active fraction, or 1 for an equal split
    share_exact: Fraction  # P × weight ÷ Σ weights, before flooring
    extra_cent: bool  # got one of the leftover cents
    stints: list[tuple[Stint, int, Fraction]]  # active stints: (stint, days, fraction)
    breakdown: dict[str, Any]  # every input and intermediate, JSON-ready, for the Payout row


@dataclass(kw_only=True)
class PodResult:
    id: str
    components: list[ComponentResult]
    attainment: Fraction  # A
    min_attainment: Fraction
    attainment_met: bool  # A ≥ A_min
    baseline_headcount: Fraction  # the month's (the mean over its days of a schedule)
    baseline_schedule: list[BaselineStep] | None
    fte: Fraction  # H
    actual_cost: Fraction  # K
    equivalent_cost: Fraction  # E
    dividend: Fraction  # D
    efficiency_ratio: Fraction | None  # None when H = 0
    pool_uncapped: Fraction  # σ × D
    pool_limit: Fraction  # κ × K
    pool_before_rounding: Fraction
    pool: Decimal  # P, two places
    total_weight: Fraction
    payouts: list[PayoutLine]

    def breakdown(self) -> dict[str, Any]:
        """Pod-level intermediates as JSON-ready strings."""
        return {
            "pod": self.id,
            "components": [comp.breakdown() for comp in self.components],
            "attainment": format_number(self.attainment),
            "min_attainment": format_number(self.min_attainment),
            "attainment_met": self.attainment_met,
            "baseline_headcount": format_number(self.baseline_headcount),
            "baseline_schedule": (
                [
                    {
                        "from": step.start.isoformat() if step.start else None,
                        "value": format_number(step.value),
                    }
                    for step in self.baseline_schedule
                ]
                if self.baseline_schedule is not None
                else None
            ),
            "fte": format_number(self.fte),
            "actual_cost": format_number(self.actual_cost),
            "equivalent_cost": format_number(self.equivalent_cost),
            "dividend": format_number(self.dividend),
            "efficiency_ratio": format_number(self.efficiency_ratio),
            "pool_uncapped": format_number(self.pool_uncapped),
            "pool_limit": format_number(self.pool_limit),
            "pool_before_rounding": format_number(self.pool_before_rounding),
            "pool": str(self.pool),
            "total_weight": format_number(self.total_weight),
        }

    def to_json(self) -> dict[str, Any]:
        """Exactly the per-pod object of §3's ``simulate_month`` output."""
        return {
            "id": self.id,
            "attainment": format_number(self.attainment),
            "components": [
                {
                    "metric": c.metric,
                    "value": format_number(c.value),
                    "attainment": format_number(c.attainment),
                }
                for c in self.components
            ],
            "fte": format_number(self.fte),
            "actual_cost": format_number(self.actual_cost),
            "equivalent_cost": format_number(self.equivalent_cost),
            "dividend": format_number(self.dividend),
            "efficiency_ratio": format_number(self.efficiency_ratio),
            "pool": str(self.pool),
            "payouts": [
                {"person": line.person, "amount": str(line.amount)} for line in self.payouts
            ],
        }


@dataclass(kw_only=True)
class MonthResult:
    month: tuple[int, int]
    currency: str | None
    plan: Plan
    pods: list[PodResult]

    @property
    def month_text(self) -> str:
        return f"{self.month[0]:04d}-{self.month[1]:02d}"

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month_text,
            "currency": self.currency,
            "pods": [pod.to_json() for pod in self.pods],
        }


def compute_month(
    month: tuple[int, int] | str,
    plan: Plan,
    pods: Sequence[PodInput],
    *,
    currency: str | None = None,
) -> MonthResult:
    """§3 for every pod of one month. Raises ``ScenarioRefused`` when the input is invalid."""
    try:
        year, mon = parse_month(month)
    except ValueError as exc:
        raise ScenarioRefused([f"scenario: month {exc}"]) from None
    problems = validate_plan(plan) + validate_pods(plan, pods)
    missing = _missing_fields(plan, pods)
    if not problems and not missing:
        problems = _uncovered_baseline_days(year, mon, pods)
    if problems or missing:
        raise ScenarioRefused(missing + problems)
    month_text = f"{year:04d}-{mon:02d}"
    results = [_compute_pod(year, mon, plan, pod) for pod in pods]
    for pod in results:
        for line in pod.payouts:
            line.breakdown["month"] = month_text
            if currency is not None:
                line.breakdown["currency"] = currency
    return MonthResult(month=(year, mon), currency=currency, plan=plan, pods=results)


def _missing_fields(plan: Plan, pods: Sequence[PodInput]) -> list[str]:
    # validate_* skip None fields because the parser reports them; data classes built by
    # hand must not slip a None into the maths, so say which one it is.
    problems = []
    for name in ("standard_cost_per_fte", "share", "pool_cap", "min_attainment", "split"):
        if getattr(plan, name) is None:
            problems.append(f"plan: {name} is missing")
    required = (
        "metric",
        "kind",
        "direction",
        "weight",
        "threshold",
        "target",
        "stretch",
        "aggregate",
        "floor",
        "attainment_cap",
    )
    if plan.components is None:
        problems.append("plan: components is missing")
    for index, comp in enumerate(plan.components or []):
        for name in required:
            if getattr(comp, name) is None:
                problems.append(f"{where_component(index, comp.metric)}: {name} is missing")
    for index, pod in enumerate(pods):
        where = where_pod(index, pod.id)
        for name in ("id", "baseline_headcount"):
            if getattr(pod, name) is None:
                problems.append(f"{where}: {name} is missing")
        for m_index, member in enumerate(pod.members):
            m_where = f"{where}.members[{m_index}]"
            if member.id is None:
                problems.append(f"{m_where}: id is missing")
            for s_index, stint in enumerate(member.stint_list()):
                s_where = m_where if member.stints is None else f"{m_where}.stints[{s_index}]"
                for name in ("base_pay", "allocation"):
                    if getattr(stint, name) is None:
                        problems.append(f"{s_where}: {name} is missing")
        for s_index, step in enumerate(pod.baseline_schedule or []):
            if step.value is None:
                problems.append(f"{where}.baseline_headcount[{s_index}]: value is missing")
        for o_index, obs in enumerate(pod.observations):
            for name in ("metric", "date", "value"):
                if getattr(obs, name) is None:
                    problems.append(f"{where}.observations[{o_index}]: {name} is missing")
    return problems


def _uncovered_baseline_days(year: int, month: int, pods: Sequence[PodInput]) -> list[str]:
    """A baseline schedule must be in force on every day of the month (§3 item 11)."""
    first = date(year, month, 1)
    problems = []
    for index, pod in enumerate(pods):
        schedule = pod.baseline_schedule
        if schedule and schedule[0].start is not None and schedule[0].start > first:
            last = min(
                schedule[0].start, date(year, month, days_in_month(year, month)) + timedelta(1)
            )
            problems.append(
                f"{where_pod(index, pod.id)}: no baseline_headcount is in force from "
                f"{first.isoformat()} to {(last - timedelta(1)).isoformat()}"
            )
    return problems


def month_baseline(pod: PodInput, year: int, month: int) -> Fraction:
    """The month's baseline: the exact mean of the value in force on each day."""
    schedule = pod.baseline_schedule
    if schedule is None:
        return pod.baseline_headcount
    dim = days_in_month(year, month)
    first = date(year, month, 1)
    total = Fraction(0)
    for index, step in enumerate(schedule):
        begin = max(step.start or first, first)
        following = schedule[index + 1].start if index + 1 < len(schedule) else None
        end = (
            min(following - timedelta(1), date(year, month, dim))
            if following
            else date(year, month, dim)
        )
        if end >= begin:
            total += step.value * ((end - begin).days + 1)
    return total / dim


@dataclass(kw_only=True)
class MemberMonth:
    """One member's month over their stints: what H, K and the split add up."""

    member: MemberInput
    stints: list[tuple[Stint, int, Fraction]]  # (stint, active days, active fraction)

    @property
    def active_days(self) -> int:
        return sum(days for _, days, _ in self.stints)

    @property
    def active_fraction(self) -> Fraction:
        return sum((frac for _, _, frac in self.stints), Fraction(0))

    @property
    def fte(self) -> Fraction:
        return sum((s.allocation * frac for s, _, frac in self.stints), Fraction(0))

    @property
    def cost(self) -> Fraction:
        return sum((s.base_pay * s.allocation * frac for s, _, frac in self.stints), Fraction(0))


def _member_months(pod: PodInput, year: int, month: int) -> list[MemberMonth]:
    """Members with at least one active day, each with their active stints in date order."""
    dim = days_in_month(year, month)
    out = []
    for member in pod.members:
        active = []
        for stint in sorted(member.stint_list(), key=lambda s: s.start or date.min):
            days = active_days(stint.start, stint.end, year, month)
            if days:
                active.append((stint, days, Fraction(days, dim)))
        if active:
            out.append(MemberMonth(member=member, stints=active))
    return out


def _compute_pod(year: int, month: int, plan: Plan, pod: PodInput) -> PodResult:
    dim = days_in_month(year, month)
    first = date(year, month, 1)
    last = date(year, month, dim)

    components = []
    for comp in plan.components:
        t0, t1, t2 = merged_targets(comp, pod.targets.get(comp.metric))
        seen = [
            (obs.date, obs.value)
            for obs in pod.observations
            if obs.metric == comp.metric and first <= obs.date <= last
        ]
        value = aggregate(seen, comp.aggregate)
        used_empty = value is None and comp.empty_value is not None
        if used_empty:
            value = comp.empty_value
        components.append(
            ComponentResult(
                metric=comp.metric,
                direction=comp.direction,
                aggregate=comp.aggregate,
                weight=comp.weight,
                threshold=t0,
                target=t1,
                stretch=t2,
                floor=comp.floor,
                attainment_cap=comp.attainment_cap,
                observations=len(seen),
                used_empty_value=used_empty,
                value=value,
                attainment=attainment(
                    value,
                    direction=comp.direction,
                    threshold=t0,
                    target=t1,
                    stretch=t2,
                    floor=comp.floor,
                    cap=comp.attainment_cap,
                ),
            )
        )
    total_attainment = sum((c.weight * c.attainment for c in components), Fraction(0))

    active = _member_months(pod, year, month)
    baseline = month_baseline(pod, year, month)
    fte = sum((m.fte for m in active), Fraction(0))
    actual_cost = sum((m.cost for m in active), Fraction(0))
    equivalent_cost = total_attainment * baseline * plan.standard_cost_per_fte
    dividend = max(Fraction(0), equivalent_cost - actual_cost)
    ratio = total_attainment * baseline / fte if fte else None
    met = total_attainment >= plan.min_attainment
    pool_uncapped = plan.share * dividend
    pool_limit = plan.pool_cap * actual_cost
    before = min(pool_uncapped, pool_limit) if met else Fraction(0)
    pool_cents = round_half_up(before * 100)

    weights = [(m.member.id, m.fte if plan.split == "allocation" else Fraction(1)) for m in active]
    total_weight = sum((w for _, w in weights), Fraction(0))
    cents = split_cents(pool_cents, weights)

    result = PodResult(
        id=pod.id,
        components=components,
        attainment=total_attainment,
        min_attainment=plan.min_attainment,
        attainment_met=met,
        baseline_headcount=baseline,
        baseline_schedule=pod.baseline_schedule,
        fte=fte,
        actual_cost=actual_cost,
        equivalent_cost=equivalent_cost,
        dividend=dividend,
        efficiency_ratio=ratio,
        pool_uncapped=pool_uncapped,
        pool_limit=pool_limit,
        pool_before_rounding=before,
        pool=cents_to_decimal(pool_cents),
        total_weight=total_weight,
        payouts=[],
    )
    pod_breakdown = result.breakdown()
    # The plan's parameters sit apart so its "share" (σ) is not mistaken for the person's.
    plan_breakdown = {
        "standard_cost_per_fte": format_number(plan.standard_cost_per_fte),
        "share": format_number(plan.share),
        "pool_cap": format_number(plan.pool_cap),
        "min_attainment": format_number(plan.min_attainment),
        "split": plan.split,
    }
    for mm, (_, weight), amount_cents in zip(active, weights, cents, strict=True):
        share_exact = (
            Fraction(pool_cents, 100) * weight / total_weight if total_weight else Fraction(0)
        )
        floored = int(share_exact * 100 // 1)
        amount = cents_to_decimal(amount_cents)
        frac = mm.active_fraction
        # With one stint these are its own values; with several, the month's effective ones
        # (allocation = FTE ÷ active fraction, base pay = cost ÷ FTE); each stint is listed.
        allocation = mm.fte / frac
        base_pay = mm.cost / mm.fte if mm.fte else mm.stints[0][0].base_pay
        first_stint, last_stint = mm.stints[0][0], mm.stints[-1][0]
        result.payouts.append(
            PayoutLine(
                person=mm.member.id,
                amount=amount,
                active_days=mm.active_days,
                days_in_month=dim,
                active_fraction=frac,
                allocation=allocation,
                base_pay=base_pay,
                weight=weight,
                share_exact=share_exact,
                extra_cent=amount_cents > floored,
                stints=mm.stints,
                breakdown={
                    **pod_breakdown,
                    "plan": plan_breakdown,
                    "person": mm.member.id,
                    "base_pay": format_number(base_pay),
                    "allocation": format_number(allocation),
                    "start": first_stint.start.isoformat() if first_stint.start else None,
                    "end": last_stint.end.isoformat() if last_stint.end else None,
                    "stints": [
                        {
                            "start": st.start.isoformat() if st.start else None,
                            "end": st.end.isoformat() if st.end else None,
                            "allocation": format_number(st.allocation),
                            "base_pay": format_number(st.base_pay),
                            "active_days": str(days),
                            "active_fraction": format_number(sfrac),
                            "fte": format_number(st.allocation * sfrac),
                            "cost": format_number(st.base_pay * st.allocation * sfrac),
                        }
                        for st, days, sfrac in mm.stints
                    ],
                    "active_days": str(mm.active_days),
                    "days_in_month": str(dim),
                    "active_fraction": format_number(frac),
                    "weight": format_number(weight),
                    "share_exact": format_number(share_exact),
                    "share_floored": str(cents_to_decimal(floored)),
                    "extra_cent": amount_cents > floored,
                    "amount": str(amount),
                },
            )
        )
    return result
