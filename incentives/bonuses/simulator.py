"""What-if: rerun the engine on a month's real inputs with some numbers changed. Nothing is saved.

Pure functions over ``inputs.UnitMonth`` (already loaded by the month close's builder) — the very same maths as the
month close, so what a lead or member sees here is what the close would pay.
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from incentives.bonuses import engine
from incentives.bonuses.inputs import UnitMonth


@dataclass
class WhatIf:
    """Changes to apply. ``values[(pod_id, metric_key)]`` replaces that pod's month value."""

    plan: Mapping[str, Decimal]  # standard_cost_per_fte, share, pool_cap, min_attainment
    targets: Mapping[str, Mapping[str, Decimal]]  # metric key -> threshold/target/stretch
    values: Mapping[tuple[str, str], Decimal]


def _last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def apply(
    inputs: UnitMonth, what_if: WhatIf, *, month: date, pod_ids: set[str] | None = None
) -> tuple[engine.Plan, list[engine.PodInput]]:
    plan = copy.copy(inputs.engine_plan)
    for name, value in what_if.plan.items():
        if value is not None:
            setattr(plan, name, Fraction(value))
    comps = []
    for comp in plan.components:
        own = what_if.targets.get(comp.metric, {})
        comps.append(replace(comp, **{k: Fraction(v) for k, v in own.items() if v is not None}))
    plan.components = comps
    pods = []
    for pod in inputs.pod_inputs:
        if pod_ids is not None and pod.id not in pod_ids:
            continue
        changed = {m: v for (p, m), v in what_if.values.items() if p == pod.id and v is not None}
        if changed:
            # One observation equal to X makes the month's value X for last, sum and mean.
            obs = [o for o in pod.observations if o.metric not in changed]
            obs += [
                engine.ObservationInput(metric=m, date=_last_day(month), value=v)
                for m, v in changed.items()
            ]
            pod = replace(pod, observations=obs)
        pods.append(pod)
    return plan, pods


def run(
    inputs: UnitMonth, what_if: WhatIf, *, month: date, pod_ids: set[str] | None = None
) -> engine.MonthResult:
    """The month with the changes; raises ``engine.ScenarioRefused`` for an impossible plan."""
    plan, pods = apply(inputs, what_if, month=month, pod_ids=pod_ids)
    return engine.compute_month(month.strftime("%Y-%m"), plan, pods, currency=inputs.plan.currency)


@dataclass
class MemberProjection:
    pool: Decimal
    share: Decimal
    attainment: Fraction
    met: bool


def member_projection(
    inputs: UnitMonth, *, month: date, pod_id: int, person_id: int, metric: str, value: Decimal
) -> MemberProjection:
    """'If <metric> reaches X this month, my pod's pool is P and my share is S.'"""
    result = run(
        inputs,
        WhatIf(plan={}, targets={}, values={(str(pod_id), metric): value}),
        month=month,
        pod_ids={str(pod_id)},
    )
    pod = result.pods[0]
    share = next(
        (line.amount for line in pod.payouts if line.person == str(person_id)), Decimal("0.00")
    )
    return MemberProjection(
        pool=pod.pool, share=share, attainment=pod.attainment, met=pod.attainment_met
    )
