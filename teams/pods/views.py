from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams import permissions
from teams.models import Pod, PodMembership


def _current_memberships():
    return PodMembership.objects.current().select_related("person", "person__profile")


@login_required
def pod_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    status = request.GET.get("status", Pod.Status.ACTIVE)
    pods = (
        permissions.pods_visible_to(request.user)
        .select_related("org_unit")
        .prefetch_related(
            Prefetch("memberships", queryset=_current_memberships(), to_attr="current")
        )
        .order_by("org_unit__name", "name")
    )
    if status in Pod.Status.values:
        pods = pods.filter(status=status)
    page = Paginator(pods, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/pod_list.html",
        {"page": page, "status": status, "statuses": Pod.Status.choices},
    )
