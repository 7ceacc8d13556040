"""A pod's AGENTS.md (DESIGN §5): the context file an AI coding agent in the pod's repository
loads. One builder for the pod page, ``GET /api/pods/<id>/agents.md`` and
``python manage.py agents_md --pod ID``, so the three give the same bytes.

It holds the pod's name, goal and product area; its members with role and primary trait; its
outcome metrics with this month's targets; its context index; and the org's rules on what pay
follows. It never holds a pay figure: no base pay, pool, share or payout.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpResponse

from incentives.metrics import services as metrics
from incentives.models import Direction, Metric, MetricTarget
from teams import clock
from teams.context import services as context
from teams.models import Pod, PodMembership

CONTENT_TYPE = "text/markdown; charset=utf-8"

RULES = (
    "Pay follows outcomes that users and the business feel: the outcome metrics above, "
    "measured against targets an Org Lead sets.",
    "Pay never follows effort or activity: hours, meetings, lines of code, pull requests or "
    "tickets, story points, or time spent waiting on other teams. Those are recorded for "
    "diagnosis only, and the app refuses them in an incentive plan.",
    "Nobody sets a number they are paid from: targets, baselines and plans are the Org "
    "Lead's; a Pod Lead proposes.",
    "Waits on nodes outside the pod (review, approval, access, dependency) are recorded so "
    "the bottlenecks can be fixed, never to blame or to pay.",
    "Keep the context index true: each item's keeper verifies it within its review interval.",
)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|") or "–"


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _members(pod: Pod, today: date) -> list[str]:
    rows = (
        PodMembership.objects.current(today)
        .filter(pod=pod)
        .select_related("person", "person__profile")
        .order_by("-is_pod_lead", "person__name", "person_id")
    )
    seen: set[int] = set()
    out = []
    for m in rows:
        if m.person_id in seen:
            continue
        seen.add(m.person_id)
        profile = getattr(m.person, "profile", None)
        trait = profile.get_primary_trait_display() if profile is not None else "not assessed yet"
        role = m.person.get_role_display() + (", Pod Lead of this pod" if m.is_pod_lead else "")
        out.append(f"- {_line(m.person.name)} — {role} — primary trait: {trait}")
    return out


def _outcomes(pod: Pod, month: date) -> list[str]:
    listed = list(metrics.metrics_for_pod(pod).filter(kind=Metric.Kind.OUTCOME))
    targets = {
        t.metric_id: t
        for t in MetricTarget.objects.filter(
            pod=pod, month=month, metric_id__in=[m.pk for m in listed]
        )
    }
    out = []
    for m in listed:
        unit = f", {_line(m.unit)}" if m.unit else ""
        better = "higher is better" if m.direction == Direction.HIGHER else "lower is better"
        t = targets.get(m.pk)
        aim = (
            f"threshold {_number(t.threshold)}, target {_number(t.target)}, "
            f"stretch {_number(t.stretch)}"
            if t is not None
            else f"no target set for {month:%B %Y}"
        )
        out.append(f"- {_line(m.name)} (`{m.key}`{unit}): {better}; {aim}")
    return out


def _context(pod: Pod, today: date) -> list[str]:
    ctx = context.pod_context(pod, today=today)
    out = [
        "| Item | Layer | Location | Keeper | Last verified | Stale |",
        "|---|---|---|---|---|---|",
    ]
    for i in ctx.items:
        keeper = i.keeper.name if i.keeper is not None else "no keeper"
        if i.keeper is not None and not i.keeper.is_active:
            keeper += " (left)"
        verified = f"{i.last_verified:%Y-%m-%d}" if i.last_verified else "never"
        out.append(
            f"| {_cell(i.name)} | {i.layer} | {_cell(i.location)} | {_cell(keeper)} | "
            f"{verified} | {'STALE' if i.stale else 'no'} |"
        )
    if not ctx.items:
        out = ["No context items yet."]
    if ctx.missing:
        out += [
            "",
            "Missing from the org template: " + ", ".join(t.name for t in ctx.missing) + ".",
        ]
    return out


def agents_md(pod: Pod, *, today: date | None = None) -> str:
    """The pod's AGENTS.md as text (ends with one newline)."""
    today = today or clock.today()
    month = today.replace(day=1)
    members = _members(pod, today) or ["No current members."]
    outcomes = _outcomes(pod, month) or ["No outcome metrics defined for this pod yet."]
    lines = [
        f"# AGENTS.md — {_line(pod.name)}",
        "",
        "Context for the people and AI agents working on this pod's product. Generated by "
        f"Podwright from the pod's records on {today:%Y-%m-%d}; change those records, not "
        "this file.",
        "",
        "## Pod",
        "",
        f"- Name: {_line(pod.name)}",
        f"- Goal: {_line(pod.goal) or 'not written yet'}",
        f"- Product area: {_line(pod.product_area) or 'not set'}",
        f"- Org unit: {_line(pod.org_unit.name)}",
        "",
        "## Members",
        "",
        *members,
        "",
        f"## Outcome metrics and targets for {month:%B %Y}",
        "",
        *outcomes,
        "",
        "## Context index",
        "",
        *_context(pod, today),
        "",
        "## The org's rules",
        "",
        *(f"- {rule}" for rule in RULES),
    ]
    return "\n".join(lines) + "\n"


def agents_md_response(pod: Pod) -> HttpResponse:
    """The file as the page and the API serve it: the same bytes, shown in the browser, saved
    as AGENTS.md."""
    response = HttpResponse(agents_md(pod).encode("utf-8"), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="AGENTS.md"'
    return response
