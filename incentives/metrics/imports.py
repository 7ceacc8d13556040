"""CSV import of observations: preview first, then all rows or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from incentives.metrics import services as metrics
from incentives.models import Observation

REQUIRED = ("pod", "metric", "date", "value")
OPTIONAL = ("external_id", "evidence_url")
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class CsvCheck:
    """The outcome of reading and validating a CSV: the rows, or every problem by line."""

    resolution: metrics.Resolution = field(default_factory=metrics.Resolution)
    header_problems: list[str] = field(default_factory=list)
    raw_rows: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.header_problems + [str(p) for p in self.resolution.problems]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.resolution.rows)


def _read_header(header: list[str] | None, check: CsvCheck) -> list[str]:
    """The header's column names; every problem with them goes to ``check.header_problems``."""
    if not header or not any(h.strip() for h in header):
        check.header_problems.append("The file is empty: the first line must name the columns.")
        return []
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        check.header_problems.append(
            f"The header must name the columns {', '.join(REQUIRED)} "
            f"(missing: {', '.join(missing)})."
        )
    for n, name in enumerate(columns, start=1):
        if not name:
            continue  # a trailing comma; a value under it is reported on its row
        if name not in COLUMNS:
            check.header_problems.append(
                f"Line 1: unknown column {name[:40]!r}; the columns are {', '.join(COLUMNS)}."
            )
        elif name in columns[: n - 1]:
            check.header_problems.append(f"Line 1: the column {name!r} appears twice.")
    return columns


def csv_check(*, user: User, text: str) -> CsvCheck:
    """Parse and validate; nothing is written. Rows are numbered as lines (the header is line 1)
    and every problem of a row is listed: its fields', and cells beyond the header's columns."""
    check = CsvCheck()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    extra: list[metrics.RowProblem] = []
    try:
        columns = _read_header(next(reader, None), check)
        if check.header_problems:
            return check
        for cells in reader:
            if not cells:
                continue  # a blank line is not a row
            if len(check.raw_rows) >= MAX_ROWS:
                check.header_problems.append(f"More than {MAX_ROWS:,} rows; split the file.")
                return check
            row = len(check.raw_rows) + 2
            stray = [
                c
                for i, c in enumerate(cells)
                if (i >= len(columns) or not columns[i]) and c.strip()
            ]
            if stray:
                extra.append(
                    metrics.RowProblem(
                        row,
                        f"{len(stray)} cell(s) outside the header's named columns "
                        f"({', '.join(repr(c[:20]) for c in stray[:3])}); fix the row or the header",
                    )
                )
            check.raw_rows.append(
                {
                    name: (cells[i] if i < len(cells) else "").strip()
                    for i, name in enumerate(columns)
                    if name
                }
            )
    except csv.Error as exc:
        check.header_problems.append(f"Line {reader.line_num}: {exc}")
        return check
    if not check.raw_rows:
        check.header_problems.append("The file has a header but no rows.")
        return check
    check.resolution = metrics.observation_rows_resolve(
        user=user, raw_rows=check.raw_rows, source=Observation.Source.CSV, first_row=2
    )
    if extra:
        check.resolution.problems = sorted(
            [*check.resolution.problems, *extra], key=lambda p: p.row
        )
    return check


@transaction.atomic
def csv_import(*, user: User, text: str) -> tuple[CsvCheck, metrics.UpsertResult | None]:
    """Validate again (the data may have changed since the preview) and write all rows, or none."""
    check = csv_check(user=user, text=text)
    if not check.ok:
        return check, None
    result = metrics.observations_upsert(
        rows=check.resolution.rows, source=Observation.Source.CSV, user=user
    )
    return check, result
