"""Bench: POST 10,000 waits to /api/waits/bulk/ in one request; print the time and the queries.

    .venv/bin/python bench/waits_bulk.py [--rows 10000] [--pods 50]
    DATABASE_URL=postgres://…/db .venv/bin/python bench/waits_bulk.py   # on PostgreSQL

Runs in a throw-away test database (in memory on SQLite): an Org Lead's token sends the rows
for the pods of their unit, first as new waits, then the same keys again (every row an
update), then 10 rows, to show that the query count does not grow with the rows. The whole
request is timed, from the JSON body through the checks to the one upsert statement.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_RATE_TOKEN", "100000/min")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

NODES = ["Security review", "Platform code review", "Legal", "Data access", "Design review"]


def rows(pods: list[int], n: int, tag: str) -> list[dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for i in range(n):
        requested = now - timedelta(days=30, minutes=7 * i)
        out.append(
            {
                "pod": pods[i % len(pods)],
                "node": NODES[i % len(NODES)],
                "kind": "review",
                "requested_at": requested.isoformat(),
                "resolved_at": None
                if i % 9 == 0
                else (requested + timedelta(hours=3 + i % 70)).isoformat(),
                "url": f"https://git.example.com/acme/app/pull/{i}",
                "external_id": f"{tag}-{i}",
            }
        )
    return out


def send(client, body) -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.post("/api/waits/bulk/", body, format="json")
        seconds = time.perf_counter() - t0
    assert response.status_code == 200, response.content[:500]
    return seconds, len(ctx.captured_queries), response.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--pods", type=int, default=50)
    args = parser.parse_args()

    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.contrib.auth.models import User
        from rest_framework.authtoken.models import Token
        from rest_framework.test import APIClient

        from teams.models import OrgUnit, Person, Pod, Wait

        unit = OrgUnit.objects.create(name="Bench", slug="bench")
        user = User.objects.create_user("bench-lead")
        lead = Person.objects.create(
            user=user, name="Bench Lead", email="b@example.com", org_unit=unit
        )
        unit.leads.add(lead)
        pods = [Pod.objects.create(name=f"Pod {i}", org_unit=unit).pk for i in range(args.pods)]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

        body = {"waits": rows(pods, args.rows, "w")}
        size = len(__import__("json").dumps(body))
        created = send(client, body)
        updated = send(client, body)
        small = send(client, {"waits": rows(pods, 10, "s")})
        print(
            f"{connection.vendor}: {args.rows:,} waits for {args.pods} pods, body {size / 1e6:.1f} MB"
        )
        for label, (seconds, queries, answer) in (
            ("created", created),
            ("updated (same keys)", updated),
            ("10 rows", small),
        ):
            print(f"  {label:<20} {seconds:6.2f} s  {queries:3d} queries  {answer}")
        print(f"  rows stored: {Wait.objects.count():,}")
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
