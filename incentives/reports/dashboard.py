"""Selectors for the Org Lead dashboard and the pod page: plain data, constant queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Sum
from django.utils import timezone

from incentives.metrics.services import add_months
from incentives.models import PodResult
from teams.friction.figures import NodeFigures
from teams.friction.services import friction_nodes
from teams.models import Person, Pod, PodMembership
from teams.traits import COVERAGE_THRESHOLD, TRAITS


@dataclass
class PodCoverage:
    pod_id: int
    name: str
    best: dict[str, float]  # trait → best current member score (0 when nobody)
    n_members: int

    @property
    def missing(self) -> list[str]:
        return [t for t in TRAITS if self.best[t] < COVERAGE_THRESHOLD]

    @property
    def weakest(self) -> float:
        return min(self.best.values())


def pod_coverage(unit_ids: Iterable[int], *, on: date | None = None) -> list[PodCoverage]:
    """Per active pod of these units: the best member score per trait (two queries)."""
    pods = dict(
        Pod.objects.filter(org_unit_id__in=list(unit_ids), status=Pod.Status.ACTIVE).values_list(
            "id", "name"
        )
    )
    rows = (
        PodMembership.objects.current(on)
        .filter(pod_id__in=list(pods))
        .values("pod_id")
        .annotate(
            n=Count("person_id", distinct=True), **{t: Max(f"person__profile__{t}") for t in TRAITS}
        )
    )
    by_pod = {r["pod_id"]: r for r in rows}
    out = []
    for pod_id, name in pods.items():
        row = by_pod.get(pod_id, {})
        out.append(
            PodCoverage(pod_id, name, {t: float(row.get(t) or 0) for t in TRAITS}, row.get("n", 0))
        )
    return out


@dataclass
class Headline:
    people: int
    pods: int
    unpodded: int
    pods_missing_trait: int


def headline(
    unit_ids: Iterable[int], coverage: list[PodCoverage], *, on: date | None = None
) -> Headline:
    unit_ids = list(unit_ids)
    people = Person.objects.filter(org_unit_id__in=unit_ids, is_active=True)
    in_pod = PodMembership.objects.current(on).values("person_id")
    counts = people.aggregate(n=Count("id"))
    return Headline(
        people=counts["n"],
        pods=len(coverage),
        unpodded=people.exclude(pk__in=in_pod).count(),
        pods_missing_trait=sum(1 for c in coverage if c.missing),
    )


@dataclass
class TrendPoint:
    month: date
    pool: Decimal
    attainment: float | None
    pods: int


def pool_trend(unit_ids: Iterable[int], *, month: date, months: int = 12) -> list[TrendPoint]:
    """Total pool and mean pod attainment of the saved periods of the ``months`` before
    ``month``."""
    first = add_months(month, -months)
    rows = (
        PodResult.objects.filter(
            period__org_unit_id__in=list(unit_ids),
            period__month__gte=first,
            period__month__lt=month,
        )
        .values("period__month")
        .annotate(pool=Sum("pool"), attainment=Avg("attainment"), pods=Count("id"))
        .order_by("period__month")
    )
    by_month = {r["period__month"]: r for r in rows}
    out = []
    for i in range(months):
        m = add_months(first, i)
        r = by_month.get(m)
        out.append(
            TrendPoint(
                m,
                Decimal(r["pool"]) if r else Decimal("0"),
                float(r["attainment"]) if r and r["attainment"] is not None else None,
                r["pods"] if r else 0,
            )
        )
    return out


# --- This month's projection, summarised and cached for the dashboard -----------------------

PROJECTION_TTL = 300  # seconds: on 10,000 people the engine takes about a second


@dataclass
class PodPool:
    attainment: float
    baseline: float
    fte: float
    pool: Decimal


@dataclass
class PoolSummary:
    pods: dict[int, PodPool]
    currencies: list[str]
    refused: list[str]
    computed_at: datetime

    @property
    def total_pool(self) -> Decimal:
        return sum((p.pool for p in self.pods.values()), Decimal("0"))


def projection_summary(unit_ids: Iterable[int], *, month: date, until: date) -> PoolSummary:
    """Month-to-date projection of these units (``project_month``), kept for ``PROJECTION_TTL``
    seconds so the dashboard of a big org does not run the engine on every view."""
    from incentives.bonuses.projections import project_month

    unit_ids = sorted(unit_ids)
    key = f"podwright:dashboard-projection:{until.isoformat()}:{','.join(map(str, unit_ids))}"
    summary = cache.get(key)
    if summary is None:
        projection = project_month(unit_ids=unit_ids, month=month, until=until)
        summary = PoolSummary(
            pods={
                pk: PodPool(float(r.attainment), float(r.baseline_headcount), float(r.fte), r.pool)
                for pk, r in projection.pods.items()
            },
            currencies=projection.currencies,
            refused=projection.refused,
            computed_at=timezone.now(),
        )
        cache.set(key, summary, PROJECTION_TTL)
    return summary


# --- Where the pods wait (teams.friction): the slowest node this month -----------------------


def slowest_node(unit_ids: Iterable[int], *, today: date) -> NodeFigures | None:
    """The node that cost these units' pods the most pod-days this month so far (one query);
    ``None`` when no wait was requested this month."""
    ranked = friction_nodes(unit_ids=unit_ids, since=today.replace(day=1), until=today)
    return ranked[0] if ranked else None
