"""The home page (the Org Lead dashboard for leads; members go to their pod page), the pod
page and the monthly incentive report with its payroll CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from incentives.bonuses import changes
from incentives.bonuses.projections import project_month
from incentives.metrics import services as metrics
from incentives.metrics.services import add_months, month_start
from incentives.models import IncentivePeriod, Metric, MetricTarget, Payout, PodResult
from incentives.reports import charts, dashboard
from incentives.reports import monthly as report
from incentives.reports.agents_md import agents_md_response
from teams import clock, inputs, permissions, views
from teams.friction.views import pod_waits_context
from teams.models import Pod, PodMembership, units_below
from teams.pods import services
from teams.traits import COVERAGE_THRESHOLD, TRAIT_LABELS, TRAITS

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
    today = clock.today()
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
        charts.pod_trait_heatmap(
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
    attainment = charts.attainment_bars(attained[:CHART_PODS]) if attained else ""
    efficiency = (
        charts.efficiency_scatter(
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
    trend_chart = charts.pool_trend_chart(
        [p.month for p in trend],
        [float(p.pool) for p in trend],
        [p.attainment for p in trend],
        [link(p.month) for p in trend],
        projected=(month, float(projection.total_pool)),
        currency=currency,
    )
    has_history = any(p.pods for p in trend)
    units = list(permissions.units_visible_to(request.user).order_by("name"))
    slowest = dashboard.slowest_node(unit_ids, today=today)
    return render(
        request,
        "teams/dashboard.html",
        {
            "numbers": numbers,
            "tau": COVERAGE_THRESHOLD,
            "projection": projection,
            "currency": currency,
            "month": month,
            "today": today,
            "units": units,
            "picked": picked,
            "slowest": slowest,
            "slowest_url": _slowest_url(slowest, units, picked, month, today),
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


def _slowest_url(slowest, units, picked: int | None, month: date, today: date) -> str:
    """The friction radar on this month, opened at the slowest node's waits."""
    if slowest is None:
        return ""
    query = {
        "unit": next((u.slug for u in units if u.pk == picked), ""),
        "since": f"{month:%Y-%m-%d}",
        "until": f"{today:%Y-%m-%d}",
        "node": slowest.node,
    }
    return f"{reverse('friction')}?{urlencode({k: v for k, v in query.items() if v})}#node-waits"


STATEMENT_MONTHS = 6


