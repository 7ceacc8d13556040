"""Outcome gain-share payout engine: DESIGN.md §3, exact to the cent.

Pure Python (no Django, no ORM) so the month close, the what-if simulator, the
``simulate_month`` command and the tests all run the very same maths. The database
layer builds the plain data classes below and stores what ``compute_month`` returns.

Money is exact: every number is a ``fractions.Fraction`` built from decimal input,
and only becomes a ``Decimal``/string for output. Floats are refused outright.

Run without Django: ``python -m incentives.engine scenario.json``.
"""

from __future__ import annotations

import calendar
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, TextIO

KINDS = ("outcome", "process")
DIRECTIONS = ("higher", "lower")
AGGREGATES = ("last", "sum", "mean")
SPLITS = ("allocation", "equal")

DEFAULT_FLOOR = Fraction(1, 2)
DEFAULT_ATTAINMENT_CAP = Fraction(3, 2)
DEFAULT_SHARE = Fraction(1, 5)
DEFAULT_POOL_CAP = Fraction(1, 2)
DEFAULT_MIN_ATTAINMENT = Fraction(1, 2)
DEFAULT_SPLIT = "allocation"

# Non-terminating results (a mean of three values, a third of a pool) are printed to
# this many significant digits; §3 asks for at least 20.
SIGNIFICANT_DIGITS = 28

Number = Fraction | Decimal | int | str


class ScenarioRefused(ValueError):
    """The input cannot be paid out; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------- numbers

_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def to_fraction(value: Any) -> Fraction:
    """Exact value of a decimal string, int, Decimal or Fraction.

    Floats are refused: 0.1 as a float is not 0.1, and money must be exact. The
    error text reads after a field name ("weight 'abc' is not a decimal number").
    """
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.fullmatch(text):
            raise ValueError(f"{value!r} is not a decimal number")
        return Fraction(Decimal(text))
    if isinstance(value, float):
        raise TypeError(f'{value!r} is a float; give numbers as decimal strings such as "0.5"')
    raise TypeError(f"{value!r} is not a number")


def to_date(value: Any) -> date:
    """A calendar date from a ``date`` or a ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DATE_RE.fullmatch(value.strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a valid date ({exc})") from None
    raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")


def parse_month(value: Any) -> tuple[int, int]:
    """``(year, month)`` from ``"YYYY-MM"`` or a ``(year, month)`` pair."""
    if isinstance(value, str):
        match = _MONTH_RE.fullmatch(value.strip())
        if match:
            year, month = (int(part) for part in match.groups())
            if 1 <= year and 1 <= month <= 12:
                return year, month
    elif isinstance(value, tuple | list) and len(value) == 2:
        year, month = value
        if (
            isinstance(year, int)
            and isinstance(month, int)
            and 1 <= year <= 9999
            and 1 <= month <= 12
        ):
            return year, month
    raise ValueError(f"{value!r} is not a month in the form YYYY-MM")


def format_number(value: Fraction | None) -> str | None:
    """Exact decimal when the fraction terminates, else 28 significant digits.

    Trailing zeros of exact values are dropped ("1.3", "9000"); ``None`` stays ``None``.
    """
    if value is None:
        return None
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        with localcontext() as ctx:
            ctx.prec = SIGNIFICANT_DIGITS
            return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    places = max(twos, fives)
    scaled = abs(value.numerator) * (10**places // value.denominator)
    sign = "-" if value < 0 else ""
    if places == 0:
        return f"{sign}{scaled}"
    whole, frac = divmod(scaled, 10**places)
    frac_text = str(frac).rjust(places, "0").rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero (only ever used on non-negative pools)."""
    magnitude = (abs(value) * 2 + 1) // 2
    return int(magnitude) if value >= 0 else -int(magnitude)


def cents_to_decimal(cents: int) -> Decimal:
    """``450000`` -> ``Decimal("4500.00")``, exactly (no context rounding)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return Decimal(f"{sign}{whole}.{rest:02d}")


# ------------------------------------------------------------------------ the inputs


def _coerce_numbers(obj: Any, names: Sequence[str]) -> None:
    # The database layer passes Decimals, the parser Fractions; None means "not set"
    # (or, inside the parser, "already reported as a problem").
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, Fraction):
            object.__setattr__(obj, name, to_fraction(value))


@dataclass(kw_only=True)
class Component:
    """One weighted outcome of a plan, with its default targets."""

    metric: str
    kind: str
    weight: Fraction
    direction: str
    threshold: Fraction
    target: Fraction
    stretch: Fraction
    aggregate: str
    floor: Fraction = DEFAULT_FLOOR
    attainment_cap: Fraction = DEFAULT_ATTAINMENT_CAP
    empty_value: Fraction | None = None

    def __post_init__(self) -> None:
        _coerce_numbers(
            self,
            ("weight", "threshold", "target", "stretch", "floor", "attainment_cap", "empty_value"),
        )


@dataclass(kw_only=True)
class Plan:
    """Gain-share parameters and components (currency lives with the scenario/period)."""

    standard_cost_per_fte: Fraction
    components: list[Component]
    share: Fraction = DEFAULT_SHARE
    pool_cap: Fraction = DEFAULT_POOL_CAP
    min_attainment: Fraction = DEFAULT_MIN_ATTAINMENT
    split: str = DEFAULT_SPLIT

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("standard_cost_per_fte", "share", "pool_cap", "min_attainment"))


