"""Pages for outcome metrics: definitions, a pod's metrics, the org overview and the CSV import."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from incentives.metrics import charts, imports
from incentives.metrics import services as metrics
from incentives.metrics.forms import (
    CsvImportForm,
    MetricForm,
    ObservationForm,
    TargetCopyForm,
    TargetForm,
)
from incentives.models import Aggregate, Metric, MetricTarget, Observation, TargetProposal
from teams import clock, permissions, uploads
from teams.models import PendingUpload, Pod

OBSERVATION_CSV = PendingUpload.Kind.OBSERVATIONS

CHART_MONTHS = 6
PODS_PER_PAGE = 25


def _month(request: HttpRequest) -> date:
    return metrics.parse_month(request.GET.get("month") or request.POST.get("month"), clock.today())


# --------------------------------------------------------------------------- a pod's metrics


def _cards(pod: Pod, month: date, only: Metric | None = None) -> list[dict]:
    """Per metric: the month's status and a chart of the last months. Constant queries."""
    metric_list = [only] if only is not None else list(metrics.metrics_for_pod(pod))
    ids = [m.pk for m in metric_list]
    targets = {
        t.metric_id: t for t in MetricTarget.objects.filter(pod=pod, month=month, metric_id__in=ids)
    }
    first = metrics.add_months(month, 1 - CHART_MONTHS)
    last = metrics.month_end(month)
    points: dict[int, list[Observation]] = {}
    for obs in Observation.objects.filter(
        pod=pod, metric_id__in=ids, date__gte=first, date__lte=last
    ).order_by("date", "id"):
        points.setdefault(obs.metric_id, []).append(obs)
    cards = []
    for metric in metric_list:
        observations = points.get(metric.pk, [])
        in_month = [
            (o.date, o.value)
            for o in observations
            if o.date >= month and o.flag != Observation.Flag.REJECTED
        ]
        status = metrics.metric_month(metric, targets.get(metric.pk), in_month)
        target = targets.get(metric.pk)
        chart = charts.metric_chart(
            # A fresh id per render: htmx's settle step copies attributes between elements of
            # the same id across a swap, which would strip the classes plotly just added.
            div_id=f"chart-metric-{metric.pk}-{uuid.uuid4().hex[:8]}",
            name=metric.name,
            unit=metric.unit,
            points=[
                charts.ChartPoint(o.date, o.value, o.flag, o.flag_reason) for o in observations
            ],
            month_first=month,
            month_last=last,
            bands=charts.Bands(target.threshold, target.target, target.stretch) if target else None,
            cumulative=metric.aggregation == Aggregate.SUM,
        )
        cards.append(
            {
                "metric": metric,
                "status": status,
                "chart": chart,
                "flagged": [o for o in observations if o.flag in metrics.PENDING_FLAGS],
                "recent": list(reversed(observations[-5:])),
            }
        )
    return cards


def _pod_context(request: HttpRequest, pod: Pod, month: date) -> dict:
    return {
        "pod": pod,
        "month": month,
        "prev_month": metrics.add_months(month, -1),
        "next_month": metrics.add_months(month, 1),
        "can_edit": permissions.can_edit_pod(request.user, pod),
        "can_review": permissions.can_review_observations(request.user, pod),
        "can_set_targets": permissions.can_set_targets(request.user, pod),
        "proposals": list(
            TargetProposal.objects.filter(
                pod=pod, month=month, status=TargetProposal.Status.PENDING
            ).select_related("metric", "proposed_by")
        ),
        "today": clock.today(),
    }


