"""The scenario: its numbers, data classes, validation and JSON parsing (DESIGN.md §3).

Pure Python, no Django: the month close builds these classes from the records, and
``simulate_month`` parses them from JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from teams.numbers import parse_decimal

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

_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def to_fraction(value: Any) -> Fraction:
    """Exact value of a decimal string, int, Decimal or Fraction (``teams.numbers``).

    Floats are refused: 0.1 as a float is not 0.1, and money must be exact. So are decimal
    commas and thousands separators. The error text reads after a field name ("weight 'abc'
    is not a number").
    """
    if isinstance(value, Fraction):
        return value
    return Fraction(parse_decimal(value))


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


def to_decimal(value: Fraction | None, places: int) -> Decimal | None:
    """A result rounded half-even to ``places`` decimals, for storage; ``None`` stays ``None``.

    Exact: no string round trip, no float."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = max(
            SIGNIFICANT_DIGITS, len(str(abs(value.numerator) // value.denominator)) + places + 2
        )
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)


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


def _coerce_dates(obj: Any, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, date):
            object.__setattr__(obj, name, to_date(value))


@dataclass(kw_only=True)
class Stint:
    """One dated membership row: ``start``/``end`` inclusive (``None`` = since ever / ongoing),
    one allocation and one base pay throughout (DESIGN §3 item 10)."""

    start: date | None = None
    end: date | None = None
    allocation: Fraction
    base_pay: Fraction

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("base_pay", "allocation"))
        _coerce_dates(self, ("start", "end"))


@dataclass(kw_only=True)
class MemberInput:
    """One member of a pod: either one membership (``base_pay``, ``allocation``, ``start``,
    ``end``) or several ``stints``, never both. A person is one member however many stints."""

    id: str
    base_pay: Fraction | None = None
    allocation: Fraction | None = None
    start: date | None = None
    end: date | None = None
    stints: list[Stint] | None = None

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("base_pay", "allocation"))
        _coerce_dates(self, ("start", "end"))
        if self.stints is not None:
            self.stints = [s if isinstance(s, Stint) else Stint(**s) for s in self.stints]

    @property
    def has_single_fields(self) -> bool:
        return any(
            getattr(self, name) is not None for name in ("base_pay", "allocation", "start", "end")
        )

    def stint_list(self) -> list[Stint]:
        """The member's stints; a single membership is one stint."""
        if self.stints is not None:
            return self.stints
        return [
            Stint(
                start=self.start, end=self.end, allocation=self.allocation, base_pay=self.base_pay
            )
        ]


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
class BaselineStep:
    """A baseline headcount in force from a day on (``start`` ``None`` = since ever)."""

    start: date | None
    value: Fraction

    def __post_init__(self) -> None:
        _coerce_numbers(self, ("value",))
        _coerce_dates(self, ("start",))


def _as_baseline(value: Any) -> Fraction | list[BaselineStep] | None:
    if value is None or isinstance(value, Fraction):
        return value
    if isinstance(value, list | tuple):
        return [
            v
            if isinstance(v, BaselineStep)
            else BaselineStep(start=v.get("from"), value=v.get("value"))
            for v in value
        ]
    return to_fraction(value)


@dataclass(kw_only=True)
class PodInput:
    """A pod's month: members, observations (any metrics) and per-pod targets by metric.

    ``baseline_headcount`` is one number or a schedule, a list of ``BaselineStep`` (§3 item 11).
    ``targets`` values may be ``Targets``, a ``{"threshold", "target", "stretch"}`` dict or a
    ``(threshold, target, stretch)`` tuple; ``None`` in any of them means the plan's.
    """

    id: str
    baseline_headcount: Fraction | list[BaselineStep]
    members: list[MemberInput] = field(default_factory=list)
    observations: list[ObservationInput] = field(default_factory=list)
    targets: dict[str, Targets] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.baseline_headcount = _as_baseline(self.baseline_headcount)
        self.targets = {metric: _as_targets(value) for metric, value in self.targets.items()}

    @property
    def baseline_schedule(self) -> list[BaselineStep] | None:
        value = self.baseline_headcount
        return value if isinstance(value, list) else None


@dataclass(kw_only=True)
class Scenario:
    month: tuple[int, int]
    plan: Plan
    pods: list[PodInput]
    currency: str | None = None


# ------------------------------------------------------------------------ validation


def where_component(index: int, metric: Any) -> str:
    return f"plan.components[{index}]" + (
        f" ({metric})" if isinstance(metric, str) and metric else ""
    )