@dataclass(kw_only=True)
class Targets:
    """A pod's own targets for one metric; a ``None`` falls back to the plan's."""

    threshold: Fraction | None = None
    target: Fraction | None = None
    stretch: Fraction | None = None

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("threshold", "target", "stretch"))


@dataclass(kw_only=True)
class MemberInput:
    """One membership: ``start``/``end`` inclusive, ``None`` = since ever / ongoing."""

    id: str
    base_pay: Fraction
    allocation: Fraction
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("base_pay", "allocation"))
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                object.__setattr__(self, name, to_date(value))


@dataclass(kw_only=True)
class ObservationInput:
    metric: str
    date: date
    value: Fraction

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("value",))
        if self.date is not None and not isinstance(self.date, date):
            self.date = to_date(self.date)


def _as_targets(value: Targets | Mapping | Sequence) -> Targets:
    if isinstance(value, Targets):
        return value
    if isinstance(value, Mapping):
        return Targets(**value)
    threshold, target, stretch = value
    return Targets(threshold=threshold, target=target, stretch=stretch)


@dataclass(kw_only=True)
class PodInput:
    """A pod's month: members, observations (any metrics) and per-pod targets by metric.

    ``targets`` values may be ``Targets``, a ``{"threshold", "target", "stretch"}`` dict or a
    ``(threshold, target, stretch)`` tuple; ``None`` in any of them means the plan's.
    """

    id: str
    baseline_headcount: Fraction
    members: list[MemberInput] = field(default_factory=list)
    observations: list[ObservationInput] = field(default_factory=list)
    targets: dict[str, Targets] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("baseline_headcount",))
        self.targets = {metric: _as_targets(value) for metric, value in self.targets.items()}


@dataclass(kw_only=True)
class Scenario:
    month: tuple[int, int]
    plan: Plan
    pods: list[PodInput]
    currency: str | None = None


# ------------------------------------------------------------------------ validation


def _where_component(index: int, metric: Any) -> str:
    return f"plan.components[{index}]" + (
        f" ({metric})" if isinstance(metric, str) and metric else ""
    )


def _where_pod(index: int, pod_id: Any) -> str:
    return f"pods[{index}]" + (f" ({pod_id})" if isinstance(pod_id, str) and pod_id else "")


def _fmt(value: Fraction) -> str:
    return format_number(value) or ""


