"""The org tree as a lead sees it: each unit with its leads, headcount, pods and plan.

A constant number of queries whatever the number of units (the units, their leads, people
counts, pod counts and plans in force, each one query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count

from teams import permissions
from teams.models import OrgUnit, Person, Pod


@dataclass
class PlanInForce:
    id: int
    name: str
    effective_from: date


@dataclass
class UnitNode:
    unit: OrgUnit
    depth: int = 0
    leads: list[Person] = field(default_factory=list)
    headcount: int = 0  # active people of this unit itself
    headcount_below: int = 0  # …and of every unit below it
    pods_active: int = 0
    pods_proposed: int = 0
    plan: PlanInForce | None = None
    children: list[UnitNode] = field(default_factory=list)


def _plans_in_force(unit_ids: list[int], month: date) -> dict[int, PlanInForce]:
    """Per unit, the plan with the latest start on or before ``month``. Read through the
    unit's reverse relation: plans are the incentives app's, which this one does not import."""
    rows = (
        OrgUnit.objects.filter(pk__in=unit_ids, incentive_plans__effective_from__lte=month)
        .order_by("id", "-incentive_plans__effective_from")
        .values_list(
            "id", "incentive_plans__id", "incentive_plans__name", "incentive_plans__effective_from"
        )
    )
    plans: dict[int, PlanInForce] = {}
    for unit_id, plan_id, name, since in rows:
        plans.setdefault(unit_id, PlanInForce(plan_id, name, since))
    return plans


def org_tree(user: User, *, today: date, archived: bool = False) -> list[UnitNode]:
    """The units the user leads as a forest (roots: units whose parent they do not lead), in
    name order. Archived units only with ``archived`` (their units below are archived too)."""
    ids = permissions.led_unit_ids(user)
    units = OrgUnit.objects.filter(pk__in=ids).order_by("name", "id")
    if not archived:
        units = units.filter(archived_at__isnull=True)
    nodes = {u.pk: UnitNode(u) for u in units}
    keys = list(nodes)
    for link in (
        OrgUnit.leads.through.objects.filter(orgunit_id__in=keys)
        .select_related("person")
        .order_by("person__name", "person_id")
    ):
        nodes[link.orgunit_id].leads.append(link.person)
    for unit_id, n in (
        Person.objects.filter(org_unit_id__in=keys, is_active=True)
        .values_list("org_unit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        nodes[unit_id].headcount = n
    for unit_id, status, n in (
        Pod.objects.filter(org_unit_id__in=keys)
        .exclude(status=Pod.Status.DISSOLVED)
        .values_list("org_unit_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if status == Pod.Status.ACTIVE:
            nodes[unit_id].pods_active = n
        else:
            nodes[unit_id].pods_proposed = n
    for unit_id, plan in _plans_in_force(keys, today.replace(day=1)).items():
        nodes[unit_id].plan = plan

    roots = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id)
        (parent.children if parent is not None else roots).append(node)

    def settle(node: UnitNode, depth: int) -> int:
        node.depth = depth
        node.headcount_below = node.headcount + sum(settle(c, depth + 1) for c in node.children)
        return node.headcount_below

    for root in roots:
        settle(root, 0)
    return roots


def flatten(roots: list[UnitNode]) -> list[UnitNode]:
    """Depth first, parents before their units: the order the page lists them in."""
    out, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out
