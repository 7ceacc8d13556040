"""The demo org's friction and context (DESIGN §5): six months of waits on six nodes outside
the pods, Security review clearly the bottleneck and some waits still open; and a context map
per pod from the org template, with some items stale, some missing and a few without keeper.

Written through the same bulk upsert as the API (``teams.friction.services.waits_upsert``),
fast at 2,000 pods. Its own random stream, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from teams import clock
from teams.context.services import ORG_TEMPLATE
from teams.friction.services import WaitRow, default_window, waits_upsert
from teams.models import ContextItem, Pod, PodMembership, Wait


@dataclass(frozen=True)
class DemoNode:
    name: str
    kind: str
    per_month: float  # waits per pod per month, on average
    hours: tuple[float, float]  # a typical wait's range (log-uniform)


NODES = (
    DemoNode("Security review", "review", 1.4, (40, 170)),  # the bottleneck
    DemoNode("Platform code review", "review", 2.2, (4, 40)),
    DemoNode("Legal", "approval", 0.5, (24, 120)),
    DemoNode("Data access", "access", 0.7, (2, 48)),
    DemoNode("Design review", "review", 0.9, (2, 20)),
    DemoNode("Finance approval", "approval", 0.3, (8, 60)),
)
HOST = "https://git.demo.podwright.test"


def _hours(rng: random.Random, lo: float, hi: float) -> float:
    return lo * (hi / lo) ** rng.random()


def _waits(pods: list[Pod], rng: random.Random, now: datetime) -> list[WaitRow]:
    since, _ = default_window(clock.today())
    start = timezone.make_aware(datetime.combine(since, time(8)))
    span = (now - start).total_seconds()
    rows: list[WaitRow] = []
    months = span / (30.4 * 24 * 3600)
    for pod in pods:
        n = 0
        for node in NODES:
            count = int(node.per_month * months * rng.uniform(0.6, 1.4) + rng.random())
            for _ in range(count):
                requested = start + timedelta(seconds=rng.random() * span)
                resolved = requested + timedelta(hours=_hours(rng, *node.hours))
                n += 1
                rows.append(
                    WaitRow(
                        pod_id=pod.pk,
                        node=node.name,
                        kind=node.kind,
                        requested_at=requested.replace(microsecond=0),
                        resolved_at=None if resolved > now else resolved.replace(microsecond=0),
                        url=f"{HOST}/pod-{pod.pk}/pull/{n}" if node.kind == "review" else "",
                        external_id=f"demo:{pod.pk}:{n}",
                    )
                )
        # Open right now: the demo's bottleneck holds work of most pods this week.
        if rng.random() < 0.7:
            n += 1
            rows.append(
                WaitRow(
                    pod_id=pod.pk,
                    node="Security review",
                    kind="review",
                    requested_at=(now - timedelta(hours=rng.uniform(20, 120))).replace(
                        microsecond=0
                    ),
                    resolved_at=None,
                    url=f"{HOST}/pod-{pod.pk}/pull/{n}",
                    external_id=f"demo:{pod.pk}:{n}",
                )
            )
    return rows


def _members(pods: list[Pod]) -> dict[int, list[int]]:
    """Per pod, its current members' person ids, the Pod Lead first."""
    out: dict[int, list[int]] = {p.pk: [] for p in pods}
    for pod_id, person_id in (
        PodMembership.objects.current()
        .filter(pod_id__in=list(out))
        .order_by("pod_id", "-is_pod_lead", "person_id")
        .values_list("pod_id", "person_id")
    ):
        if person_id not in out[pod_id]:
            out[pod_id].append(person_id)
    return out


LOCATIONS = {
    "Product brief": "https://wiki.demo.podwright.test/{slug}/brief",
    "Decision log": "docs/decisions.md",
    "Architecture notes": "docs/architecture.md",
    "Customer research": "https://research.demo.podwright.test/{slug}",
    "Runbook": "docs/runbook.md",
    "Metric definitions": "https://wiki.demo.podwright.test/metrics",
}


def _context(pods: list[Pod], rng: random.Random, today: date) -> list[ContextItem]:
    members = _members(pods)
    items = []
    for index, pod in enumerate(pods):
        people = members[pod.pk]
        # The demo logins' pod (the first) misses one item and has one stale, so the member
        # sees "missing" and a "Verified today" button of their own.
        skip = {"Customer research"} if index == 0 else set()
        if index > 0:
            skip = set(rng.sample([t.name for t in ORG_TEMPLATE], k=rng.choice([0, 1, 1, 2])))
        slug = f"pod-{pod.pk}"
        for j, t in enumerate(ORG_TEMPLATE):
            if t.name in skip:
                continue
            stale = rng.random() < 0.3 or (index == 0 and t.name == "Runbook")
            age = t.review_days + rng.randint(3, 60) if stale else rng.randint(0, t.review_days - 1)
            keeper = None
            if people and (index == 0 or rng.random() > 0.04):
                keeper = people[1 % len(people)] if t.name == "Runbook" else people[j % len(people)]
            items.append(
                ContextItem(
                    pod=pod,
                    name=t.name,
                    layer=t.layer,
                    location=LOCATIONS[t.name].format(slug=slug),
                    keeper_id=keeper,
                    review_days=t.review_days,
                    last_verified=today - timedelta(days=age),
                )
            )
    return items


def demo_seed_friction(*, pods: list[Pod], seed: int = 7) -> dict[str, int]:
    """Waits and context items for these (demo) pods; their rows go with the pods on reset."""
    rng = random.Random(f"friction-{seed}-{len(pods)}")
    now = timezone.now()
    rows = _waits(pods, rng, now)
    waits_upsert(rows=rows, source=Wait.Source.API, user=None)
    items = _context(pods, rng, clock.today())
    ContextItem.objects.bulk_create(items, batch_size=2000)
    return {"waits": len(rows), "context_items": len(items)}
