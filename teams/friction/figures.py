"""The friction figures of DESIGN §5, exactly and without Django: plain data in, numbers out.

A wait is work of a pod held by a node outside it, from ``requested_at`` until ``resolved_at``
(``None``: still waiting). Over a set of waits:

- per node: ``waits``, ``open`` (unresolved), ``pods`` (distinct), ``median_hours`` and
  ``p90_hours`` over the resolved ones (median: the middle value, the mean of the two middle
  ones for an even count; p90: nearest rank, the ⌈0.9·n⌉-th smallest; ``None`` when none is
  resolved), ``pod_days_lost`` (sum of durations ÷ 24, open ones counted to ``now``);
- per pod: ``waiting_share``, the length of the union of its wait intervals inside the window
  divided by the window's length (overlapping waits count once).

Waits are a process measure: diagnosis, never a basis for pay (``is_wait_figure`` lets the
pay guardrail recognise a metric built on them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

HOUR = 3600.0

# The figures' names as the API spells them.
NODE_FIGURES = ("waits", "open", "pods", "median_hours", "p90_hours", "pod_days_lost")
POD_FIGURES = ("waiting_share",)
WAIT_FIGURES = NODE_FIGURES[3:] + POD_FIGURES  # the durations and shares, not the counts

# Metric keys that name a wait figure: beginning with wait, waits, waiting or friction
# ("wait-p90-hours", "friction"), or holding a figure's name ("review-median-hours",
# "pod-days-lost", "security_waiting_share"). A customer-facing wait ("time-to-first-reply")
# is an outcome and keeps its own name.
_WAIT_KEY = re.compile(
    r"^(waits?|waiting|friction)(_|$)|(^|_)(median_hours|p90_hours|pod_days_lost|waiting_share)(_|$)"
)


def is_wait_figure(key: str) -> bool:
    """Whether a metric key names a wait figure (case, ``-`` and ``_`` alike): pay must never
    follow one."""
    return bool(_WAIT_KEY.search(re.sub(r"[^a-z0-9]+", "_", key.lower())))


@dataclass(frozen=True)
class WaitSpan:
    """One wait as the figures need it. ``pod`` is any hashable id."""

    pod: Hashable
    node: str
    requested_at: datetime
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def hours(self, now: datetime) -> float:
        """Its duration in hours; an open wait counts until ``now`` (never below 0)."""
        end = self.resolved_at if self.resolved_at is not None else now
        return max(0.0, (end - self.requested_at).total_seconds() / HOUR)


def median(values: Iterable[float]) -> float | None:
    """The middle value; the mean of the two middle ones for an even count; ``None`` if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def p90(values: Iterable[float]) -> float | None:
    """Nearest rank: the ⌈0.9·n⌉-th smallest value; ``None`` if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    rank = (9 * n + 9) // 10  # ⌈9n/10⌉ in integers: 0.9 * 70 is 63.000…01 as a float
    return ordered[rank - 1]


@dataclass(frozen=True)
class NodeFigures:
    node: str
    waits: int
    open: int
    pods: int
    median_hours: float | None
    p90_hours: float | None
    pod_days_lost: float


def node_summary(node: str, waits: Sequence[WaitSpan], *, now: datetime) -> NodeFigures:
    hours = [w.hours(now) for w in waits]
    resolved = [h for w, h in zip(waits, hours, strict=True) if not w.is_open]
    return NodeFigures(
        node=node,
        waits=len(waits),
        open=len(waits) - len(resolved),
        pods=len({w.pod for w in waits}),
        median_hours=median(resolved),
        p90_hours=p90(resolved),
        pod_days_lost=sum(hours) / 24,
    )


def node_figures(waits: Iterable[WaitSpan], *, now: datetime) -> list[NodeFigures]:
    """Per node, ranked by pod-days lost (most first; ties by name)."""
    by_node: dict[str, list[WaitSpan]] = defaultdict(list)
    for w in waits:
        by_node[w.node].append(w)
    rows = [node_summary(node, group, now=now) for node, group in by_node.items()]
    return sorted(rows, key=lambda r: (-r.pod_days_lost, r.node))


def union_seconds(
    intervals: Iterable[tuple[datetime, datetime | None]],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> float:
    """Seconds of ``[start, end)`` covered by at least one interval (an open one ends at
    ``now``); overlaps count once."""
    clipped = []
    for begin, finish in intervals:
        finish = now if finish is None else finish
        lo, hi = max(begin, start), min(finish, end)
        if hi > lo:
            clipped.append((lo, hi))
    clipped.sort()
    total = 0.0
    current_lo = current_hi = None
    for lo, hi in clipped:
        if current_hi is None or lo > current_hi:
            if current_hi is not None:
                total += (current_hi - current_lo).total_seconds()
            current_lo, current_hi = lo, hi
        elif hi > current_hi:
            current_hi = hi
    if current_hi is not None:
        total += (current_hi - current_lo).total_seconds()
    return total


def waiting_share(
    intervals: Iterable[tuple[datetime, datetime | None]],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> float:
    """The union of the intervals inside the window ÷ the window's length (0 for an empty
    window)."""
    length = (end - start).total_seconds()
    if length <= 0:
        return 0.0
    return union_seconds(intervals, start=start, end=end, now=now) / length


def pod_shares(
    waits: Iterable[WaitSpan],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    pods: Iterable[Hashable] = (),
) -> dict[Hashable, float]:
    """Waiting share per pod: every pod in ``pods`` (0 without waits) and every pod waiting."""
    by_pod: dict[Hashable, list[tuple[datetime, datetime | None]]] = {p: [] for p in pods}
    for w in waits:
        by_pod.setdefault(w.pod, []).append((w.requested_at, w.resolved_at))
    return {
        pod: waiting_share(spans, start=start, end=end, now=now) for pod, spans in by_pod.items()
    }


@dataclass(frozen=True)
class MonthFigures:
    month: date
    waits: int
    open: int
    median_hours: float | None
    pod_days_lost: float
    by_node: dict[str, float]  # node → pod-days lost that month


def month_trend(
    waits: Iterable[WaitSpan], *, months: Sequence[date], now: datetime
) -> list[MonthFigures]:
    """Per month (first days, in order) of the waits requested in it: the same figures as a
    node's, and pod-days lost per node. A month without waits has zeros."""
    buckets: dict[date, list[WaitSpan]] = {m: [] for m in months}
    for w in waits:
        key = date(w.requested_at.year, w.requested_at.month, 1)
        if key in buckets:
            buckets[key].append(w)
    out = []
    for month in months:
        group = buckets[month]
        per_node: dict[str, float] = defaultdict(float)
        for w in group:
            per_node[w.node] += w.hours(now) / 24
        summary = node_summary("", group, now=now)
        out.append(
            MonthFigures(
                month=month,
                waits=summary.waits,
                open=summary.open,
                median_hours=summary.median_hours,
                pod_days_lost=summary.pod_days_lost,
                by_node=dict(per_node),
            )
        )
    return out


def node_pod_days(waits: Iterable[WaitSpan], *, now: datetime) -> dict[tuple[str, Hashable], float]:
    """Pod-days lost per (node, pod), for a nodes × pods heatmap."""
    out: dict[tuple[str, Hashable], float] = defaultdict(float)
    for w in waits:
        out[(w.node, w.pod)] += w.hours(now) / 24
    return dict(out)
