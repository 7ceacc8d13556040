"""Pages for trait profiles: questionnaire, peer and lead assessment, trait mix, CSV."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from teams import permissions
from teams.models import Assessment, Person, Pod, PodMembership, QuestionnaireAnswer
from teams.profiles import charts, questionnaire, services
from teams.profiles.forms import ANCHORS, AssessmentForm
from teams.profiles.scoring import PEER_MIN_RATERS, Rating, latest_by_source, profile_history
from teams.traits import COVERAGE_THRESHOLD, TRAIT_DESCRIPTIONS, TRAIT_LABELS, TRAITS


def _me(request: HttpRequest) -> Person:
    me = permissions.person_of(request.user)
    if me is None:
        raise PermissionDenied("This page is for people in the organisation.")
    return me


def ratings_of(person: Person) -> list[Rating]:
    rows = Assessment.objects.filter(person=person).values_list(
        "source", "assessor_id", "created_at", *TRAITS
    )
    return [Rating(s, a, tuple(scores), at) for s, a, at, *scores in rows]


def profile_context(person: Person) -> dict:
    """Radar (profile with each source overlaid), history chart and the peer-anonymity state."""
    ratings = ratings_of(person)
    minimum = services.peer_minimums().get(person.org_unit_id, PEER_MIN_RATERS)
    latest = latest_by_source(ratings, minimum)
    profile = getattr(person, "profile", None)
    series: dict[str, tuple[float, ...]] = {}
    if profile is not None:
        series["profile"] = profile.scores
    series.update(latest)
    n_peers = len({r.assessor_id for r in ratings if r.source == "peer"})
    history = profile_history(
        ratings, person.org_unit.profile_weights(), person.preferred_trait, minimum
    )
    return {
        "radar": charts.profile_radar(series) if series else "",
        "history_chart": (
            charts.profile_history_chart([(p.at, p.scores) for p in history])
            if len(history) > 1
            else ""
        ),
        "history": [
            {"at": p.at, "primary": TRAIT_LABELS[p.primary], "sources": ", ".join(p.sources)}
            for p in reversed(history[-10:])
        ],
        "source_scores": [
            (s, [round(v) for v in latest[s]]) for s in ("self", "peer", "lead") if s in latest
        ],
        "n_peers": n_peers,
        "peer_min": minimum,
        "trait_label_list": [TRAIT_LABELS[t] for t in TRAITS],
    }


def _questionnaire_context(
    person: Person, *, mode: str, item: int | None = None, errors=None
) -> dict:
    answers = dict(QuestionnaireAnswer.objects.filter(person=person).values_list("item", "answer"))
    if item is None or item not in questionnaire.ITEM_BY_NUMBER:
        item = questionnaire.next_unanswered(set(answers))
    return {
        "mode": mode,
        "items": [(it, answers.get(it.number)) for it in questionnaire.ITEMS],
        "item": questionnaire.ITEM_BY_NUMBER.get(item) if item else None,
        "answer": answers.get(item) if item else None,
        "likert": questionnaire.LIKERT,
        "n_answered": len(answers),
        "n_items": questionnaire.N_ITEMS,
        "percent": round(100 * len(answers) / questionnaire.N_ITEMS),
        "complete": len(answers) == questionnaire.N_ITEMS,
        "errors": errors or [],
    }


@login_required
def questionnaire_page(request: HttpRequest) -> HttpResponse:
    """One statement per screen (default; htmx swaps the next one in) or all twenty at once."""
    me = _me(request)
    mode = "all" if request.GET.get("mode", request.POST.get("mode")) == "all" else "one"
    if request.method == "GET":
        item = request.GET.get("item", "")
        ctx = _questionnaire_context(me, mode=mode, item=int(item) if item.isdigit() else None)
        template = (
            "teams/questionnaire.html#step"
            if request.htmx and mode == "one"
            else "teams/questionnaire.html"
        )
        return render(request, template, ctx)

    if mode == "one":
        raw_item = request.POST.get("item", "")
        number = int(raw_item) if raw_item.isdigit() else 0
        if number not in questionnaire.ITEM_BY_NUMBER:
            raise Http404("No such statement.")
        raw = request.POST.get(f"answer_{number}", "")
        if raw not in ("1", "2", "3", "4", "5"):
            ctx = _questionnaire_context(
                me,
                mode=mode,
                item=number,
                errors=[f"Statement {number}: choose one of the five answers."],
            )
            template = (
                "teams/questionnaire.html#step" if request.htmx else "teams/questionnaire.html"
            )
            return render(request, template, ctx, status=400)
        services.questionnaire_answer(person=me, answers={number: int(raw)})
        answered = set(QuestionnaireAnswer.objects.filter(person=me).values_list("item", flat=True))
        # On to the next open statement after this one, else the first still open.
        later = [n for n in range(number + 1, questionnaire.N_ITEMS + 1) if n not in answered]
        nxt = later[0] if later else questionnaire.next_unanswered(answered)
        if request.htmx:
            return render(
                request,
                "teams/questionnaire.html#step",
                _questionnaire_context(me, mode=mode, item=nxt),
            )
        return redirect(reverse("questionnaire") + (f"?item={nxt}" if nxt else ""))

    answers, errors = {}, []
    for n in questionnaire.ITEM_BY_NUMBER:
        raw = request.POST.get(f"answer_{n}", "")
        if raw in ("1", "2", "3", "4", "5"):
            answers[n] = int(raw)
        elif raw:
            errors.append(f"Statement {n}: choose one of the five answers.")
    if not errors:
        services.questionnaire_answer(person=me, answers=answers)
        answered = set(QuestionnaireAnswer.objects.filter(person=me).values_list("item", flat=True))
        missing = [n for n in questionnaire.ITEM_BY_NUMBER if n not in answered]
        if "finish" not in request.POST:
            messages.success(
                request,
                f"Saved {len(answered)} of {questionnaire.N_ITEMS} answers; come back any time.",
            )
            return redirect(reverse("questionnaire") + "?mode=all")
        if not missing:
            return _submit(request, me)
        errors.append(
            "Answer every statement to see your result; still open: "
            f"{', '.join(map(str, missing))}."
        )
    ctx = _questionnaire_context(me, mode=mode, errors=errors)
    return render(request, "teams/questionnaire.html", ctx, status=400)


def _submit(request: HttpRequest, me: Person) -> HttpResponse:
    try:
        services.questionnaire_submit(person=me)
    except services.AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("questionnaire")
    if request.htmx:
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(reverse("questionnaire-result"))
    return redirect("questionnaire-result")


@login_required
@require_POST
def questionnaire_submit(request: HttpRequest) -> HttpResponse:
    return _submit(request, _me(request))


@login_required
def questionnaire_result(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    latest = Assessment.objects.filter(person=me, source="self").first()
    if latest is None:
        messages.info(request, "Answer the questionnaire first; your result appears right after.")
        return redirect("questionnaire")
    me = Person.objects.select_related("org_unit", "profile").get(pk=me.pk)
    scores = [
        {
            "key": t,
            "label": TRAIT_LABELS[t],
            "score": getattr(latest, t),
            "description": TRAIT_DESCRIPTIONS[t],
        }
        for t in TRAITS
    ]
    top = max(scores, key=lambda s: s["score"])
    return render(
        request,
        "teams/questionnaire_result.html",
        {"person": me, "assessment": latest, "scores": scores, "top": top, **profile_context(me)},
    )


@login_required
def colleagues(request: HttpRequest) -> HttpResponse:
    """People I may rate as a peer (pod mates first), with when I last rated each."""
    me = _me(request)
    q = request.GET.get("q", "").strip()
    mates = (
        PodMembership.objects.current()
        .filter(pod_id__in=PodMembership.objects.current().filter(person=me).values("pod_id"))
        .values("person_id")
    )
    people = (
        permissions.peers_rateable_by(request.user)
        .select_related("org_unit")
        .annotate(is_mate=Count("pk", filter=Q(pk__in=mates)))
        .order_by("-is_mate", "name", "id")
    )
    if q:
        people = people.filter(Q(name__icontains=q) | Q(email__icontains=q))
    page = Paginator(people, 30).get_page(request.GET.get("page"))
    rated = dict(
        Assessment.objects.filter(
            assessor=me, source="peer", person_id__in=[p.pk for p in page.object_list]
        )
        .values("person_id")
        .annotate(last=Max("created_at"))
        .values_list("person_id", "last")
    )
    for p in page.object_list:
        p.rated_at = rated.get(p.pk)
    ctx = {
        "page": page,
        "q": q,
        "peer_min": services.peer_minimums().get(me.org_unit_id, PEER_MIN_RATERS),
    }
    template = "teams/colleagues.html#results" if request.htmx else "teams/colleagues.html"
    return render(request, template, ctx)


@login_required
def person_assess(request: HttpRequest, pk: int, source: str) -> HttpResponse:
    person = permissions.person_to_assess(request.user, pk, source=source)
    me = permissions.person_of(request.user)
    # Start from this assessor's previous rating of the person, so a re-rating is an adjustment.
    previous = (
        Assessment.objects.filter(person=person, source=source, assessor=me).first() if me else None
    )
    initial = {t: getattr(previous, t) for t in TRAITS} if previous else None
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_create(
                person=person, source=source, assessor=me, scores=form.cleaned_data
            )
        except services.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            if source == "peer":
                messages.success(
                    request,
                    f"Thank you: your rating of {person.name} is saved. "
                    "They see only the average of their peers' ratings.",
                )
                return redirect("colleagues")
            messages.success(
                request, f"Lead assessment of {person.name} saved; their profile is updated."
            )
            if permissions.can_view_person(request.user, person):
                return redirect(person.get_absolute_url())
            return redirect("home")
    return render(
        request,
        "teams/person_assess.html",
        {
            "person": person,
            "form": form,
            "source": source,
            "peer_min": services.peer_minimums().get(person.org_unit_id, PEER_MIN_RATERS),
            "anchors": ANCHORS,
            "previous": previous,
        },
        status=400 if request.method == "POST" else 200,
    )


def _unit_order(units: list) -> list[tuple[object, int, list[int]]]:
    """The units as a tree in name order: (unit, depth, ids of it and every unit below it)."""
    ids = {u.pk for u in units}
    children: dict[int | None, list] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[tuple[object, int, list[int]]] = []

    def walk(unit, depth: int) -> list[int]:
        row = (unit, depth, [unit.pk])
        out.append(row)
        for child in sorted(children.get(unit.pk, []), key=lambda c: (c.name, c.pk)):
            row[2].extend(walk(child, depth + 1))
        return row[2]

    for root in sorted(children.get(None, []), key=lambda c: (c.name, c.pk)):
        walk(root, 0)
    return out


def _pod_mix(unit_ids: list[int]) -> list[dict]:
    """Per active pod: the best current member's score in each trait, and how many current
    members hold it (score ≥ τ). One grouped query."""
    today = Q(memberships__in=PodMembership.objects.current())
    tau = COVERAGE_THRESHOLD
    holders = {
        f"{t}_holders": Count(
            "memberships__person",
            filter=today & Q(**{f"memberships__person__profile__{t}__gte": tau}),
            distinct=True,
        )
        for t in TRAITS
    }
    pods = (
        Pod.objects.filter(org_unit_id__in=unit_ids, status=Pod.Status.ACTIVE)
        .select_related("org_unit")
        .annotate(**{t: Max(f"memberships__person__profile__{t}", filter=today) for t in TRAITS})
        .annotate(**holders)
        .annotate(size=Count("memberships__person", filter=today, distinct=True))
        .order_by("org_unit__name", "name")
    )
    rows = []
    for pod in pods:
        best = [getattr(pod, t) or 0 for t in TRAITS]
        count = [getattr(pod, f"{t}_holders") for t in TRAITS]
        rows.append(
            {
                "pod": pod,
                "cells": [
                    {"best": round(b, 1), "holders": c, "gap": b < tau, "overlap": c > 1}
                    for b, c in zip(best, count, strict=True)
                ],
                "missing": [TRAIT_LABELS[t] for t, b in zip(TRAITS, best, strict=True) if b < tau],
                "overlaps": [
                    f"{TRAIT_LABELS[t]} ×{c}" for t, c in zip(TRAITS, count, strict=True) if c > 1
                ],
            }
        )
    return rows


@login_required
@require_POST
def peer_minimum(request: HttpRequest) -> HttpResponse:
    """An Org Lead sets how many distinct peers must rate someone in a unit (and below it)
    before the peer average counts; empty inherits the unit above."""
    permissions.require_org_lead(request.user)
    unit_id = request.POST.get("org_unit", "")
    unit = (
        permissions.units_visible_to(request.user).filter(pk=unit_id).first()
        if unit_id.isdigit()
        else None
    )
    if unit is None:
        raise Http404("No such org unit.")
    raw = request.POST.get("peer_min_raters", "").strip()
    if raw and not raw.isdigit():
        messages.error(request, f"Minimum distinct peers: “{raw}” is not a whole number.")
        return redirect(reverse("trait-mix") + "#peer-anonymity")
    try:
        n = services.unit_set_peer_minimum(
            unit=unit, value=int(raw) if raw else None, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, "Minimum distinct peers: " + " ".join(exc.messages))
        return redirect(reverse("trait-mix") + "#peer-anonymity")
    shown = services.peer_minimums()[unit.pk]
    messages.success(
        request,
        f"{unit.name}: the peer average now counts once {shown} colleagues have rated"
        f"{'' if raw else ' (as the unit above)'}; {n} profiles brought up to date.",
    )
    return redirect(reverse("trait-mix") + "#peer-anonymity")


@login_required
def trait_mix(request: HttpRequest) -> HttpResponse:
    """How many people have each primary trait, and per pod and org unit where a trait is
    missing (no member at τ) or doubled up (several members at τ, who could cover it
    elsewhere). A unit's row counts it and every unit below it."""
    permissions.require_org_lead(request.user)
    units = list(permissions.units_visible_to(request.user).order_by("name"))
    unit_ids = [u.pk for u in units]
    people = Person.objects.filter(org_unit_id__in=unit_ids, is_active=True)
    by_unit: dict[int, Counter] = {u.pk: Counter() for u in units}
    for unit_id, trait, n in (
        people.filter(profile__isnull=False)
        .values_list("org_unit_id", "profile__primary_trait")
        .annotate(n=Count("pk"))
    ):
        by_unit[unit_id][trait] += n
    unassessed = Counter(
        dict(people.filter(profile__isnull=True).values_list("org_unit_id").annotate(n=Count("pk")))
    )
    totals = Counter()
    for c in by_unit.values():
        totals.update(c)

    pod_rows = _pod_mix(unit_ids)
    own: dict[int, dict[str, Counter]] = {
        u.pk: {"pods": Counter(), "gaps": Counter(), "overlaps": Counter()} for u in units
    }
    for r in pod_rows:
        mine = own[r["pod"].org_unit_id]
        mine["pods"]["n"] += 1
        for t, cell in zip(TRAITS, r["cells"], strict=True):
            mine["gaps"][t] += cell["gap"]
            mine["overlaps"][t] += cell["overlap"]
    unit_rows = []
    for u, depth, subtree in _unit_order(units):
        counts = Counter()
        pods, gaps, overlaps = 0, Counter(), Counter()
        for uid in subtree:
            counts.update(by_unit[uid])
            pods += own[uid]["pods"]["n"]
            gaps.update(own[uid]["gaps"])
            overlaps.update(own[uid]["overlaps"])
        total = sum(counts.values())
        row_counts = [counts[t] for t in TRAITS]
        unit_rows.append(
            {
                "unit": u,
                "depth": depth,
                "indent": depth * 1.2,
                "below": len(subtree) > 1,
                "counts": row_counts,
                "total": total,
                "unassessed": sum(unassessed[uid] for uid in subtree),
                "scarce": [
                    TRAIT_LABELS[t]
                    for t, c in zip(TRAITS, row_counts, strict=True)
                    if c == min(row_counts)
                ]
                if total
                else [],
                "pods": pods,
                "mix": [{"gaps": gaps[t], "overlaps": overlaps[t]} for t in TRAITS],
                "pod_cover": [pods - gaps[t] for t in TRAITS],
            }
        )
    minimums = services.peer_minimums()
    for r in unit_rows:
        r["peer_min"] = minimums.get(r["unit"].pk)
        r["peer_own"] = r["unit"].peer_min_raters
    with_pods = [r for r in unit_rows if r["pods"]]
    flagged = [r for r in pod_rows if r["missing"] or r["overlaps"]]
    ctx = {
        "traits": TRAITS,
        "trait_labels": [TRAIT_LABELS[t] for t in TRAITS],
        "totals": [(TRAIT_LABELS[t], totals[t]) for t in TRAITS],
        "n_people": people.count(),
        "n_assessed": sum(totals.values()),
        "unit_rows": unit_rows,
        "pod_rows": flagged[:200],
        "n_pods_short": sum(1 for r in pod_rows if r["missing"]),
        "n_pods_overlap": sum(1 for r in pod_rows if r["overlaps"]),
        "n_pods_flagged": len(flagged),
        "n_pods": len(pod_rows),
        "threshold": COVERAGE_THRESHOLD,
        "peer_default": PEER_MIN_RATERS,
        "bars": charts.primary_trait_bars(totals) if totals else "",
        "heatmap": charts.coverage_heatmap(
            [r["unit"].name for r in with_pods],
            [[c / r["pods"] for c in r["pod_cover"]] for r in with_pods],
        )
        if with_pods
        else "",
    }
    return render(request, "teams/trait_mix.html", ctx)
