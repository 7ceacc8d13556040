"""Records that hold from a day on (pay rates, baselines): the value in force on a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def value_on(steps: list[tuple[date | None, Decimal]], day: date, fallback: Decimal) -> Decimal:
    """The value of the latest step from on or before ``day``, from steps sorted by date (a
    ``None`` start, since ever, first). Before the first dated step with no opening one, the
    earliest; with no steps at all, ``fallback``."""
    if not steps:
        return fallback
    current = steps[0][1]
    for since, value in steps:
        if since is None or since <= day:
            current = value
        else:
            break
    return current
