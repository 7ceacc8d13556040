"""The Org Lead's formation workspace: choose a pool, run the optimiser, review, edit, accept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from teams import clock, permissions
from teams.background import BackgroundUnavailable
from teams.formation import services
from teams.formation.forms import AcceptForm, FormationRunForm, ProposedPodForm
from teams.models import FormationRun, Pod
from teams.traits import TRAIT_LABELS, TRAITS

PODS_PER_PAGE = 24
SEARCH_RESULTS = 10


@login_required
def formation_list(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    services.formation_runs_expire()  # a run whose worker died reads "failed", not "running"
    runs = (
        FormationRun.objects.filter(org_unit__in=permissions.units_visible_to(request.user))
        .select_related("org_unit", "created_by", "accepted_by")
        .defer("result", "arrangement", "history", "review")
        # The best possible without loading the pool: the proven bound inside the result.
        .annotate(proven=KT("result__proposal__proven_bound"))
    )
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    for run in page.object_list:
        try:
            best = float(run.proven) if run.proven else run.upper_bound
        except (TypeError, ValueError):
            best = run.upper_bound
        run.best_pct = (
            round(100 * run.objective / best, 1) if best and run.objective is not None else None
        )
    return render(request, "teams/formation/run_list.html", {"page": page})


def _new_context(form: FormationRunForm, units) -> dict:
    pods = (
        Pod.objects.filter(org_unit__in=units, status=Pod.Status.ACTIVE)
        .select_related("org_unit")
        .order_by("name", "pk")
    )
    return {
        "form": form,
        "pin_pods": pods,
        "trait_choices": [(t, TRAIT_LABELS[t]) for t in TRAITS],
    }


@login_required
def formation_new(request: HttpRequest) -> HttpResponse:
    permissions.require_org_lead(request.user)
    units = permissions.unit_choices(request.user)  # an archived unit gets no new run
    form = FormationRunForm(request.POST or None, units=units, initial={"org_unit": units.first()})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.formation_start(
                user=request.user, org_unit=form.cleaned_data["org_unit"], params=form.params()
            )
        except BackgroundUnavailable as exc:
            messages.error(request, exc.message)
            return render(
                request, "teams/formation/run_new.html", _new_context(form, units), status=503
            )
        return redirect("formation-detail", pk=run.pk)
    return render(request, "teams/formation/run_new.html", _new_context(form, units))


@login_required
def formation_people(request: HttpRequest) -> HttpResponse:
    """Search the pool of a unit by name or email: the pickers' results (htmx), or a page of
    the pool's people with their emails (for pasting pairs in bulk)."""
    permissions.require_org_lead(request.user)
    unit_id = request.GET.get("org_unit", "")
    unit = (
        permissions.units_visible_to(request.user).filter(pk=unit_id).first()
        if unit_id.isdigit()
        else permissions.units_visible_to(request.user).order_by("name").first()
    )
    if unit is None:
        raise Http404("No such org unit.")
    pool = request.GET.get("pool", services.POOL_UNPODDED)
    if pool not in (services.POOL_UNPODDED, services.POOL_EVERYONE):
        pool = services.POOL_UNPODDED
    q = request.GET.get("q", "").strip()[:100]
    people = services.pool_people(org_unit=unit, pool=pool).select_related("org_unit")
    if q:
        people = people.filter(Q(name__icontains=q) | Q(email__icontains=q))
    ctx = {"unit": unit, "pool": pool, "q": q, "picker": request.GET.get("picker", "")}
    if request.htmx:
        ctx["people"] = list(people.order_by("name", "pk")[:SEARCH_RESULTS]) if q else []
        return render(request, "teams/formation/people_search.html#results", ctx)
    ctx["page"] = Paginator(people.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    ctx["people"] = ctx["page"].object_list
    ctx["units"] = permissions.units_visible_to(request.user).order_by("name")
    return render(request, "teams/formation/people_search.html", ctx)


@login_required
def formation_compare(request: HttpRequest) -> HttpResponse:
    """Two runs of the same pool side by side: F, share of the best possible, weakest pod,
    trait gaps, wishes met, and the inputs that differ."""
    permissions.require_org_lead(request.user)
    ids = [request.GET.get("a", "").strip(), request.GET.get("b", "").strip()]
    if not all(ids):
        return _compare_refused(request, "Choose two runs to compare (a and b).")
    if not all(i.isdigit() for i in ids):
        return _compare_refused(request, "Runs are chosen by their number, e.g. ?a=3&b=5.")
    a, b = (
        services.formation_expire(run=permissions.run_for_user(request.user, int(i))) for i in ids
    )
    why = services.runs_comparable(a, b)
    if why:
        return _compare_refused(request, why)
    left, right = services.run_summary(a), services.run_summary(b)
    return render(
        request,
        "teams/formation/run_compare.html",
        {
            "a": left,
            "b": right,
            "rows": _compare_rows(left, right),
            "inputs": _input_rows(a, b),
            "same_pool": left.pool_ids == right.pool_ids,
            "only_a": len(left.pool_ids - right.pool_ids),
            "only_b": len(right.pool_ids - left.pool_ids),
        },
    )


def _compare_refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "teams/formation/run_compare.html", {"refused": message}, status=400)