def _targets_problem(
    direction: str | None, t0: Fraction | None, t1: Fraction | None, t2: Fraction | None
) -> str | None:
    if direction not in DIRECTIONS or t0 is None or t1 is None or t2 is None:
        return None  # a missing piece has been reported already
    if direction == "higher" and not t0 < t1 < t2:
        need = "threshold < target < stretch"
    elif direction == "lower" and not t0 > t1 > t2:
        need = "threshold > target > stretch"
    else:
        return None
    return (
        f"targets are not strictly ordered for direction {direction}: need {need}, "
        f"got threshold {_fmt(t0)}, target {_fmt(t1)}, stretch {_fmt(t2)}"
    )


def validate_plan(plan: Plan) -> list[str]:
    """Every problem of a plan, one line each.

    ``None`` fields are skipped: the parser has reported them already.
    """
    problems: list[str] = []
    if plan.standard_cost_per_fte is not None and plan.standard_cost_per_fte < 0:
        problems.append(
            f"plan: standard_cost_per_fte {_fmt(plan.standard_cost_per_fte)} is negative"
        )
    # A negative share or cap would turn the pool into a charge on the members.
    if plan.share is not None and plan.share < 0:
        problems.append(f"plan: share {_fmt(plan.share)} is negative")
    if plan.pool_cap is not None and plan.pool_cap < 0:
        problems.append(f"plan: pool_cap {_fmt(plan.pool_cap)} is negative")
    if plan.split is not None and plan.split not in SPLITS:
        problems.append(f"plan: split {plan.split!r} is unknown (expected allocation or equal)")
    if plan.components is None:
        return problems  # missing or not a list: reported by the parser / _missing_fields
    for index, comp in enumerate(plan.components):
        where = _where_component(index, comp.metric)
        if comp.kind == "process":
            problems.append(
                f"{where}: {comp.metric} is a process metric (effort or activity); pay follows "
                "outcomes that users and the business feel, not effort, so a process metric "
                "cannot be part of an incentive plan"
            )
        elif comp.kind is not None and comp.kind not in KINDS:
            problems.append(f"{where}: kind {comp.kind!r} is unknown (expected outcome or process)")
        if comp.direction is not None and comp.direction not in DIRECTIONS:
            problems.append(
                f"{where}: direction {comp.direction!r} is unknown (expected higher or lower)"
            )
        if comp.aggregate is not None and comp.aggregate not in AGGREGATES:
            problems.append(
                f"{where}: aggregate {comp.aggregate!r} is unknown (expected last, sum or mean)"
            )
        if comp.weight is not None and comp.weight < 0:
            problems.append(f"{where}: weight {_fmt(comp.weight)} is negative")
        problem = _targets_problem(comp.direction, comp.threshold, comp.target, comp.stretch)
        if problem:
            problems.append(f"{where}: {problem}")
        if comp.floor is not None and not 0 <= comp.floor <= 1:
            problems.append(f"{where}: floor {_fmt(comp.floor)} is outside 0..1")
        if comp.attainment_cap is not None and comp.attainment_cap < 1:
            problems.append(f"{where}: attainment_cap {_fmt(comp.attainment_cap)} is below 1")
    weights = [comp.weight for comp in plan.components]
    if all(weight is not None for weight in weights):
        total = sum(weights, Fraction(0))
        if total != 1:
            problems.append(f"plan.components: weights sum to {_fmt(total)}, not exactly 1")
    return problems


