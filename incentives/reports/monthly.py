"""Selectors of the monthly incentive report: totals, comparison, rows, payroll CSV.

Every function runs a fixed number of queries whatever the size of the org.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum

from incentives.metrics.services import add_months
from incentives.models import IncentivePeriod, Payout, PodResult

PAYROLL_COLUMNS = ["person", "email", "amount", "currency", "period", "adjustment"]
ZERO = Decimal("0")


@dataclass
class Totals:
    pool: Decimal = ZERO
    payouts: Decimal = ZERO
    people: int = 0
    pods: int = 0
    attainment: Decimal | None = None
    dividend: Decimal = ZERO
    adjustments: int = 0
    adjustments_amount: Decimal = ZERO


@dataclass
class Change:
    label: str
    current: Decimal | int | None
    previous: Decimal | int | None
    money: bool = False

    @property
    def delta(self) -> Decimal | int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        if self.delta is None or not self.previous:
            return None
        return (Decimal(self.delta) * 100 / Decimal(self.previous)).quantize(Decimal("0.1"))


def period_for(unit_id: int, month: date) -> IncentivePeriod | None:
    return (
        IncentivePeriod.objects.select_related("org_unit", "plan", "approved_by")
        .filter(org_unit_id=unit_id, month=month)
        .first()
    )


def previous_period(period: IncentivePeriod) -> IncentivePeriod | None:
    return IncentivePeriod.objects.filter(
        org_unit_id=period.org_unit_id, month=add_months(period.month, -1)
    ).first()


def totals_for(period_ids: list[int]) -> dict[int, Totals]:
    """Totals per period, in two queries for any number of periods."""
    out = {pk: Totals() for pk in period_ids}
    for row in (
        PodResult.objects.filter(period_id__in=period_ids)
        .values("period_id")
        .annotate(
            pool=Sum("pool"),
            pods=Count("id"),
            attainment=Avg("attainment"),
            dividend=Sum("dividend"),
        )
    ):
        t = out[row["period_id"]]
        t.pool, t.pods, t.dividend = row["pool"] or ZERO, row["pods"], row["dividend"] or ZERO
        t.attainment = (
            None
            if row["attainment"] is None
            else Decimal(row["attainment"]).quantize(Decimal("0.0001"))
        )
    for row in (
        Payout.objects.filter(period_id__in=period_ids)
        .values("period_id")
        .annotate(
            total=Sum("amount"),
            people=Count("person_id", distinct=True),
            adjustments=Count("id", filter=Q(is_adjustment=True)),
            adjustments_amount=Sum("amount", filter=Q(is_adjustment=True)),
        )
    ):
        t = out[row["period_id"]]
        t.payouts, t.people = row["total"] or ZERO, row["people"]
        t.adjustments, t.adjustments_amount = row["adjustments"], row["adjustments_amount"] or ZERO
    return out


def comparison(current: Totals, previous: Totals | None) -> list[Change]:
    prev = previous or Totals()
    has_prev = previous is not None
    return [
        Change("Total pool", current.pool, prev.pool if has_prev else None, money=True),
        Change("Total payouts", current.payouts, prev.payouts if has_prev else None, money=True),
        Change("People paid", current.people, prev.people if has_prev else None),
        Change("Pods", current.pods, prev.pods if has_prev else None),
        Change("Mean attainment", current.attainment, prev.attainment if has_prev else None),
        Change(
            "Dividend (cost saved)",
            current.dividend,
            prev.dividend if has_prev else None,
            money=True,
        ),
    ]


def pod_rows(period: IncentivePeriod) -> list[PodResult]:
    return list(
        PodResult.objects.filter(period=period)
        .select_related("pod")
        .order_by("pod__name", "pod_id")
    )


def person_totals(period: IncentivePeriod) -> list[Decimal]:
    """Each person's total payout of the period (for the distribution)."""
    return list(
        Payout.objects.filter(period=period)
        .values("person_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("total", flat=True)
    )


def payout_rows(period: IncentivePeriod):
    return (
        Payout.objects.filter(period=period)
        .select_related("person", "pod", "adjusts")
        .order_by("person__name", "person_id", "is_adjustment", "id")
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def payroll_csv_lines(period: IncentivePeriod, *, chunk_size: int = 2000) -> Iterator[str]:
    """The payroll CSV, one line at a time (streamed: 10,000 people never sit in memory as text).

    One line per payout row; an adjustment of an earlier approved period is its own line with
    ``adjustment`` = yes."""
    writer = csv.writer(_Echo())
    yield writer.writerow(PAYROLL_COLUMNS)
    currency, month = period.plan.currency, f"{period.month:%Y-%m}"
    rows = (
        Payout.objects.filter(period=period)
        .order_by("person__name", "person_id", "is_adjustment", "id")
        .values_list("person__name", "person__email", "amount", "is_adjustment")
    )
    for name, email, amount, is_adjustment in rows.iterator(chunk_size=chunk_size):
        yield writer.writerow(
            [name, email, f"{amount:.2f}", currency, month, "yes" if is_adjustment else "no"]
        )
