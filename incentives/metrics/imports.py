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
MAX_ROWS = 50_000


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


def csv_check(*, user: User, text: str) -> CsvCheck:
    """Parse and validate; nothing is written. Rows are numbered as lines (the header is line 1)."""
    check = CsvCheck()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        check.header_problems.append(
            f"The header must name the columns {', '.join(REQUIRED)} "
            f"(missing: {', '.join(missing)})."
        )
        return check
    reader.fieldnames = header
    try:
        for row in reader:
            if len(check.raw_rows) >= MAX_ROWS:
                check.header_problems.append(f"More than {MAX_ROWS:,} rows; split the file.")
                return check
            check.raw_rows.append(
                {k: (v or "").strip() for k, v in row.items() if k in REQUIRED + OPTIONAL}
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
