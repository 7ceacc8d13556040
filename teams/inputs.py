"""One input contract for what people type and machines send: pages, the API and imports.

Every API write and every import answers bad input the same way: a 400 that names the field
(or the row and column), lists every problem, and saves nothing. What is refused:

- bodies that are not a JSON object, nest deeper than ``MAX_DEPTH`` or exceed the size limit
  (checked on the raw bytes before ``json`` recurses, so 100,000 ``[`` cannot crash a worker);
- NUL characters in any text (PostgreSQL cannot store them) and non-finite numbers;
- decimal commas and thousands separators (``teams.numbers``: refused, never guessed);
- dates before ``YEAR_MIN`` or after ``YEAR_MAX`` and impossible dates;
- fields and columns nobody declared, booleans other than ``true``/``false``, and time zones
  that are not IANA names.
"""

from __future__ import annotations

import json
import math
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from teams.numbers import NumberError, parse_decimal

MAX_DEPTH = 8
YEAR_MIN, YEAR_MAX = 1900, 2100
MAX_PROBLEMS = 200  # listed per answer; a file with more problems shows these first
NUL = "\x00"

# --------------------------------------------------------------------------- plain checks


def nul_problem(value: Any, field: str) -> str | None:
    """The message for text that holds a NUL character, else ``None``."""
    if isinstance(value, str) and NUL in value:
        return f"{field} contains a NUL character (\\u0000), which text cannot hold"
    return None


def check_day(day: date, *, field: str = "date") -> date:
    """``day`` when its year is one we keep records for; ``ValueError`` otherwise."""
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValueError(
            f"{day.isoformat()} is out of range: the year must be {YEAR_MIN} to {YEAR_MAX}"
        )
    return day


