"""The Org Lead's dated staffing changes from the pod and person pages: add a member, change
an allocation, move to another pod, name the Pod Lead, end a stint; move a person to another
unit, off-board them; dissolve a pod. They end or start stints, so they live here and go
through ``incentives.bonuses.changes`` (refused into approved months, open months
recomputed). The teams pages link to them by URL name."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from incentives.bonuses import changes
from incentives.staffing.forms import (
    DissolveForm,
    MembershipAddForm,
    MembershipChangeForm,
    OffboardForm,
    PersonMoveForm,
)
from teams import clock, permissions
from teams.models import Person, Pod, units_below
from teams.pods import services as pods_services

FORM = "teams/membership_form.html"


def _back(request: HttpRequest, default: str) -> str:
    """Where to go once saved: the page the form was opened from, if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


def _done(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _note(text: str, result: changes.ChangeResult) -> str:
    if result.recomputed:
        months = ", ".join(f"{p.org_unit.name} {p.month:%B %Y}" for p in result.recomputed)
        text += f" Recomputed {months}."
    return text


def _refusal_on_form(form, exc: ValidationError, fields: dict[str, str]) -> None:
    """A guard's or service's refusal on the form field it concerns (``fields`` maps the
    service's names to the form's)."""
    for name, errors in exc.message_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def _render(request: HttpRequest, ctx: dict, *, status: int = 200) -> HttpResponse:
    # htmx swaps only 2xx answers: the fragment with its errors or warnings answers 200.
    if request.htmx:
        return render(request, f"{FORM}#form", ctx)
    return render(request, FORM, ctx, status=status)


def _active_pods(request: HttpRequest):
    return (
        permissions.pods_visible_to(request.user)
        .filter(status=Pod.Status.ACTIVE, dissolved_on__isnull=True)
        .select_related("org_unit")
        .order_by("name")
    )


# --------------------------------------------------------------------------- adding a member


@login_required
def pod_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The pod page's "Add a member": a person of the pod's unit from a day at an allocation."""
    pod = permissions.pod_to_manage(request.user, pk)
    people = Person.objects.filter(
        org_unit_id__in=units_below([pod.org_unit_id]), is_active=True, left_on__isnull=True
    ).order_by("name")
    form = MembershipAddForm(request.POST or None, people=people, initial={"start": clock.today()})
    return _member_add(
        request, form, pod=pod, person=None, back=_back(request, pod.get_absolute_url())
    )


@login_required
def person_membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The person page's "Add to a pod"."""
    person = permissions.person_to_manage(request.user, pk)
    form = MembershipAddForm(
        request.POST or None, pods=_active_pods(request), initial={"start": clock.today()}
    )
    return _member_add(
        request, form, pod=None, person=person, back=_back(request, person.get_absolute_url())
    )


def _member_add(request, form, *, pod, person, back: str) -> HttpResponse:
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pod, person = pod or data["pod"], person or data["person"]
        warnings = pods_services.membership_warnings(
            pod=pod,
            person=person,
            on=data["start"],
            allocation=data["allocation"],
            is_pod_lead=data["is_pod_lead"],
        )
        if not warnings or request.POST.get("confirm"):
            try:
                with transaction.atomic():
                    result = changes.membership_add(
                        user=request.user,
                        pod=pod,
                        person=person,
                        start=data["start"],
                        allocation=data["allocation"],
                    )
                    if data["is_pod_lead"]:
                        changes.membership_set_lead(
                            user=request.user, membership=result.row, on=data["start"]
                        )
            except ValidationError as exc:
                warnings = []
                _refusal_on_form(form, exc, {"effective_from": "start"})
            else:
                lead = " as Pod Lead" if data["is_pod_lead"] else ""
                messages.success(
                    request,
                    _note(
                        f"{person.name} is in {pod.name}{lead} from {data['start']:%Y-%m-%d} at "
                        f"{data['allocation'].normalize():f} FTE.",
                        result,
                    ),
                )
                return _done(request, back)
    title = (
        f"Add a member to {pod.name}" if "person" in form.fields else f"Add {person.name} to a pod"
    )
    return _render(
        request,
        {
            "form": form,
            "warnings": warnings,
            "title": title,
            "action_url": request.path,
            "back": back,
        },
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- changing a stint


@login_required
def membership_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A stint's dated changes: a new allocation, another pod, the Pod Lead, its end."""
    membership = permissions.membership_to_manage(request.user, pk)
    back = _back(request, membership.pod.get_absolute_url())
    form = MembershipChangeForm(
        request.POST or None,
        membership=membership,
        pods=_active_pods(request),
        initial={"on": clock.today(), "allocation": membership.allocation},
    )
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        warnings = _change_warnings(membership, form.cleaned_data)
        if not warnings or request.POST.get("confirm"):
            try:
                note, result = _change(request, membership, form.cleaned_data)
            except ValidationError as exc:
                warnings = []
                _refusal_on_form(
                    form,
                    exc,
                    {"start": "on", "end": "on", "effective_from": "on", "pod": "to_pod"},
                )
            else:
                messages.success(request, _note(note, result))
                return _done(request, back)
    m = membership
    return _render(
        request,
        {
            "form": form,
            "warnings": warnings,
            "membership": m,
            "title": f"{m.person.name} in {m.pod.name}",
            "action_url": request.path,
            "back": back,
        },
        status=400 if form.errors else 200,
    )


def _change_warnings(m, data: dict) -> list[str]:
    action, on = data["action"], data["on"]
    check = pods_services.membership_warnings
    if action == "allocation":
        found = check(pod=m.pod, person=m.person, on=on, allocation=data["allocation"], replacing=m)
    elif action == "move":
        allocation = data["allocation"] if data["allocation"] is not None else m.allocation
        found = check(
            pod=data["to_pod"], person=m.person, on=on, allocation=allocation, replacing=m
        ) + check(pod=m.pod, person=m.person, on=on, replacing=m, leaving=True)
    elif action == "lead":
        found = (
            check(pod=m.pod, person=m.person, on=on, is_pod_lead=True, replacing=m)
            if not m.is_pod_lead
            else []
        )
    else:
        found = check(
            pod=m.pod, person=m.person, on=on + timedelta(days=1), replacing=m, leaving=True
        )
    return list(dict.fromkeys(found))


def _change(request: HttpRequest, m, data: dict) -> tuple[str, changes.ChangeResult]:
    action, on, user = data["action"], data["on"], request.user
    who, day = m.person.name, f"{on:%Y-%m-%d}"
    if action == "allocation":
        result = changes.membership_split(
            user=user, membership=m, on=on, allocation=data["allocation"]
        )
        return f"{who}: {data['allocation'].normalize():f} FTE in {m.pod.name} from {day}.", result
    if action == "move":
        result = changes.membership_move(
            user=user, membership=m, to_pod=data["to_pod"], on=on, allocation=data["allocation"]
        )
        return f"{who} moves from {m.pod.name} to {data['to_pod'].name} from {day}.", result
    if action == "lead":
        lead = not m.is_pod_lead
        result = changes.membership_set_lead(user=user, membership=m, on=on, lead=lead)
        role = "the Pod Lead" if lead else "a member, no longer the Pod Lead,"
        return f"{who} is {role} of {m.pod.name} from {day}.", result
    result = changes.membership_end(user=user, membership=m, on=on)
    return f"{who}'s membership of {m.pod.name} ends on {day} (their last day).", result


# --------------------------------------------------------------------------- people and pods


def _messages_from(request: HttpRequest, form, exc: ValidationError | None = None) -> None:
    errors = exc.message_dict if exc is not None else form.errors
    for field, texts in errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in texts:
            messages.error(request, f"{label}: {text}" if label else text)


@login_required
@require_POST
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_to_manage(request.user, pk)
    units = permissions.unit_choices(request.user).exclude(pk=person.org_unit_id)
    form = PersonMoveForm(request.POST, units=units)
    back = f"{person.get_absolute_url()}#admin"
    if not form.is_valid():
        _messages_from(request, form)
        return redirect(back)
    data, old_unit = form.cleaned_data, person.org_unit
    try:
        result = changes.person_move(
            user=request.user,
            person=person,
            to_unit=data["org_unit"],
            effective_from=data["effective_from"],
            end_memberships=data["end_memberships"],
        )
    except ValidationError as exc:
        _messages_from(request, form, exc)
        return redirect(back)
    day = f"{data['effective_from']:%Y-%m-%d}"
    waits = result.row.applied_at is None
    text = (
        f"{person.name} moves from {old_unit.name} to {data['org_unit'].name} on {day}."
        if waits
        else f"{person.name} is in {data['org_unit'].name} from {day}."
    )
    if data["end_memberships"]:
        text += f" Their memberships in {old_unit.name}'s pods end the day before."
    messages.success(request, _note(text, result))
    return redirect(back)


@login_required
@require_POST
def person_offboard(request: HttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_to_manage(request.user, pk)
    form = OffboardForm(request.POST)
    back = f"{person.get_absolute_url()}#admin"
    if not form.is_valid():
        _messages_from(request, form)
        return redirect(back)
    day = form.cleaned_data["effective_from"]
    try:
        result = changes.person_offboard(user=request.user, person=person, effective_from=day)
    except ValidationError as exc:
        _messages_from(request, form, exc)
        return redirect(back)
    when = "now" if day <= clock.today() else f"on {day:%Y-%m-%d}"
    messages.success(
        request,
        _note(
            f"{person.name} is off-boarded from {day:%Y-%m-%d}: every membership ends the day "
            f"before, and their login is disabled {when}. Their history stays.",
            result,
        ),
    )
    return redirect(back)


@login_required
@require_POST
def pod_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_to_manage(request.user, pk)
    form = DissolveForm(request.POST)
    back = f"{pod.get_absolute_url()}#settings"
    if not form.is_valid():
        _messages_from(request, form)
        return redirect(back)
    day = form.cleaned_data["dissolved_on"]
    try:
        result = changes.pod_dissolve(user=request.user, pod=pod, on=day)
    except ValidationError as exc:
        _messages_from(request, form, exc)
        return redirect(back)
    messages.success(
        request,
        _note(
            f"{pod.name} is dissolved from {day:%Y-%m-%d}; its memberships end the day before.",
            result,
        ),
    )
    return redirect(back)
