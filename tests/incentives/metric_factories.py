"""Set-up shared by the metric tests: a unit's metrics and a pod's history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from incentives.models import Metric, MetricTarget, Observation


def make_metric(
    unit,
    key="activation",
    *,
    kind="outcome",
    direction="higher",
    aggregation="last",
    empty_value=None,
    name=None,
    owner_pod=None,
) -> Metric:
    return Metric.objects.create(
        org_unit=unit,
        key=key,
        name=name or key.replace("-", " ").capitalize(),
        kind=kind,
        direction=direction,
        aggregation=aggregation,
        empty_value=empty_value,
        unit="%",
        owner_pod=owner_pod,
    )


def make_target(metric, pod, month: date, t0, t1, t2) -> MetricTarget:
    return MetricTarget.objects.create(
        metric=metric,
        pod=pod,
        month=month,
        threshold=Decimal(str(t0)),
        target=Decimal(str(t1)),
        stretch=Decimal(str(t2)),
    )


def make_history(metric, pod, start: date, values, *, step_days=7, prefix="h") -> list[Observation]:
    rows = [
        Observation(
            metric=metric,
            pod=pod,
            date=start + timedelta(days=step_days * i),
            value=Decimal(str(v)),
            external_id=f"{prefix}-{metric.key}-{i}",
        )
        for i, v in enumerate(values)
    ]
    return Observation.objects.bulk_create(rows)
