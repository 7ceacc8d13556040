from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from teams import permissions
from teams.models import Pod, PodMembership
from teams.pods import services
from teams.pods.forms import PodForm, RenameForm


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


@login_required
def pod_new(request: HttpRequest) -> HttpResponse:
    """An Org Lead creates a pod: name, charter and baseline headcount; members come next."""
    permissions.require_org_lead(request.user)
    units = permissions.unit_choices(request.user).order_by("name")
    form = PodForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pod = services.pod_create(
                org_unit=data["org_unit"],
                name=data["name"],
                goal=data["goal"],
                product_area=data["product_area"],
                baseline=data["baseline_headcount"],
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Created {pod.name}. Add its members below.")
            return redirect(f"{pod.get_absolute_url()}#members")
    return render(
        request, "teams/pod_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def pod_rename(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_to_manage(request.user, pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        old = pod.name
        try:
            pod = services.pod_rename(pod=pod, name=form.cleaned_data["name"], user=request.user)
        except ValidationError as exc:
            messages.error(request, "Not renamed: " + " ".join(exc.messages))
        else:
            messages.success(request, f"Renamed {old} to {pod.name}.")
    else:
        messages.error(request, "Not renamed: " + " ".join(form.errors["name"]))
    return redirect(f"{pod.get_absolute_url()}#settings")
