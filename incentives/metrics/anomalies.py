"""Anomaly rules for observations (anti-gaming and bad data). Pure: no database.

Two rules, each giving a human-readable reason or ``""``:

* **outlier**: the value is far from the pod's own history for that metric, measured robustly:
  ``|x − median| / (1.4826 · MAD) > 3.5`` over at least ``MIN_HISTORY`` earlier points. MAD (the
  median absolute deviation) ignores a few wild points, unlike the standard deviation, so one
  earlier outlier does not hide the next. When MAD is 0 (most points equal) the mean absolute
  deviation (× 1.2533, its normal-consistency factor) stands in; when that is 0 too the history
  has no spread to measure against and the rule stays silent.
* **month-end jump**: dated in the last ``LAST_DAYS`` days of its month, the step from the previous
  observation is more than ``JUMP_FACTOR`` times the typical (median) step of the history — the
  pattern of a number nudged just before the month is paid on.

Statistics run in floats: a flag is a heuristic for a human to review, never money.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from statistics import median

MIN_HISTORY = 6
OUTLIER_SCORE = 3.5
MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.2533
LAST_DAYS = 3
JUMP_FACTOR = 4.0
# Only the most recent points are history: a pod's numbers drift, and the check stays O(1).
WINDOW = 90

Number = float | int | Decimal


def _fmt(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def robust_scale(values: Sequence[float]) -> tuple[float, float]:
    """``(median, scale)`` where scale is 1.4826·MAD, or 1.2533·mean-AD when MAD is 0."""
    mid = median(values)
    deviations = [abs(v - mid) for v in values]
    mad = median(deviations)
    if mad > 0:
        return mid, MAD_SCALE * mad
    return mid, MEAN_AD_SCALE * (sum(deviations) / len(deviations))


def outlier_reason(value: Number, history: Sequence[Number]) -> str:
    """Why ``value`` is an outlier against ``history`` (earlier values), or ``""``."""
    if len(history) < MIN_HISTORY:
        return ""
    points = [float(v) for v in history[-WINDOW:]]
    x = float(value)
    mid, scale = robust_scale(points)
    if scale <= 0:
        return ""
    score = abs(x - mid) / scale
    if score <= OUTLIER_SCORE:
        return ""
    side = "above" if x > mid else "below"
    return (
        f"far {side} this pod's history: {_fmt(x)} vs a median of {_fmt(mid)} over the last "
        f"{len(points)} observations (robust score {score:.1f} > {OUTLIER_SCORE})"
    )


def is_last_days_of_month(day: date, last_days: int = LAST_DAYS) -> bool:
    return day.day > calendar.monthrange(day.year, day.month)[1] - last_days


def month_end_jump_reason(day: date, value: Number, history: Sequence[tuple[date, Number]]) -> str:
    """Why ``value`` on ``day`` is a suspicious month-end jump, or ``""``.

    ``history`` holds earlier ``(date, value)`` pairs in date order.
    """
    if len(history) < MIN_HISTORY or not is_last_days_of_month(day):
        return ""
    points = [float(v) for _, v in history[-WINDOW:]]
    steps = [abs(b - a) for a, b in zip(points, points[1:], strict=False)]
    typical = median(steps)
    step = float(value) - points[-1]
    if typical <= 0 or abs(step) <= JUMP_FACTOR * typical:
        return ""
    return (
        f"jump of {'+' if step > 0 else '−'}{_fmt(abs(step))} from the previous observation in the "
        f"last {LAST_DAYS} days of the month (typical step {_fmt(typical)})"
    )


def assess(day: date, value: Number, history: Sequence[tuple[date, Number]]) -> str:
    """Every reason this observation looks anomalous, joined with "; " (``""`` when it is fine).

    ``history`` is the pod's earlier observations of the same metric, ``(date, value)`` in date
    order, rejected ones left out.
    """
    reasons = [
        outlier_reason(value, [v for _, v in history]),
        month_end_jump_reason(day, value, history),
    ]
    return "; ".join(r for r in reasons if r)