def where_pod(index: int, pod_id: Any) -> str:
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
        where = where_component(index, comp.metric)
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
        where = where_pod(index, pod.id)
        problems += _baseline_problems(where, pod)
        seen: dict[str, list[int]] = {}
        for m_index, member in enumerate(pod.members):
            m_where = f"{where}.members[{m_index}]" + (f" ({member.id})" if member.id else "")
            if member.id:
                seen.setdefault(member.id, []).append(m_index)
            problems += _member_problems(m_where, member)
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
            t0, t1, t2 = merged_targets(comp, own)
            problem = _targets_problem(comp.direction, t0, t1, t2)
            if problem:
                reported.add(comp.metric)
                problems.append(f"{where}.targets.{comp.metric}: {problem}")
    return problems


def _stint_problems(where: str, stint: Stint) -> list[str]:
    problems = []
    if stint.base_pay is not None and stint.base_pay < 0:
        problems.append(f"{where}: base_pay {_fmt(stint.base_pay)} is negative")
    if stint.allocation is not None and not 0 <= stint.allocation <= 1:
        problems.append(f"{where}: allocation {_fmt(stint.allocation)} is outside 0..1")
    if stint.start is not None and stint.end is not None and stint.end < stint.start:
        end, start = stint.end.isoformat(), stint.start.isoformat()
        problems.append(f"{where}: end {end} is before start {start}")
    return problems


def _member_problems(where: str, member: MemberInput) -> list[str]:
    if member.stints is None:
        return _stint_problems(where, member.stint_list()[0])
    problems = []
    if member.has_single_fields:
        problems.append(
            f"{where}: gives both stints and base_pay/allocation/start/end; give one or the other"
        )
    if not member.stints:
        problems.append(f"{where}: stints is empty")
    for index, stint in enumerate(member.stints):
        problems += _stint_problems(f"{where}.stints[{index}]", stint)
    problems += _overlap_problems(where, member.stints)
    return problems


def _overlap_problems(where: str, stints: Sequence[Stint]) -> list[str]:
    """Stints of one person in one pod may not share a day (they would be paid twice)."""
    problems = []
    spans = [
        (s.start or date.min, s.end or date.max, i)
        for i, s in enumerate(stints)
        if not (s.start and s.end and s.end < s.start)
    ]
    spans.sort()
    for (a_start, a_end, a), (b_start, b_end, b) in zip(spans, spans[1:], strict=False):
        if b_start <= a_end:
            first, last = max(a_start, b_start), min(a_end, b_end)
            days = "since ever" if first == date.min else f"from {first.isoformat()}"
            days += "" if last == date.max else f" to {last.isoformat()}"
            problems.append(
                f"{where}: stints[{min(a, b)}] and stints[{max(a, b)}] share days ({days})"
            )
    return problems


def _baseline_problems(where: str, pod: PodInput) -> list[str]:
    schedule = pod.baseline_schedule
    if schedule is None:
        value = pod.baseline_headcount
        if value is not None and value < 0:
            return [f"{where}: baseline_headcount {_fmt(value)} is negative"]
        return []
    problems = []
    if not schedule:
        problems.append(f"{where}: baseline_headcount schedule is empty")
    previous: date | None = None
    for index, step in enumerate(schedule):
        s_where = f"{where}.baseline_headcount[{index}]"
        if step.value is not None and step.value < 0:
            problems.append(f"{s_where}: value {_fmt(step.value)} is negative")
        if step.start is None and index > 0:
            problems.append(f"{s_where}: from may be null only in the first entry")
        elif step.start is not None and previous is not None and step.start <= previous:
            problems.append(
                f"{s_where}: from {step.start.isoformat()} is not after {previous.isoformat()} "
                "(dates out of order)"
            )
        previous = step.start if step.start is not None else previous
    return problems


def merged_targets(comp: Component, own: Targets | None) -> tuple[Fraction, Fraction, Fraction]:
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
    where = where_component(index, metric.strip() if isinstance(metric, str) else None)
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


_SINGLE_FIELDS = ("base_pay", "allocation", "start", "end")


def _parse_member(r: _Reader, item: Mapping, where: str) -> MemberInput:
    member_id = r.text(item, "id", where)
    if "stints" not in item:
        return MemberInput(
            id=member_id,
            base_pay=r.number(item, "base_pay", where),
            allocation=r.number(item, "allocation", where),
            start=r.date(item, "start", where),
            end=r.date(item, "end", where),
        )
    stints = []
    for index, raw in enumerate(r.items(item, "stints", where, required=True) or []):
        s_where = f"{where}.stints[{index}]"
        if r.mapping(raw, s_where):
            stints.append(
                Stint(
                    start=r.date(raw, "start", s_where),
                    end=r.date(raw, "end", s_where),
                    allocation=r.number(raw, "allocation", s_where),
                    base_pay=r.number(raw, "base_pay", s_where),
                )
            )
    member = MemberInput(id=member_id, stints=stints)
    if any(item.get(name) is not None for name in _SINGLE_FIELDS):
        # Kept so validation reports "both" once, with the rest of the member's problems.
        member.base_pay = Fraction(0)
    return member


