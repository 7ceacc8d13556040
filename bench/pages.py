"""Server time of the issue-8 pages on a big seeded org, next to a trivial Django view's.

    python bench/pages.py [--people 10000] [--runs 15] [--db bench/pages.sqlite3] [--reseed]

Seeds the demo org (``seed_demo --people N``: metrics, plans and the last months computed) into
a SQLite file — or uses PostgreSQL when DATABASE_URL is set — once; fills in computed months
until there are 12 of history (``period_compute`` + ``period_approve``). Then, with the test
client in one process, it requests each page ``--runs`` times and prints the median and the
slowest time, the number of SQL queries and the ratio to the trivial view (``/healthz``, one
``SELECT 1``) measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.getenv("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(db)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False


def _seed(people: int, reseed: bool) -> None:
    from django.core.management import call_command

    from teams.models import Person

    call_command("migrate", verbosity=0)
    if reseed or Person.objects.count() < people:
        started = time.perf_counter()
        call_command("seed_demo", people=people, verbosity=0)
        print(f"seeded {people} people in {time.perf_counter() - started:.0f}s", flush=True)
    _history(months=12)


def _history(months: int) -> None:
    """Compute (and approve) the months the demo left out, so the trend has 12 months."""
    from datetime import date

    from django.contrib.auth.models import User

    from incentives.bonuses import services
    from incentives.metrics.services import add_months
    from incentives.models import IncentivePeriod, IncentivePlan

    this_month = date.today().replace(day=1)
    approver = User.objects.filter(username="orglead").first()
    for plan_unit in IncentivePlan.objects.values_list("org_unit", flat=True).distinct():
        unit = IncentivePlan.objects.filter(org_unit_id=plan_unit).first().org_unit
        for back in range(months, 0, -1):
            month = add_months(this_month, -back)
            if IncentivePeriod.objects.filter(org_unit=unit, month=month).exists():
                continue
            if not IncentivePlan.objects.filter(org_unit=unit, effective_from__lte=month).exists():
                continue
            period = services.period_compute(user=None, org_unit=unit, month=month)
            if back > 1 and approver is not None:
                services.period_approve(user=approver, period=period)


def _pages() -> list[tuple[str, str, str]]:
    """(label, login, url) of every page measured."""
    from django.contrib.auth.models import User
    from django.db.models import Count

    from incentives.models import IncentivePeriod, Payout
    from incentives.reports.views import report_url
    from teams.models import PodMembership

    member = User.objects.get(username="member").person
    pod_id = (
        PodMembership.objects.current()
        .filter(person=member)
        .values_list("pod_id", flat=True)
        .first()
    )
    period = (
        IncentivePeriod.objects.filter(status__in=["approved", "locked"])
        .order_by("-month", "org_unit__name")
        .first()
    )
    biggest = (
        Payout.objects.filter(period__month=period.month)
        .values("period_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    period = IncentivePeriod.objects.get(pk=biggest["period_id"])
    root = period.org_unit.parent_id or period.org_unit_id
    return [
        ("trivial view (/healthz)", "member", "/healthz"),
        ("dashboard, whole org (recomputed)", "orglead", "/"),
        ("dashboard, whole org", "orglead", "/"),
        ("dashboard, one unit", "orglead", f"/?unit={period.org_unit_id}"),
        ("dashboard, root unit", "orglead", f"/?unit={root}"),
        ("pod page (member)", "member", f"/pods/{pod_id}/"),
        ("pod page (Org Lead)", "orglead", f"/pods/{pod_id}/"),
        ("monthly report", "orglead", report_url(period)),
        ("monthly report, people page 20", "orglead", report_url(period) + "?people_page=20"),
        ("payroll CSV (streamed, whole)", "orglead", report_url(period) + "payroll.csv"),
        ("reports list", "orglead", "/reports/"),
    ]


def _measure(runs: int) -> None:
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.signals import request_finished
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from incentives.models import Payout, PodResult
    from teams.models import Person, Pod

    # Keep one connection for the run (as the test runner does), so queries can be counted.
    request_finished.disconnect(close_old_connections)
    clients: dict[str, Client] = {}
    for name in ("member", "orglead"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    print(
        f"org: {Person.objects.count()} people, {Pod.objects.count()} pods, "
        f"{PodResult.objects.count()} pod results, {Payout.objects.count()} payouts; "
        f"database {connection.vendor}; {runs} runs per page"
    )
    rows = []
    for label, who, url in _pages():
        client = clients[who]

        fresh = label.endswith("(recomputed)")

        def get(client=client, url=url, fresh=fresh):
            if fresh:  # the projection is cached for 5 minutes; time a view that computes it
                cache.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if getattr(response, "streaming", False):
                size = sum(len(chunk) for chunk in response.streaming_content)
            else:
                size = len(response.content)
            return size

        get()  # warm up (template loading, first queries)
        reset_queries()  # the log is capped (9,000 entries); seeding may have filled it
        with CaptureQueriesContext(connection) as ctx:
            size = get()
        n_queries = len(ctx.captured_queries)  # read now: the list is a view of the log
        times = []
        for _ in range(runs):
            reset_queries()
            started = time.perf_counter()
            get()
            times.append(time.perf_counter() - started)
        rows.append((label, statistics.median(times), max(times), n_queries, size))
    base = rows[0][1]
    print(
        f"{'page':34} {'median ms':>10} {'max ms':>8} {'× trivial':>10} {'queries':>8} {'KiB':>7}"
    )
    for label, median, slowest, queries, size in rows:
        print(
            f"{label:34} {median * 1000:10.1f} {slowest * 1000:8.1f} {median / base:10.1f} "
            f"{queries:8d} "
            f"{size / 1024:7.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "pages.sqlite3")
    parser.add_argument(
        "--reseed", action="store_true", help="seed again even if the file has the people"
    )
    args = parser.parse_args()
    _setup(args.db.resolve())
    _seed(args.people, args.reseed)
    _measure(args.runs)


if __name__ == "__main__":
    main()
