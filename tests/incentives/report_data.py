"""Data for the dashboard, pod page and report tests: plans, pods, profiles, months."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from incentives.bonuses.projections import project_month
from incentives.metrics.services import add_months, month_start
from incentives.models import (
    IncentivePeriod,
    IncentivePlan,
    Metric,
    MetricTarget,
    Observation,
    Payout,
    PlanComponent,
    PodResult,
)
from teams.models import Person, Pod, PodMembership, TraitProfile

THIS_MONTH = month_start(date.today())


def make_plan(unit, *, effective_from: date | None = None, currency="EUR") -> IncentivePlan:
    """A plan with one outcome component (the unit's 'activation' metric, created if missing)."""
    metric, _ = Metric.objects.get_or_create(
        org_unit=unit,
        key="activation",
        defaults={
            "name": "Activation",
            "unit": "%",
            "kind": "outcome",
            "direction": "higher",
            "aggregation": "last",
        },
    )
    plan = IncentivePlan.objects.create(
        org_unit=unit,
        name=f"{unit.name} plan",
        effective_from=effective_from or add_months(THIS_MONTH, -13),
        currency=currency,
        standard_cost_per_fte=Decimal("12000"),
    )
    PlanComponent.objects.create(
        plan=plan,
        metric=metric,
        weight=Decimal("1"),
        threshold=Decimal("20"),
        target=Decimal("40"),
        stretch=Decimal("60"),
    )
    return plan


def observe(pod, unit, value, *, day: date | None = None, month: date = THIS_MONTH) -> None:
    metric = Metric.objects.get(org_unit=unit, key="activation")
    MetricTarget.objects.get_or_create(
        metric=metric, pod=pod, month=month, defaults={"threshold": 20, "target": 40, "stretch": 60}
    )
    Observation.objects.create(metric=metric, pod=pod, date=day or month, value=Decimal(str(value)))


def grow(unit, *, pods: int, size: int = 4, prefix: str = "g", observe_value=45) -> list[Pod]:
    """Add ``pods`` pods of ``size`` people each (with trait profiles and an observation)."""
    made = []
    start = date(2025, 1, 1)
    for i in range(pods):
        pod = Pod.objects.create(
            name=f"{prefix} pod {i:03d}", org_unit=unit, goal="Grow", baseline_headcount=size + 3
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    name=f"{prefix} person {i:03d}-{j}",
                    email=f"{prefix}.{unit.slug}.{i}.{j}@example.com",
                    org_unit=unit,
                    base_pay=Decimal("6000"),
                )
                for j in range(size)
            ]
        )
        PodMembership.objects.bulk_create(
            [PodMembership(pod=pod, person=p, start=start) for p in people]
        )
        TraitProfile.objects.bulk_create(
            [
                TraitProfile(
                    person=p,
                    builder=80 - 10 * j,
                    architect=50 + 10 * j,
                    taste_maker=60,
                    signal_reader=75,
                    decision_maker=40 + 5 * i % 50,
                    primary_trait="builder",
                )
                for j, p in enumerate(people)
            ]
        )
        if observe_value is not None:
            observe(pod, unit, observe_value)
        made.append(pod)
    return made


def make_period(
    unit, month: date, *, status=IncentivePeriod.Status.APPROVED, adjustment_for=None
) -> IncentivePeriod:
    """A computed period of ``month`` for the unit's pods, written from the engine's results
    (observations dated in that month are made first so the pods earn a pool)."""
    plan = (
        IncentivePlan.objects.filter(org_unit=unit, effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )
    for pod in Pod.objects.filter(org_unit=unit, status=Pod.Status.ACTIVE):
        if month != THIS_MONTH:
            observe(pod, unit, 50, day=month + timedelta(days=3), month=month)
    projection = project_month(unit_ids=[unit.pk], month=month)
    period = IncentivePeriod.objects.create(
        plan=plan, org_unit=unit, month=month, status=IncentivePeriod.Status.COMPUTED, totals={}
    )
    results, payouts = [], []
    for pod_id, r in projection.pods.items():
        results.append(
            PodResult(
                period=period,
                pod_id=pod_id,
                attainment=_dec(r.attainment),
                fte=_dec(r.fte),
                actual_cost=_money(r.actual_cost),
                equivalent_cost=_money(r.equivalent_cost),
                dividend=_money(r.dividend),
                efficiency_ratio=None if r.efficiency_ratio is None else _dec(r.efficiency_ratio),
                pool=r.pool,
            )
        )
        payouts += [
            Payout(period=period, pod_id=pod_id, person_id=int(line.person), amount=line.amount)
            for line in r.payouts
        ]
    PodResult.objects.bulk_create(results)
    Payout.objects.bulk_create(payouts)
    if adjustment_for is not None:
        person, pod, amount, adjusts = adjustment_for
        Payout.objects.create(
            period=period,
            pod=pod,
            person=person,
            amount=Decimal(amount),
            is_adjustment=True,
            adjusts=adjusts,
            note="late observation",
        )
    if (
        status != period.status
    ):  # approved rows are frozen (a trigger): write them first, then approve
        IncentivePeriod.objects.filter(pk=period.pk).update(status=status)
        period.status = status
    return period


def _dec(value) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))


def _money(value) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))
