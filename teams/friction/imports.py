"""CSV import of waits: preview first (every problem of every row, by row and column), then
all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from teams.friction import services
from teams.models import Wait

REQUIRED = ("pod", "node", "kind", "requested_at")
OPTIONAL = ("resolved_at", "url", "external_id")
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class CsvCheck:
    resolution: services.Resolution = field(default_factory=services.Resolution)
    header_problems: list[str] = field(default_factory=list)
    raw_rows: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each raw row's line in the file

    @property
    def preview(self) -> list[tuple[int, dict]]:
        return list(zip(self.lines, self.raw_rows, strict=True))[:20]

    @property
    def problems(self) -> list[str]:
        return self.header_problems + [str(p) for p in self.resolution.problems]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.resolution.rows)


def _header(cells: list[str] | None, check: CsvCheck) -> list[str]:
    if not cells or not any(c.strip() for c in cells):
        check.header_problems.append("The file is empty: the first line must name the columns.")
        return []
    columns = [c.strip().lower() for c in cells]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        check.header_problems.append(
            f"Row 1: the header must name the columns {', '.join(REQUIRED)} "
            f"(missing: {', '.join(missing)})."
        )
    for n, name in enumerate(columns):
        if name and name not in COLUMNS:
            check.header_problems.append(
                f"Row 1, column {n + 1}: unknown column {name[:40]!r}; "
                f"the columns are {', '.join(COLUMNS)}."
            )
        elif name and name in columns[:n]:
            check.header_problems.append(f"Row 1: the column {name!r} appears twice.")
    return columns


def csv_check(*, user: User, text: str) -> CsvCheck:
    """Read and check the whole file; nothing is written. Rows are numbered as a spreadsheet
    shows them (the header is row 1)."""
    check = CsvCheck()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    stray: list[services.RowProblem] = []
    try:
        columns = _header(next(reader, None), check)
        if check.header_problems:
            return check
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # a blank line is not a row
            if len(check.raw_rows) >= MAX_ROWS:
                check.header_problems.append(f"More than {MAX_ROWS:,} rows; split the file.")
                return check
            row = reader.line_num
            extra = [
                c
                for i, c in enumerate(cells)
                if (i >= len(columns) or not columns[i]) and c.strip()
            ]
            if extra:
                stray.append(
                    services.RowProblem(
                        row,
                        "",
                        f"{len(extra)} cell(s) beyond the header's columns "
                        f"({', '.join(repr(c[:20]) for c in extra[:3])})",
                    )
                )
            check.raw_rows.append(
                {
                    name: (cells[i] if i < len(cells) else "")
                    for i, name in enumerate(columns)
                    if name
                }
            )
            check.lines.append(row)
    except csv.Error as exc:
        check.header_problems.append(f"Row {reader.line_num}: {exc}")
        return check
    if not check.raw_rows:
        check.header_problems.append("The file has a header but no rows.")
        return check
    resolution = services.wait_rows_resolve(
        user=user, raw_rows=check.raw_rows, source=Wait.Source.CSV, row_numbers=check.lines
    )
    resolution.problems = sorted([*resolution.problems, *stray], key=lambda p: p.row)
    check.resolution = resolution
    return check


@transaction.atomic
def csv_import(*, user: User, text: str) -> tuple[CsvCheck, services.UpsertResult | None]:
    """Check again (the data may have changed since the preview) and write all rows, or none."""
    check = csv_check(user=user, text=text)
    if not check.ok:
        return check, None
    result = services.waits_upsert(rows=check.resolution.rows, source=Wait.Source.CSV, user=user)
    return check, result
