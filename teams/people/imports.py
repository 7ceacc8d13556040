"""CSV import and export of people: parsing and validation, no database.

The caller passes in what the database knows (org unit slugs the importer may use, emails that
already exist); `parse_people_csv` returns either clean rows or every problem found, each naming
the row (as a spreadsheet shows it: the header is row 1), the column and the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from teams import inputs
from teams.numbers import NumberError, parse_decimal
from teams.traits import TRAITS

REQUIRED = ("name", "email", "org_unit")
OPTIONAL = ("role", "base_pay", "fte", "time_zone", "preferred_trait")
COLUMNS = (*REQUIRED, *OPTIONAL, *TRAITS)
ROLES = ("builder", "pod_lead", "org_lead")
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}, column “{self.column}”: {self.reason}"


@dataclass
class ImportRow:
    row: int
    name: str
    email: str
    org_unit: str
    role: str = "builder"
    base_pay: Decimal = Decimal("0")
    fte: Decimal = Decimal("1")
    time_zone: str = "UTC"
    preferred_trait: str = ""
    scores: tuple[int, ...] | None = None  # lead-source trait scores, when given


@dataclass
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    has_scores: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _decimal(
    value: str,
    row: int,
    column: str,
    errors: list[RowError],
    *,
    lo: Decimal,
    hi: Decimal | None,
    places: int,
) -> Decimal | None:
    try:
        return parse_decimal(value, field=column, places=places, minimum=lo, maximum=hi)
    except NumberError as exc:
        errors.append(RowError(row, column, f"{exc}."))
        return None


def _score(value: str, row: int, column: str, errors: list[RowError]) -> int | None:
    try:
        number = int(value)
    except ValueError:
        errors.append(RowError(row, column, f"“{value}” is not a whole number."))
        return None
    if not 0 <= number <= 100:
        errors.append(RowError(row, column, f"score {number} is out of range 0..100."))
        return None
    return number


@dataclass
class _Checks:
    """What every row is checked against: the header's column positions, the org units, the
    emails already in the database and those seen so far in this file (with their row)."""

    index: dict[str, int]
    names: list[str]  # by position; "" for a column without a name
    units: set[str]
    taken: set[str]
    seen: dict[str, int]
    has_scores: bool


def parse_people_csv(
    text: str, *, unit_slugs: Iterable[str], existing_emails: Iterable[str]
) -> ParsedImport:
    """Validate a whole file; all-or-nothing is the caller's job (nothing to save if errors)."""
    result = ParsedImport()
    errors = result.errors
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    columns = _header_columns(next(reader, None), errors)
    if errors:
        return result
    result.has_scores = any(t in columns for t in TRAITS)
    checks = _Checks(
        index={c: i for i, c in enumerate(columns)},
        names=columns,
        units=set(unit_slugs),
        taken={e.lower() for e in existing_emails},
        seen={},
        has_scores=result.has_scores,
    )
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        if line - 1 > MAX_ROWS:
            errors.append(RowError(line, "(file)", f"too many rows: at most {MAX_ROWS} per file."))
            break
        before = len(errors)
        if len(cells) > len(columns):
            # Reported with the row's other problems: a shifted cell usually explains them.
            errors.append(
                RowError(line, "(row)", f"{len(cells)} cells but {len(columns)} columns.")
            )
        row = _parse_row(line, cells, checks, errors)
        if len(errors) == before:
            result.rows.append(row)
    if not result.rows and not errors:
        errors.append(RowError(2, "(file)", "the file has a header but no people."))
    return result


def _header_columns(header: list[str] | None, errors: list[RowError]) -> list[str]:
    """The header's column names, lower-cased; every problem with them goes to `errors`."""
    if not header or not any(h.strip() for h in header):
        errors.append(RowError(1, "(header)", "the file is empty: expected a header row."))
        return []
    columns = [h.strip().lower() for h in header]
    for col in REQUIRED:
        if col not in columns:
            errors.append(RowError(1, col, "missing column."))
    given_traits = [t for t in TRAITS if t in columns]
    if given_traits and len(given_traits) < len(TRAITS):
        for t in TRAITS:
            if t not in columns:
                errors.append(RowError(1, t, "missing column (trait scores need all five traits)."))
    for n, col in enumerate(columns, start=1):
        if col and col not in COLUMNS:
            errors.append(
                RowError(1, col, f"unknown column; expected some of {', '.join(COLUMNS)}.")
            )
        elif col and col in columns[: n - 1]:
            errors.append(RowError(1, col, "the column appears twice."))
    return columns


