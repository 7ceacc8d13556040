"""Set-up shared by the bonus tests: metrics, a plan per unit, a month of observations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from incentives.bonuses import services
from incentives.models import Metric, Observation
from teams.models import Pod, PodMembership

MONTH = date(2026, 9, 1)


def unit_metrics(unit) -> dict[str, Metric]:
    return {
        "activation": Metric.objects.create(
            org_unit=unit,
            key="activation",
            name="Activation rate",
            direction="higher",
            aggregation="last",
        ),
        "incidents": Metric.objects.create(
            org_unit=unit,
            key="incidents",
            name="Incidents",
            direction="lower",
            aggregation="sum",
            empty_value=Decimal("0"),
        ),
        "prs": Metric.objects.create(
            org_unit=unit, key="prs", name="Pull requests", kind="process"
        ),
    }


def make_plan(unit, metrics, *, effective_from=date(2026, 1, 1), cost="6000", **overrides):
    params = {
        "share": Decimal("0.2"),
        "pool_cap": Decimal("0.5"),
        "min_attainment": Decimal("0.5"),
        "split": "allocation",
        **overrides,
    }
    return services.plan_create(
        user=None,
        org_unit=unit,
        name=f"{unit.name} bonus",
        effective_from=effective_from,
        currency="EUR",
        standard_cost_per_fte=Decimal(cost),
        components=[
            services.ComponentSpec(
                metric=metrics["activation"],
                weight=Decimal("0.6"),
                threshold=Decimal(30),
                target=Decimal(40),
                stretch=Decimal(50),
            ),
            services.ComponentSpec(
                metric=metrics["incidents"],
                weight=Decimal("0.4"),
                threshold=Decimal(3),
                target=Decimal(1),
                stretch=Decimal(0),
                aggregation="sum",
            ),
        ],
        **params,
    )


def observe(metric, pod, day: date, value, key: str = "") -> Observation:
    return Observation.objects.create(
        metric=metric,
        pod=pod,
        date=day,
        value=Decimal(str(value)),
        external_id=key or f"{metric.key}-{pod.pk}-{day}-{value}",
    )


def bonus_world(personas):
    """Plans for both units, September data: pod A's pool is 7,500.00 (3,750.00 each)."""
    ma, mb = unit_metrics(personas.unit_a), unit_metrics(personas.unit_b)
    plan_a, plan_b = make_plan(personas.unit_a, ma), make_plan(personas.unit_b, mb)
    observe(ma["activation"], personas.pod_a, date(2026, 9, 20), 40)
    observe(mb["activation"], personas.pod_b, date(2026, 9, 20), 45)
    return {"metrics_a": ma, "metrics_b": mb, "plan_a": plan_a, "plan_b": plan_b}


def grow_unit(unit, n: int, *, person_factory, metrics, start=date(2026, 1, 1), tag="g"):
    """n more pods of two members each, with an observation each (for query-count tests)."""
    for i in range(n):
        pod = Pod.objects.create(name=f"Pod {tag}{i}", org_unit=unit, baseline_headcount=6)
        for j in range(2):
            person = person_factory(unit, f"P {tag}{i} {j}")
            PodMembership.objects.create(pod=pod, person=person, start=start)
        observe(metrics["activation"], pod, date(2026, 9, 10), 35 + i)
