"""/api/waits/ (list, create) and /api/waits/bulk/ (all-or-nothing upsert by external_id)."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from teams.models import Pod, Wait
from tests.conftest import count_queries

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0)


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def row(pod, n: int = 0, **extra) -> dict:
    requested = NOW - timedelta(days=10, hours=n)
    return {
        "pod": pod.pk,
        "node": "Security review",
        "kind": "review",
        "requested_at": iso(requested),
        "resolved_at": iso(requested + timedelta(hours=30)),
        "external_id": f"pr-{n}",
        **extra,
    }


def test_it_records_one_wait_and_updates_it_when_sent_again(personas):
    client = api(personas.member)
    r = client.post(
        "/api/waits/", row(personas.pod_a, url="https://git.example.com/pr/1"), format="json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["node"], body["kind"], body["source"], body["hours"]) == (
        "Security review",
        "review",
        "api",
        30.0,
    )
    again = client.post("/api/waits/", row(personas.pod_a, resolved_at=None), format="json")
    assert again.status_code == 200
    assert again.json()["resolved_at"] is None
    assert Wait.objects.count() == 1


def test_it_lists_only_the_waits_the_caller_may_see(personas):
    api(personas.member).post("/api/waits/", row(personas.pod_a), format="json")
    api(personas.outsider).post("/api/waits/", row(personas.pod_b), format="json")
    mine = api(personas.member).get("/api/waits/").json()
    assert [w["pod"] for w in mine["results"]] == [personas.pod_a.pk]
    lead = api(personas.other_lead).get("/api/waits/").json()
    assert [w["pod"] for w in lead["results"]] == [personas.pod_b.pk]


def test_it_filters_the_list_and_names_a_bad_filter(personas):
    client = api(personas.pod_lead)
    client.post(
        "/api/waits/bulk/",
        {"waits": [row(personas.pod_a, 0), row(personas.pod_a, 1, node="Legal", resolved_at=None)]},
        format="json",
    )
    open_only = client.get("/api/waits/?open=true").json()["results"]
    assert [w["node"] for w in open_only] == ["Legal"]
    assert client.get("/api/waits/?node=Legal&kind=review").json()["count"] == 1
    bad = client.get("/api/waits/?open=maybe&since=2026-13-01&colour=red")
    assert bad.status_code == 400
    errors = " ".join(bad.json()["errors"])
    assert "open: 'maybe' must be true or false" in errors
    assert "since:" in errors and "colour" in errors


def test_it_refuses_a_wait_for_a_pod_the_caller_is_not_in(personas):
    r = api(personas.outsider).post("/api/waits/", row(personas.pod_a), format="json")
    assert r.status_code == 400
    assert (
        f"pod”: {personas.pod_a.pk} is not a pod you may record waits for" in r.json()["errors"][0]
    )
    assert not Wait.objects.exists()


def test_it_lists_every_problem_of_a_row_by_field(personas):
    bad = {
        "pod": personas.pod_a.pk,
        "node": "  ",
        "kind": "coffee",
        "requested_at": "yesterday",
        "resolved_at": "2026-02-30T10:00",
        "url": "ftp://x",
        "colour": "red",
    }
    r = api(personas.member).post("/api/waits/", bad, format="json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    for expected in (
        "Row 1, field “colour”: unknown field",
        "Row 1, field “node”: is missing",
        "Row 1, field “kind”: 'coffee' is not a kind",
        "Row 1, field “requested_at”: 'yesterday' is not a date-time",
        "Row 1, field “resolved_at”: '2026-02-30T10:00' is not a date-time",
        "Row 1, field “url”: 'ftp://x' is not an http(s) link",
    ):
        assert any(e.startswith(expected) for e in errors), (expected, errors)
    assert not Wait.objects.exists()


def test_it_refuses_times_in_the_future_and_a_resolution_before_the_request(personas):
    later = row(personas.pod_a, requested_at=iso(NOW + timedelta(days=2)), resolved_at=None)
    backwards = row(personas.pod_a, 1, resolved_at=iso(NOW - timedelta(days=20)))
    r = api(personas.member).post("/api/waits/bulk/", {"waits": [later, backwards]}, format="json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert "Row 1, field “requested_at”:" in errors[0] and "is in the future" in errors[0]
    assert "Row 2, field “resolved_at”:" in errors[1] and "is before requested_at" in errors[1]


def test_it_upserts_in_bulk_all_or_nothing_and_idempotently(personas):
    client = api(personas.pod_lead)
    rows = [row(personas.pod_a, n) for n in range(50)]
    first = client.post("/api/waits/bulk/", {"waits": rows}, format="json")
    assert first.json() == {"count": 50, "created": 50, "updated": 0}
    rows[0]["node"] = "Legal"
    second = client.post("/api/waits/bulk/", {"waits": rows}, format="json")
    assert second.json() == {"count": 50, "created": 0, "updated": 50}
    assert Wait.objects.count() == 50
    assert Wait.objects.get(external_id="pr-0").node == "Legal"
    rows.append({**row(personas.pod_a, 99), "kind": "nap"})
    refused = client.post("/api/waits/bulk/", {"waits": rows}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "Row 51, field “kind”: 'nap' is not a kind; use one of review, approval, access, "
        "dependency, other"
    ]
    assert Wait.objects.count() == 50


def test_it_needs_a_key_per_row_in_bulk_and_refuses_duplicates(personas):
    rows = [row(personas.pod_a, 0), row(personas.pod_a, 1), {**row(personas.pod_a, 2)}]
    rows[1]["external_id"] = "pr-0"
    del rows[2]["external_id"]
    r = api(personas.member).post("/api/waits/bulk/", {"waits": rows}, format="json")
    assert r.json()["errors"] == [
        "Row 2, field “external_id”: 'pr-0' is already on row 1 for this pod",
        "Row 3, field “external_id”: is missing: a bulk upsert needs a key per wait",
    ]


def test_it_refuses_a_malformed_or_oversized_bulk_body(personas):
    client = api(personas.member)
    assert client.post("/api/waits/bulk/", {"rows": []}, format="json").status_code == 400
    assert client.post("/api/waits/bulk/", {"waits": []}, format="json").status_code == 400
    mixed = client.post("/api/waits/bulk/", {"waits": [1, row(personas.pod_a)]}, format="json")
    assert mixed.json()["errors"] == ["Row 1: not a JSON object"]
    too_many = client.post(
        "/api/waits/bulk/",
        {"waits": [row(personas.pod_a, n) for n in range(10_001)]},
        format="json",
    )
    assert too_many.status_code == 400
    assert "At most 10,000 waits per request (got 10,001)" in too_many.json()["errors"][0]
    assert not Wait.objects.exists()


def test_it_upserts_with_a_constant_number_of_queries(personas):
    client = api(personas.pod_lead)
    small = [row(personas.pod_a, n) for n in range(5)]
    n_small = count_queries(
        lambda: client.post("/api/waits/bulk/", {"waits": small}, format="json")
    )
    big = [row(personas.pod_a, n, external_id=f"big-{n}") for n in range(2_000)]
    n_big = count_queries(lambda: client.post("/api/waits/bulk/", {"waits": big}, format="json"))
    assert n_big == n_small
    assert Wait.objects.count() == 2_005


def test_it_lists_with_a_constant_number_of_queries(personas, django_assert_num_queries):
    client = api(personas.org_lead)
    client.post("/api/waits/bulk/", {"waits": [row(personas.pod_a, 0)]}, format="json")
    n = count_queries(lambda: client.get("/api/waits/"))
    client.post(
        "/api/waits/bulk/", {"waits": [row(personas.pod_a, i) for i in range(40)]}, format="json"
    )
    with django_assert_num_queries(n):
        assert client.get("/api/waits/").json()["count"] == 40


def test_it_takes_a_service_accounts_waits_for_its_own_pods_only(personas):
    from teams.integrations import services as integrations
    from teams.models import ServiceAccount

    account, key = integrations.service_account_create(
        user=personas.org_lead, name="GitHub reviews", pod_ids=[personas.pod_a.pk]
    )
    second = Pod.objects.create(name="Pricing", org_unit=personas.unit_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = client.post("/api/waits/bulk/", {"waits": [row(personas.pod_a)]}, format="json")
    assert r.json() == {"count": 1, "created": 1, "updated": 0}
    # Olga leads the whole unit, but the account was made for Onboarding only.
    other = client.post("/api/waits/bulk/", {"waits": [row(second)]}, format="json")
    assert other.status_code == 400
    assert "is not a pod you may record waits for" in other.json()["errors"][0]
    api(personas.org_lead).post("/api/waits/", row(second, 5), format="json")
    listed = client.get("/api/waits/").json()["results"]
    assert [w["pod"] for w in listed] == [personas.pod_a.pk]
    assert client.get("/api/friction/").status_code == 403  # the radar is the leads'
    assert ServiceAccount.objects.get(pk=account.pk).rows_sent == 1
