"""Demo outcome metrics: definitions per unit, 12 months of targets and observations per pod.

Bulk inserts only, so ``seed_demo --people 10000`` (2,000 pods) stays fast. A few pods get a
suspicious month-end spike, flagged by the same rule as real data (``incentives.anomalies``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from incentives.metrics import anomalies
from incentives.metrics.services import add_months, month_end, month_start
from incentives.models import Metric, MetricTarget, Observation
from teams import clock
from teams.models import OrgUnit, Pod

DEMO_METRICS = [
    # key, name, unit, kind, direction, aggregation, empty_value, description
    (
        "activation",
        "Activation rate",
        "%",
        "outcome",
        "higher",
        "last",
        None,
        "Share of new workspaces reaching their first report in week one.",
    ),
    ("revenue", "Revenue", "EUR", "outcome", "higher", "sum", None, "Money customers paid."),
    (
        "nps",
        "NPS",
        "score",
        "outcome",
        "higher",
        "mean",
        None,
        "Net promoter score, in-product survey.",
    ),
    (
        "incidents",
        "Customer-facing incidents",
        "incidents",
        "outcome",
        "lower",
        "sum",
        Decimal("0"),
        "Outages or bugs customers felt. No observation in a month means none.",
    ),
    (
        "pr-count",
        "Pull requests merged",
        "PRs",
        "process",
        "higher",
        "sum",
        None,
        "Diagnosis only: flow of work. Never paid on.",
    ),
]
MONTHS = 12


def _d(x: float, places: int = 2) -> Decimal:
    return Decimal(f"{x:.{places}f}")


def _insert(model, names: list[str], rows: Sequence[Sequence]) -> None:
    """Bulk rows without model instances: a quarter of a million observations through the ORM
    take most of a minute. PostgreSQL gets COPY; SQLite (in-process) a plain executemany."""
    fields = [model._meta.get_field(n) for n in names]
    ops = connection.ops
    adapt = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateField":
            adapt.append(ops.adapt_datefield_value)
        elif kind == "DateTimeField":
            adapt.append(ops.adapt_datetimefield_value)
        elif kind == "DecimalField":
            adapt.append(
                lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
            )
        else:
            adapt.append(lambda v: v)
    qn = ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    head = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES "
    one = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for i in range(0, len(rows), 5000):
            chunk = [[a(v) for a, v in zip(adapt, row, strict=True)] for row in rows[i : i + 5000]]
            cursor.executemany(head + one, chunk)


def demo_reset_metrics(*, unit_ids: Iterable[int]) -> None:
    """Delete the demo units' observations, targets and metric definitions.

    Delete the demo plans first (``incentives.demo.plans.demo_reset_plans``): a plan component
    protects the metric it pays on.
    """
    unit_ids = list(unit_ids)
    Observation.objects.filter(pod__org_unit_id__in=unit_ids).delete()
    MetricTarget.objects.filter(pod__org_unit_id__in=unit_ids).delete()
    Metric.objects.filter(org_unit_id__in=unit_ids).delete()


def demo_seed_metrics(
    *, units: Sequence[OrgUnit], pods: Sequence[Pod], rng: random.Random, today: date | None = None
) -> dict[str, int]:
    """Metric definitions per unit; per pod 12 months of targets and observations (weekly
    activation and revenue, monthly NPS and PR count, incidents when they happen)."""
    today = today or clock.today()
    metric_rows = [
        Metric(
            org_unit=unit,
            key=key,
            name=name,
            unit=u,
            kind=kind,
            direction=direction,
            aggregation=agg,
            empty_value=empty,
            description=desc,
        )
        for unit in units
        for key, name, u, kind, direction, agg, empty, desc in DEMO_METRICS
    ]
    Metric.objects.bulk_create(metric_rows)
    by_unit = {
        (m.org_unit_id, m.key): m.pk
        for m in Metric.objects.filter(org_unit__in=units).only("id", "org_unit_id", "key")
    }
    first_month = add_months(month_start(today), 1 - MONTHS)
    months = [add_months(first_month, i) for i in range(MONTHS)]
    start = first_month
    weeks = [start + timedelta(days=7 * i) for i in range((today - start).days // 7 + 1)]
    weeks = [w for w in weeks if w <= today]
    spike_month_end = month_end(add_months(month_start(today), -1))

    targets: list[MetricTarget] = []
    observations: list[Observation] = []
    flagged = 0
    for pod in pods:
        ids = {key: by_unit[(pod.org_unit_id, key)] for key, *_ in DEMO_METRICS}
        act = rng.uniform(28, 48)
        act_trend = rng.uniform(-0.05, 0.25)
        rev = rng.uniform(4000, 20000)
        rev_trend = rng.uniform(-0.002, 0.012)
        nps = rng.uniform(15, 55)
        incident_rate = rng.uniform(0.2, 1.6)

        def obs(key: str, day: date, value: Decimal, n: int = 0, ids=ids, pod=pod) -> list:
            return [ids[key], pod.pk, day, value, f"demo:{key}:{day:%Y-%m-%d}:{n}", "", ""]

        series: list[tuple[date, Decimal]] = []
        for i, day in enumerate(weeks):
            value = _d(min(95.0, act + act_trend * i + rng.gauss(0, 1.2)))
            series.append((day, value))
            observations.append(obs("activation", day, value))
            observations.append(
                obs("revenue", day, _d(rev * (1 + rev_trend) ** i * rng.uniform(0.85, 1.15), 0))
            )
        if rng.random() < 0.05 and len(series) > anomalies.MIN_HISTORY:
            # A suspicious last-day bump, flagged by the real rule.
            history = [(d, v) for d, v in series if d < spike_month_end]
            value = _d(float(history[-1][1]) + rng.uniform(18, 30))
            reason = anomalies.assess(spike_month_end, value, history)
            spike = obs("activation", spike_month_end, value, 1)
            if reason:
                spike[5:7] = [Observation.Flag.FLAGGED, reason[:300]]
                flagged += 1
            observations.append(spike)
        for k, month in enumerate(months):
            mid = month + timedelta(days=14)
            if mid <= today:
                observations.append(obs("nps", mid, _d(nps + rng.gauss(0, 4), 1)))
                observations.append(obs("pr-count", mid, Decimal(rng.randint(12, 60))))
            for n in range(
                rng.choices([0, 1, 2, 3], weights=[3, incident_rate * 2, incident_rate, 0.3])[0]
            ):
                day = month + timedelta(days=rng.randrange(0, 28))
                if day <= today:
                    observations.append(obs("incidents", day, Decimal(1), n))
            expected_act = act + act_trend * (4.3 * (k + 1))
            monthly_rev = rev * (1 + rev_trend) ** (4.3 * k + 2) * 4.3
            for key, t0, t1, t2 in (
                ("activation", expected_act - 4, expected_act + 1, expected_act + 6),
                ("revenue", monthly_rev * 0.85, monthly_rev * 1.0, monthly_rev * 1.2),
                ("nps", nps - 8, nps + 2, nps + 10),
                ("incidents", 3, 1, 0),
            ):
                places = 0 if key == "revenue" else 1
                targets.append(
                    (ids[key], pod.pk, month, _d(t0, places), _d(t1, places), _d(t2, places))
                )
    _insert(MetricTarget, ["metric", "pod", "month", "threshold", "target", "stretch"], targets)
    now = timezone.now()
    _insert(
        Observation,
        [
            "metric",
            "pod",
            "date",
            "value",
            "external_id",
            "flag",
            "flag_reason",
            "source",
            "evidence_url",
            "created_at",
            "updated_at",
        ],
        [(*row, Observation.Source.API, "", now, now) for row in observations],
    )
    return {
        "metrics": len(metric_rows),
        "targets": len(targets),
        "observations": len(observations),
        "flagged": flagged,
    }
