"""The context map pages: one pod's items (add, edit, remove, "verified today") and the
org-wide view of stale and missing context by pod and by keeper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from teams import permissions
from teams.context import services
from teams.context.forms import ContextItemForm
from teams.models import ContextItem, OrgUnit, Pod, units_below

PODS_PER_PAGE = 50
KEEPERS_PER_PAGE = 50


def _page_context(request: HttpRequest, pod: Pod, **extra) -> dict:
    ctx = services.pod_context(pod)
    me = permissions.person_of(request.user)
    return {
        "pod": pod,
        "ctx": ctx,
        "me_id": me.pk if me else None,
        "can_edit": permissions.can_edit_context(request.user, pod),
        "template": services.ORG_TEMPLATE,
        **extra,
    }


def _item(request: HttpRequest, pk: int, item_id: int, *, write: bool) -> ContextItem:
    pod = permissions.pod_for_user(request.user, pk)
    item = get_object_or_404(ContextItem.objects.select_related("keeper"), pk=item_id, pod=pod)
    item.pod = pod
    if write and not permissions.can_edit_context(request.user, pod):
        raise PermissionDenied(
            "Only the pod's Pod Lead or an Org Lead of its unit edits its context."
        )
    return item


def _answer(request: HttpRequest, pod: Pod, **extra) -> HttpResponse:
    """The items card after a change (htmx), or the page again."""
    if request.htmx:
        return render(
            request, "teams/context/pod_context.html#items", _page_context(request, pod, **extra)
        )
    for text in extra.get("notices", []):
        messages.success(request, text)
    return redirect("pod-context", pk=pod.pk)


@login_required
def pod_context_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The pod's context map: members and the leads of its unit see it. Constant queries."""
    pod = permissions.pod_for_user(request.user, pk)
    return render(request, "teams/context/pod_context.html", _page_context(request, pod))


def _form_answer(request, pod, form, item=None, status=200):
    return render(
        request,
        "teams/context/pod_context.html#item_form",
        {"pod": pod, "form": form, "item": item},
        status=status,
    )


@login_required
def context_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the add form (``?template=Runbook`` prefills a missing item); POST: add it."""
    pod = permissions.pod_for_user(request.user, pk)
    if not permissions.can_edit_context(request.user, pod):
        raise PermissionDenied(
            "Only the pod's Pod Lead or an Org Lead of its unit edits its context."
        )
    keepers = services.keeper_choices(pod)
    if request.method != "POST":
        initial = {"layer": ContextItem.Layer.PROJECT, "review_days": 90}
        wanted = services.template_key(request.GET.get("template", ""))
        for t in services.ORG_TEMPLATE:
            if services.template_key(t.name) == wanted:
                initial = {"name": t.name, "layer": t.layer, "review_days": t.review_days}
        form = ContextItemForm(initial=initial, keepers=keepers)
        if request.htmx:
            return _form_answer(request, pod, form)
        return render(
            request, "teams/context/pod_context.html", _page_context(request, pod, form=form)
        )
    form = ContextItemForm(request.POST, keepers=keepers)
    if form.is_valid():
        try:
            item = services.context_item_create(user=request.user, pod=pod, **form.values())
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            return _answer(request, pod, notices=[f"Added “{item.name}”."], changed=item.pk)
    if request.htmx:
        return _form_answer(request, pod, form)  # 200: htmx swaps the form with its problems
    return render(
        request,
        "teams/context/pod_context.html",
        _page_context(request, pod, form=form),
        status=422,
    )


@login_required
def context_item_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id, write=True)
    keepers = services.keeper_choices(item.pod, current=item.keeper_id)
    if request.method != "POST":
        form = ContextItemForm(instance=item, keepers=keepers)
        if request.htmx:
            return _form_answer(request, item.pod, form, item)
        return render(
            request,
            "teams/context/pod_context.html",
            _page_context(request, item.pod, form=form, item=item),
        )
    form = ContextItemForm(
        request.POST, instance=ContextItem.objects.get(pk=item.pk), keepers=keepers
    )
    if form.is_valid():
        try:
            services.context_item_update(user=request.user, item=item, **form.values())
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            return _answer(request, item.pod, notices=[f"Saved “{item.name}”."], changed=item.pk)
    if request.htmx:
        return _form_answer(request, item.pod, form, item)
    return render(
        request,
        "teams/context/pod_context.html",
        _page_context(request, item.pod, form=form, item=item),
        status=422,
    )


@login_required
@require_POST
def context_item_verify(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """One click by the keeper: still true today."""
    item = _item(request, pk, item_id, write=False)
    services.context_item_verify(user=request.user, item=item)
    return _answer(request, item.pod, notices=[f"“{item.name}” verified today."], changed=item.pk)


@login_required
@require_POST
def context_item_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    item = _item(request, pk, item_id, write=True)
    name = item.name
    services.context_item_remove(user=request.user, item=item)
    return _answer(request, item.pod, notices=[f"Removed “{name}”."])


@login_required
def org_context_page(request: HttpRequest) -> HttpResponse:
    """Org Leads: stale and missing context by pod, and by keeper (who keeps the most, who
    left). ``?unit=SLUG`` narrows to a unit and everything below it. Constant queries."""
    permissions.require_org_lead(request.user)
    led = permissions.led_unit_ids(request.user)
    slug = request.GET.get("unit", "")
    unit_ids = sorted(led)
    if slug:
        unit = OrgUnit.objects.filter(slug=slug).only("id").first()
        if unit is None or unit.pk not in led:
            raise Http404("No such org unit.")
        unit_ids = sorted(units_below([unit.pk]) & led)
    org = services.org_context(unit_ids)
    return render(
        request,
        "teams/context/org_context.html",
        {
            "org": org,
            "unit": slug,
            "units": permissions.units_visible_to(request.user)
            .order_by("name")
            .only("slug", "name"),
            "pods_page": Paginator(org.pods, PODS_PER_PAGE).get_page(request.GET.get("pods_page")),
            "keepers_page": Paginator(org.keepers, KEEPERS_PER_PAGE).get_page(
                request.GET.get("keepers_page")
            ),
            "template": services.ORG_TEMPLATE,
        },
    )