def validate_pods(plan: Plan, pods: Sequence[PodInput]) -> list[str]:
    """Every problem of the pods against ``plan``, one line each."""
    problems: list[str] = []
    seen_pods: dict[str, list[int]] = {}
    for index, pod in enumerate(pods):
        if isinstance(pod.id, str):
            seen_pods.setdefault(pod.id, []).append(index)
    for pod_id, indexes in seen_pods.items():
        if len(indexes) > 1:
            listed = " and ".join(f"pods[{i}]" for i in indexes)
            problems.append(f"pods: pod {pod_id} is listed more than once ({listed})")

    for index, pod in enumerate(pods):
        where = _where_pod(index, pod.id)
        if pod.baseline_headcount is not None and pod.baseline_headcount < 0:
            problems.append(
                f"{where}: baseline_headcount {_fmt(pod.baseline_headcount)} is negative"
            )
        seen: dict[str, list[int]] = {}
        for m_index, member in enumerate(pod.members):
            m_where = f"{where}.members[{m_index}]" + (f" ({member.id})" if member.id else "")
            if member.id:
                seen.setdefault(member.id, []).append(m_index)
            if member.base_pay is not None and member.base_pay < 0:
                problems.append(f"{m_where}: base_pay {_fmt(member.base_pay)} is negative")
            if member.allocation is not None and not 0 <= member.allocation <= 1:
                problems.append(f"{m_where}: allocation {_fmt(member.allocation)} is outside 0..1")
            if member.start is not None and member.end is not None and member.end < member.start:
                end, start = member.end.isoformat(), member.start.isoformat()
                problems.append(f"{m_where}: end {end} is before start {start}")
        for person, indexes in seen.items():
            if len(indexes) > 1:
                listed = " and ".join(f"members[{i}]" for i in indexes)
                problems.append(
                    f"{where}: person {person} is listed more than once in the pod ({listed})"
                )
        reported: set[str] = set()
        for comp in plan.components or []:
            own = pod.targets.get(comp.metric)
            if own is None or comp.metric in reported:
                continue
            t0, t1, t2 = _merged_targets(comp, own)
            problem = _targets_problem(comp.direction, t0, t1, t2)
            if problem:
                reported.add(comp.metric)
                problems.append(f"{where}.targets.{comp.metric}: {problem}")
    return problems


def _merged_targets(comp: Component, own: Targets | None) -> tuple[Fraction, Fraction, Fraction]:
    if own is None:
        return comp.threshold, comp.target, comp.stretch
    return (
        own.threshold if own.threshold is not None else comp.threshold,
        own.target if own.target is not None else comp.target,
        own.stretch if own.stretch is not None else comp.stretch,
    )


# ------------------------------------------------------------------- parsing (JSON)


class _Reader:
    """Reads fields from JSON-ish dicts, collecting one line per problem instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def _absent(self, obj: Mapping, key: str) -> bool:
        value = obj.get(key)
        return value is None or (isinstance(value, str) and not value.strip())

    def missing(self, where: str, key: str) -> None:
        self.problems.append(f"{where}: {key} is missing")

    def number(
        self,
        obj: Mapping,
        key: str,
        where: str,
        *,
        required: bool = True,
        default: Fraction | None = None,
    ) -> Fraction | None:
        if self._absent(obj, key):
            if required:
                self.missing(where, key)
            return default
        try:
            return to_fraction(obj[key])
        except (TypeError, ValueError) as exc:
            self.problems.append(f"{where}: {key} {exc}")
            return None

    def date(self, obj: Mapping, key: str, where: str, *, required: bool = False) -> date | None:
        if self._absent(obj, key):
            if required:
                self.missing(where, key)
            return None
        try:
            return to_date(obj[key])
        except ValueError as exc:
            self.problems.append(f"{where}: {key} {exc}")
            return None

    def text(self, obj: Mapping, key: str, where: str) -> str | None:
        if self._absent(obj, key):
            self.missing(where, key)
            return None
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problems.append(f"{where}: {key} {value!r} is not a string")
            return None
        # Ids are compared as strings (§3: ties by ascending person id, string order).
        return str(value).strip()

    def choice(
        self,
        obj: Mapping,
        key: str,
        where: str,
        *,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        # An unknown value is kept as is so validate_* reports it with the allowed values.
        if self._absent(obj, key):
            if required:
                self.missing(where, key)
            return default
        value = obj[key]
        return value.strip() if isinstance(value, str) else value

    def items(self, obj: Mapping, key: str, where: str, *, required: bool) -> list | None:
        """The list under ``key``; ``None`` when it is absent or not a list (reported if wrong)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.missing(where, key)
            return None
        if not isinstance(value, list):
            self.problems.append(f"{where}: {key} must be a list")
            return None
        return value

    def mapping(self, value: Any, where: str) -> bool:
        if isinstance(value, Mapping):
            return True
        self.problems.append(f"{where}: must be an object")
        return False


