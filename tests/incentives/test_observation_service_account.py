"""Observations sent with a service account's token: system-of-record values, for its pods
only, counted on the account (last used, rows sent)."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from incentives.models import Observation
from teams.integrations import services
from teams.models import Pod, PodMembership, ServiceAccount
from tests.incentives.metric_factories import make_metric

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(personas):
    """Olga's integration for Onboarding; Olga is herself paid from Onboarding this month, so
    a value she typed would wait for confirmation."""
    make_metric(personas.unit_a, "activation")
    make_metric(personas.unit_b, "activation")
    PodMembership.objects.create(
        pod=personas.pod_a, person=personas.org_lead.person, start=date(2026, 1, 1), allocation=0
    )
    account, key = services.service_account_create(
        user=personas.org_lead, name="Analytics feed", pod_ids=[personas.pod_a.pk]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return account, client


def _row(pod, key, value="41.5", day="2026-11-10"):
    return {"pod": pod.pk, "metric": "activation", "date": day, "value": value, "external_id": key}


def test_its_values_are_system_of_record_values(personas, feed):
    account, client = feed
    r = client.post("/api/observations/", _row(personas.pod_a, "a-1"), format="json")
    assert r.status_code == 201, r.json()
    obs = Observation.objects.get(external_id="a-1")
    assert obs.flag == Observation.Flag.NONE and obs.source == "api"
    assert obs.recorded_by == personas.org_lead
    # The same lead typing it herself: self-reported, awaiting another lead.
    session = APIClient()
    session.force_authenticate(personas.org_lead)
    r = session.post("/api/observations/", _row(personas.pod_a, "a-2"), format="json")
    assert r.status_code == 201
    assert Observation.objects.get(external_id="a-2").flag == Observation.Flag.SELF_REPORTED


def test_it_counts_rows_sent_and_the_last_use(personas, feed):
    account, client = feed
    rows = [_row(personas.pod_a, f"b-{i}", value=str(40 + i)) for i in range(3)]
    r = client.post("/api/observations/bulk/", {"observations": rows}, format="json")
    assert r.status_code == 200 and r.json()["created"] == 3
    client.post("/api/observations/", _row(personas.pod_a, "b-0", value="41"), format="json")
    account.refresh_from_db()
    assert account.rows_sent == 4 and account.last_used_at is not None


def test_it_writes_for_its_own_pods_only(personas, feed):
    account, client = feed
    other = Pod.objects.create(name="Retention", org_unit=personas.unit_a)  # Olga's, not the feed's
    for pod in (other, personas.pod_b):
        r = client.post("/api/observations/", _row(pod, f"c-{pod.pk}"), format="json")
        # As for a pod that does not exist: nothing says it is there.
        assert r.status_code == 400
        assert r.json()["errors"] == [
            f"Row 1: pod {pod.pk} does not exist or you may not record observations for it"
        ]
    rows = [_row(personas.pod_a, "d-1"), _row(other, "d-2")]
    r = client.post("/api/observations/bulk/", {"observations": rows}, format="json")
    assert r.status_code == 400 and "Row 2: pod" in r.json()["errors"][0]
    assert not Observation.objects.exists()
    account.refresh_from_db()
    assert account.rows_sent == 0


def test_it_reads_the_observations_and_metrics_of_its_pods_only(personas, feed):
    account, client = feed
    other = Pod.objects.create(name="Retention", org_unit=personas.unit_a)
    session = APIClient()
    session.force_authenticate(personas.org_lead)
    for pod, key in ((personas.pod_a, "e-1"), (other, "e-2")):
        assert session.post("/api/observations/", _row(pod, key), format="json").status_code == 201
    listed = client.get("/api/observations/").json()["results"]
    assert [o["external_id"] for o in listed] == ["e-1"]
    assert [m["org_unit"] for m in client.get("/api/metrics/").json()["results"]] == ["growth"]


def test_a_revoked_account_sends_nothing(personas, feed):
    account, client = feed
    services.service_account_revoke(user=personas.org_lead, account=account)
    r = client.post("/api/observations/", _row(personas.pod_a, "f-1"), format="json")
    assert r.status_code in (401, 403)
    assert not Observation.objects.exists()
    assert ServiceAccount.objects.get().rows_sent == 0
