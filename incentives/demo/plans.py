"""Demo incentive plans and months: a plan per demo unit from 12 months ago, the last few
months computed and approved, the previous month computed and awaiting approval.

Works with whatever outcome metrics the unit has (weights split to sum to exactly 1).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Avg

from incentives.bonuses import services
from incentives.metrics.services import add_months
from incentives.models import Metric, MetricTarget
from teams import clock
from teams.models import OrgUnit, Person

APPROVED_MONTHS = 3  # before the previous month, which is left computed for review


def _weights(n: int) -> list[Decimal]:
    each = (Decimal(1) / n).quantize(Decimal("0.000001"))
    return [each] * (n - 1) + [Decimal(1) - each * (n - 1)]


def _defaults(metric: Metric, avg: dict | None) -> tuple[Decimal, Decimal, Decimal]:
    """Plan-level targets: the average of the per-pod targets when there are some."""
    q = Decimal("0.01")
    if avg and None not in (avg["t0"], avg["t1"], avg["t2"]):
        t0, t1, t2 = (Decimal(avg[k]).quantize(q) for k in ("t0", "t1", "t2"))
        ok = t0 < t1 < t2 if metric.direction == "higher" else t0 > t1 > t2
        if ok:
            return t0, t1, t2
    return (
        (Decimal(0), Decimal(1), Decimal(2))
        if metric.direction == "higher"
        else (Decimal(2), Decimal(1), Decimal(0))
    )


def demo_seed_plans(
    *, units: Sequence[OrgUnit], rng: random.Random, today: date | None = None
) -> dict[str, int]:
    today = today or clock.today()
    this_month = today.replace(day=1)
    start = add_months(this_month, -12)
    unit_ids = [u.pk for u in units]
    lead_units = unit_ids + [u.parent_id for u in units if u.parent_id]
    approver = (
        get_user_model().objects.filter(person__led_units__in=lead_units).order_by("pk").first()
    )
    metrics = list(
        Metric.objects.filter(org_unit_id__in=unit_ids, kind=Metric.Kind.OUTCOME).order_by(
            "org_unit_id", "key"
        )
    )
    averages = {
        row["metric_id"]: row
        for row in MetricTarget.objects.filter(metric__in=metrics)
        .values("metric_id")
        .annotate(t0=Avg("threshold"), t1=Avg("target"), t2=Avg("stretch"))
    }
    by_unit: dict[int, list[Metric]] = {}
    for m in metrics:
        by_unit.setdefault(m.org_unit_id, []).append(m)
    avg_pay = dict(
        Person.objects.filter(org_unit_id__in=unit_ids)
        .values("org_unit_id")
        .annotate(a=Avg("base_pay"))
        .values_list("org_unit_id", "a")
    )
    plans = periods = 0
    for unit in units:
        unit_metrics = by_unit.get(unit.pk, [])
        if not unit_metrics:
            continue
        cost = Decimal(avg_pay.get(unit.pk) or 8000).quantize(Decimal("100"))
        specs = [
            services.ComponentSpec(
                metric=m, weight=w, threshold=t0, target=t1, stretch=t2, aggregation=m.aggregation
            )
            for m, w in zip(unit_metrics, _weights(len(unit_metrics)), strict=True)
            for t0, t1, t2 in [_defaults(m, averages.get(m.pk))]
        ]
        services.plan_create(
            user=None,
            org_unit=unit,
            name=f"{unit.name} AI-efficiency bonus",
            effective_from=start,
            currency="EUR",
            standard_cost_per_fte=cost,
            share=Decimal("0.20"),
            pool_cap=Decimal("0.50"),
            min_attainment=Decimal("0.5"),
            split="allocation",
            components=specs,
        )
        plans += 1
        for back in range(APPROVED_MONTHS + 1, 0, -1):
            period = services.period_compute(
                user=None, org_unit=unit, month=add_months(this_month, -back)
            )
            periods += 1
            if back > 1 and approver is not None:
                services.period_approve(user=approver, period=period)
    return {"plans": plans, "periods": periods}


def demo_reset_plans(*, unit_ids: Iterable[int]) -> int:
    """Delete the demo units' plans, periods, results, payouts and their audit entries,
    approved ones included, through the documented admin-only reset path."""
    ids = list(unit_ids)
    if not ids:
        return 0
    return services.periods_delete_for_reset(unit_ids=ids)