def _parse_component(r: _Reader, raw: Any, index: int) -> Component | None:
    if not r.mapping(raw, f"plan.components[{index}]"):
        return None
    metric = raw.get("metric")
    where = _where_component(index, metric.strip() if isinstance(metric, str) else None)
    return Component(
        metric=r.text(raw, "metric", where),
        kind=r.choice(raw, "kind", where),
        weight=r.number(raw, "weight", where),
        direction=r.choice(raw, "direction", where),
        threshold=r.number(raw, "threshold", where),
        target=r.number(raw, "target", where),
        stretch=r.number(raw, "stretch", where),
        aggregate=r.choice(raw, "aggregate", where),
        floor=r.number(raw, "floor", where, required=False, default=DEFAULT_FLOOR),
        attainment_cap=r.number(
            raw, "attainment_cap", where, required=False, default=DEFAULT_ATTAINMENT_CAP
        ),
        empty_value=r.number(raw, "empty_value", where, required=False),
    )


def _parse_plan(r: _Reader, raw: Any) -> Plan | None:
    if raw is None:
        r.missing("scenario", "plan")
        return None
    if not r.mapping(raw, "plan"):
        return None
    raw_components = r.items(raw, "components", "plan", required=True)
    components = None  # reported already: no "weights sum to 0" on top
    if raw_components is not None:
        parsed = [_parse_component(r, item, i) for i, item in enumerate(raw_components)]
        components = [comp for comp in parsed if comp is not None]
    return Plan(
        standard_cost_per_fte=r.number(raw, "standard_cost_per_fte", "plan"),
        components=components,
        share=r.number(raw, "share", "plan", required=False, default=DEFAULT_SHARE),
        pool_cap=r.number(raw, "pool_cap", "plan", required=False, default=DEFAULT_POOL_CAP),
        min_attainment=r.number(
            raw, "min_attainment", "plan", required=False, default=DEFAULT_MIN_ATTAINMENT
        ),
        split=r.choice(raw, "split", "plan", required=False, default=DEFAULT_SPLIT),
    )


def _parse_pod(r: _Reader, raw: Any, index: int, metrics: set[str]) -> PodInput | None:
    if not r.mapping(raw, f"pods[{index}]"):
        return None
    pod_id = raw.get("id")
    where = _where_pod(
        index,
        str(pod_id).strip()
        if isinstance(pod_id, str | int) and not isinstance(pod_id, bool)
        else None,
    )
    pod = PodInput(
        id=r.text(raw, "id", where), baseline_headcount=r.number(raw, "baseline_headcount", where)
    )

    for m_index, item in enumerate(r.items(raw, "members", where, required=False) or []):
        m_where = f"{where}.members[{m_index}]"
        if not r.mapping(item, m_where):
            continue
        person = item.get("id")
        if isinstance(person, str | int) and not isinstance(person, bool) and str(person).strip():
            m_where += f" ({str(person).strip()})"
        pod.members.append(
            MemberInput(
                id=r.text(item, "id", m_where),
                base_pay=r.number(item, "base_pay", m_where),
                allocation=r.number(item, "allocation", m_where),
                start=r.date(item, "start", m_where),
                end=r.date(item, "end", m_where),
            )
        )

    for o_index, item in enumerate(r.items(raw, "observations", where, required=False) or []):
        o_where = f"{where}.observations[{o_index}]"
        if not r.mapping(item, o_where):
            continue
        metric = r.text(item, "metric", o_where)
        if metric is None or metric not in metrics:
            continue  # §3: observations of metrics not in the plan are ignored
        o_where += f" ({metric})"
        pod.observations.append(
            ObservationInput(
                metric=metric,
                date=r.date(item, "date", o_where, required=True),
                value=r.number(item, "value", o_where),
            )
        )

    raw_targets = raw.get("targets")
    if raw_targets is not None and r.mapping(raw_targets, f"{where}.targets"):
        for metric, item in raw_targets.items():
            if metric not in metrics:
                continue  # like observations: targets of metrics the plan does not pay for
            t_where = f"{where}.targets.{metric}"
            if not r.mapping(item, t_where):
                continue
            pod.targets[metric] = Targets(
                threshold=r.number(item, "threshold", t_where, required=False),
                target=r.number(item, "target", t_where, required=False),
                stretch=r.number(item, "stretch", t_where, required=False),
            )
    return pod