def _compare_rows(a: services.RunSummary, b: services.RunSummary) -> list[dict]:
    """The figures, each with which side is better (higher, or fewer gaps)."""

    def row(label: str, get, fmt, higher_is_better: bool | None = True, help: str = "") -> dict:
        va = get(a) if a.evaluation else None
        vb = get(b) if b.evaluation else None
        better = ""
        if higher_is_better is not None and va is not None and vb is not None and va != vb:
            better = "a" if (va > vb) == higher_is_better else "b"
        return {
            "label": label,
            "help": help,
            "a": fmt(va) if va is not None else "—",
            "b": fmt(vb) if vb is not None else "—",
            "better": better,
        }

    return [
        row("F", lambda s: round(s.evaluation.objective, 3), lambda v: f"{v:.2f}"),
        row(
            "F is this much of the best possible",
            lambda s: s.best["pct"],
            lambda v: f"{v:.1f} %",
            help="F ÷ the run's proven bound (or 2·UB_sum when it proved none)",
        ),
        row("Pods", lambda s: s.evaluation.k, str, higher_is_better=None),
        row(
            "Weakest pod's coverage (of 5)",
            lambda s: round(s.weakest[1], 3),
            lambda v: f"{v:.2f}",
        ),
        row("Trait gaps", lambda s: s.evaluation.trait_gaps, str, higher_is_better=False),
        row("Wishes met", lambda s: s.wishes_met, str),
        row("Wishes missed", lambda s: s.wishes_missed, str, higher_is_better=False),
        row("Broken constraints", lambda s: len(s.evaluation.violations), str, False),
    ]


