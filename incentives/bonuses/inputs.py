"""The one input builder: from the records to the payout engine's scenario (DESIGN §3).

The month close, the pod page projection, the dashboard, the what-if simulator and
``export_scenario`` all read a month through `month_inputs`, so what a lead sees projected or
simulated is what the close pays, and an exported scenario reproduces the stored payouts.

- one stint per membership row overlapping the month, split further where the person's pay
  rate changes inside it (a person is one member however many stints);
- the pod's baseline history as a schedule when it changes inside the month;
- the plan in force and the pods' own targets for the month;
- the observations that count: never rejected ones; flagged and self-reported ones only once
  an Org Lead confirmed them.

A fixed number of queries whatever the number of units, pods, people or observations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, prefetch_related_objects

from incentives.bonuses import engine
from incentives.metrics.services import metric_pay_kind, month_end
from incentives.models import IncentivePlan, MetricTarget, Observation, PlanComponent
from teams.dated import value_on
from teams.models import Baseline, PayRate, Pod, PodMembership


@dataclass
class UnitMonth:
    """Everything the engine needs for one unit's month, and what the pages show beside it."""

    unit_id: int
    month: date
    plan: IncentivePlan
    components: list[PlanComponent]
    engine_plan: engine.Plan
    pods: list[Pod]
    pod_inputs: list[engine.PodInput]
    flagged: int  # anomalous observations of the month awaiting a lead's decision
    self_reported: int  # observations typed by people paid from the pod, awaiting confirmation

    @property
    def pending(self) -> int:
        return self.flagged + self.self_reported

    def scenario(self) -> dict:
        """The month as §3's ``simulate_month`` JSON (database ids as strings)."""
        return engine.scenario_to_json(
            (self.month.year, self.month.month),
            self.engine_plan,
            self.pod_inputs,
            currency=self.plan.currency,
        )


def engine_plan(*, plan: IncentivePlan, components: Iterable[PlanComponent]) -> engine.Plan:
    return engine_plan_from(params=vars(plan), components=components)