def parse_scenario(data: Any) -> Scenario:
    """The scenario of §3's ``simulate_month`` format, or ``ScenarioRefused`` with every problem."""
    if not isinstance(data, Mapping):
        raise ScenarioRefused(["scenario: must be a JSON object"])
    r = _Reader()
    month: tuple[int, int] | None = None
    if data.get("month") is None:
        r.missing("scenario", "month")
    else:
        try:
            month = parse_month(data["month"])
        except ValueError as exc:
            r.problems.append(f"scenario: month {exc}")
    currency = data.get("currency")
    if currency is not None and not isinstance(currency, str):
        r.problems.append(f"scenario: currency {currency!r} is not a string")
    plan = _parse_plan(r, data.get("plan"))
    metrics = {comp.metric for comp in (plan.components or []) if comp.metric} if plan else set()
    pods = []
    for index, item in enumerate(r.items(data, "pods", "scenario", required=True) or []):
        pod = _parse_pod(r, item, index, metrics)
        if pod is not None:
            pods.append(pod)

    problems = list(r.problems)
    if plan is not None:
        problems += validate_plan(plan)
    # Members are checked even when the plan is unusable, so one run lists everything.
    problems += validate_pods(plan or Plan(standard_cost_per_fte=None, components=[]), pods)
    if problems:
        raise ScenarioRefused(problems)
    return Scenario(month=month, plan=plan, pods=pods, currency=currency)


def validate_scenario(data: Any) -> list[str]:
    """Every problem of a scenario, one line each; ``[]`` when it can be computed."""
    try:
        parse_scenario(data)
    except ScenarioRefused as refused:
        return refused.problems
    return []


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
    breakdown: dict[str, Any]  # every input and intermediate, JSON-ready, for the Payout row


@dataclass(kw_only=True)
class PodResult:
    id: str
    components: list[ComponentResult]
    attainment: Fraction  # A
    min_attainment: Fraction
    attainment_met: bool  # A ≥ A_min
    baseline_headcount: Fraction
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
                problems.append(f"{_where_component(index, comp.metric)}: {name} is missing")
    for index, pod in enumerate(pods):
        where = _where_pod(index, pod.id)
        for name in ("id", "baseline_headcount"):
            if getattr(pod, name) is None:
                problems.append(f"{where}: {name} is missing")
        for m_index, member in enumerate(pod.members):
            for name in ("id", "base_pay", "allocation"):
                if getattr(member, name) is None:
                    problems.append(f"{where}.members[{m_index}]: {name} is missing")
        for o_index, obs in enumerate(pod.observations):
            for name in ("metric", "date", "value"):
                if getattr(obs, name) is None:
                    problems.append(f"{where}.observations[{o_index}]: {name} is missing")
    return problems