def _parse_row(line: int, cells: list[str], checks: _Checks, errors: list[RowError]) -> ImportRow:
    """One person's row; the caller keeps it only if it added nothing to `errors`."""

    def cell(col: str) -> str:
        i = checks.index.get(col)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, value in enumerate(cells):
        named = checks.names[n] if n < len(checks.names) else ""
        col = named or f"(column {n + 1})"
        if inputs.NUL in value:
            errors.append(RowError(line, col, "contains a NUL character, which text cannot hold."))
        elif not named and value.strip() and n < len(checks.names):
            errors.append(RowError(line, col, "a value under a column with no name."))
    for col in REQUIRED:
        if not cell(col):
            errors.append(RowError(line, col, "required, but empty."))
    name, email, unit = cell("name"), cell("email").lower(), cell("org_unit")
    if email:
        _check_email(email, line, checks, errors)
    if unit and unit not in checks.units:
        errors.append(RowError(line, "org_unit", f"unknown org unit “{unit}”."))
    if len(name) > 150:
        errors.append(RowError(line, "name", "longer than 150 characters."))
    row = ImportRow(line, name, email, unit)
    _read_optional(row, cell, errors)
    if checks.has_scores:
        row.scores = _read_scores([cell(t) for t in TRAITS], line, errors)
    return row


def _check_email(email: str, line: int, checks: _Checks, errors: list[RowError]) -> None:
    """A valid address, new to the database and to this file (which then remembers it)."""
    try:
        validate_email(email)
    except ValidationError:
        errors.append(RowError(line, "email", f"“{email}” is not an email address."))
        return
    if email in checks.taken:
        errors.append(RowError(line, "email", f"duplicate email: {email} already exists."))
    elif email in checks.seen:
        errors.append(
            RowError(
                line, "email", f"duplicate email: {email} is also on row {checks.seen[email]}."
            )
        )
    else:
        checks.seen[email] = line


def _read_optional(row: ImportRow, cell: Callable[[str], str], errors: list[RowError]) -> None:
    """Role, pay, FTE, time zone and preferred trait onto `row`; empty cells keep the defaults."""
    line = row.row
    if role := cell("role"):
        if role.lower() not in ROLES:
            errors.append(RowError(line, "role", f"“{role}” is not one of {', '.join(ROLES)}."))
        row.role = role.lower()
    if value := cell("base_pay"):
        row.base_pay = _decimal(
            value, line, "base_pay", errors, lo=Decimal(0), hi=Decimal("9999999999"), places=2
        ) or Decimal(0)
    if value := cell("fte"):
        fte = _decimal(value, line, "fte", errors, lo=Decimal(0), hi=Decimal(1), places=2)
        row.fte = fte if fte is not None else Decimal(1)
    if value := cell("time_zone"):
        try:
            row.time_zone = inputs.check_time_zone(value)
        except ValueError as exc:
            errors.append(RowError(line, "time_zone", f"{exc}."))
    if value := cell("preferred_trait"):
        if value not in TRAITS:
            errors.append(
                RowError(line, "preferred_trait", f"“{value}” is not one of {', '.join(TRAITS)}.")
            )
        row.preferred_trait = value


def _read_scores(raw: list[str], line: int, errors: list[RowError]) -> tuple[int, ...] | None:
    """All five trait scores or none; a partly filled set is an error on each empty cell."""
    if any(raw) and not all(raw):
        for t, v in zip(TRAITS, raw, strict=True):
            if not v:
                errors.append(RowError(line, t, "empty: give all five trait scores or none."))
        return None
    if not any(raw):
        return None
    scores = [_score(v, line, t, errors) for t, v in zip(TRAITS, raw, strict=True)]
    if None in scores:
        return None
    return tuple(scores)  # type: ignore[arg-type]


def export_rows(people: Iterable[object]) -> Iterable[list[str]]:
    """CSV rows in the import's own columns (so an export can be edited and imported again).

    Trait columns carry the person's current profile scores, rounded; empty without a profile.
    """
    yield list(COLUMNS)
    for p in people:
        profile = getattr(p, "profile", None)
        scores = profile.scores if profile is not None else None
        yield [
            p.name,
            p.email,
            p.org_unit.slug,
            p.role,
            str(p.base_pay),
            str(p.fte),
            p.time_zone,
            p.preferred_trait,
            *([str(round(s)) for s in scores] if scores else [""] * len(TRAITS)),
        ]