def _input_rows(a: FormationRun, b: FormationRun) -> list[dict]:
    """The inputs of the two runs that differ, as a lead reads them."""
    shown = {
        "min_size": "Smallest pod",
        "max_size": "Largest pod",
        "threshold": "Coverage threshold τ",
        "stability": "Stability weight μ",
        "max_per_unit": "At most per org unit",
        "one_lead_per_pod": "One Pod Lead per pod",
        "pods": "Number of pods",
        "avoid_repeats": "Avoid repeating pairings",
        "new_teammates": "New teammates for everyone",
        "min_shared_hours": "Shared working hours",
        "seed": "Seed",
        "time_limit": "Time limit (s)",
    }
    counted = {
        "together": "Pairs kept together",
        "apart": "Pairs kept apart",
        "pinned": "People pinned",
        "requested": "Requested teammates",
        "missions": "Missions",
    }
    flags = {"one_lead_per_pod", "avoid_repeats", "new_teammates"}
    rows = []
    for key, label in shown.items():
        va, vb = a.params.get(key), b.params.get(key)
        if key in flags:
            va, vb = bool(va), bool(vb)
        if va != vb:
            rows.append({"label": label, "a": _shown(va), "b": _shown(vb)})
    for key, label in counted.items():
        va, vb = a.params.get(key) or [], b.params.get(key) or []
        if va != vb:
            rows.append({"label": label, "a": str(len(va)), "b": str(len(vb))})
    return rows


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _workspace_context(request: HttpRequest, run: FormationRun, announce: str = "") -> dict:
    workspace = services.workspace_for_run(run)
    ev = workspace.evaluation
    proposal = services.proposed_pods(run, workspace.labels)
    names = workspace.names
    pods = []
    for pod, proposed in zip(ev.pods, proposal, strict=True):
        pods.append(
            {
                "index": proposed.index,
                "number": proposed.index + 1,
                "score": pod,
                "proposed": proposed,
                "lead_name": names.get(proposed.lead, "") if proposed.lead else "",
                "members": [
                    {
                        "id": pid,
                        "name": names.get(pid, pid),
                        "scores": workspace.scores.get(pid, []),
                        "lead": pid == proposed.lead,
                        "covers": [
                            TRAIT_LABELS[t]
                            for t in TRAITS
                            if pod.coverers.get(t) == pid and pod.coverage[t] >= 1
                        ],
                    }
                    for pid in pod.members
                ],
                "traits": [
                    {
                        "key": t,
                        "label": TRAIT_LABELS[t],
                        "cov": pod.coverage[t],
                        "pct": round(pod.coverage[t] * 100),
                    }
                    for t in TRAITS
                ],
            }
        )
    accepted = (run.review or {}).get("accepted") or []
    if run.status == FormationRun.Status.ACCEPTED and len(accepted) == len(pods):
        became = dict(Pod.objects.filter(pk__in=accepted).values_list("pk", "name"))
        for pod, pk in zip(pods, accepted, strict=True):
            pod["became"] = {"pk": pk, "name": became.get(pk, "")} if pk in became else None
    # Pods keep their place while the lead edits: the proposal's order, or the order the lead
    # asked for (weakest first, as they scored then).
    order = services.display_order(run, len(pods))
    pods = [pods[g] for g in order]
    page = Paginator(pods, PODS_PER_PAGE).get_page(request.GET.get("page"))
    picked = request.GET.get("picked", "")
    return {
        "run": run,
        "workspace": workspace,
        "ev": ev,
        "best": services.best_possible(run, ev),
        "page": page,
        "sorted_weakest": "order" in (run.review or {}),
        # Every pod as strong as the weakest: no pod to single out.
        "all_even": bool(ev.pods)
        and min(p.total for p in ev.pods) == max(p.total for p in ev.pods),
        "picked": picked if picked in names else "",
        "picked_name": names.get(picked, ""),
        "accept_form": AcceptForm(),
        "traits": [TRAIT_LABELS[t] for t in TRAITS],
        "continuing": sum(1 for p in proposal if p.continuing is not None),
        "plan_warning": services.plan_warning(run.org_unit, clock.today())
        if run.status == FormationRun.Status.DONE
        else "",
        "announce": announce,
    }


@login_required
def formation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = services.formation_expire(run=permissions.run_for_user(request.user, pk))
    pending = run.status in (FormationRun.Status.QUEUED, FormationRun.Status.RUNNING)
    if request.htmx and request.htmx.target == "run-progress":
        if not pending:
            return HttpResponseClientRefresh()
        return render(request, "teams/formation/run_detail.html#progress", {"run": run})
    ctx = {"run": run}
    if (
        run.status in (FormationRun.Status.DONE, FormationRun.Status.ACCEPTED)
        and run.arrangement is not None
    ):
        ctx.update(_workspace_context(request, run))
        if request.htmx and request.htmx.target == "workspace":
            return render(request, "teams/formation/run_detail.html#workspace", ctx)
    return render(request, "teams/formation/run_detail.html", ctx)


