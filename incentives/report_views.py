"""The monthly incentive report per org unit and month, and its payroll CSV (issue 8).

Only Org Leads of the unit (or a unit above it) and Admins: other roles get 403, leads of
other units 404. ``report_url(period)`` is the link the month-close email carries.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from incentives import report, report_charts
from incentives.metrics import add_months
from incentives.models import IncentivePeriod
from teams import permissions
from teams.models import OrgUnit

PEOPLE_PER_PAGE = 100
PODS_PER_PAGE = 50
PAYABLE = (IncentivePeriod.Status.APPROVED, IncentivePeriod.Status.LOCKED)


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


def _get_unit_for_user(request: HttpRequest, unit_id: int) -> OrgUnit:
    permissions.require_org_lead(request.user)
    unit = get_object_or_404(OrgUnit, pk=unit_id)
    if not permissions.can_manage_pay(request.user, unit.pk):
        raise Http404("No such org unit.")
    return unit


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
    unit = _get_unit_for_user(request, unit_id)
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
            "histogram": report_charts.payout_histogram(amounts, currency=currency)
            if amounts
            else "",
            "pod_chart": report_charts.pod_attainment_efficiency(
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
            "can_export": period.status in PAYABLE,
            "csv_url": reverse("incentive-report-csv", args=[unit.pk, f"{first:%Y-%m}"]),
        }
    )
    return render(request, "incentives/report/report.html", ctx)


@login_required
def report_csv(request: HttpRequest, unit_id: int, month: str) -> HttpResponse:
    """The payroll CSV of an approved (or locked) period, streamed."""
    unit = _get_unit_for_user(request, unit_id)
    first = _parse_month(month)
    period = report.period_for(unit.pk, first)
    if period is None:
        raise Http404("No incentive period for this month.")
    if period.status not in PAYABLE:
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
