"""The org pages (Org Leads and Admins): the tree, and one unit's page with its changes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from teams import clock, permissions
from teams.models import OrgUnit, Person, Pod, units_below
from teams.org import forms as org_forms
from teams.org import services, tree


def _refused(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, problems in errors.items():
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


def _create_form(request: HttpRequest, data=None) -> org_forms.UnitCreateForm:
    return org_forms.UnitCreateForm(
        data,
        parents=permissions.unit_choices(request.user),
        allow_top=permissions.is_admin(request.user),
        prefix="new",
    )


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    """The units the user leads, with leads, headcount, pods and plan; a new unit (POST)."""
    permissions.require_org_lead(request.user)
    form = _create_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                user=request.user,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"{unit.name} created.")
            return redirect("org-unit", pk=unit.pk)
    show_archived = request.GET.get("archived") == "1"
    roots = tree.org_tree(request.user, today=clock.today(), archived=show_archived)
    return render(
        request,
        "teams/org/tree.html",
        {
            "nodes": tree.flatten(roots),
            "form": form,
            "show_archived": show_archived,
        },
        status=400 if form.errors else 200,
    )


def _unit_page(
    request: HttpRequest, unit: OrgUnit, *, failed: forms.Form | None = None
) -> HttpResponse:
    """One unit's page; ``failed`` is the form whose submission was refused (shown with its
    errors, answered 400)."""
    user = request.user
    below = units_below({unit.pk})
    parents = permissions.unit_choices(user).exclude(pk__in=below)
    allow_top = permissions.is_admin(user)
    forms_by_name = {
        "rename": org_forms.UnitRenameForm(initial={"name": unit.name}, prefix="rename"),
        "move": org_forms.UnitMoveForm(
            parents=parents, allow_top=allow_top, initial={"parent": unit.parent_id}, prefix="move"
        ),
        "lead": org_forms.LeadAddForm(
            candidates=services.lead_candidates(user=user, unit=unit), prefix="lead"
        ),
    }
    if failed is not None:
        forms_by_name[failed.prefix] = failed
    visible = permissions.led_unit_ids(user)
    path, at = [], unit.parent
    while at is not None and at.pk in visible:
        path.insert(0, at)
        at = at.parent
    return render(
        request,
        "teams/org/unit.html",
        {
            "unit": unit,
            "path": path,
            "leads": list(unit.leads.select_related("org_unit").order_by("name")),
            "children": list(unit.children.order_by("archived_at", "name")),
            "pods": list(
                Pod.objects.filter(org_unit=unit)
                .exclude(status=Pod.Status.DISSOLVED)
                .order_by("name")
            ),
            "headcount": Person.objects.filter(org_unit=unit, is_active=True).count(),
            "action_errors": forms_by_name["action"].non_field_errors()
            if "action" in forms_by_name
            else [],
            **{f"{name}_form": form for name, form in forms_by_name.items()},
        },
        status=400 if failed is not None else 200,
    )


@login_required
def org_unit(request: HttpRequest, pk: int) -> HttpResponse:
    return _unit_page(request, permissions.unit_for_user(request.user, pk))


@login_required
@require_POST
def org_unit_rename(request: HttpRequest, pk: int) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, pk)
    form = org_forms.UnitRenameForm(request.POST, prefix="rename")
    if form.is_valid():
        try:
            services.unit_rename(user=request.user, unit=unit, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Renamed to {form.cleaned_data['name']}.")
            return redirect("org-unit", pk=unit.pk)
    return _unit_page(request, unit, failed=form)


@login_required
@require_POST
def org_unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, pk)
    form = org_forms.UnitMoveForm(
        request.POST,
        parents=permissions.unit_choices(request.user),
        allow_top=permissions.is_admin(request.user),
        prefix="move",
    )
    if form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            services.unit_move(user=request.user, unit=unit, parent=parent)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            where = parent.name if parent else "the top level"
            messages.success(request, f"{unit.name} now belongs to {where}.")
            return redirect("org-unit", pk=unit.pk)
    return _unit_page(request, unit, failed=form)


class _ActionRefused(forms.Form):
    """Carries the refusal of a button (archive, restore, remove a lead) to the page."""

    prefix = "action"


def _action_refused(request: HttpRequest, unit: OrgUnit, exc: ValidationError) -> HttpResponse:
    form = _ActionRefused(data={})
    form.is_valid()
    _refused(form, exc)
    return _unit_page(request, unit, failed=form)


@login_required
@require_POST
def org_unit_archive(request: HttpRequest, pk: int) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, pk)
    archive = request.POST.get("archived", "1") != "0"
    try:
        services.unit_archive(user=request.user, unit=unit, archived=archive)
    except ValidationError as exc:
        return _action_refused(request, unit, exc)
    messages.success(request, f"{unit.name} {'archived' if archive else 'restored'}.")
    return redirect("org-unit", pk=unit.pk)


@login_required
@require_POST
def org_unit_lead_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, pk)
    form = org_forms.LeadAddForm(
        request.POST,
        candidates=services.lead_candidates(user=request.user, unit=unit),
        prefix="lead",
    )
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.unit_lead_add(user=request.user, unit=unit, person=person)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"{person.name} now leads {unit.name}.")
            return redirect("org-unit", pk=unit.pk)
    return _unit_page(request, unit, failed=form)


@login_required
@require_POST
def org_unit_lead_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, pk)
    person = get_object_or_404(Person, pk=person_pk)
    if not unit.leads.filter(pk=person.pk).exists():
        raise Http404("Not a lead of this unit.")
    try:
        services.unit_lead_remove(user=request.user, unit=unit, person=person)
    except ValidationError as exc:
        return _action_refused(request, unit, exc)
    messages.success(request, f"{person.name} no longer leads {unit.name}.")
    permissions.forget(request.user)
    if not permissions.can_manage_unit(request.user, unit.pk):
        return redirect("org-tree")
    return redirect("org-unit", pk=unit.pk)