@login_required
@require_POST
def formation_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a failed run again with the same inputs."""
    run = permissions.run_for_user(request.user, pk)
    try:
        again = services.formation_restart(user=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("formation-detail", pk=run.pk)
    except BackgroundUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("formation-detail", pk=run.pk)
    messages.success(request, f"Started run {again.pk} with the inputs of run {run.pk}.")
    return redirect("formation-detail", pk=again.pk)


def _where(arrangement: list[list[str]]) -> dict[str, int]:
    return {pid: g for g, members in enumerate(arrangement or []) for pid in members}


def _describe(
    action: str, before: list[list[str]], after: list[list[str]], names: dict, first: str = ""
) -> str:
    """One sentence for the screen reader's live region: what the edit did, by name (the
    person the lead acted on first)."""
    was, now = _where(before), _where(after)
    moved = sorted(
        (pid for pid, g in now.items() if was.get(pid) != g), key=lambda pid: pid != first
    )
    if not moved:
        return ""
    told = [f"{names.get(pid, pid)} to pod {now[pid] + 1}" for pid in moved]
    if action == "undo":
        return "Undone: " + ", ".join(told).replace(" to pod ", " back to pod ") + "."
    if action == "swap" and len(moved) == 2:
        a, b = moved
        return (
            f"Swapped {names.get(a, a)} and {names.get(b, b)}: {names.get(a, a)} is now in pod "
            f"{now[a] + 1}, {names.get(b, b)} in pod {now[b] + 1}."
        )
    return "Moved " + ", ".join(told) + "."


@login_required
@require_POST
def formation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move, swap, undo, or change the order the pods are shown in."""
    run = permissions.run_for_user(request.user, pk)
    action = request.POST.get("action", "")
    pod = request.POST.get("pod")
    before = run.arrangement
    announce = ""
    try:
        if action == "sort":
            run = services.formation_sort(run=run, order=request.POST.get("order", ""))
            announce = (
                "Pods shown weakest first."
                if request.POST.get("order") == "weakest"
                else "Pods shown in the proposal's order."
            )
        else:
            run = services.formation_edit(
                run=run,
                action=action,
                person=request.POST.get("person", ""),
                other=request.POST.get("other", ""),
                pod=int(pod) if pod not in (None, "") and pod.lstrip("-").isdigit() else None,
            )
    except ValidationError as exc:
        announce = " ".join(exc.messages)
        messages.error(request, announce)
    if request.htmx:
        ctx = _workspace_context(request, run)
        ctx["picked"] = ""
        ctx["partial"] = True  # the page's own message list is not re-rendered
        ctx["announce"] = announce or _describe(
            action, before, run.arrangement, ctx["workspace"].names, request.POST.get("person", "")
        )
        return render(request, "teams/formation/run_detail.html#workspace", ctx)
    return redirect("formation-detail", pk=run.pk)


@login_required
@require_POST
def formation_pod(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """A proposed pod's charter (name, goal, baseline) and Pod Lead, before accepting."""
    run = permissions.run_for_user(request.user, pk)
    form = ProposedPodForm(request.POST)
    announce = ""
    if form.is_valid():
        try:
            run = services.formation_review_pod(run=run, index=index, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
    if form.errors:
        announce = "Pod {}: {}".format(
            index + 1, " ".join(e for errors in form.errors.values() for e in errors)
        )
        if not request.htmx:
            messages.error(request, announce)
    if not request.htmx:
        return redirect("formation-detail", pk=run.pk)
    ctx = _workspace_context(request, run)
    pod = next((p for p in ctx["page"].paginator.object_list if p["index"] == index), None)
    if pod is None:
        raise Http404("No such proposed pod.")
    if not form.errors:
        p = pod["proposed"]
        lead = ctx["workspace"].names.get(p.lead, "no one") if p.lead else "no one"
        announce = f"Pod {index + 1} saved: {p.name}, led by {lead}."
    ctx.update(
        pod=pod,
        pod_form=form if form.errors else None,
        announce=announce,
        # Saved with its button: the name, goal and baseline stay open to go on editing.
        charter_open=bool(request.POST.get("save")),
    )
    return render(request, "teams/formation/run_detail.html#pod", ctx)


@login_required
@require_POST
def formation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    run = permissions.run_for_user(request.user, pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else field}: {' '.join(errors)}",
            )
        return redirect("formation-detail", pk=run.pk)
    try:
        pods = services.formation_accept(
            run=run,
            user=request.user,
            baseline_headcount=form.cleaned_data["baseline_headcount"],
            name_prefix=form.cleaned_data["name_prefix"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("formation-detail", pk=run.pk)
    messages.success(request, f"Accepted: {len(pods)} pods are now active.")
    warning = services.plan_warning(run.org_unit, clock.today())
    if warning:
        messages.warning(request, warning)
    return redirect("formation-detail", pk=run.pk)
