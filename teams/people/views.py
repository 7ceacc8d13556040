from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Value
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from teams import clock, inputs, permissions, uploads
from teams.models import Invitation, OrgUnit, PendingUpload, Person, Pod, PodMembership
from teams.people import directory, imports, services
from teams.people.forms import ImportForm, PersonForm, SetPasswordForm
from teams.profiles.views import profile_context
from teams.traits import TRAIT_CHOICES, TRAIT_LABELS, TRAITS

# Dated history, newest first, the opening row (no date: since the start) last on every database.
NEWEST_FIRST = F("effective_from").desc(nulls_last=True)


def _directory_choices(request: HttpRequest) -> dict[str, list[tuple[int, str]]]:
    """Org units and active pods for the filter menus, in one query (a UNION)."""
    units = permissions.units_visible_to(request.user).annotate(kind=Value("unit"))
    pods = (
        permissions.pods_visible_to(request.user)
        .filter(status=Pod.Status.ACTIVE)
        .annotate(kind=Value("pod"))
    )
    rows = (
        units.order_by()
        .values_list("kind", "id", "name")
        .union(pods.order_by().values_list("kind", "id", "name"), all=True)
    )
    choices: dict[str, list[tuple[int, str]]] = {"units": [], "pods": []}
    for kind, pk, name in sorted(rows, key=lambda r: r[2].lower()):
        choices[f"{kind}s"].append((pk, name))
    return choices


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    """The people directory for leads: search, filters, sort, pages, trait bars."""
    permissions.require_org_lead(request.user)
    services.people_changes_due()  # moves and off-boardings dated ahead, on their day
    filters = directory.people_directory(request.user, request.GET)
    valid = filters.is_valid()
    # A parameter the directory does not understand is refused, naming it, rather than
    # ignored: a list quietly unfiltered looks like an answer.
    people = directory.with_login_state(filters.qs) if valid else Person.objects.none()
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    values = filters.values()
    ctx = {
        "page": page,
        "f": values,
        "q": values["q"],
        "params": filters.params(),
        "filter_errors": [] if valid else filters.error_messages(),
        "sorts": [(key, label) for key, (label, _) in directory.SORTS.items()],
        **({} if request.htmx else _directory_choices(request)),
        "traits": TRAITS,
        "trait_labels": TRAIT_LABELS,
        "trait_choices": TRAIT_CHOICES,
        "now": timezone.now(),
    }
    template = "teams/people_list.html#results" if request.htmx else "teams/people_list.html"
    # htmx swaps only 2xx answers: the fragment carries the errors; the page answers 400.
    status = 200 if valid or request.htmx else 400
    return render(request, template, ctx, status=status)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = permissions.person_profile_for_user(request.user, pk)
    if not permissions.can_view_person(request.user, person):
        return _public_profile(request, person)
    memberships = (
        PodMembership.objects.filter(person=person).select_related("pod").order_by("-start")
    )
    profile = getattr(person, "profile", None)
    scores = []
    if profile is not None:
        scores = [(TRAIT_LABELS[t], round(getattr(profile, t))) for t in TRAITS]
    return render(
        request,
        "teams/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "scores": scores,
            "profile": profile,
            "show_pay": (show_pay := permissions.can_view_pay(request.user, person)),
            "pay_rates": list(person.pay_rates.order_by(NEWEST_FIRST)) if show_pay else [],
            "can_change_pay": permissions.can_manage_pay(request.user, person.org_unit_id),
            "is_me": (me := permissions.person_of(request.user)) is not None and me.pk == person.pk,
            "can_lead_assess": permissions.can_assess_as_lead(request.user, person),
            **profile_context(person),
            **_admin_context(request, person),
        },
    )


def _public_profile(request: HttpRequest, person: Person) -> HttpResponse:
    """What a pod mate sees: name, role, primary trait and current pods. Pay, pay history,
    FTE, email and the trait scores stay on the full page."""
    pods = (
        PodMembership.objects.current()
        .filter(person=person)
        .exclude(pod__status=Pod.Status.DISSOLVED)
        .select_related("pod")
        .order_by("pod__name")
    )
    visible = permissions.member_pod_ids(request.user)
    return render(
        request,
        "teams/person_public.html",
        {
            "person": person,
            "profile": getattr(person, "profile", None),
            "pods": [(m, m.pod_id in visible) for m in pods],
        },
    )


def _admin_context(request: HttpRequest, person: Person) -> dict:
    """What the person's Org Leads see to run their record: login and invitation, a waiting
    move, the units to move to."""
    if not permissions.can_manage_unit(request.user, person.org_unit_id):
        return {"can_manage": False}
    return {
        "can_manage": True,
        "invitation": person.invitations.first(),
        "pending_move": person.unit_moves.filter(applied_at__isnull=True)
        .select_related("to_unit")
        .first(),
        "move_units": permissions.unit_choices(request.user)
        .exclude(pk=person.org_unit_id)
        .order_by("name"),
        "today": clock.today(),
    }


PEOPLE_CSV = PendingUpload.Kind.PEOPLE


