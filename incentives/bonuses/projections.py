"""This month's projected pools: the payout engine on month-to-date data, never saved (issue 8).

`engine_inputs` builds the engine's plan and pod inputs for some org units and a month: whole
units through the month-close builder (``incentives.services.month_inputs``, so a projection is
what ``period_compute`` would pay on the same data), a few pods (the pod page) through a builder
filtered to those pods. `project_month` runs ``engine.compute_month`` on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from incentives.bonuses import engine
from incentives.metrics.services import month_end, observations_that_count
from incentives.models import IncentivePlan, MetricTarget
from teams.models import Pod, PodMembership


@dataclass
class UnitInputs:
    unit_id: int
    plan: IncentivePlan
    engine_plan: engine.Plan
    pods: list[engine.PodInput]


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


def plans_in_force(unit_ids: Iterable[int], month: date) -> dict[int, IncentivePlan]:
    """Per unit, the plan with the latest ``effective_from`` on or before ``month`` (2 queries)."""
    plans: dict[int, IncentivePlan] = {}
    rows = (
        IncentivePlan.objects.filter(org_unit_id__in=list(unit_ids), effective_from__lte=month)
        .order_by("org_unit_id", "-effective_from")
        .prefetch_related("components__metric")
    )
    for plan in rows:
        plans.setdefault(plan.org_unit_id, plan)
    return plans


def _engine_plan(plan: IncentivePlan) -> engine.Plan:
    return engine.Plan(
        standard_cost_per_fte=plan.standard_cost_per_fte,
        share=plan.share,
        pool_cap=plan.pool_cap,
        min_attainment=plan.min_attainment,
        split=plan.split,
        components=[
            engine.Component(
                metric=c.metric.key,
                kind=c.metric.kind,
                weight=c.weight,
                direction=c.metric.direction,
                threshold=c.threshold,
                target=c.target,
                stretch=c.stretch,
                aggregate=c.aggregation,
                floor=c.floor,
                attainment_cap=c.attainment_cap,
                empty_value=c.metric.empty_value,
            )
            for c in plan.components.all()
        ],
    )


def engine_inputs(
    *,
    unit_ids: Iterable[int],
    month: date,
    until: date | None = None,
    pod_ids: Iterable[int] | None = None,
) -> list[UnitInputs]:
    """Engine inputs for ``month`` with observations up to ``until`` (month-to-date): the pods
    ``period_compute`` pays of every unit, or only ``pod_ids`` (then active pods, about seven
    queries whatever the number of pods or people)."""
    unit_ids = list(unit_ids)
    last = month_end(month)
    until = min(until or last, last)
    plans = plans_in_force(unit_ids, month)
    if not plans:
        return []
    if pod_ids is None:
        return [_unit_inputs(plan, unit_id, month, until) for unit_id, plan in plans.items()]
    pods_qs = Pod.objects.filter(org_unit_id__in=list(plans), status=Pod.Status.ACTIVE)
    if pod_ids is not None:
        pods_qs = pods_qs.filter(pk__in=list(pod_ids))
    pods = {p.pk: p for p in pods_qs.only("id", "org_unit_id", "baseline_headcount")}
    if not pods:
        return []
    members: dict[int, dict[int, engine.MemberInput]] = {pk: {} for pk in pods}
    memberships = (
        PodMembership.objects.filter(pod_id__in=list(pods), start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=month))
        .order_by("start", "id")
        .values_list("pod_id", "person_id", "person__base_pay", "allocation", "start", "end")
    )
    for pod_id, person_id, base_pay, allocation, start, end in memberships:
        # One line per person and pod: a later membership in the same month replaces an earlier one.
        members[pod_id][person_id] = engine.MemberInput(
            id=str(person_id), base_pay=base_pay, allocation=allocation, start=start, end=end
        )
    metric_keys = {
        c.metric_id: c.metric.key for plan in plans.values() for c in plan.components.all()
    }
    observations: dict[int, list[engine.ObservationInput]] = {pk: [] for pk in pods}
    rows = (
        observations_that_count()
        .filter(
            pod_id__in=list(pods), metric_id__in=list(metric_keys), date__gte=month, date__lte=until
        )
        .order_by("date", "id")
        .values_list("pod_id", "metric_id", "date", "value")
    )
    for pod_id, metric_id, day, value in rows:
        observations[pod_id].append(
            engine.ObservationInput(metric=metric_keys[metric_id], date=day, value=value)
        )
    targets: dict[int, dict[str, engine.Targets]] = {pk: {} for pk in pods}
    for t in MetricTarget.objects.filter(
        pod_id__in=list(pods), month=month, metric_id__in=list(metric_keys)
    ):
        targets[t.pod_id][metric_keys[t.metric_id]] = engine.Targets(
            threshold=t.threshold, target=t.target, stretch=t.stretch
        )
    out = []
    for unit_id, plan in plans.items():
        unit_pods = [
            engine.PodInput(
                id=str(pk),
                baseline_headcount=pod.baseline_headcount,
                members=list(members[pk].values()),
                observations=observations[pk],
                targets=targets[pk],
            )
            for pk, pod in pods.items()
            if pod.org_unit_id == unit_id
        ]
        if unit_pods:
            out.append(UnitInputs(unit_id, plan, _engine_plan(plan), unit_pods))
    return out


def _unit_inputs(plan: IncentivePlan, unit_id: int, month: date, until: date) -> UnitInputs:
    """A whole unit's month from the month-close builder (``services.month_inputs``, the inputs
    ``period_compute`` pays from), cut to the observations made up to ``until``."""
    from incentives.bonuses import services

    inputs = services.month_inputs(plan=plan, org_unit_id=unit_id, month=month)
    for pod in inputs.pod_inputs:
        pod.observations = [o for o in pod.observations if o.date <= until]
    return UnitInputs(unit_id, plan, inputs.engine_plan, inputs.pod_inputs)


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
    for unit in engine_inputs(unit_ids=unit_ids, month=month, until=until, pod_ids=pod_ids):
        projection.currency_by_unit[unit.unit_id] = unit.plan.currency
        try:
            results = engine.compute_month(
                (month.year, month.month), unit.engine_plan, unit.pods, currency=unit.plan.currency
            ).pods
        except engine.ScenarioRefused as exc:
            results = []
            for pod in unit.pods:  # find the pods at fault; keep the others
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
