"""Bonus pages: plans, the month close (compute, review, approve, lock, adjust), what-if,
pod pools and personal statements. Every permission decision goes through teams.permissions."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from incentives import permissions as access
from incentives.bonuses import changes, charts, engine, services, simulator, statements
from incentives.bonuses import inputs as month_inputs
from incentives.bonuses.forms import (
    AdjustmentForm,
    ComponentFormSet,
    ComputeForm,
    PlanForm,
    plan_form_check,
)
from incentives.metrics.services import PENDING_FLAGS, month_end
from incentives.models import (
    AuditEntry,
    IncentivePeriod,
    IncentivePlan,
    Metric,
    Observation,
    Payout,
    PodResult,
)
from teams import clock, permissions
from teams.background import BackgroundUnavailable
from teams.models import Person, Pod, PodMembership
from teams.numbers import parse_decimal


def _managed_units(request: HttpRequest):
    return permissions.units_visible_to(request.user)


# --------------------------------------------------------------------------- plans


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    plans = (
        IncentivePlan.objects.filter(org_unit__in=_managed_units(request))
        .select_related("org_unit")
        .annotate(n_components=Count("components"))
        .order_by("org_unit__name", "-effective_from")
    )
    page = Paginator(plans, 25).get_page(request.GET.get("page"))
    return render(request, "incentives/plan_list.html", {"page": page})


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    units = permissions.unit_choices(request.user)  # an archived unit gets no new plan
    metrics = (
        Metric.objects.filter(org_unit__in=units)
        .select_related("org_unit")
        .order_by("org_unit__name", "kind", "name")
    )
    initial, rows = {"org_unit": units.first(), "currency": "EUR"}, []
    source = request.GET.get("from")
    if source and source.isdigit() and request.method == "GET":
        base = access.plan_for_user(request.user, int(source))
        initial = {
            f: getattr(base, f)
            for f in (
                "org_unit",
                "currency",
                "standard_cost_per_fte",
                "share",
                "pool_cap",
                "min_attainment",
                "split",
            )
        }
        initial["name"] = base.name
        rows = [
            {
                f: getattr(c, f)
                for f in (
                    "metric",
                    "weight",
                    "threshold",
                    "target",
                    "stretch",
                    "floor",
                    "attainment_cap",
                    "aggregation",
                )
            }
            for c in base.components.select_related("metric")
        ]
    form = PlanForm(request.POST or None, units=units, initial=initial)
    formset = ComponentFormSet(
        request.POST or None, initial=rows or None, prefix="c", form_kwargs={"metrics": metrics}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and plan_form_check(form, formset)
    ):
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                user=request.user,
                org_unit=data["org_unit"],
                name=data["name"],
                effective_from=data["effective_from"],
                currency=data["currency"],
                standard_cost_per_fte=data["standard_cost_per_fte"],
                share=data["share"],
                pool_cap=data["pool_cap"],
                min_attainment=data["min_attainment"],
                split=data["split"],
                components=[f.spec() for f in formset.forms if f.has_changed()],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(None if field == "__all__" else field, errors)
        else:
            messages.success(
                request, f"Plan “{plan.name}” saved, effective from {plan.effective_from:%B %Y}."
            )
            return redirect("plan-detail", pk=plan.pk)
    return render(
        request,
        "incentives/plan_form.html",
        {"form": form, "formset": formset, "has_metrics": metrics.exists()},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.plan_for_user(request.user, pk)
    components = plan.components.select_related("metric")
    periods = plan.periods.order_by("-month")[:24]
    return render(
        request,
        "incentives/plan_detail.html",
        {"plan": plan, "components": components, "periods": periods},
    )


# --------------------------------------------------------------------------- month close


@login_required
def period_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    units = _managed_units(request)
    form = ComputeForm(
        request.POST or None,
        units=units,
        initial={"org_unit": units.first(), "month": services.previous_month(clock.today())},
    )
    if request.method == "POST" and form.is_valid():
        started = time.monotonic()
        try:
            period = services.period_compute(
                user=request.user,
                org_unit=form.cleaned_data["org_unit"],
                month=form.cleaned_data["month"],
            )
        except ValidationError as exc:
            for message in exc.messages[:20]:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                f"Computed {period.totals.get('pods', 0)} pods in "
                f"{time.monotonic() - started:.1f}s. Review before approving.",
            )
            url = reverse("period-review", args=[period.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    periods = (
        IncentivePeriod.objects.filter(org_unit__in=units)
        .select_related("org_unit", "approved_by")
        .order_by("-month", "org_unit__name")
    )
    page = Paginator(periods, 25).get_page(request.GET.get("page"))
    if request.htmx:
        return render(request, "incentives/period_list.html#compute", {"form": form})
    services.month_closes_expire()  # a unit whose task was lost reads "failed", not "pending"
    last_close, close_attempts = services.month_close_latest(units=units)
    return render(
        request,
        "incentives/period_list.html",
        {
            "form": form,
            "page": page,
            "last_close": last_close,
            "close_attempts": close_attempts,
            "close_month": services.previous_month(clock.today()),
        },
    )


@login_required
@require_POST
def month_close_run(request: HttpRequest) -> HttpResponse:
    """Close last month now for the units you manage that have a plan, one task per unit."""
    permissions.require_org_lead(request.user)
    units = _managed_units(request)
    month = services.previous_month(clock.today())
    try:
        close = services.month_close(
            today=clock.today(),
            user=request.user,
            unit_ids=set(units.values_list("pk", flat=True)),
        )
    except BackgroundUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("period-list")
    if close is None:
        messages.warning(request, f"None of your units has a plan in force for {month:%B %Y}.")
    else:
        messages.success(
            request,
            f"Closing {month:%B %Y} for {close.attempts.count()} units, each in the background: "
            "their outcomes appear below and go to their leads by email.",
        )
    return redirect("period-list")


def _review_context(request: HttpRequest, period: IncentivePeriod) -> dict:
    first, last = period.month, month_end(period.month)
    everything = list(
        PodResult.objects.filter(period=period).values_list(
            "pod_id", "pod__name", "pool", "attainment", "breakdown"
        )
    )
    previous = dict(
        PodResult.objects.filter(
            period__org_unit_id=period.org_unit_id,
            period__month=services.add_months(period.month, -1),
        ).values_list("pod_id", "pool")
    )
    changes = []
    missing = []
    for pod_id, name, pool, _attainment, bd in everything:
        if pod_id in previous:
            changes.append(
                {
                    "pod_id": pod_id,
                    "name": name,
                    "pool": pool,
                    "previous": previous[pod_id],
                    "change": pool - previous[pod_id],
                }
            )
        gaps = bd.get("missing_metrics") or []
        if gaps or not bd.get("members"):
            missing.append(
                {
                    "pod_id": pod_id,
                    "name": name,
                    "metrics": gaps,
                    "no_members": not bd.get("members"),
                }
            )
    changes.sort(key=lambda c: abs(c["change"]), reverse=True)
    flagged_qs = Observation.objects.filter(
        pod__org_unit_id=period.org_unit_id,
        date__gte=first,
        date__lte=last,
        flag__in=PENDING_FLAGS,
    ).select_related("metric", "pod")
    results = (
        PodResult.objects.filter(period=period)
        .select_related("pod")
        .defer("breakdown")
        .order_by("-pool", "pod__name")
    )
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    paid = dict(
        Payout.objects.filter(
            period=period, pod_id__in=[r.pod_id for r in page], is_adjustment=False
        )
        .values("pod_id")
        .annotate(n=Count("id"))
        .values_list("pod_id", "n")
    )
    for r in page:
        r.paid_people = paid.get(r.pod_id, 0)
    currency = period.plan.currency
    chart = (
        charts.pool_scatter_chart(
            names=[e[1] for e in everything],
            attainment=[float(e[3]) for e in everything],
            pools=[float(e[2]) for e in everything],
            currency=currency,
        )
        if everything
        else ""
    )
    return {
        "period": period,
        "totals": period.totals,
        "currency": currency,
        "flagged": flagged_qs[:25],
        "flagged_count": flagged_qs.count(),
        "missing": missing[:25],
        "missing_count": len(missing),
        "changes": changes[:10],
        "page": page,
        "chart": chart,
        "adjustments": Payout.objects.filter(period=period, is_adjustment=True)
        .select_related("person", "pod", "adjusts")
        .defer("breakdown"),
        "audit": AuditEntry.objects.filter(period=period).select_related("actor")[:20],
    }


@login_required
def period_review(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.period_for_user(request.user, pk)
    return render(request, "incentives/period_review.html", _review_context(request, period))


def _period_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    period = access.period_for_user(request.user, pk)
    try:
        action(user=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages[:5]))
    else:
        messages.success(request, done)
    return redirect("period-review", pk=period.pk)


@login_required
@require_POST
def period_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    def compute(*, user, period):
        services.period_compute(user=user, org_unit=period.org_unit, month=period.month)

    return _period_action(request, pk, compute, "Recomputed with the latest data.")


@login_required
@require_POST
def period_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_action(
        request,
        pk,
        services.period_approve,
        "Approved. The month can no longer change; statements are visible to members.",
    )


@login_required
@require_POST
def period_lock(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_action(request, pk, services.period_lock, "Locked.")


@login_required
def adjustment_new(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.period_for_user(request.user, pk)
    paid = Payout.objects.filter(period=period)
    people = Person.objects.filter(pk__in=paid.values("person_id"))
    pods = Pod.objects.filter(pk__in=paid.values("pod_id"))
    form = AdjustmentForm(request.POST or None, people=people, pods=pods)
    if request.method == "POST" and form.is_valid():
        try:
            payout = services.adjustment_create(
                user=request.user, period=period, **form.cleaned_data
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field == "__all__" else field, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request, f"Adjustment of {payout.amount} recorded in {payout.period.month:%B %Y}."
            )
            return redirect("period-review", pk=payout.period_id)
    return render(request, "incentives/adjustment_form.html", {"period": period, "form": form})


# --------------------------------------------------------------------------- what-if (lead)

SIM_PODS = 40


def _dec(raw: str | None) -> Decimal | None:
    """An optional what-if input: empty keeps the month's own value (``NumberError`` else)."""
    if raw is None or raw.strip() == "":
        return None
    return parse_decimal(raw)


