"""Workflows that write several rows. Views, the API, tasks and commands all call these."""

from __future__ import annotations

from django.db import transaction


@transaction.atomic
def pod_charter_update(*, pod_id: int, goal: str, product_area: str, baseline_headcount=None):
    """Write a pod's charter. ``baseline_headcount`` None leaves it unchanged (only Org Leads may
    change it; the caller decides with ``permissions.can_edit_baseline``). Validates the whole
    row first (``full_clean``), so a bad value saves nothing."""
    from teams.models import Pod

    pod = Pod.objects.select_for_update().get(pk=pod_id)
    pod.goal = goal.strip()
    pod.product_area = product_area.strip()
    fields = ["goal", "product_area"]
    if baseline_headcount is not None:
        pod.baseline_headcount = baseline_headcount
        fields.append("baseline_headcount")
    pod.full_clean(exclude=["formation_run"])
    pod.save(update_fields=fields)
    return pod
