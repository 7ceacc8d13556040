"""REST API: periods (list, detail, compute, approve), a period's payouts, my statements."""

import pytest

from incentives.bonuses import services
from teams.models import PodMembership
from tests.conftest import count_queries, login, make_person
from tests.incentives.bonus_factories import MONTH, bonus_world, grow_unit

pytestmark = pytest.mark.django_db


def test_it_computes_and_approves_through_the_api(client, personas):
    bonus_world(personas)
    login(client, personas.org_lead)
    response = client.post(
        "/api/periods/compute/",
        {"org_unit": personas.unit_a.pk, "month": "2026-09"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        body["status"] == "computed"
        and body["month"] == "2026-09"
        and body["totals"]["pool"] == "7500.00"
    )
    pk = body["id"]
    assert client.get("/api/periods/").json()["results"][0]["id"] == pk
    assert client.get(f"/api/periods/{pk}/").json()["currency"] == "EUR"
    assert client.post(f"/api/periods/{pk}/approve/").json()["status"] == "approved"
    again = client.post(f"/api/periods/{pk}/approve/")
    assert again.status_code == 409 and "already approved" in again.json()["detail"][0]
    recompute = client.post(
        "/api/periods/compute/",
        {"org_unit": personas.unit_a.pk, "month": "2026-09"},
        content_type="application/json",
    )
    assert recompute.status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"org_unit": 1, "month": "2026-13"}, "month"),
        ({"org_unit": 1, "month": "September"}, "month"),
        ({"month": "2026-09"}, "org_unit"),
    ],
)
def test_it_refuses_a_bad_compute_request(client, personas, payload, field):
    login(client, personas.org_lead)
    response = client.post("/api/periods/compute/", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_it_answers_404_for_another_units_period_and_403_for_members(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_b, month=MONTH)
    login(client, personas.org_lead)
    assert client.get(f"/api/periods/{period.pk}/").status_code == 404
    assert client.get(f"/api/periods/{period.pk}/payouts/").status_code == 404
    assert client.post(f"/api/periods/{period.pk}/approve/").status_code == 404
    assert (
        client.post(
            "/api/periods/compute/",
            {"org_unit": personas.unit_b.pk, "month": "2026-09"},
            content_type="application/json",
        ).status_code
        == 404
    )
    login(client, personas.member)
    assert client.get("/api/periods/").status_code == 403
    assert client.get(f"/api/periods/{period.pk}/payouts/").status_code == 403


def test_it_lists_payouts_with_breakdowns_but_hides_base_pay_from_other_units_leads(
    client, personas
):
    bonus_world(personas)
    borrowed = make_person(personas.unit_a, "Bea Borrowed", pay="9100")
    PodMembership.objects.create(pod=personas.pod_b, person=borrowed, start=MONTH)
    period = services.period_compute(user=None, org_unit=personas.unit_b, month=MONTH)
    login(client, personas.other_lead)
    rows = {
        r["person_name"]: r
        for r in client.get(f"/api/periods/{period.pk}/payouts/").json()["results"]
    }
    assert rows["Xena Outsider"]["breakdown"]["base_pay"] == "7500"
    assert "base_pay" not in rows["Bea Borrowed"]["breakdown"]
    assert rows["Bea Borrowed"]["breakdown"]["pool"] == rows["Xena Outsider"]["breakdown"]["pool"]


def test_it_lists_payouts_in_constant_queries(client, personas, django_assert_num_queries):
    world = bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    url = f"/api/periods/{period.pk}/payouts/"
    n = count_queries(lambda: client.get(url))
    grow_unit(
        personas.unit_a, 10, person_factory=make_person, metrics=world["metrics_a"], tag="api"
    )
    services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    with django_assert_num_queries(n):
        assert client.get(url).json()["count"] == 22


def test_it_gives_members_only_their_own_approved_statements(client, personas):
    bonus_world(personas)
    a = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.member)
    assert client.get("/api/me/statements/").json()["results"] == []
    services.period_approve(user=personas.org_lead, period=a)
    services.period_approve(
        user=personas.other_lead,
        period=services.period_compute(user=None, org_unit=personas.unit_b, month=MONTH),
    )
    rows = client.get("/api/me/statements/").json()["results"]
    assert [(r["person_name"], r["amount"], r["month"]) for r in rows] == [
        ("Mo Member", "3750.00", "2026-09-01")
    ]
    assert rows[0]["breakdown"]["base_pay"] == "7000"


def test_it_documents_the_endpoints(client, personas):
    login(client, personas.org_lead)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/periods/",
        "/api/periods/compute/",
        "/api/periods/{id}/approve/",
        "/api/periods/{id}/payouts/",
        "/api/me/statements/",
    ):
        assert path in schema, path