@login_required
def pod_metrics(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_for_user(request.user, pk)
    month = _month(request)
    ctx = _pod_context(request, pod, month)
    ctx["cards"] = _cards(pod, month)
    ctx["target_form"] = TargetForm(pod=pod, initial={"month": f"{month:%Y-%m}"})
    ctx["copy_form"] = TargetCopyForm(
        initial={
            "from_month": f"{metrics.add_months(month, -1):%Y-%m}",
            "to_month": f"{month:%Y-%m}",
        }
    )
    return render(request, "incentives/metrics/pod_metrics.html", ctx)


def _render_card(
    request: HttpRequest, pod: Pod, month: date, metric: Metric, form=None, status=200
) -> HttpResponse:
    ctx = _pod_context(request, pod, month)
    ctx["card"] = _cards(pod, month, only=metric)[0]
    ctx["form"] = form
    return render(request, "incentives/metrics/pod_metrics.html#metric_card", ctx, status=status)


@login_required
@require_POST
def pod_observation_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The Pod Lead's inline form: one observation, then the metric's card again (new chart)."""
    pod = permissions.pod_for_user(request.user, pk, write=True)
    month = _month(request)
    form = ObservationForm(request.POST, pod=pod)
    if form.is_valid():
        data = form.cleaned_data
        row = metrics.ObservationRow(
            pod.pk,
            data["metric"].pk,
            data["date"],
            data["value"],
            request.POST.get("external_id") or str(uuid.uuid4()),
            data["evidence_url"] or "",
        )
        result = metrics.observations_upsert(
            rows=[row], source=Observation.Source.FORM, user=request.user
        )
        obs = result.observations[0]
        note = f"Recorded {obs.value} {data['metric'].unit} on {obs.date:%Y-%m-%d}."
        if obs.flag == Observation.Flag.SELF_REPORTED:
            note += (
                " You are paid from this pod, so it counts once an Org Lead confirms it"
                f" ({obs.flag_reason})."
            )
        elif obs.flag == Observation.Flag.FLAGGED:
            note += f" Flagged for review: {obs.flag_reason}."
        if not request.htmx:
            messages.success(request, note)
            return redirect(f"/pods/{pod.pk}/metrics/?month={month:%Y-%m}")
        response = _render_card(request, pod, month, data["metric"])
        response.headers["HX-Trigger"] = "observation-recorded"
        return _with_note(response, note)
    metric = form.cleaned_data.get("metric") or _metric_from_post(request, pod)
    if not request.htmx:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
        return redirect(f"/pods/{pod.pk}/metrics/?month={month:%Y-%m}")
    # htmx swaps only 2xx answers; the errors are in the card itself.
    return _render_card(request, pod, month, metric, form=form)


def _with_note(response: HttpResponse, note: str) -> HttpResponse:
    # The card carries its own status line so a screen reader hears what happened.
    response.content = response.content.replace(
        b"<!--note-->", f'<p class="msg msg-success" role="status">{note}</p>'.encode()
    )
    return response


def _metric_from_post(request: HttpRequest, pod: Pod) -> Metric:
    try:
        return metrics.metrics_for_pod(pod).get(pk=int(request.POST.get("metric", "")))
    except (ValueError, Metric.DoesNotExist):
        raise Http404("No such metric for this pod.") from None


@login_required
@require_POST
def pod_observation_review(request: HttpRequest, pk: int, obs_id: int) -> HttpResponse:
    pod = permissions.pod_for_user(request.user, pk)
    if not permissions.can_review_observations(request.user, pod):
        raise PermissionDenied(
            "Flagged observations are reviewed by an Org Lead of the pod's unit."
        )
    obs = get_object_or_404(Observation.objects.select_related("metric"), pk=obs_id, pod=pod)
    month = _month(request)
    try:
        metrics.observation_review(
            observation=obs, decision=request.POST.get("decision", ""), user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.htmx:
        return _render_card(request, pod, month, obs.metric)
    return redirect(f"/pods/{pod.pk}/metrics/?month={month:%Y-%m}")


@login_required
@require_POST
def pod_target_set(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_for_user(request.user, pk, write=True)
    form = TargetForm(request.POST, pod=pod)
    month = _month(request)
    if form.is_valid():
        data = form.cleaned_data
        values = {k: data[k] for k in ("metric", "month", "threshold", "target", "stretch")}
        if permissions.can_set_targets(request.user, pod):
            metrics.target_set(pod=pod, user=request.user, **values)
            messages.success(
                request, f"Target for {data['metric'].name} in {data['month']:%B %Y} saved."
            )
        else:
            # A Pod Lead is paid from these targets: they propose, the Org Lead decides.
            metrics.target_propose(pod=pod, user=request.user, **values)
            messages.success(
                request,
                f"Proposed targets for {data['metric'].name} in {data['month']:%B %Y}. "
                "They apply once an Org Lead accepts them.",
            )
        return redirect(f"/pods/{pod.pk}/metrics/?month={data['month']:%Y-%m}")
    ctx = _pod_context(request, pod, month)
    ctx.update(
        cards=_cards(pod, month),
        target_form=form,
        copy_form=TargetCopyForm(
            initial={
                "from_month": f"{metrics.add_months(month, -1):%Y-%m}",
                "to_month": f"{month:%Y-%m}",
            }
        ),
    )
    return render(request, "incentives/metrics/pod_metrics.html", ctx, status=422)


@login_required
@require_POST
def pod_targets_copy(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_for_user(request.user, pk, write=True)
    if not permissions.can_set_targets(request.user, pod):
        raise PermissionDenied("Targets are set by the Org Lead; a Pod Lead proposes them.")
    form = TargetCopyForm(request.POST)
    month = _month(request)
    if form.is_valid():
        data = form.cleaned_data
        n = metrics.targets_copy(
            pod=pod,
            from_month=data["from_month"],
            to_month=data["to_month"],
            overwrite=data["overwrite"],
        )
        if n:
            messages.success(
                request,
                f"Copied {n} target(s) from {data['from_month']:%B %Y} "
                f"to {data['to_month']:%B %Y}.",
            )
        else:
            messages.warning(
                request,
                f"Nothing to copy: {data['from_month']:%B %Y} has no targets "
                "that are not already set in the other month.",
            )
        return redirect(f"/pods/{pod.pk}/metrics/?month={data['to_month']:%Y-%m}")
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {error}"
            )
    return redirect(f"/pods/{pod.pk}/metrics/?month={month:%Y-%m}")


# --------------------------------------------------------------------------- definitions


@login_required
def metric_definitions(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    units = permissions.units_visible_to(request.user)
    pods = Pod.objects.filter(org_unit__in=units).order_by("name")
    form = MetricForm(
        request.POST or None,
        units=units,
        pods=pods,
        initial={"org_unit": units.first(), "kind": Metric.Kind.OUTCOME},
    )
    if request.method == "POST" and form.is_valid():
        try:
            metric = metrics.metric_create(**form.create_kwargs())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Metric “{metric.name}” created.")
            return redirect("/metrics/definitions/")
    defined = (
        Metric.objects.filter(org_unit__in=units)
        .select_related("org_unit", "owner_pod")
        .order_by("org_unit__name", "kind", "name")
    )
    page = Paginator(defined, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "incentives/metrics/definitions.html",
        {
            "form": form,
            "page": page,
            "examples": metrics.METRIC_EXAMPLES,
            "refusal": metrics.PROCESS_METRIC_REFUSAL.format(name="Story points"),
        },
        status=422 if form.errors else 200,
    )


# --------------------------------------------------------------------------- org overview


@login_required
def metrics_overview(request: HttpRequest) -> HttpResponse:
    """Every pod × its outcome metrics for a month, with progress colours. Constant queries."""
    permissions.require_metrics_lead(request.user)
    month = _month(request)
    pods_qs = permissions.pods_visible_to(request.user)
    if not permissions.is_org_lead(request.user):
        pods_qs = pods_qs.filter(pk__in=permissions.led_pod_ids(request.user))
    pods_qs = (
        pods_qs.filter(status=Pod.Status.ACTIVE)
        .select_related("org_unit")
        .order_by("org_unit__name", "name", "id")
    )
    page = Paginator(pods_qs, PODS_PER_PAGE).get_page(request.GET.get("page"))
    pods = list(page.object_list)
    unit_ids = {p.org_unit_id for p in pods}
    outcome = list(
        Metric.objects.filter(org_unit_id__in=unit_ids, kind=Metric.Kind.OUTCOME).order_by("name")
    )
    pod_ids = [p.pk for p in pods]
    targets = {
        (t.pod_id, t.metric_id): t
        for t in MetricTarget.objects.filter(pod_id__in=pod_ids, month=month)
    }
    values = metrics.month_values(pod_ids, [m.pk for m in outcome], month)
    rows = []
    for pod in pods:
        cells = [
            metrics.metric_month(m, targets.get((pod.pk, m.pk)), values.get((pod.pk, m.pk), []))
            for m in outcome
            if m.org_unit_id == pod.org_unit_id and m.owner_pod_id in (None, pod.pk)
        ]
        scored = [c.attainment for c in cells if c.attainment is not None]
        rows.append(
            {
                "pod": pod,
                "cells": cells,
                "mean": round(sum(scored) / len(scored) * 100) if scored else None,
            }
        )
    return render(
        request,
        "incentives/metrics/overview.html",
        {
            "page": page,
            "rows": rows,
            "month": month,
            "prev_month": metrics.add_months(month, -1),
            "next_month": metrics.add_months(month, 1),
        },
    )


# --------------------------------------------------------------------------- CSV import


NO_UPLOAD = (
    "Nothing to import: the preview has expired (files are kept for an hour) or was imported "
    "already. Upload the file again."
)


@login_required
def metrics_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview with every bad row → confirm → all rows written, or none.

    The previewed file stays on the server (``teams.uploads``); the confirm posts its token."""
    permissions.require_metrics_lead(request.user)
    # A Pod Lead needs their pods' numbers and metric keys to write the file.
    led = (
        Pod.objects.filter(pk__in=permissions.led_pod_ids(request.user))
        .select_related("org_unit")
        .order_by("name")
    )
    keys = (
        Metric.objects.filter(org_unit_id__in=led.values("org_unit_id"))
        .values_list("key", flat=True)
        .distinct()
        .order_by("key")
    )
    ctx: dict = {
        "form": CsvImportForm(),
        "check": None,
        "preview": [],
        "led_pods": led,
        "metric_keys": keys,
        "max_mb": imports.MAX_BYTES // 1024 // 1024,
        "max_rows": imports.MAX_ROWS,
    }
    if request.method == "POST" and request.POST.get("confirm"):
        upload = uploads.upload_find(
            owner=request.user, kind=OBSERVATION_CSV, token=request.POST.get("upload", "")
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
                    f"Imported {n} observation{'' if n == 1 else 's'} "
                    f"({result.created} new, {result.updated} updated, "
                    f"{result.flagged} flagged for review).",
                )
                if request.htmx:
                    from django_htmx.http import HttpResponseClientRedirect

                    return HttpResponseClientRedirect("/metrics/import/")
                return redirect("/metrics/import/")
            # The data changed since the preview: show what is wrong now.
            ctx.update(check=check, preview=check.raw_rows[:20], upload=upload)
    elif request.method == "POST":
        form = CsvImportForm(request.POST, request.FILES)
        ctx["form"] = form
        if form.is_valid():
            check = imports.csv_check(user=request.user, text=form.cleaned_data["csv_text"])
            ctx.update(check=check, preview=check.raw_rows[:20])
            if check.ok:
                ctx["upload"] = uploads.upload_keep(
                    owner=request.user,
                    kind=OBSERVATION_CSV,
                    name=form.cleaned_data["file"].name,
                    content=form.cleaned_data["content"],
                )
    template = (
        "incentives/metrics/import.html#result"
        if request.htmx
        else "incentives/metrics/import.html"
    )
    refused = (
        "import_error" in ctx
        or (ctx["check"] is not None and not ctx["check"].ok)
        or (ctx["form"].is_bound and not ctx["form"].is_valid())
    )
    # htmx swaps only 2xx answers; the problems are in the fragment.
    status = 422 if refused and not request.htmx else 200
    return render(request, template, ctx, status=status)


@login_required
@require_POST
def pod_target_proposal_decide(request: HttpRequest, pk: int, proposal_id: int) -> HttpResponse:
    """The Org Lead accepts or declines a Pod Lead's proposed targets."""
    pod = permissions.pod_for_user(request.user, pk, write=True)
    if not permissions.can_set_targets(request.user, pod):
        raise PermissionDenied("Only an Org Lead of the pod's unit decides its targets.")
    proposal = get_object_or_404(TargetProposal, pk=proposal_id, pod=pod)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, "Decision: choose accept or decline.")
    else:
        try:
            metrics.target_proposal_decide(
                proposal=proposal, accept=decision == "accept", user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"{proposal.metric.name} targets for {proposal.month:%B %Y} "
                f"{'accepted' if decision == 'accept' else 'declined'}.",
            )
    return redirect(f"/pods/{pod.pk}/metrics/?month={proposal.month:%Y-%m}")