@login_required
def people_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every bad row listed, nothing saved) → commit all rows or none.

    The previewed file stays on the server (``teams.uploads``); the commit posts its token."""
    permissions.require_org_lead(request.user)
    unit_ids = permissions.led_unit_ids(request.user)
    importer = permissions.person_of(request.user)
    form = ImportForm()
    ctx: dict = {
        "form": form,
        "units": OrgUnit.objects.filter(pk__in=unit_ids).order_by("name"),
        "columns": imports.COLUMNS,
        "max_mb": imports.MAX_BYTES // 1024 // 1024,
        "max_rows": imports.MAX_ROWS,
    }
    if request.method == "POST" and "commit" in request.POST:
        upload = uploads.upload_find(
            owner=request.user, kind=PEOPLE_CSV, token=request.POST.get("upload", "")
        )
        if upload is None:
            messages.error(
                request,
                "Nothing to import: the preview has expired (files are kept for an hour) or "
                "was imported already. Upload the file again.",
            )
            return redirect("people-import")
        invite = request.POST.get("invite") == "on"
        parsed = services.people_import(
            text=uploads.upload_text(upload),
            unit_ids=unit_ids,
            importer=importer,
            commit=True,
            invite=invite,
            user=request.user,
        )
        if parsed.ok:
            uploads.upload_discard(upload=upload)
            n_scores = sum(1 for r in parsed.rows if r.scores)
            messages.success(
                request,
                f"Imported {len(parsed.rows)} people"
                + (f", {n_scores} with lead trait scores" if n_scores else "")
                + (", and emailed each an invitation to set a password." if invite else "."),
            )
            return redirect("people-list")
        ctx["parsed"] = parsed  # someone else added one of these emails since the preview
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        ctx["form"] = form
        if form.is_valid():
            parsed = services.people_import(
                text=form.cleaned_data["file"], unit_ids=unit_ids, importer=importer, commit=False
            )
            ctx["parsed"] = parsed
            if parsed.ok:
                ctx["upload"] = uploads.upload_keep(
                    owner=request.user,
                    kind=PEOPLE_CSV,
                    name=request.FILES["file"].name,
                    content=form.content,
                )
    if "parsed" in ctx:
        ctx["preview"] = ctx["parsed"].rows[:50]
        ctx["errors"] = ctx["parsed"].errors[:500]
        ctx["traits"] = TRAITS
    refused = bool(ctx["form"].errors) or ("parsed" in ctx and bool(ctx["parsed"].errors))
    status = 400 if refused else 200
    return render(request, "teams/people_import.html", ctx, status=status)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def people_export(request: HttpRequest) -> HttpResponse:
    """The directory as CSV, with the same filters, in the import's columns."""
    permissions.require_org_lead(request.user)
    filters = directory.people_directory(request.user, request.GET)
    if not filters.is_valid():
        return HttpResponse(
            "Not exported: " + " ".join(filters.error_messages()) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    people = filters.qs.iterator(chunk_size=2000)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in imports.export_rows(people)), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="people.csv"'
    return response


# --------------------------------------------------------------------------- administration


def _form_errors_from(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form, field by field."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _time_zones() -> list[str]:
    return sorted(inputs.time_zones())


@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    """An Org Lead adds one person to a unit they lead, and may invite them at once."""
    permissions.require_org_lead(request.user)
    units = permissions.unit_choices(request.user).order_by("name")
    form = PersonForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        invite = data.pop("invite")
        try:
            with transaction.atomic():
                person = services.person_create(user=request.user, **data)
                if invite:
                    services.invitation_send(person=person, user=request.user)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            note = f"Added {person.name} to {person.org_unit.name}."
            if invite:
                note += f" An invitation went to {person.email}."
            messages.success(request, note)
            return redirect(person.get_absolute_url())
    status = 400 if form.errors else 200
    return render(
        request,
        "teams/person_form.html",
        {"form": form, "person": None, "time_zones": _time_zones()},
        status=status,
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, email, role, FTE, time zone and declared trait (pay and unit are dated changes)."""
    person = permissions.person_to_manage(request.user, pk)
    initial = {f: getattr(person, f) for f in services.EDITABLE}
    form = PersonForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        changed = {f: form.cleaned_data[f] for f in services.EDITABLE if f in form.changed_data}
        try:
            if changed:
                person = services.person_update(person=person, user=request.user, **changed)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, f"Saved {person.name}." if changed else "Nothing changed.")
            return redirect(person.get_absolute_url())
    status = 400 if form.errors else 200
    return render(
        request,
        "teams/person_form.html",
        {"form": form, "person": person, "time_zones": _time_zones()},
        status=status,
    )


@login_required
@require_POST
def person_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite, or send a new link (the old one dies)."""
    person = permissions.person_to_manage(request.user, pk)
    resend = person.invitations.filter(accepted_at=None, revoked_at=None).exists()
    try:
        invitation, _ = services.invitation_send(person=person, user=request.user)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        verb = "A new invitation link" if resend else "An invitation"
        messages.success(
            request,
            f"{verb} went to {person.email}; it works once, until "
            f"{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M}.",
        )
    return redirect(f"{person.get_absolute_url()}#login")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    person = permissions.person_to_manage(request.user, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, person=person)
    try:
        services.invitation_revoke(invitation=invitation, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Revoked the invitation of {person.name}: its link is dead.")
    return redirect(f"{person.get_absolute_url()}#login")


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation: choose a password, be logged in, land on the home page.
    Anyone holding the link may use it once; a dead link says so (410) and nothing else."""
    invitation = services.invitation_for_token(token)
    if invitation is None or invitation.state != "pending":
        return render(
            request,
            "teams/invitation_accept.html",
            {"dead": services.LINK_DEAD},
            status=410 if invitation is not None else 404,
        )
    person = invitation.person
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login = services.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = "new_password1" if field == "password" else None
                form.add_error(target, errors)
        else:
            auth_login(request, login, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {person.name}. Your login is {login.username}.")
            return redirect("home")
    return render(
        request,
        "teams/invitation_accept.html",
        {"form": form, "person": person, "invitation": invitation},
        status=400 if form.errors else 200,
    )
