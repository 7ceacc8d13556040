"""The home page: the Org Lead dashboard for leads; members go to their pod page (issue 8)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from incentives.metrics import month_start
from incentives.report_views import report_list_url, report_url_for

from . import dashboard, dashboard_charts, permissions, views
from .models import units_below

CHART_PODS = 25  # the heatmap and the attainment bars show the weakest pods; "all pods" links out


def _unit_filter(request: HttpRequest) -> tuple[list[int], int | None]:
    """The units the dashboard covers: the one picked in ``?unit=`` and those below it, or all
    the units the user leads."""
    led = permissions.led_unit_ids(request.user)
    raw = request.GET.get("unit") or ""
    if not raw:
        return sorted(led), None
    if not raw.isdigit() or int(raw) not in led:
        raise Http404("No such org unit.")
    return sorted(units_below([int(raw)]) & led), int(raw)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not permissions.is_org_lead(request.user):
        return views.home(request)  # members keep their page, which leads to their pod page
    return dashboard_page(request)


def dashboard_page(request: HttpRequest) -> HttpResponse:
    unit_ids, picked = _unit_filter(request)
    today = date.today()
    month = month_start(today)
    coverage = dashboard.pod_coverage(unit_ids)
    numbers = dashboard.headline(unit_ids, coverage)
    projection = dashboard.projection_summary(unit_ids, month=month, until=today)
    url_pattern = reverse("pod-detail", args=[987654321]).replace(
        "987654321", "{}"
    )  # one reverse for 2,000 pods
    pod_url = {c.pod_id: url_pattern.format(c.pod_id) for c in coverage}
    names = {c.pod_id: c.name for c in coverage}

    weakest = sorted(coverage, key=lambda c: (-len(c.missing), c.weakest, c.name))[:CHART_PODS]
    heatmap = (
        dashboard_charts.pod_trait_heatmap(
            [(c.name, pod_url[c.pod_id], [c.best[t] for t in dashboard.TRAITS]) for c in weakest]
        )
        if weakest
        else ""
    )

    attained = sorted(
        (
            (names.get(pk, str(pk)), pod_url.get(pk, ""), r.attainment)
            for pk, r in projection.pods.items()
        ),
        key=lambda row: (row[2], row[0]),
    )
    currency = " / ".join(projection.currencies)
    attainment = dashboard_charts.attainment_bars(attained[:CHART_PODS]) if attained else ""
    efficiency = (
        dashboard_charts.efficiency_scatter(
            [
                (names.get(pk, str(pk)), pod_url.get(pk, ""), r.baseline, r.fte, float(r.pool))
                for pk, r in projection.pods.items()
            ],
            currency=currency,
        )
        if projection.pods
        else ""
    )

    trend = dashboard.pool_trend(unit_ids, month=month)
    link = (
        (lambda m: report_url_for(picked, m))
        if picked is not None
        else (lambda m: report_list_url())
    )
    trend_chart = dashboard_charts.pool_trend_chart(
        [p.month for p in trend],
        [float(p.pool) for p in trend],
        [p.attainment for p in trend],
        [link(p.month) for p in trend],
        projected=(month, float(projection.total_pool)),
        currency=currency,
    )
    has_history = any(p.pods for p in trend)
    return render(
        request,
        "teams/dashboard.html",
        {
            "numbers": numbers,
            "projection": projection,
            "currency": currency,
            "month": month,
            "today": today,
            "units": permissions.units_visible_to(request.user).order_by("name"),
            "picked": picked,
            "heatmap": heatmap,
            "heatmap_capped": len(coverage) > CHART_PODS,
            "attainment": attainment,
            "attainment_capped": len(attained) > CHART_PODS,
            "n_projected": len(attained),
            "efficiency": efficiency,
            "trend": trend_chart,
            "has_history": has_history,
            "report_link": report_url_for(picked, trend[-1].month)
            if picked is not None
            else report_list_url(),
            "chart_pods": CHART_PODS,
        },
    )
