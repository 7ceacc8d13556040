"""The demo organisation end to end: people and pods (`teams.demo`), then metrics, plans and
closed months on top of them."""

from __future__ import annotations

from django.db import transaction

from incentives.demo.friction import demo_seed_friction
from incentives.demo.history import demo_seed_history
from incentives.demo.metrics import demo_reset_metrics, demo_seed_metrics
from incentives.demo.plans import demo_reset_plans, demo_seed_plans
from teams import demo as teams_demo
from teams.demo import DemoResult


@transaction.atomic
def demo_seed(*, people: int = 60, seed: int = 7) -> DemoResult:
    unit_ids = teams_demo.demo_unit_ids()
    if unit_ids:
        demo_reset_plans(unit_ids=unit_ids)
        demo_reset_metrics(unit_ids=unit_ids)
    result = teams_demo.demo_seed(people=people, seed=seed)
    demo_seed_metrics(units=result.unit_objects, pods=result.pod_objects, rng=result.rng)
    # Stints, a raise and a baseline change before the months are closed on them.
    demo_seed_history(pods=result.pod_objects)
    demo_seed_plans(units=result.unit_objects, rng=result.rng)
    # Where the pods wait and what they run on; its own random stream.
    demo_seed_friction(pods=result.pod_objects, seed=seed)
    return result


@transaction.atomic
def demo_reset() -> bool:
    """Delete the demo organisation and everything the incentives app keeps about it."""
    unit_ids = teams_demo.demo_unit_ids()
    if unit_ids:
        demo_reset_plans(unit_ids=unit_ids)
        demo_reset_metrics(unit_ids=unit_ids)
    return teams_demo.demo_reset()
