"""Observations API: token auth, single and bulk upsert, rights per pod, list filters, schema."""

import math
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incentives.models import Observation
from teams.models import Pod
from tests.conftest import count_queries
from tests.incentives.metric_factories import make_history, make_metric

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def metric(personas):
    make_metric(personas.unit_b, "activation")
    return make_metric(personas.unit_a, "activation")


def _rows(pod, n, start=date(2025, 1, 1), prefix="r"):
    return [
        {
            "pod": pod.pk,
            "metric": "activation",
            "date": (start + timedelta(days=i % 600)).isoformat(),
            "value": f"{40 + i % 7}.5",
            "external_id": f"{prefix}-{i}",
        }
        for i in range(n)
    ]


def test_it_needs_a_token(personas, metric):
    assert APIClient().post("/api/observations/", {}, format="json").status_code in (401, 403)
    assert APIClient().get("/api/observations/").status_code in (401, 403)


def test_it_creates_then_updates_one_observation_by_key(personas, metric):
    client = _client(personas.pod_lead)
    body = {
        "pod": personas.pod_a.pk,
        "metric": "activation",
        "date": "2026-04-14",
        "value": "41.5",
        "external_id": "crm-7",
        "evidence_url": "https://crm.example.com/7",
    }
    r = client.post("/api/observations/", body, format="json")
    assert r.status_code == 201
    assert (r.json()["value"], r.json()["source"], r.json()["flag"]) == ("41.500000", "api", "")
    r = client.post("/api/observations/", {**body, "value": "42"}, format="json")
    assert r.status_code == 200 and r.json()["value"] == "42.000000"
    assert Observation.objects.get().value == Decimal("42")


