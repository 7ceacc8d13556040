"""Bench: close a month for 10,000 people in 2,500 pods with stints and count the SQL queries.

    .venv/bin/python bench/month_close.py [--people 10000] [--pod-size 4]
    DATABASE_URL=postgres://…/db .venv/bin/python bench/month_close.py   # on PostgreSQL

About a fifth of the people are re-formed into their pod on the 15th (two stints), a tenth
change allocation on a random day, 15 % get a raise inside the month and a tenth of the pods a
new baseline from the 16th: the input builder splits and merges all of it. A second, small
unit is closed too, to show that the query count does not grow with the org.

Builds the org in bulk in a fresh test database (the test runner's machinery: a throw-away
``test_…`` database, in memory on SQLite), times ``period_compute`` (first compute and a
recompute), counts its queries, and prints the figures. Nothing touches your own data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

MONTH = date(2026, 9, 1)


def build(people: int, pod_size: int, rng: random.Random, slug: str = "bench"):
    from incentives.bonuses import services
    from incentives.models import Metric, MetricTarget, Observation
    from teams.models import Baseline, OrgUnit, PayRate, Person, Pod, PodMembership

    unit = OrgUnit.objects.create(name=slug.title(), slug=slug)
    activation = Metric.objects.create(org_unit=unit, key="activation", name="Activation")
    revenue = Metric.objects.create(org_unit=unit, key="revenue", name="Revenue", aggregation="sum")
    incidents = Metric.objects.create(
        org_unit=unit,
        key="incidents",
        name="Incidents",
        direction="lower",
        aggregation="sum",
        empty_value=0,
    )
    services.plan_create(
        user=None,
        org_unit=unit,
        name="Bench plan",
        effective_from=date(2026, 1, 1),
        currency="EUR",
        standard_cost_per_fte=Decimal(8000),
        share=Decimal("0.2"),
        pool_cap=Decimal("0.5"),
        min_attainment=Decimal("0.5"),
        split="allocation",
        components=[
            services.ComponentSpec(
                metric=activation,
                weight=Decimal("0.5"),
                threshold=Decimal(30),
                target=Decimal(40),
                stretch=Decimal(50),
            ),
            services.ComponentSpec(
                metric=revenue,
                weight=Decimal("0.3"),
                threshold=Decimal(40000),
                target=Decimal(50000),
                stretch=Decimal(60000),
                aggregation="sum",
            ),
            services.ComponentSpec(
                metric=incidents,
                weight=Decimal("0.2"),
                threshold=Decimal(3),
                target=Decimal(1),
                stretch=Decimal(0),
                aggregation="sum",
            ),
        ],
    )
    persons = Person.objects.bulk_create(
        [
            Person(
                name=f"P{i}",
                email=f"p{i}@{slug}.test",
                org_unit=unit,
                base_pay=Decimal(rng.randrange(5000, 12000, 100)),
            )
            for i in range(people)
        ],
        batch_size=5000,
    )
    n_pods = people // pod_size
    pods = Pod.objects.bulk_create(
        [
            Pod(
                name=f"Pod {i:05d}",
                org_unit=unit,
                baseline_headcount=Decimal(rng.choice([8, 10, 12])),
            )
            for i in range(n_pods)
        ],
        batch_size=5000,
    )
    if not pods[0].pk:
        ids = list(Pod.objects.filter(org_unit=unit).order_by("pk").values_list("pk", flat=True))
        for pod, pk in zip(pods, ids, strict=True):
            pod.pk = pod.id = pk
        pids = list(
            Person.objects.filter(org_unit=unit).order_by("pk").values_list("pk", flat=True)
        )
        for person, pk in zip(persons, pids, strict=True):
            person.pk = person.id = pk
    memberships, observations, targets, rates, baselines = [], [], [], [], []
    for i, person in enumerate(persons[: n_pods * pod_size]):
        pod = pods[i // pod_size]
        start = (
            date(2026, 1, 1) if rng.random() > 0.05 else MONTH + timedelta(days=rng.randrange(28))
        )
        allocation = Decimal("1") if rng.random() > 0.2 else Decimal("0.5")
        roll = rng.random()
        if start < MONTH and roll < 0.3:
            # Re-formed into the same pod on the 15th, or a new allocation from some day.
            cut = MONTH + timedelta(days=14 if roll < 0.2 else rng.randrange(1, 27))
            memberships.append(
                PodMembership(
                    pod=pod,
                    person=person,
                    start=start,
                    end=cut - timedelta(days=1),
                    allocation=allocation,
                )
            )
            start, allocation = cut, allocation if roll < 0.2 else Decimal("0.8")
        memberships.append(
            PodMembership(pod=pod, person=person, start=start, allocation=allocation)
        )
        if rng.random() < 0.15:
            rates.append(PayRate(person=person, effective_from=None, base_pay=person.base_pay))
            rates.append(
                PayRate(
                    person=person,
                    effective_from=MONTH + timedelta(days=rng.randrange(1, 29)),
                    base_pay=person.base_pay + 500,
                )
            )
    for pod in pods:
        if rng.random() < 0.1:
            baselines.append(Baseline(pod=pod, effective_from=None, value=pod.baseline_headcount))
            baselines.append(
                Baseline(pod=pod, effective_from=MONTH + timedelta(days=15), value=Decimal(14))
            )
    for pod in pods:
        for week in range(4):
            day = MONTH + timedelta(days=7 * week + 2)
            observations.append(
                Observation(
                    metric=activation,
                    pod=pod,
                    date=day,
                    value=Decimal(rng.randrange(25, 55)),
                    external_id=f"a{pod.pk}{week}",
                )
            )
            observations.append(
                Observation(
                    metric=revenue,
                    pod=pod,
                    date=day,
                    value=Decimal(rng.randrange(8000, 16000)),
                    external_id=f"r{pod.pk}{week}",
                )
            )
        if rng.random() < 0.3:
            targets.append(
                MetricTarget(
                    metric=activation,
                    pod=pod,
                    month=MONTH,
                    threshold=Decimal(25),
                    target=Decimal(35),
                    stretch=Decimal(45),
                )
            )
    PodMembership.objects.bulk_create(memberships, batch_size=5000)
    PayRate.objects.bulk_create(rates, batch_size=5000)
    Baseline.objects.bulk_create(baselines, batch_size=5000)
    Observation.objects.bulk_create(observations, batch_size=5000)
    MetricTarget.objects.bulk_create(targets, batch_size=5000)
    return unit, len(memberships), n_pods, len(observations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pod-size", type=int, default=4)
    args = parser.parse_args()

    old = setup_databases(verbosity=0, interactive=False)
    try:
        from incentives.bonuses import services
        from incentives.models import Payout, PodResult

        small, *_ = build(200, args.pod_size, random.Random(3), slug="small")
        with CaptureQueriesContext(connection) as ctx:
            services.period_compute(user=None, org_unit=small, month=MONTH)
        small_queries = len(ctx.captured_queries)
        t0 = time.perf_counter()
        unit, members, pods, observations = build(args.people, args.pod_size, random.Random(7))
        built = time.perf_counter() - t0
        print(
            f"database: {connection.vendor}; built {members} membership stints in {pods} pods, "
            f"{observations} observations in {built:.1f}s"
        )
        print(f"period_compute on a 200-person unit: {small_queries} SQL queries")
        for label in ("compute", "recompute"):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                period = services.period_compute(user=None, org_unit=unit, month=MONTH)
                elapsed = time.perf_counter() - t
            print(
                f"period_compute ({label}): {elapsed:.2f}s, {len(ctx.captured_queries)} SQL queries"
            )
        print(
            f"stored: {PodResult.objects.filter(period=period).count()} pod results, "
            f"{Payout.objects.filter(period=period).count()} payouts; "
            f"total pool {period.totals['pool']} {period.totals['currency']}"
        )
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
