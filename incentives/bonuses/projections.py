"""This month's projected pools: the payout engine on month-to-date data, never saved.

The inputs come from the month close's own builder (``inputs.month_inputs``), cut to the
observations made so far, so a projection is what ``period_compute`` would pay on the same data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from incentives.bonuses import engine, inputs


@dataclass
class Projection:
    """Per pod id: the engine's ``PodResult``; per unit: currency; refusals as readable lines."""

    month: date
    pods: dict[int, engine.PodResult] = field(default_factory=dict)
    currency_by_unit: dict[int, str] = field(default_factory=dict)
    unit_of_pod: dict[int, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    @property
    def total_pool(self) -> Decimal:
        return sum((r.pool for r in self.pods.values()), Decimal("0"))

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.currency_by_unit.values()))

    def currency_of_pod(self, pod_id: int) -> str:
        return self.currency_by_unit.get(self.unit_of_pod.get(pod_id, 0), "")

    def share_of(self, pod_id: int, person_id: int) -> Decimal | None:
        result = self.pods.get(pod_id)
        if result is None:
            return None
        for line in result.payouts:
            if line.person == str(person_id):
                return line.amount
        return None


def project_month(
    *,
    unit_ids: Iterable[int],
    month: date,
    until: date | None = None,
    pod_ids: Iterable[int] | None = None,
) -> Projection:
    """Run the engine on month-to-date data; nothing is saved. A unit whose plan the engine
    refuses is left out and named in ``refused`` (a refused pod alone is left out likewise)."""
    projection = Projection(month=month)
    for unit in inputs.month_inputs(unit_ids=unit_ids, month=month, until=until, pod_ids=pod_ids):
        projection.currency_by_unit[unit.unit_id] = unit.plan.currency
        try:
            results = engine.compute_month(
                (month.year, month.month),
                unit.engine_plan,
                unit.pod_inputs,
                currency=unit.plan.currency,
            ).pods
        except engine.ScenarioRefused as exc:
            results = []
            for pod in unit.pod_inputs:  # find the pods at fault; keep the others
                try:
                    results += engine.compute_month(
                        (month.year, month.month), unit.engine_plan, [pod]
                    ).pods
                except engine.ScenarioRefused as pod_exc:
                    projection.refused += [f"{unit.plan}: {line}" for line in pod_exc.problems]
            if not results:
                projection.refused += [] if projection.refused else [f"{unit.plan}: {exc}"]
        for result in results:
            projection.pods[int(result.id)] = result
            projection.unit_of_pod[int(result.id)] = unit.unit_id
    return projection