def test_it_reports_bad_fields_by_row(personas, metric):
    r = _client(personas.pod_lead).post(
        "/api/observations/",
        {"pod": personas.pod_a.pk, "metric": "nope", "date": "14/04/2026", "value": 1.5},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [
        f"Row 1: unknown metric 'nope' for pod {personas.pod_a.name}",
        "Row 1: date '14/04/2026' is not a date in the form YYYY-MM-DD",
        'Row 1: value 1.5 is a float; send numbers as decimal strings such as "1.5"',
    ]


def test_a_token_of_pod_a_cannot_write_to_pod_b(personas, metric):
    client = _client(personas.pod_lead)
    r = client.post(
        "/api/observations/",
        {"pod": personas.pod_b.pk, "metric": "activation", "date": "2026-04-14", "value": "1"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"] == [
        f"Row 1: pod {personas.pod_b.pk} does not exist or you may not record observations for it"
    ]
    rows = _rows(personas.pod_a, 3) + _rows(personas.pod_b, 1, prefix="b")
    r = client.post("/api/observations/bulk/", {"observations": rows}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0].startswith(
        f"Row 4: pod {personas.pod_b.pk}"
    )
    assert not Observation.objects.exists()  # all or nothing


def test_a_member_and_another_units_lead_cannot_write(personas, metric):
    body = {"pod": personas.pod_a.pk, "metric": "activation", "date": "2026-04-14", "value": "1"}
    assert (
        _client(personas.member).post("/api/observations/", body, format="json").status_code == 400
    )
    assert (
        _client(personas.other_lead).post("/api/observations/", body, format="json").status_code
        == 400
    )
    assert (
        _client(personas.org_lead).post("/api/observations/", body, format="json").status_code
        == 201
    )


def test_it_upserts_ten_thousand_observations_with_constant_queries(personas, metric):
    client = _client(personas.pod_lead)

    def post(rows):
        with CaptureQueriesContext(connection) as ctx:
            r = client.post("/api/observations/bulk/", {"observations": rows}, format="json")
        assert r.status_code == 200, r.content[:500]
        inserts = [
            q
            for q in ctx.captured_queries
            if q["sql"].startswith('INSERT INTO "incentives_observation"')
        ]
        return r.json(), len(ctx.captured_queries) - len(inserts), len(inserts)

    small, other_small, _ = post(_rows(personas.pod_a, 10, prefix="s"))
    started = time.monotonic()
    big, other_big, inserts = post(_rows(personas.pod_a, 10_000))
    elapsed = time.monotonic() - started
    assert big["count"] == 10_000 and big["created"] == 10_000
    assert other_big == other_small  # reads and checks do not grow with the rows
    # One INSERT … ON CONFLICT on PostgreSQL; Django caps an SQLite statement at 999 variables
    # (12 columns a row → batches of 83).
    assert inserts == (1 if connection.vendor == "postgresql" else math.ceil(10_000 / (999 // 12)))
    # A few seconds on a quiet machine; the bound leaves room for a loaded CI runner.
    assert elapsed < 20, f"10,000 observations took {elapsed:.1f}s"
    again, _, _ = post(_rows(personas.pod_a, 10_000))  # re-sent: updated, not duplicated
    assert (again["created"], again["updated"]) == (0, 10_000)
    assert Observation.objects.count() == 10_010


def test_it_refuses_more_than_ten_thousand(personas, metric):
    r = _client(personas.pod_lead).post(
        "/api/observations/bulk/", {"observations": _rows(personas.pod_a, 10_001)}, format="json"
    )
    assert r.status_code == 400 and "At most 10,000" in r.json()["errors"][0]


def test_it_refuses_a_malformed_bulk_body(personas, metric):
    client = _client(personas.pod_lead)
    assert client.post("/api/observations/bulk/", {"rows": []}, format="json").status_code == 400
    r = client.post(
        "/api/observations/bulk/", {"observations": [1, _rows(personas.pod_a, 1)[0]]}, format="json"
    )
    assert r.status_code == 400 and "Row 1: not a JSON object" in r.json()["errors"]


def test_it_lists_with_filters_and_constant_queries(personas, metric, django_assert_num_queries):
    make_history(metric, personas.pod_a, date(2026, 1, 5), [40, 41, 42])
    other = make_metric(personas.unit_b, "revenue")
    make_history(other, personas.pod_b, date(2026, 1, 5), [1, 2])
    client = _client(personas.pod_lead)
    data = client.get("/api/observations/").json()
    assert data["count"] == 3 and {o["pod"] for o in data["results"]} == {personas.pod_a.pk}
    assert (
        client.get("/api/observations/?date_from=2026-01-10&metric=activation").json()["count"] == 2
    )
    assert client.get("/api/observations/?flag=flagged").json()["count"] == 0
    assert client.get("/api/observations/?date_from=yesterday").status_code == 400
    n = count_queries(lambda: client.get("/api/observations/"))
    make_history(metric, personas.pod_a, date(2025, 1, 5), range(40, 80), prefix="more")
    with django_assert_num_queries(n):
        client.get("/api/observations/")


def test_it_lists_metrics_with_pay_eligibility(personas, metric):
    make_metric(personas.unit_a, "hours", kind="process")
    data = _client(personas.pod_lead).get("/api/metrics/").json()
    assert {(m["key"], m["pay_eligible"]) for m in data["results"]} == {
        ("activation", True),
        ("hours", False),
    }


def test_it_documents_the_endpoints_in_the_schema(client, personas):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/observations/:", "/api/observations/bulk/:", "/api/metrics/:"):
        assert path in schema
    assert "ObservationBulkInput" in schema and "external_id" in schema


def test_a_pod_you_may_not_write_to_gets_the_answer_of_a_pod_that_does_not_exist(personas, metric):
    """No existence oracle: a real pod of another unit and an id no pod has are refused alike."""
    client = _client(personas.pod_lead)
    missing = Pod.objects.order_by("-pk").first().pk + 1000

    def answer(url, pod_id, body):
        r = client.post(url, body, format="json")
        text = r.content.decode().replace(str(pod_id), "<pod>")
        return r.status_code, r["Content-Type"], text

    def single(pod_id):
        return {"pod": pod_id, "metric": "activation", "date": "2026-04-14", "value": "1"}

    theirs = answer("/api/observations/", personas.pod_b.pk, single(personas.pod_b.pk))
    nobodys = answer("/api/observations/", missing, single(missing))
    assert theirs == nobodys
    assert theirs[0] == 400 and "pod <pod> does not exist or you may not" in theirs[2]

    def bulk(pod_id):
        return {"observations": [{**single(pod_id), "external_id": "k1"}]}

    theirs = answer("/api/observations/bulk/", personas.pod_b.pk, bulk(personas.pod_b.pk))
    nobodys = answer("/api/observations/bulk/", missing, bulk(missing))
    assert theirs == nobodys and theirs[0] == 400
    assert not Observation.objects.exists()