class CharterForm(forms.Form):
    goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Write the pod's goal."},
        help_text="What outcome the pod owns, in a sentence or two.",
    )
    product_area = forms.CharField(max_length=120, required=False)
    baseline_headcount = inputs.DecimalInput(
        min_value=Decimal("0"),
        max_value=Decimal("9999.99"),
        max_digits=6,
        decimal_places=2,
        help_text="Size of the traditional team that would otherwise own this scope "
        "(Org Leads only).",
    )
    baseline_from = forms.DateField(
        required=False,
        label="New baseline from",
        help_text="A changed baseline applies from this day on; earlier days keep the old one.",
    )

    def __init__(self, *args, can_edit_baseline: bool, current_baseline=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_baseline = current_baseline
        if not can_edit_baseline:
            del self.fields["baseline_headcount"]
            del self.fields["baseline_from"]

    @property
    def baseline_changed(self) -> bool:
        value = self.cleaned_data.get("baseline_headcount")
        return value is not None and value != self.current_baseline

    def clean(self):
        data = super().clean()
        if (
            "baseline_headcount" in self.fields
            and self.baseline_changed
            and not data.get("baseline_from")
        ):
            self.add_error(
                "baseline_from", "From when? Say from which day the new baseline applies."
            )
        return data


def _optional_url(name: str, *args) -> str:
    """A link to another slice's page when that page exists (the what-if simulator, statements)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _outcomes(pod: Pod, month: date) -> list[metrics.MetricMonth]:
    """This month's outcome metrics with their progress against the pod's targets (3 queries)."""
    metric_list = list(metrics.metrics_for_pod(pod).filter(kind=Metric.Kind.OUTCOME))
    ids = [m.pk for m in metric_list]
    targets = {
        t.metric_id: t for t in MetricTarget.objects.filter(pod=pod, month=month, metric_id__in=ids)
    }
    values = metrics.month_values([pod.pk], ids, month)
    return [
        metrics.metric_month(m, targets.get(m.pk), values.get((pod.pk, m.pk), []))
        for m in metric_list
    ]


def _charter_context(request: HttpRequest, pod: Pod, form: CharterForm | None = None) -> dict:
    can_baseline = permissions.can_edit_baseline(request.user, pod)
    if form is None:
        form = CharterForm(
            can_edit_baseline=can_baseline,
            initial={
                "goal": pod.goal,
                "product_area": pod.product_area,
                "baseline_headcount": pod.baseline_headcount,
            },
        )
    return {
        "pod": pod,
        "form": form,
        "can_edit": permissions.can_edit_pod(request.user, pod),
        "can_edit_baseline": can_baseline,
        # The history behind the number (one query; a handful of rows per pod).
        "baselines": list(pod.baselines.order_by(F("effective_from").desc(nulls_last=True)))
        if can_baseline
        else [],
    }


@login_required
def pod_page(request: HttpRequest, pk: int) -> HttpResponse:
    pod = permissions.pod_for_user(request.user, pk)
    today = clock.today()
    month = metrics.month_start(today)
    me = permissions.person_of(request.user)
    members = list(
        PodMembership.objects.current()
        .filter(pod=pod)
        .select_related("person", "person__profile")
        .order_by("-is_pod_lead", "person__name")
    )
    profiled = [m.person.profile for m in members if hasattr(m.person, "profile")]
    best = [max((getattr(p, t) for p in profiled), default=0) for t in TRAITS]
    mean = [sum(getattr(p, t) for p in profiled) / len(profiled) if profiled else 0 for t in TRAITS]
    balance = charts.trait_balance(best, mean) if profiled else ""

    projection = project_month(
        unit_ids=[pod.org_unit_id], month=month, until=today, pod_ids=[pod.pk]
    )
    result = projection.pods.get(pod.pk)
    my_share = projection.share_of(pod.pk, me.pk) if me is not None else None
    is_member = me is not None and any(m.person_id == me.pk for m in members)

    # Members see approved months only (a computed month may still change); leads see all.
    shown = (
        {}
        if permissions.can_manage_pay(request.user, pod.org_unit_id)
        else {"period__status__in": IncentivePeriod.FROZEN_STATUSES}
    )
    statements = []
    if me is not None:
        statements = list(
            Payout.objects.filter(person=me, pod=pod, **shown)
            .select_related("period")
            .order_by("-period__month", "is_adjustment", "id")[:STATEMENT_MONTHS]
        )
    pod_history = list(
        PodResult.objects.filter(pod=pod, **shown)
        .select_related("period")
        .order_by("-period__month")[:STATEMENT_MONTHS]
    )
    ctx = _charter_context(request, pod)
    ctx.update(
        {
            "members": members,
            "rateable_ids": set(
                permissions.peers_rateable_by(request.user)
                .filter(pk__in=[m.person_id for m in members])
                .values_list("pk", flat=True)
            ),
            "balance": balance,
            "missing": [
                TRAIT_LABELS[t]
                for t, score in zip(TRAITS, best, strict=True)
                if score < COVERAGE_THRESHOLD
            ],
            "tau": COVERAGE_THRESHOLD,
            "month": month,
            "today": today,
            "outcomes": _outcomes(pod, month),
            "projection": projection,
            "result": result,
            "currency": projection.currency_of_pod(pod.pk),
            "my_share": my_share,
            "is_member": is_member,
            "statements": statements,
            "pod_history": pod_history,
            # The bonuses slice's page for members: statements and the what-if form.
            "simulator_url": _optional_url("my-bonus") if is_member else "",
            "statements_url": _optional_url("my-bonus") if me is not None else "",
            "editing": False,
            # Org Leads run the pod from here: members, name, dissolving (incentives.staffing).
            "can_manage": permissions.can_manage_unit(request.user, pod.org_unit_id),
            "charter_changes": list(pod.charter_changes.select_related("changed_by")[:10]),
        }
    )
    ctx.update(pod_waits_context(request, pod))  # waits are teams' own (teams.friction)
    return render(request, "teams/pod_page.html", ctx)


@login_required
def pod_charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: GET the inline charter form, POST it; answers the charter card (or the form with
    its errors)."""
    pod = permissions.pod_for_user(request.user, pk, write=True)
    ctx = _charter_context(request, pod)
    if request.method == "POST":
        form = CharterForm(
            request.POST,
            can_edit_baseline=ctx["can_edit_baseline"],
            current_baseline=pod.baseline_headcount,
        )
        if form.is_valid():
            try:
                with transaction.atomic():
                    pod = services.pod_charter_update(
                        pod_id=pod.pk,
                        goal=form.cleaned_data["goal"],
                        product_area=form.cleaned_data["product_area"],
                        user=request.user,
                    )
                    if ctx["can_edit_baseline"] and form.baseline_changed:
                        changes.baseline_change(
                            user=request.user,
                            pod=pod,
                            effective_from=form.cleaned_data["baseline_from"],
                            value=form.cleaned_data["baseline_headcount"],
                        )
                        pod.refresh_from_db()
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                pod.org_unit = ctx["pod"].org_unit
                return render(
                    request,
                    "teams/pod_page.html#charter",
                    {**_charter_context(request, pod), "saved": True},
                )
        # 200 so htmx swaps the form with its messages in; nothing was saved.
        return render(
            request,
            "teams/pod_page.html#charter",
            {**_charter_context(request, pod, form), "editing": True},
        )
    if request.GET.get("cancel"):
        return render(request, "teams/pod_page.html#charter", ctx)
    return render(request, "teams/pod_page.html#charter", {**ctx, "editing": True})


PEOPLE_PER_PAGE = 100


PODS_PER_PAGE = 50


def report_url_for(unit_id: int, month: date) -> str:
    return reverse("incentive-report", args=[unit_id, f"{month:%Y-%m}"])


def report_url(period: IncentivePeriod) -> str:
    """The report of this period (a path; prefix the site's address for an email)."""
    return report_url_for(period.org_unit_id, period.month)


def report_list_url() -> str:
    return reverse("report-list")


def _parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise Http404("No such month.") from None


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    periods = (
        IncentivePeriod.objects.filter(org_unit_id__in=permissions.led_unit_ids(request.user))
        .select_related("org_unit", "plan")
        .order_by("-month", "org_unit__name")
    )
    page = Paginator(periods, 30).get_page(request.GET.get("page"))
    return render(request, "incentives/report/list.html", {"page": page})


@login_required
def report_page(request: HttpRequest, unit_id: int, month: str) -> HttpResponse:
    unit = permissions.unit_for_user(request.user, unit_id)
    first = _parse_month(month)
    period = report.period_for(unit.pk, first)
    ctx = {
        "unit": unit,
        "month": first,
        "period": period,
        "prev_url": report_url_for(unit.pk, add_months(first, -1)),
        "next_url": report_url_for(unit.pk, add_months(first, 1)),
    }
    if period is None:
        return render(request, "incentives/report/report.html", ctx)
    previous = report.previous_period(period)
    ids = [period.pk] + ([previous.pk] if previous else [])
    totals = report.totals_for(ids)
    currency = period.plan.currency
    pods = report.pod_rows(period)
    people = Paginator(report.payout_rows(period), PEOPLE_PER_PAGE).get_page(
        request.GET.get("people_page")
    )
    amounts = [float(a) for a in report.person_totals(period)]
    pod_url = reverse("pod-detail", args=[987654321]).replace(
        "987654321", "{}"
    )  # one reverse, any number of pods
    ctx.update(
        {
            "currency": currency,
            "totals": totals[period.pk],
            "previous": previous,
            "changes": report.comparison(
                totals[period.pk], totals[previous.pk] if previous else None
            ),
            "pods_page": Paginator(pods, PODS_PER_PAGE).get_page(request.GET.get("pods_page")),
            "people_page": people,
            "histogram": charts.payout_histogram(amounts, currency=currency) if amounts else "",
            "pod_chart": charts.pod_attainment_efficiency(
                [
                    (
                        r.pod.name,
                        pod_url.format(r.pod_id),
                        float(r.attainment),
                        None if r.efficiency_ratio is None else float(r.efficiency_ratio),
                        float(r.pool),
                    )
                    for r in pods
                ],
                min_attainment=float(period.plan.min_attainment),
                currency=currency,
            )
            if pods
            else "",
            "csv_url": reverse("incentive-report-csv", args=[unit.pk, f"{first:%Y-%m}"]),
        }
    )
    return render(request, "incentives/report/report.html", ctx)


@login_required
def report_csv(request: HttpRequest, unit_id: int, month: str) -> HttpResponse:
    """The payroll CSV of an approved (or locked) period, streamed."""
    unit = permissions.unit_for_user(request.user, unit_id)
    first = _parse_month(month)
    period = report.period_for(unit.pk, first)
    if period is None:
        raise Http404("No incentive period for this month.")
    if not period.is_frozen:
        return HttpResponse(
            f"The {first:%Y-%m} period of {unit} is {period.get_status_display().lower()}, "
            "not approved: "
            "payroll gets only approved amounts.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        report.payroll_csv_lines(period), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="payroll-{unit.slug}-{first:%Y-%m}.csv"'
    )
    return response


@login_required
def pod_agents_md(request: HttpRequest, pk: int) -> HttpResponse:
    """The pod's AGENTS.md, for its members and the leads of its unit."""
    return agents_md_response(permissions.pod_for_user(request.user, pk))
