"""The pod page: charter, members and trait balance, this month's outcomes, projected pool and
my share, last statements; charter editing for the Pod Lead and Org Leads (issue 8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse

from incentives import metrics
from incentives.models import IncentivePeriod, Metric, MetricTarget, Payout, PodResult
from incentives.projections import project_month

from . import dashboard, dashboard_charts, permissions, services
from .models import Pod, PodMembership
from .traits import TRAIT_LABELS, TRAITS

STATEMENT_MONTHS = 6


class CharterForm(forms.Form):
    goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Write the pod's goal."},
        help_text="What outcome the pod owns, in a sentence or two.",
    )
    product_area = forms.CharField(max_length=120, required=False)
    baseline_headcount = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("9999.99"),
        max_digits=6,
        decimal_places=2,
        help_text="Size of the traditional team that would otherwise own this scope "
        "(Org Leads only).",
    )

    def __init__(self, *args, can_edit_baseline: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit_baseline:
            del self.fields["baseline_headcount"]


def _get_pod_for_user(request: HttpRequest, pk: int) -> Pod:
    pod = get_object_or_404(Pod.objects.select_related("org_unit"), pk=pk)
    if not permissions.can_view_pod(request.user, pod):
        raise Http404("No such pod.")
    return pod


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
    }


@login_required
def pod_page(request: HttpRequest, pk: int) -> HttpResponse:
    pod = _get_pod_for_user(request, pk)
    today = date.today()
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
    balance = dashboard_charts.trait_balance(best, mean) if profiled else ""

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
        else {
            "period__status__in": (IncentivePeriod.Status.APPROVED, IncentivePeriod.Status.LOCKED)
        }
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
                if score < dashboard.TAU
            ],
            "tau": dashboard.TAU,
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
        }
    )
    return render(request, "teams/pod_page.html", ctx)


@login_required
def pod_charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: GET the inline charter form, POST it; answers the charter card (or the form with
    its errors)."""
    pod = _get_pod_for_user(request, pk)
    if not permissions.can_edit_pod(request.user, pod):
        raise PermissionDenied("Only the Pod Lead and Org Leads edit the charter.")
    ctx = _charter_context(request, pod)
    if request.method == "POST":
        form = CharterForm(request.POST, can_edit_baseline=ctx["can_edit_baseline"])
        if form.is_valid():
            try:
                pod = services.pod_charter_update(
                    pod_id=pod.pk,
                    goal=form.cleaned_data["goal"],
                    product_area=form.cleaned_data["product_area"],
                    baseline_headcount=form.cleaned_data.get("baseline_headcount"),
                )
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
