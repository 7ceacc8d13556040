"""Access to the incentive objects (plans, periods, pod pools, statements), built on the rules
of ``teams.permissions``: 404 for an object the user may not see, 403 for a role that may not
act. Pages and the API load these objects only through the helpers below."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from incentives.metrics.services import month_end
from incentives.models import IncentivePeriod, IncentivePlan, PodResult
from teams import permissions
from teams.models import Person, Pod


def _require_pay_lead(user: User | AnonymousUser) -> None:
    if not permissions.is_org_lead(user):
        raise PermissionDenied("Plans, periods and payouts are for Org Leads.")


def plan_for_user(user: User | AnonymousUser, pk: int) -> IncentivePlan:
    """A plan of a unit the user leads; Org Leads only."""
    _require_pay_lead(user)
    plan = get_object_or_404(IncentivePlan.objects.select_related("org_unit", "created_by"), pk=pk)
    if not permissions.can_manage_pay(user, plan.org_unit_id):
        raise Http404("No such plan.")
    return plan


def period_for_user(user: User | AnonymousUser, pk: int) -> IncentivePeriod:
    """A period to review and close (compute, approve, lock, adjust): Org Leads of its unit."""
    _require_pay_lead(user)
    period = get_object_or_404(
        IncentivePeriod.objects.select_related("org_unit", "plan", "approved_by"), pk=pk
    )
    if not permissions.can_manage_pay(user, period.org_unit_id):
        raise Http404("No such period.")
    return period


def pod_result_for_user(user: User | AnonymousUser, period_pk: int, pod_pk: int) -> PodResult:
    """A pod's pool for a month: leads of the unit always; whoever was in the pod that month
    once the month is approved (a computed month may still change)."""
    result = get_object_or_404(
        PodResult.objects.select_related("period__org_unit", "period__plan", "pod"),
        period_id=period_pk,
        pod_id=pod_pk,
    )
    period, pod = result.period, result.pod
    if pod.org_unit_id != period.org_unit_id or not permissions.can_view_pod_pool(
        user, pod, first=period.month, last=month_end(period.month)
    ):
        raise Http404("No such pod result.")
    if not period.is_frozen and not permissions.can_manage_pay(user, period.org_unit_id):
        raise Http404("This month has not been approved yet.")
    return result


def pod_for_pool(user: User | AnonymousUser, pk: int, *, month: date) -> Pod:
    """A pod whose pool for ``month`` the user may see: leads of its unit, and whoever was in
    it that month (a member's what-if projects their own pods only)."""
    pod = get_object_or_404(Pod.objects.select_related("org_unit"), pk=pk)
    if not permissions.can_view_pod_pool(user, pod, first=month, last=month_end(month)):
        raise Http404("No such pod.")
    return pod


def statement_period_for_user(
    user: User | AnonymousUser, period_pk: int, person: Person
) -> IncentivePeriod:
    """The period of a person's statement: the person once the month is approved, and leads
    of the unit always."""
    period = get_object_or_404(
        IncentivePeriod.objects.select_related("org_unit", "plan"), pk=period_pk
    )
    if not permissions.can_view_payout(user, person_id=person.pk, unit_id=period.org_unit_id):
        raise Http404("No such statement.")
    if not period.is_frozen and not permissions.can_manage_pay(user, period.org_unit_id):
        raise Http404("This month has not been approved yet.")
    return period