@login_required
def period_what_if(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.period_for_user(request.user, pk)
    inputs = month_inputs.unit_month(
        plan=period.plan, org_unit_id=period.org_unit_id, month=period.month
    )
    if inputs is None:
        raise Http404("This unit has no pods in that month.")
    shown = inputs.pods[:SIM_PODS]
    shown_ids = {str(p.pk) for p in shown}
    source = request.POST if request.method == "POST" else {}
    errors: list[str] = []
    plan_over: dict[str, Decimal | None] = {}
    targets: dict[str, dict[str, Decimal | None]] = defaultdict(dict)
    values: dict[tuple[str, str], Decimal | None] = {}

    def read(name: str) -> Decimal | None:
        try:
            return _dec(source.get(name))
        except ValueError as exc:
            errors.append(f"{name.replace('_', ' ')}: {exc}")
            return None

    for name in ("standard_cost_per_fte", "share", "pool_cap", "min_attainment"):
        plan_over[name] = read(name)
    for comp in inputs.components:
        for t in ("threshold", "target", "stretch"):
            targets[comp.metric.key][t] = read(f"{t}-{comp.metric.key}")
    for pod in shown:
        for comp in inputs.components:
            values[(str(pod.pk), comp.metric.key)] = read(f"v-{pod.pk}-{comp.metric.key}")
    result = None
    if not errors:
        try:
            result = simulator.run(
                inputs,
                simulator.WhatIf(plan=plan_over, targets=targets, values=values),
                month=period.month,
            )
        except engine.ScenarioRefused as refused:
            errors.extend(refused.problems[:10])
    baseline = dict(PodResult.objects.filter(period=period).values_list("pod_id", "pool"))
    rows = []
    totals = {"pool": Decimal("0"), "baseline": Decimal("0")}
    if result is not None:
        by_id = {p.id: p for p in result.pods}
        for pod in inputs.pods:
            res = by_id[str(pod.pk)]
            totals["pool"] += res.pool
            totals["baseline"] += baseline.get(pod.pk, Decimal("0"))
            if str(pod.pk) in shown_ids:
                rows.append(
                    {
                        "pod": pod,
                        "res": res,
                        "before": baseline.get(pod.pk),
                        "values": [
                            (c.metric, engine.format_number(c.value)) for c in res.components
                        ],
                    }
                )
    # The month's real values, shown as placeholders next to each input.
    real = {}
    if not request.htmx:
        plain = simulator.run(
            inputs,
            simulator.WhatIf(plan={}, targets={}, values={}),
            month=period.month,
            pod_ids=shown_ids,
        )
        real = {
            p.id: [(c.metric, engine.format_number(c.value)) for c in p.components]
            for p in plain.pods
        }
    input_rows = [{"pod": pod, "values": real.get(str(pod.pk), [])} for pod in shown]
    context = {
        "period": period,
        "inputs": inputs,
        "shown": shown,
        "rows": rows,
        "input_rows": input_rows,
        "errors": errors,
        "totals": totals,
        "n_pods": len(inputs.pods),
        "sim_pods": SIM_PODS,
        "currency": period.plan.currency,
    }
    if request.htmx:
        return render(request, "incentives/what_if.html#results", context)
    return render(request, "incentives/what_if.html", context)


# --------------------------------------------------------------------------- pod pools


@login_required
def period_pod(request: HttpRequest, pk: int, pod_pk: int) -> HttpResponse:
    """A pod's pool for a month: leads see every payout; members of the pod see the pool."""
    result = access.pod_result_for_user(request.user, pk, pod_pk)
    period, pod = result.period, result.pod
    lead = permissions.can_manage_pay(request.user, period.org_unit_id)
    payouts = (
        Payout.objects.filter(period=period, pod=pod)
        .select_related("person", "adjusts")
        .order_by("-amount")
        if lead
        else None
    )
    return render(
        request,
        "incentives/period_pod.html",
        {
            "period": period,
            "pod": pod,
            "result": result,
            "bd": result.breakdown,
            "payouts": payouts,
            "lead": lead,
            "currency": period.plan.currency,
        },
    )


# --------------------------------------------------------------------------- statements


@login_required
def my_bonus(request: HttpRequest) -> HttpResponse:
    me = permissions.person_of(request.user)
    if me is None:
        raise Http404("You have no person record, so no statements.")
    rows = (
        Payout.objects.filter(person=me, period__status__in=IncentivePeriod.FROZEN_STATUSES)
        .values("period_id", "period__month", "period__org_unit__name", "period__plan__currency")
        .annotate(total=Sum("amount"), lines=Count("id"))
        .order_by("-period__month")
    )
    page = Paginator(rows, 24).get_page(request.GET.get("page"))
    history = list(reversed(list(rows[:24])))
    chart = (
        charts.payout_history_chart(
            months=[r["period__month"].strftime("%Y-%m") for r in history],
            amounts=[r["total"] for r in history],
            currency=history[-1]["period__plan__currency"] if history else "EUR",
        )
        if history
        else ""
    )
    today = clock.today()
    current = PodMembership.objects.current(today).filter(person=me).select_related("pod")
    projections = []
    for m in current:
        plan = services.plan_effective(org_unit_id=m.pod.org_unit_id, month=today.replace(day=1))
        if plan is not None:
            projections.append(
                {
                    "pod": m.pod,
                    "metrics": [c.metric for c in plan.components.select_related("metric")],
                    "currency": plan.currency,
                }
            )
    return render(
        request,
        "incentives/my_bonus.html",
        {"page": page, "chart": chart, "projections": projections, "me": me},
    )


@login_required
@require_POST
def my_what_if(request: HttpRequest) -> HttpResponse:
    me = permissions.person_of(request.user)
    pod_id = request.POST.get("pod", "")
    if me is None or not pod_id.isdigit():
        raise Http404
    month = clock.today().replace(day=1)
    pod = access.pod_for_pool(request.user, int(pod_id), month=month)
    plan = services.plan_effective(org_unit_id=pod.org_unit_id, month=month)
    if plan is None:
        raise Http404("No plan in force.")
    context = {"pod": pod, "currency": plan.currency}
    try:
        value = _dec(request.POST.get("value"))
        if value is None:
            raise ValueError("enter the value you expect the metric to reach")
    except ValueError as exc:
        context["error"] = str(exc)
        return render(request, "incentives/my_bonus.html#projection", context)
    found = month_inputs.month_inputs(
        unit_ids=[pod.org_unit_id], month=month, pod_ids=[pod.pk], plans={pod.org_unit_id: plan}
    )
    if not found:
        raise Http404("No plan in force.")
    inputs = found[0]
    metric_key = request.POST.get("metric", "")
    metric = next((c.metric for c in inputs.components if c.metric.key == metric_key), None)
    if metric is None:
        context["error"] = "pick one of the plan's metrics"
        return render(request, "incentives/my_bonus.html#projection", context)
    projection = simulator.member_projection(
        inputs, month=month, pod_id=pod.pk, person_id=me.pk, metric=metric_key, value=value
    )
    context.update({"projection": projection, "metric": metric, "value": value})
    return render(request, "incentives/my_bonus.html#projection", context)


def _statement(request: HttpRequest, period_pk: int, person: Person) -> HttpResponse:
    period = access.statement_period_for_user(request.user, period_pk, person)
    payouts = list(
        Payout.objects.filter(period=period, person=person)
        .select_related("pod", "adjusts")
        .order_by("is_adjustment", "pod__name")
    )
    if not payouts:
        raise Http404("No payout for this month.")
    show_base_pay = permissions.can_view_pay(request.user, person)
    total = sum((p.amount for p in payouts), Decimal("0"))
    for p in payouts:
        if not p.is_adjustment:
            p.stint_lines = statements.stint_lines(p.breakdown, period.month)
            p.stints_sentence = statements.stints_sentence(p.stint_lines, with_pay=show_base_pay)
            p.baseline_sentence = statements.baseline_sentence(p.breakdown, period.month)
    return render(
        request,
        "incentives/statement.html",
        {
            "period": period,
            "person": person,
            "payouts": payouts,
            "total": total,
            "show_base_pay": show_base_pay,
            "currency": period.plan.currency,
            "is_me": permissions.person_of(request.user) == person,
        },
    )


@login_required
def my_statement(request: HttpRequest, period_pk: int) -> HttpResponse:
    me = permissions.person_of(request.user)
    if me is None:
        raise Http404
    return _statement(request, period_pk, me)


@login_required
def person_statement(request: HttpRequest, period_pk: int, person_pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_pk)
    return _statement(request, period_pk, person)


class PayChangeForm(forms.Form):
    base_pay = forms.DecimalField(
        min_value=Decimal("0"), max_digits=12, decimal_places=2, label="New monthly base pay"
    )
    effective_from = forms.DateField(
        label="From", error_messages={"required": "Say from which day the new pay applies."}
    )


@login_required
@require_POST
def person_pay_change(request: HttpRequest, pk: int) -> HttpResponse:
    """An Org Lead records a person's new base pay from a day on (a new rate, never an edit)."""
    person = permissions.person_for_user(request.user, pk)
    if not permissions.can_manage_pay(request.user, person.org_unit_id):
        raise PermissionDenied("Only the person's Org Leads change their pay.")
    form = PayChangeForm(request.POST)
    if form.is_valid():
        try:
            result = changes.pay_rate_change(
                user=request.user,
                person=person,
                effective_from=form.cleaned_data["effective_from"],
                base_pay=form.cleaned_data["base_pay"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            note = (
                f"{person.name}: {result.row.base_pay} from {result.row.effective_from:%Y-%m-%d}."
            )
            if result.recomputed:
                months = ", ".join(f"{p.org_unit.name} {p.month:%B %Y}" for p in result.recomputed)
                note += f" Recomputed {months}."
            messages.success(request, note)
            return redirect(f"{person.get_absolute_url()}#pay")
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return redirect(f"{person.get_absolute_url()}#pay")