def _compute_pod(year: int, month: int, plan: Plan, pod: PodInput) -> PodResult:
    dim = days_in_month(year, month)
    first = date(year, month, 1)
    last = date(year, month, dim)

    components = []
    for comp in plan.components:
        t0, t1, t2 = _merged_targets(comp, pod.targets.get(comp.metric))
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

    active = []  # (member, days, fraction) for members with at least one active day
    for member in pod.members:
        days = active_days(member.start, member.end, year, month)
        if days:
            active.append((member, days, Fraction(days, dim)))
    fte = sum((m.allocation * frac for m, _, frac in active), Fraction(0))
    actual_cost = sum((m.base_pay * m.allocation * frac for m, _, frac in active), Fraction(0))
    equivalent_cost = total_attainment * pod.baseline_headcount * plan.standard_cost_per_fte
    dividend = max(Fraction(0), equivalent_cost - actual_cost)
    ratio = total_attainment * pod.baseline_headcount / fte if fte else None
    met = total_attainment >= plan.min_attainment
    pool_uncapped = plan.share * dividend
    pool_limit = plan.pool_cap * actual_cost
    before = min(pool_uncapped, pool_limit) if met else Fraction(0)
    pool_cents = round_half_up(before * 100)

    weights = [
        (m.id, m.allocation * frac if plan.split == "allocation" else Fraction(1))
        for m, _, frac in active
    ]
    total_weight = sum((w for _, w in weights), Fraction(0))
    cents = split_cents(pool_cents, weights)

    result = PodResult(
        id=pod.id,
        components=components,
        attainment=total_attainment,
        min_attainment=plan.min_attainment,
        attainment_met=met,
        baseline_headcount=pod.baseline_headcount,
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
    for (member, days, frac), (_, weight), amount_cents in zip(active, weights, cents, strict=True):
        share_exact = (
            Fraction(pool_cents, 100) * weight / total_weight if total_weight else Fraction(0)
        )
        floored = int(share_exact * 100 // 1)
        amount = cents_to_decimal(amount_cents)
        result.payouts.append(
            PayoutLine(
                person=member.id,
                amount=amount,
                active_days=days,
                days_in_month=dim,
                active_fraction=frac,
                allocation=member.allocation,
                base_pay=member.base_pay,
                weight=weight,
                share_exact=share_exact,
                extra_cent=amount_cents > floored,
                breakdown={
                    **pod_breakdown,
                    "plan": plan_breakdown,
                    "person": member.id,
                    "base_pay": format_number(member.base_pay),
                    "allocation": format_number(member.allocation),
                    "start": member.start.isoformat() if member.start else None,
                    "end": member.end.isoformat() if member.end else None,
                    "active_days": str(days),
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


# ---------------------------------------------------------------- simulator entry points


def simulate(scenario: Any) -> dict[str, Any]:
    """§3's ``simulate_month``: scenario dict in, output dict out, or ``ScenarioRefused``."""
    parsed = parse_scenario(scenario)
    return compute_month(parsed.month, parsed.plan, parsed.pods, currency=parsed.currency).to_json()


def run_simulation(path: str, stdout: TextIO, stderr: TextIO) -> int:
    """Read a scenario file (``-`` = stdin) and write the JSON result.

    Returns the exit status: 0, or 1 when the scenario is refused or unreadable.
    """
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        stderr.write(f"{path}: cannot read the scenario ({exc.strerror or exc})\n")
        return 1
    try:
        # JSON numbers become Decimal, never float, so "12000.10" and 12000.10 mean the same.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        stderr.write(f"{path}: not valid JSON ({exc})\n")
        return 1
    try:
        result = simulate(data)
    except ScenarioRefused as refused:
        for problem in refused.problems:
            stderr.write(f"{problem}\n")
        return 1
    stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m incentives.engine scenario.json\n")
        return 2
    return run_simulation(args[0], sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
