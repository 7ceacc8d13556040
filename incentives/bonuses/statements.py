"""How a statement reads a payout's breakdown: stints and baselines as people say them.

"1–14 Oct at 9,000, from 15 Oct at 9,900": each stint of the month with its days, allocation
and (for those who may see it) base pay; the month's baseline with its schedule. Pure: plain
breakdown dicts in, plain rows out.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class StintLine:
    span: str  # "1–14 Oct", "from 15 Oct", "all of October"
    days: int
    allocation: str
    base_pay: str  # "9,000"


def _money(text: str | None) -> str:
    if text is None:
        return "–"
    value = Decimal(text)
    return f"{value:,.2f}".removesuffix(".00")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def span(start: date | None, end: date | None, month: date) -> str:
    """A stint's days inside ``month`` as people write them."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    first, last = month.replace(day=1), month.replace(day=last_day)
    begin = max(start or first, first)
    finish = min(end or last, last)
    short = f"{finish:%b}"
    if begin == first and finish == last:
        return f"all of {month:%B}"
    if finish == last:
        return f"from {begin.day} {short}"
    if begin == finish:
        return f"{begin.day} {short}"
    return f"{begin.day}–{finish.day} {short}"


def stint_lines(breakdown: dict[str, Any], month: date) -> list[StintLine]:
    stints = breakdown.get("stints") or [
        {
            "start": breakdown.get("start"),
            "end": breakdown.get("end"),
            "allocation": breakdown.get("allocation"),
            "base_pay": breakdown.get("base_pay"),
            "active_days": breakdown.get("active_days"),
        }
    ]
    return [
        StintLine(
            span=span(_day(s.get("start")), _day(s.get("end")), month),
            days=int(s.get("active_days") or 0),
            allocation=s.get("allocation") or "–",
            base_pay=_money(s.get("base_pay")),
        )
        for s in stints
    ]


def stints_sentence(lines: list[StintLine], *, with_pay: bool) -> str:
    """One line for the whole month: "1–14 Oct at 9,000, from 15 Oct at 9,900"."""
    if with_pay:
        return ", ".join(f"{line.span} at {line.base_pay}" for line in lines)
    return ", ".join(f"{line.span} at {line.allocation} FTE" for line in lines)


def baseline_sentence(breakdown: dict[str, Any], month: date) -> str:
    """ "8 until 15 Oct, 9 from 16 Oct (month's mean 8.5)", or the one value of the month."""
    mean = breakdown.get("baseline_headcount")
    schedule = breakdown.get("baseline_schedule")
    if not schedule:
        return _money(mean)
    parts = []
    for index, step in enumerate(schedule):
        since = _day(step.get("from"))
        following = _day(schedule[index + 1]["from"]) if index + 1 < len(schedule) else None
        value = _money(step.get("value"))
        if since is None or since <= month.replace(day=1):
            if following is not None:
                last = following.toordinal() - 1
                parts.append(f"{value} until {date.fromordinal(last).day} {following:%b}")
            else:
                parts.append(value)
        else:
            parts.append(f"{value} from {since.day} {since:%b}")
    return f"{', '.join(parts)} (the month's mean {_money(str(Decimal(mean).quantize(Decimal('0.01'))))})"
