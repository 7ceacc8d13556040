"""Today, from one place: code that depends on the date asks here, and tests freeze it."""

from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
