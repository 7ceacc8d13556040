"""Waits on the pod page (record, resolve), their CSV import, and the friction radar."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from teams import clock, inputs, permissions, uploads
from teams.friction import charts, imports, services
from teams.friction.forms import WaitCsvForm, WaitForm
from teams.models import PendingUpload, Pod, Wait

POD_WAITS_SHOWN = 12
NODES_CHARTED = 12
HEAT_PODS = 20
TREND_NODES = 5
PODS_PER_PAGE = 25
WAITS_PER_PAGE = 25
WAIT_CSV = PendingUpload.Kind.WAITS


# --------------------------------------------------------------------------- the pod page


def pod_waits_context(request: HttpRequest, pod: Pod, *, form: WaitForm | None = None) -> dict:
    """What the pod page's waits card shows: open waits first, then the latest resolved, and
    the form for those who may record (3 queries)."""
    can_record = permissions.can_record_waits(request.user, pod)
    waits = list(
        Wait.objects.filter(pod=pod).order_by(
            F("resolved_at").desc(nulls_first=True), "-requested_at", "-id"
        )[:POD_WAITS_SHOWN]
    )
    now = timezone.now()
    for wait in waits:
        wait.shown_hours = wait.hours(now)
    since = now - timedelta(days=30)
    counts = Wait.objects.filter(pod=pod).aggregate(
        open=Count("id", filter=Q(resolved_at__isnull=True)),
        recent=Count("id", filter=Q(requested_at__gte=since)),
    )
    return {
        "pod": pod,
        "waits": waits,
        "wait_counts": counts,
        "can_record_waits": can_record,
        "wait_form": form if form is not None else WaitForm(),
        "known_nodes": services.known_nodes(unit_ids=[pod.org_unit_id]) if can_record else [],
        "time_zone": settings.TIME_ZONE,
    }


def _pod_for_waits(request: HttpRequest, pk: int) -> Pod:
    pod = permissions.pod_for_user(request.user, pk)
    if not permissions.can_record_waits(request.user, pod):
        raise PermissionDenied("Only the pod's members and the Org Leads of its unit record waits.")
    return pod


@login_required
def pod_waits(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the pod's waits card. POST (htmx or not): record a wait; the card answers, with
    the form's problems in place when nothing was saved."""
    if request.method != "POST":
        pod = permissions.pod_for_user(request.user, pk)
        return render(request, "teams/friction/_pod_waits.html", pod_waits_context(request, pod))
    pod = _pod_for_waits(request, pk)
    form = WaitForm(request.POST)
    if form.is_valid():
        try:
            wait = services.wait_record(user=request.user, pod=pod, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            if not request.htmx:
                messages.success(request, f"Recorded a wait on {wait.node}.")
                return redirect(f"{pod.get_absolute_url()}#waits")
            ctx = pod_waits_context(request, pod)
            ctx["saved"] = wait
            return render(request, "teams/friction/_pod_waits.html", ctx)
    ctx = pod_waits_context(request, pod, form=form)
    # htmx swaps only 2xx answers; the problems are in the card.
    return render(
        request, "teams/friction/_pod_waits.html", ctx, status=200 if request.htmx else 422
    )


@login_required
@require_POST
def pod_wait_resolve(request: HttpRequest, pk: int, wait_id: int) -> HttpResponse:
    """Mark an open wait resolved now."""
    pod = _pod_for_waits(request, pk)
    wait = get_object_or_404(Wait, pk=wait_id, pod=pod)
    ctx_error = ""
    try:
        services.wait_resolve(user=request.user, wait=wait)
    except ValidationError as exc:
        ctx_error = " ".join(exc.messages)
    if not request.htmx:
        if ctx_error:
            messages.error(request, ctx_error)
        return redirect(f"{pod.get_absolute_url()}#waits")
    ctx = pod_waits_context(request, pod)
    ctx["resolve_error"] = ctx_error
    return render(request, "teams/friction/_pod_waits.html", ctx)


# --------------------------------------------------------------------------- CSV import

NO_UPLOAD = (
    "Nothing to import: the preview has expired (files are kept for an hour) or was imported "
    "already. Upload the file again."
)


@login_required
def waits_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview with every problem by row and column → import all rows, or none."""
    pods = list(
        permissions.pods_visible_to(request.user)
        .filter(status=Pod.Status.ACTIVE)
        .order_by("name")
        .only("id", "name", "org_unit_id")[:200]
    )
    mine = [p for p in pods if p.pk in permissions.wait_writable_pod_ids(request.user, pods)]
    if not mine and not permissions.is_org_lead(request.user):
        raise PermissionDenied("Waits are recorded by a pod's members and its Org Leads.")
    ctx: dict = {
        "form": WaitCsvForm(),
        "check": None,
        "pods": mine,
        "max_rows": imports.MAX_ROWS,
        "kinds": Wait.Kind.values,
    }
    if request.method == "POST" and request.POST.get("confirm"):
        upload = uploads.upload_find(
            owner=request.user, kind=WAIT_CSV, token=request.POST.get("upload", "")
        )
        if upload is None:
            ctx["import_error"] = NO_UPLOAD
        else:
            check, result = imports.csv_import(user=request.user, text=uploads.upload_text(upload))
            if result is not None:
                uploads.upload_discard(upload=upload)
                n = result.created + result.updated
                messages.success(
                    request,
                    f"Imported {n} wait{'' if n == 1 else 's'} "
                    f"({result.created} new, {result.updated} updated).",
                )
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("waits-import"))
                return redirect("waits-import")
            ctx.update(check=check, upload=upload)  # the data changed since the preview
    elif request.method == "POST":
        form = WaitCsvForm(request.POST, request.FILES)
        ctx["form"] = form
        if form.is_valid():
            check = imports.csv_check(user=request.user, text=form.cleaned_data["text"])
            ctx["check"] = check
            if check.ok:
                ctx["upload"] = uploads.upload_keep(
                    owner=request.user,
                    kind=WAIT_CSV,
                    name=form.cleaned_data["file"].name,
                    content=form.cleaned_data["content"],
                )
    refused = (
        "import_error" in ctx
        or (ctx["check"] is not None and not ctx["check"].ok)
        or (ctx["form"].is_bound and not ctx["form"].is_valid())
    )
    template = "teams/friction/import.html#result" if request.htmx else "teams/friction/import.html"
    return render(request, template, ctx, status=422 if refused and not request.htmx else 200)


# --------------------------------------------------------------------------- the radar


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v})


def _charts(report: services.FrictionReport, node_url) -> dict:
    if not report.nodes:
        return {"bars": "", "heatmap": "", "trend": ""}
    shown = report.nodes[:NODES_CHARTED]
    bars = charts.node_bars(
        [(n.node, node_url(n.node), n.pod_days_lost, n.waits, n.median_hours) for n in shown]
    )
    pod_days: dict[int, float] = {}
    for (_node, pod), days in report.heat.items():
        pod_days[pod] = pod_days.get(pod, 0.0) + days
    heat_pods = sorted(pod_days, key=lambda p: (-pod_days[p], report.pod_names.get(p, "")))[
        :HEAT_PODS
    ]
    heatmap = charts.node_pod_heatmap(
        [(n.node, node_url(n.node)) for n in shown],
        [report.pod_names.get(p, f"Pod {p}") for p in heat_pods],
        [[report.heat.get((n.node, p), 0.0) for p in heat_pods] for n in shown],
    )
    top = [n.node for n in report.nodes[:TREND_NODES]]
    series = [
        (name, node_url(name), [m.by_node.get(name, 0.0) for m in report.trend]) for name in top
    ]
    rest = [sum(v for k, v in m.by_node.items() if k not in top) for m in report.trend]
    if any(rest):
        series.append(("Other nodes", "", rest))
    trend = charts.trend_bars([m.month for m in report.trend], series)
    return {"bars": bars, "heatmap": heatmap, "trend": trend}


@login_required
def friction_page(request: HttpRequest) -> HttpResponse:
    """Org Leads: where their pods wait. Nodes ranked by pod-days lost, nodes × pods, each
    pod's waiting share, the trend by month; a node's waits on click. Constant queries."""
    permissions.require_org_lead(request.user)
    problems: list[str] = []
    try:
        unit_ids, since, until, kind = services.friction_scope(
            user=request.user, params=request.GET
        )
    except inputs.InputRefused as exc:
        problems = exc.problems
        unit_ids = sorted(permissions.led_unit_ids(request.user))
        since, until = services.default_window(clock.today())
        kind = ""
    unit = request.GET.get("unit", "")
    base = {"unit": unit, "since": f"{since:%Y-%m-%d}", "until": f"{until:%Y-%m-%d}", "kind": kind}

    def node_url(name: str) -> str:
        return f"{reverse('friction')}?{_query(**base, node=name)}#node-waits"

    report = services.friction_report(unit_ids=unit_ids, since=since, until=until, kind=kind)
    node = request.GET.get("node", "")
    node_page = None
    if node:
        node_page = Paginator(
            services.node_waits(unit_ids=unit_ids, node=node, window=report.window, kind=kind),
            WAITS_PER_PAGE,
        ).get_page(request.GET.get("page"))
    ctx = {
        "report": report,
        "problems": problems,
        "units": permissions.units_visible_to(request.user).order_by("name").only("slug", "name"),
        "unit": unit,
        "since": since,
        "until": until,
        "kind": kind,
        "kinds": Wait.Kind.choices,
        "node": node,
        "node_page": node_page,
        "node_figures": next((n for n in report.nodes if n.node == node), None),
        "node_rows": [(n, node_url(n.node)) for n in report.nodes],
        "bottleneck": report.nodes[0] if report.nodes else None,
        "pods_page": Paginator(report.pods, PODS_PER_PAGE).get_page(request.GET.get("pods_page")),
        "api_url": f"{reverse('api-friction')}?{_query(**base)}",
        "time_zone": settings.TIME_ZONE,
        **_charts(report, node_url),
    }
    if request.htmx and request.GET.get("partial") == "node":
        return render(request, "teams/friction/radar.html#node_waits", ctx)
    return render(request, "teams/friction/radar.html", ctx, status=400 if problems else 200)