def engine_plan_from(*, params: Mapping[str, Any], components: Iterable[Any]) -> engine.Plan:
    """An engine plan from plan parameters and component rows: model rows, or the form's
    specs (a metric object and its numbers) when a lead is still typing the plan."""
    return engine.Plan(
        standard_cost_per_fte=params["standard_cost_per_fte"],
        share=params["share"],
        pool_cap=params["pool_cap"],
        min_attainment=params["min_attainment"],
        split=params["split"],
        components=[
            engine.Component(
                metric=c.metric.key,
                kind=metric_pay_kind(c.metric),
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
            for c in components
        ],
    )


def plans_in_force(unit_ids: Iterable[int], month: date) -> dict[int, IncentivePlan]:
    """Per unit, the plan with the latest ``effective_from`` on or before ``month`` (3 queries)."""
    plans: dict[int, IncentivePlan] = {}
    rows = (
        IncentivePlan.objects.filter(org_unit_id__in=list(unit_ids), effective_from__lte=month)
        .order_by("org_unit_id", "-effective_from")
        .prefetch_related("components__metric")
    )
    for plan in rows:
        plans.setdefault(plan.org_unit_id, plan)
    return plans


# --------------------------------------------------------------------------- dated records


def rate_on(rates: list[tuple[date | None, Decimal]], day: date, fallback: Decimal) -> Decimal:
    """The pay rate in force on ``day`` from a person's rates sorted by date (None first)."""
    return value_on(rates, day, fallback)


def stints_of(
    rows: list[tuple[date, date | None, Decimal]],
    rates: list[tuple[date | None, Decimal]],
    fallback_pay: Decimal,
    first: date,
    last: date,
) -> list[engine.Stint]:
    """One stint per membership row (start, end, allocation), split at the pay-rate changes
    that fall inside both the row and the month."""
    changes = sorted({since for since, _ in rates if since is not None and first < since <= last})
    stints = []
    for start, end, allocation in sorted(rows, key=lambda r: r[0]):
        begin = start
        for change in changes:
            if change > max(begin, first) and (end is None or change <= end):
                stints.append(
                    engine.Stint(
                        start=begin,
                        end=change - timedelta(days=1),
                        allocation=allocation,
                        base_pay=rate_on(rates, max(begin, first), fallback_pay),
                    )
                )
                begin = change
        stints.append(
            engine.Stint(
                start=begin,
                end=end,
                allocation=allocation,
                base_pay=rate_on(rates, max(begin, first), fallback_pay),
            )
        )
    return stints


def member_input(person_id: int, stints: list[engine.Stint]) -> engine.MemberInput:
    if len(stints) == 1:
        only = stints[0]
        return engine.MemberInput(
            id=str(person_id),
            base_pay=only.base_pay,
            allocation=only.allocation,
            start=only.start,
            end=only.end,
        )
    return engine.MemberInput(id=str(person_id), stints=stints)


def baseline_for_month(
    steps: list[tuple[date | None, Decimal]], fallback: Decimal, first: date, last: date
) -> Decimal | list[engine.BaselineStep]:
    """The pod's baseline for the month: one number when one value holds all month, else the
    schedule of the value in force on the 1st and the changes inside the month."""
    if not steps:
        return fallback
    in_force = [s for s in steps if s[0] is None or s[0] <= first]
    inside = [s for s in steps if s[0] is not None and first < s[0] <= last]
    opening = in_force[-1:] if in_force else []
    if opening and not inside:
        return opening[0][1]
    return [engine.BaselineStep(start=since, value=value) for since, value in opening + inside]


# --------------------------------------------------------------------------- the builder


def month_inputs(
    *,
    unit_ids: Iterable[int],
    month: date,
    until: date | None = None,
    pod_ids: Iterable[int] | None = None,
    plans: dict[int, IncentivePlan] | None = None,
) -> list[UnitMonth]:
    """The engine inputs of these units' month (units without a plan in force are left out).

    ``until`` cuts observations to a month-to-date projection; ``pod_ids`` keeps only those
    pods (the pod page). ``plans`` overrides the plans in force (the close of a period)."""
    month = month.replace(day=1)
    first, last = month, month_end(month)
    until = min(until or last, last)
    plans = plans if plans is not None else plans_in_force(unit_ids, month)
    if not plans:
        return []
    prefetch_related_objects(list(plans.values()), "components__metric")
    components = {unit_id: list(plan.components.all()) for unit_id, plan in plans.items()}
    pods_qs = Pod.objects.filter(org_unit_id__in=list(plans)).exclude(status=Pod.Status.PROPOSED)
    if pod_ids is not None:
        pods_qs = pods_qs.filter(pk__in=list(pod_ids))
    pods = list(pods_qs.order_by("name", "pk"))
    if not pods:
        return []
    pod_filter = pods_qs.values("pk")

    memberships = (
        PodMembership.objects.filter(pod_id__in=pod_filter, start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .values_list("pod_id", "person_id", "start", "end", "allocation", "person__base_pay")
    )
    rows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    opening_pay: dict[int, Decimal] = {}
    for pod_id, person_id, start, end, allocation, base_pay in memberships:
        rows[pod_id][person_id].append((start, end, allocation))
        opening_pay[person_id] = base_pay

    rates: dict[int, list[tuple[date | None, Decimal]]] = defaultdict(list)
    rate_rows = (
        PayRate.objects.filter(
            person_id__in=PodMembership.objects.filter(
                pod_id__in=pod_filter, start__lte=last
            ).values("person_id")
        )
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=last))
        .order_by("person_id", "effective_from")
        .values_list("person_id", "effective_from", "base_pay")
    )
    for person_id, since, value in rate_rows:
        rates[person_id].append((since, value))
    for person_rates in rates.values():
        person_rates.sort(key=lambda r: (r[0] is not None, r[0] or date.min))

    baselines: dict[int, list[tuple[date | None, Decimal]]] = defaultdict(list)
    for pod_id, since, value in (
        Baseline.objects.filter(pod_id__in=pod_filter)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=last))
        .values_list("pod_id", "effective_from", "value")
    ):
        baselines[pod_id].append((since, value))
    for steps in baselines.values():
        steps.sort(key=lambda r: (r[0] is not None, r[0] or date.min))

    key_of = {c.metric_id: c.metric.key for comps in components.values() for c in comps}
    observations: dict[int, list[engine.ObservationInput]] = defaultdict(list)
    pending: dict[int, dict[str, int]] = defaultdict(lambda: {"flagged": 0, "self": 0})
    for pod_id, metric_id, day, value, flag in (
        Observation.objects.filter(
            pod_id__in=pod_filter, metric_id__in=list(key_of), date__gte=first, date__lte=until
        )
        .exclude(flag=Observation.Flag.REJECTED)
        .order_by("date", "id")
        .values_list("pod_id", "metric_id", "date", "value", "flag")
    ):
        if flag == Observation.Flag.FLAGGED:
            pending[pod_id]["flagged"] += 1
        elif flag == Observation.Flag.SELF_REPORTED:
            pending[pod_id]["self"] += 1
        else:
            observations[pod_id].append(
                engine.ObservationInput(metric=key_of[metric_id], date=day, value=value)
            )

    targets: dict[int, dict[str, engine.Targets]] = defaultdict(dict)
    for t in MetricTarget.objects.filter(
        pod_id__in=pod_filter, metric_id__in=list(key_of), month=month
    ):
        targets[t.pod_id][key_of[t.metric_id]] = engine.Targets(
            threshold=t.threshold, target=t.target, stretch=t.stretch
        )

    out = []
    for unit_id, plan in plans.items():
        unit_pods = [p for p in pods if p.org_unit_id == unit_id]
        if not unit_pods:
            continue
        pod_inputs = []
        for pod in unit_pods:
            members = [
                member_input(
                    person_id,
                    stints_of(
                        person_rows, rates.get(person_id, []), opening_pay[person_id], first, last
                    ),
                )
                for person_id, person_rows in sorted(rows.get(pod.pk, {}).items())
            ]
            pod_inputs.append(
                engine.PodInput(
                    id=str(pod.pk),
                    baseline_headcount=baseline_for_month(
                        baselines.get(pod.pk, []), pod.baseline_headcount, first, last
                    ),
                    members=members,
                    observations=observations.get(pod.pk, []),
                    targets=targets.get(pod.pk, {}),
                )
            )
        out.append(
            UnitMonth(
                unit_id=unit_id,
                month=month,
                plan=plan,
                components=components[unit_id],
                engine_plan=engine_plan(plan=plan, components=components[unit_id]),
                pods=unit_pods,
                pod_inputs=pod_inputs,
                flagged=sum(pending[p.pk]["flagged"] for p in unit_pods),
                self_reported=sum(pending[p.pk]["self"] for p in unit_pods),
            )
        )
    return out


def unit_month(*, plan: IncentivePlan, org_unit_id: int, month: date) -> UnitMonth | None:
    """One unit's month under ``plan`` (the close), or ``None`` when the unit has no pods."""
    found = month_inputs(unit_ids=[org_unit_id], month=month, plans={org_unit_id: plan})
    return found[0] if found else None
