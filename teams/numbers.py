"""Decimal numbers typed by people or sent by machines: one strict reading for the whole app.

Pure Python, no Django: the payout engine reads its scenarios with it too. A number is digits
with an optional sign, one dot and an exponent ("12", "-1.5", ".5", "1e3", "1.2E-4"), an
``int`` or a ``Decimal``. Anything a reader would have to guess at is refused with the reason:
a decimal comma or thousands separator ("1,5" is 1.5 in one country and 15 in another), NaN
and infinities, and floats (0.1 as a float is not 0.1, and money must be exact).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

# ASCII digits only: Python's Decimal() would also read Arabic-Indic digits and underscores.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
# A comma, apostrophe, underscore or space (also no-break and thin spaces) between digits.
_SEPARATOR = re.compile(r"[0-9.][,'’_ \u00a0\u202f\u2009][0-9]|^[+-]?[0-9]*,[0-9]")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}
MAX_LENGTH = 64

SEPARATOR_HINT = "use a dot for decimals and no thousands separators (1234.5)"


class NumberError(ValueError):
    """A value that is not a number we accept. ``str()`` is the reason, written to read after
    the field's name ("value '1,5' is not a number: …"); ``message`` puts the name in front."""

    def __init__(self, reason: str, *, field: str = "value") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field

    @property
    def message(self) -> str:
        return f"{self.field} {self.reason}"


def parse_decimal(
    raw: Any,
    *,
    field: str = "value",
    places: int | None = None,
    integer_digits: int | None = None,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
) -> Decimal:
    """``raw`` as an exact ``Decimal``, or ``NumberError`` saying why not.

    ``places`` bounds the decimals (trailing zeros do not count), ``integer_digits`` the digits
    before the point, ``minimum``/``maximum`` the value (inclusive).
    """
    value = _read(raw, field)
    if places is not None and _decimals(value) > places:
        raise NumberError(f"{_show(raw)} has more than {places} decimal places", field=field)
    if integer_digits is not None and abs(value) >= Decimal(10) ** integer_digits:
        raise NumberError(
            f"{_show(raw)} is too large (at most {integer_digits} digits before the point)",
            field=field,
        )
    too_low = minimum is not None and value < minimum
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        bound = (
            f"between {minimum} and {maximum}"
            if minimum is not None and maximum is not None
            else f"at least {minimum}"
            if minimum is not None
            else f"at most {maximum}"
        )
        raise NumberError(f"{_show(raw)} is out of range: it must be {bound}", field=field)
    return value


def _read(raw: Any, field: str) -> Decimal:
    if isinstance(raw, bool):
        raise NumberError(f"{raw!r} is not a number", field=field)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NumberError(f"{raw} is not a finite number", field=field)
        return _plain(raw)
    if isinstance(raw, float):
        raise NumberError(
            f'{raw!r} is a float; send numbers as decimal strings such as "{raw!r}"', field=field
        )
    if not isinstance(raw, str):
        raise NumberError(f"{raw!r} is not a number", field=field)
    text = raw.strip()
    if not text:
        raise NumberError("is empty: a number is needed", field=field)
    if len(text) > MAX_LENGTH:
        raise NumberError(f"{raw[:20]!r}… is too long to be a number", field=field)
    if text.lstrip("+-").lower() in _NOT_FINITE:
        raise NumberError(f"{raw!r} is not a finite number", field=field)
    if _NUMBER.fullmatch(text):
        return _plain(Decimal(text))
    if _SEPARATOR.search(text):
        raise NumberError(f"{raw!r} is not a number: {SEPARATOR_HINT}", field=field)
    raise NumberError(f"{raw!r} is not a number", field=field)


def _plain(value: Decimal) -> Decimal:
    # "1e3" is stored and shown as 1000, not 1E+3.
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        return Decimal(int(value))
    return value


def _decimals(value: Decimal) -> int:
    """Decimal places that matter: 1.50 has one."""
    if value == 0:
        return 0
    _, digits, exponent = value.as_tuple()
    n = -int(exponent) if int(exponent) < 0 else 0
    for digit in reversed(digits):
        if n == 0 or digit != 0:
            break
        n -= 1
    return n


def _show(raw: Any) -> str:
    # Shown as typed, unquoted: by now it is a number, just not one that fits.
    return raw.strip() if isinstance(raw, str) else str(raw)