def _parse_baseline(r: _Reader, raw: Mapping, where: str) -> Fraction | list[BaselineStep] | None:
    value = raw.get("baseline_headcount")
    if not isinstance(value, list):
        return r.number(raw, "baseline_headcount", where)
    steps = []
    for index, item in enumerate(value):
        s_where = f"{where}.baseline_headcount[{index}]"
        if r.mapping(item, s_where):
            steps.append(
                BaselineStep(
                    start=r.date(item, "from", s_where), value=r.number(item, "value", s_where)
                )
            )
    return steps


def _parse_pod(r: _Reader, raw: Any, index: int, metrics: set[str]) -> PodInput | None:
    if not r.mapping(raw, f"pods[{index}]"):
        return None
    pod_id = raw.get("id")
    where = where_pod(
        index,
        str(pod_id).strip()
        if isinstance(pod_id, str | int) and not isinstance(pod_id, bool)
        else None,
    )
    pod = PodInput(id=r.text(raw, "id", where), baseline_headcount=_parse_baseline(r, raw, where))

    for m_index, item in enumerate(r.items(raw, "members", where, required=False) or []):
        m_where = f"{where}.members[{m_index}]"
        if not r.mapping(item, m_where):
            continue
        person = item.get("id")
        if isinstance(person, str | int) and not isinstance(person, bool) and str(person).strip():
            m_where += f" ({str(person).strip()})"
        pod.members.append(_parse_member(r, item, m_where))

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


# ------------------------------------------------------------------- writing (JSON)


def _number(value: Fraction | None) -> str | None:
    return format_number(value)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _member_json(member: MemberInput) -> dict[str, Any]:
    if member.stints is None:
        return {
            "id": member.id,
            "base_pay": _number(member.base_pay),
            "allocation": _number(member.allocation),
            "start": _day(member.start),
            "end": _day(member.end),
        }
    return {
        "id": member.id,
        "stints": [
            {
                "start": _day(s.start),
                "end": _day(s.end),
                "allocation": _number(s.allocation),
                "base_pay": _number(s.base_pay),
            }
            for s in member.stints
        ],
    }


def _targets_json(targets: Targets) -> dict[str, str]:
    values = {"threshold": targets.threshold, "target": targets.target, "stretch": targets.stretch}
    return {name: _number(v) for name, v in values.items() if v is not None}


def scenario_to_json(
    month: tuple[int, int] | str, plan: Plan, pods: Sequence[PodInput], *, currency: str | None
) -> dict[str, Any]:
    """The §3 scenario format that ``parse_scenario`` reads back to the same inputs: every
    number an exact decimal string, so ``simulate_month`` on it pays the same cents."""
    year, mon = parse_month(month)
    out_pods = []
    for pod in pods:
        schedule = pod.baseline_schedule
        baseline: Any = (
            [{"from": _day(step.start), "value": _number(step.value)} for step in schedule]
            if schedule is not None
            else _number(pod.baseline_headcount)
        )
        item: dict[str, Any] = {"id": pod.id, "baseline_headcount": baseline}
        if pod.targets:
            item["targets"] = {m: _targets_json(t) for m, t in pod.targets.items()}
        item["members"] = [_member_json(m) for m in pod.members]
        item["observations"] = [
            {"metric": o.metric, "date": _day(o.date), "value": _number(o.value)}
            for o in pod.observations
        ]
        out_pods.append(item)
    components = []
    for c in plan.components:
        comp = {
            "metric": c.metric,
            "kind": c.kind,
            "weight": _number(c.weight),
            "direction": c.direction,
            "threshold": _number(c.threshold),
            "target": _number(c.target),
            "stretch": _number(c.stretch),
            "floor": _number(c.floor),
            "attainment_cap": _number(c.attainment_cap),
            "aggregate": c.aggregate,
        }
        if c.empty_value is not None:
            comp["empty_value"] = _number(c.empty_value)
        components.append(comp)
    return {
        "month": f"{year:04d}-{mon:02d}",
        "currency": currency,
        "plan": {
            "standard_cost_per_fte": _number(plan.standard_cost_per_fte),
            "share": _number(plan.share),
            "pool_cap": _number(plan.pool_cap),
            "min_attainment": _number(plan.min_attainment),
            "split": plan.split,
            "components": components,
        },
        "pods": out_pods,
    }