_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_day(raw: Any, *, field: str = "date") -> date:
    """A ``YYYY-MM-DD`` string (or a date) that exists and lies in ``YEAR_MIN``..``YEAR_MAX``;
    ``ValueError`` whose text reads after the field's name otherwise."""
    if isinstance(raw, date):
        return check_day(raw, field=field)
    match = _DATE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"{raw!r} is not a date in the form YYYY-MM-DD")
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a date that exists ({exc})") from None
    return check_day(day, field=field)


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(name: str) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``), or ``ValueError``."""
    if name not in time_zones():
        raise ValueError(
            f"{name[:64]!r} is not an IANA time zone name such as Europe/Berlin or UTC"
        )
    return name


def unknown_fields(data: Mapping, known: Any, *, what: str = "field") -> list[str]:
    """One message per key of ``data`` that is not in ``known``, naming the known ones."""
    known = list(known)
    return [
        f"unknown {what} {str(key)[:60]!r}; expected {', '.join(known)}"
        for key in data
        if key not in known
    ]


# --------------------------------------------------------------------------- JSON bodies

# Escapes first (a backslash and the byte after it), then strings: two linear passes, no
# backtracking whatever the bytes.
_JSON_ESCAPE = re.compile(rb"\\.", re.S)
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = (ord("["), ord("{"))


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit``. Reads the bytes
    (strings blanked out), so it never recurses however deep the text is."""
    text = _JSON_STRING.sub(b"", _JSON_ESCAPE.sub(b"", raw))
    brackets = text.translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth = depth + 1 if byte in _OPENERS else depth - 1
        if depth > limit:
            return True
    return False


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def body_problems(value: Any) -> list[str]:
    """What the contract refuses anywhere in a parsed body, each naming its path
    (``observations[2].external_id``)."""
    if not isinstance(value, dict):
        return [f"The request body must be a JSON object ({{…}}), not {_kind(value)}."]
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack and len(problems) < MAX_PROBLEMS:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = f"{path}.{key}" if path else key
                if NUL in key:
                    problems.append(f"{name!r}: a field name contains a NUL character")
                    continue
                stack.append((name, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, float) and not math.isfinite(item):
            problems.append(f"{path}: not a finite number (too large for a float)")
        elif problem := nul_problem(item, path):
            problems.append(problem)
    return problems


class InputRefused(APIException):
    """A 400 listing every problem: ``{"detail": <first>, "errors": [<all>]}``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, problems: list[str], *, code: int | None = None) -> None:
        if code is not None:
            self.status_code = code
        self.problems = problems
        summary = problems[0] if len(problems) == 1 else f"{len(problems)} problems."
        super().__init__(summary)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number, and not JSON")


class JSONBodyParser(JSONParser):
    """The API's only parser: JSON objects, at most ``MAX_DEPTH`` deep, no NUL characters and
    no non-finite numbers anywhere. Size is bounded before this by
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (see ``api_exception_handler``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if too_deep(raw):
            raise InputRefused([f"The JSON body nests deeper than {MAX_DEPTH} levels."])
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        overflow: list[float] = []

        def read_float(text: str) -> float:
            value = float(text)
            if not math.isfinite(value):
                overflow.append(value)
            return value

        try:
            data = json.loads(
                raw.decode(encoding), parse_float=read_float, parse_constant=_refuse_constant
            )
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        # Walking a large body costs more than parsing it: only when there is something to
        # name (JSON text can only carry a NUL as the escape \u0000).
        if not isinstance(data, dict) or overflow or b"\\u0000" in raw:
            problems = body_problems(data)
            if problems:
                raise InputRefused(problems)
        return data


def body_limit_text() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"{limit:,} bytes ({limit / 1024 / 1024:g} MB)"


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus: an oversize body is a 413 naming the limit (Django would answer
    an HTML 400 naming nothing), and every refusal of the contract lists its problems."""
    if isinstance(exc, RequestDataTooBig):
        request = context.get("request")
        sent = (request.META.get("CONTENT_LENGTH") if request is not None else None) or "?"
        problem = (
            f"The request body ({sent} bytes) is larger than the limit of "
            f"{body_limit_text()}; send it in several requests."
        )
        return Response(
            {
                "detail": problem,
                "errors": [problem],
                "limit_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    # Imported here: rest_framework.views reads the API settings, which name this module.
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, InputRefused):
        response.data = {"detail": str(exc.detail), "errors": exc.problems}
    return response


# --------------------------------------------------------------------------- DRF fields


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses undeclared fields, naming each, together with every other
    problem of the body (a misspelt ``one_lead_per_pod`` never passes silently)."""

    def to_internal_value(self, data):
        known = [name for name, f in self.fields.items() if not f.read_only]
        extra = {
            str(key): [f"unknown field; expected {', '.join(known)}"]
            for key in (data if isinstance(data, Mapping) else ())
            if key not in known
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not extra:
                raise
            detail = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            raise serializers.ValidationError({**detail, **extra}) from None
        if extra:
            raise serializers.ValidationError(extra)
        return value


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` and nothing else: "maybe", "yes", 1 are refused, not read."""

    default_error_messages = {"invalid": "Must be true or false (a JSON boolean), not {input}."}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=json.dumps(data)[:40])


class FiniteFloatField(serializers.FloatField):
    """A finite number: a JSON number or a decimal string read by the one parser."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float):
            if not math.isfinite(data):
                raise serializers.ValidationError(f"{data} is not a finite number.")
            return data
        try:
            return float(parse_decimal(data, field=self.field_name))
        except NumberError as exc:
            raise serializers.ValidationError(f"{exc}.") from None


class DecimalInputField(serializers.DecimalField):
    """A decimal as a string (or an integer) read by the one parser; floats are refused, since
    0.1 as a float is not 0.1."""

    def to_internal_value(self, data):
        try:
            value = parse_decimal(data, field=self.field_name)
        except NumberError as exc:
            raise serializers.ValidationError(f"{exc}.") from None
        return self.quantize(self.validate_precision(value))


class DayField(serializers.DateField):
    """``YYYY-MM-DD`` in ``YEAR_MIN``..``YEAR_MAX``."""

    def to_internal_value(self, value):
        try:
            return parse_day(value, field=self.field_name)
        except ValueError as exc:
            raise serializers.ValidationError(f"{exc}.") from None


# --------------------------------------------------------------------------- form fields


class DecimalInput(forms.DecimalField):
    """Django's DecimalField (widget, digits and bounds validators) reading with the one parser:
    a decimal comma or thousands separator is refused with the reason, never guessed."""

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_decimal(value)
        except NumberError as exc:
            raise ValidationError(str(exc), code="invalid") from None
