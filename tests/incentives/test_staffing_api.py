"""The API of people, invitations, pay, memberships and pods: the pages' rules, from outside.

Every write: 403 for a member and for a Pod Lead (they lead no unit), 404 for the lead of
another unit (the object in the URL is not theirs), 400 naming the field with nothing saved."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from incentives.bonuses import services
from teams.models import Baseline, CharterChange, Invitation, PayRate, Person, Pod, PodMembership
from tests.conftest import login, make_person
from tests.incentives.bonus_factories import bonus_world

pytestmark = pytest.mark.django_db


def send(client, method, url, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def fill(pod, n):
    for i in range(n):
        PodMembership.objects.create(
            pod=pod, person=make_person(pod.org_unit, f"Fill {pod.pk} {i}"), start=date(2026, 1, 1)
        )


def writes(personas):
    """(method, url, a good body) for every write, on objects of unit A."""
    member = personas.member.person
    m = PodMembership.objects.get(person=member)
    pod = personas.pod_a
    return [
        ("patch", f"/api/people/{member.pk}/", {"name": "Mo Renamed"}),
        ("post", f"/api/people/{member.pk}/invite/", {}),
        ("delete", f"/api/people/{member.pk}/invite/", {}),
        (
            "post",
            f"/api/people/{member.pk}/pay/",
            {"effective_from": "2026-12-01", "base_pay": "9000"},
        ),
        (
            "post",
            f"/api/people/{member.pk}/move/",
            {"org_unit": "growth", "effective_from": "2026-12-01"},
        ),
        ("post", f"/api/people/{member.pk}/offboard/", {"effective_from": "2026-12-01"}),
        ("patch", f"/api/memberships/{m.pk}/", {"end": "2026-12-31"}),
        ("patch", f"/api/pods/{pod.pk}/", {"name": "Renamed"}),
        ("post", f"/api/pods/{pod.pk}/baseline/", {"effective_from": "2026-12-01", "value": "11"}),
    ]


def creates(personas):
    return [
        ("post", "/api/people/", {"name": "Nina", "email": "nina@x.test", "org_unit": "growth"}),
        ("post", "/api/pods/", {"name": "P", "org_unit": "growth", "baseline_headcount": "5"}),
        (
            "post",
            "/api/memberships/",
            {
                "pod": personas.pod_a.pk,
                "person": personas.org_lead.person.pk,
                "start": "2026-12-01",
                "allocation": "0.5",
                "confirm": True,
            },
        ),
    ]


def snapshot():
    return (
        Person.objects.count(),
        list(Person.objects.order_by("pk").values_list("name", "org_unit_id", "left_on")),
        PodMembership.objects.count(),
        list(PodMembership.objects.order_by("pk").values_list("end", flat=True)),
        PayRate.objects.count(),
        Baseline.objects.count(),
        list(Pod.objects.order_by("pk").values_list("name", "status")),
        Invitation.objects.count(),
    )


@pytest.mark.parametrize("who", ["member", "pod_lead"])
def test_it_refuses_every_write_to_members_and_pod_leads(client, personas, who):
    login(client, getattr(personas, who))
    before = snapshot()
    for method, url, body in writes(personas) + creates(personas):
        if who == "pod_lead" and url == f"/api/pods/{personas.pod_a.pk}/":
            continue  # a Pod Lead may write the charter (below), not the name
        r = send(client, method, url, body)
        assert r.status_code == 403, (who, method, url, r.content)
    assert snapshot() == before


def test_it_answers_404_to_the_lead_of_another_unit(client, personas):
    login(client, personas.other_lead)
    before = snapshot()
    for method, url, body in writes(personas):
        r = send(client, method, url, body)
        assert r.status_code == 404, (method, url, r.content)
    for method, url, body in creates(personas):  # unit A named in the body: bad input
        r = send(client, method, url, body)
        assert r.status_code == 400, (url, r.content)
    assert snapshot() == before
    assert client.get(f"/api/people/{personas.member.person.pk}/pay/").status_code == 404
    assert client.get(f"/api/pods/{personas.pod_a.pk}/").status_code == 404
    m = PodMembership.objects.get(person=personas.member.person)
    assert client.get(f"/api/memberships/{m.pk}/").status_code == 404
    assert client.get("/api/memberships/").json()["count"] == 1  # their own pod's only


# --------------------------------------------------------------------------- people


def test_it_creates_a_person_and_invites_them(client, personas, django_capture_on_commit_callbacks):
    login(client, personas.org_lead)
    body = {
        "name": "Nina New",
        "email": "Nina@X.test",
        "org_unit": "growth",
        "fte": "0.5",
        "time_zone": "Europe/Berlin",
        "base_pay": "7000",
        "invite": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = send(client, "post", "/api/people/", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["email"], data["fte"], data["base_pay"], data["org_unit"]) == (
        "nina@x.test",
        "0.50",
        "7000.00",
        "growth",
    )
    assert data["invitation"]["state"] == "pending" and "token" not in str(data)
    assert mail.outbox[0].to == ["nina@x.test"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nina@x.test", "org_unit": "growth"}, "name"),
        ({"name": "N", "email": "nope", "org_unit": "growth"}, "email"),
        ({"name": "N", "email": "mo@example.com", "org_unit": "growth"}, "email"),
        ({"name": "N", "email": "n@x.test", "org_unit": "platform"}, "org_unit"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "fte": "1,5"}, "fte"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "fte": 0.5}, "fte"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "fte": "2"}, "fte"),
        (
            {"name": "N", "email": "n@x.test", "org_unit": "growth", "time_zone": "Mars/Base"},
            "time_zone",
        ),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "base_pay": "-5"}, "base_pay"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "role": "boss"}, "role"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "invite": "yes"}, "invite"),
        ({"name": "N", "email": "n@x.test", "org_unit": "growth", "salary": "1"}, "salary"),
    ],
)
def test_it_refuses_a_bad_person_naming_the_field(client, personas, body, field):
    login(client, personas.org_lead)
    before = snapshot()
    r = send(client, "post", "/api/people/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert snapshot() == before and not mail.outbox


def test_it_patches_a_person_and_points_dated_changes_elsewhere(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = send(
        client,
        "patch",
        f"/api/people/{member.pk}/",
        {"name": "Mo R", "role": "pod_lead", "fte": "0.8", "time_zone": "Asia/Tokyo"},
    )
    assert r.status_code == 200 and r.json()["name"] == "Mo R" and r.json()["fte"] == "0.80"
    for body, field in [
        ({"base_pay": "9000"}, "base_pay"),
        ({"org_unit": "platform"}, "org_unit"),
        ({"time_zone": "Tokyo"}, "time_zone"),
        ({"email": "olga@example.com"}, "email"),
        ({}, "non_field_errors"),
        ({"fte": None}, "fte"),
    ]:
        r = send(client, "patch", f"/api/people/{member.pk}/", body)
        assert r.status_code == 400 and field in r.json(), (body, r.json())
    assert (
        "/pay/"
        in send(client, "patch", f"/api/people/{member.pk}/", {"base_pay": "1"}).json()["base_pay"][
            0
        ]
    )
    member.refresh_from_db()
    assert (member.name, member.time_zone, member.base_pay) == (
        "Mo R",
        "Asia/Tokyo",
        Decimal("7000"),
    )


def test_it_invites_resends_and_revokes_through_the_api(
    client, personas, django_capture_on_commit_callbacks
):
    nina = make_person(personas.unit_a, "Nina New")
    login(client, personas.org_lead)
    with django_capture_on_commit_callbacks(execute=True):
        first = send(client, "post", f"/api/people/{nina.pk}/invite/")
        second = send(client, "post", f"/api/people/{nina.pk}/invite/")
    assert first.status_code == second.status_code == 201 and len(mail.outbox) == 2
    assert [i.state for i in nina.invitations.all()] == ["pending", "revoked"]
    r = send(client, "delete", f"/api/people/{nina.pk}/invite/")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert send(client, "delete", f"/api/people/{nina.pk}/invite/").status_code == 404
    r = send(client, "post", f"/api/people/{personas.member.person.pk}/invite/")
    assert r.status_code == 400 and "has a login already" in r.json()["person"][0]


def test_it_lists_only_the_not_accepted_when_asked(client, personas):
    from teams.people import services as people_services

    nina = make_person(personas.unit_a, "Nina New")
    people_services.invitation_send(person=nina, send=False)
    login(client, personas.org_lead)
    r = client.get("/api/people/?not_accepted=1")
    assert [p["name"] for p in r.json()["results"]] == ["Nina New"]
    assert client.get("/api/people/?not_accepted=perhaps").status_code == 400


def test_it_moves_and_offboards_through_the_api(client, personas):
    from teams.models import OrgUnit

    OrgUnit.objects.create(name="Sales", slug="sales", parent=personas.unit_a)
    member = personas.member.person
    login(client, personas.org_lead)
    r = send(
        client,
        "post",
        f"/api/people/{member.pk}/move/",
        {"org_unit": "sales", "effective_from": "2026-11-16", "end_memberships": True},
    )
    assert r.status_code == 201 and r.json()["applied"] is True
    assert PodMembership.objects.get(person=member).end == date(2026, 11, 15)
    for body, field in [
        ({"org_unit": "sales", "effective_from": "2026-02-30"}, "effective_from"),
        ({"org_unit": "platform", "effective_from": "2026-12-01"}, "org_unit"),
        (
            {"org_unit": "sales", "effective_from": "2026-12-01", "end_memberships": 1},
            "end_memberships",
        ),
    ]:
        r = send(client, "post", f"/api/people/{member.pk}/move/", body)
        assert r.status_code == 400 and field in r.json(), r.json()
    r = send(client, "post", f"/api/people/{member.pk}/offboard/", {"effective_from": "11/18/2026"})
    assert r.status_code == 400 and "effective_from" in r.json()
    r = send(client, "post", f"/api/people/{member.pk}/offboard/", {"effective_from": "2026-11-18"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert not Person.objects.get(pk=member.pk).user.is_active


# --------------------------------------------------------------------------- pay


def test_it_reads_and_records_pay_from_a_day(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = send(
        client,
        "post",
        f"/api/people/{member.pk}/pay/",
        {"effective_from": "2026-12-01", "base_pay": "7700"},
    )
    assert r.status_code == 201 and r.json()["base_pay"] == "7700.00"
    history = client.get(f"/api/people/{member.pk}/pay/").json()
    assert [(x["effective_from"], x["base_pay"]) for x in history["rates"]] == [
        ("2026-12-01", "7700.00"),
        (None, "7000.00"),
    ]
    login(client, personas.member)  # one's own pay history, read-only
    assert client.get(f"/api/people/{member.pk}/pay/").status_code == 200
    assert client.get(f"/api/people/{personas.pod_lead.person.pk}/pay/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"base_pay": "7700"}, "effective_from"),
        ({"effective_from": "2026-12-01"}, "base_pay"),
        ({"effective_from": "2026-12-01", "base_pay": "-1"}, "base_pay"),
        ({"effective_from": "2026-12-01", "base_pay": "7.700,00"}, "base_pay"),
        ({"effective_from": "2026-12-01", "base_pay": 7700.5}, "base_pay"),
        ({"effective_from": "1850-01-01", "base_pay": "7700"}, "effective_from"),
        ({"effective_from": "2026-12-01", "base_pay": "7700", "note": "x"}, "note"),
    ],
)
def test_it_refuses_bad_pay_naming_the_field(client, personas, body, field):
    login(client, personas.org_lead)
    r = send(client, "post", f"/api/people/{personas.member.person.pk}/pay/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert not PayRate.objects.exists()


def test_it_refuses_pay_into_an_approved_month_naming_the_next_open_one(client, personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 9, 1)
    )
    services.period_approve(user=personas.org_lead, period=period)
    login(client, personas.org_lead)
    r = send(
        client,
        "post",
        f"/api/people/{personas.member.person.pk}/pay/",
        {"effective_from": "2026-09-10", "base_pay": "9000"},
    )
    assert r.status_code == 400 and "2026-10-01" in r.json()["effective_from"][0]
    assert not PayRate.objects.exists()


# --------------------------------------------------------------------------- memberships


def test_it_adds_a_member_after_the_warnings_are_confirmed(client, personas):
    nina = make_person(personas.unit_a, "Nina New")
    login(client, personas.org_lead)
    body = {"pod": personas.pod_a.pk, "person": nina.pk, "start": "2026-11-15", "allocation": "0.5"}
    fill(personas.pod_a, 3)  # five already: Nina would make six
    r = send(client, "post", "/api/memberships/", body)
    assert r.status_code == 409 and "would have 6 people" in r.json()["warnings"][0]
    assert not PodMembership.objects.filter(person=nina).exists()
    r = send(client, "post", "/api/memberships/", {**body, "confirm": True})
    assert r.status_code == 201, r.content
    assert (r.json()["start"], r.json()["allocation"], r.json()["end"]) == (
        "2026-11-15",
        "0.50",
        None,
    )
    listed = client.get(f"/api/memberships/?pod={personas.pod_a.pk}&on=2026-11-20").json()
    assert nina.pk in [m["person"] for m in listed["results"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2026-11-31"}, "start"),
        ({"allocation": "1.2"}, "allocation"),
        ({"allocation": "0,5"}, "allocation"),
        ({"pod": "one"}, "pod"),
        ({"pod": 999999}, "pod"),
        ({"person": 999999}, "person"),
        ({"is_pod_lead": "true"}, "is_pod_lead"),
        ({"confirm": "yes"}, "confirm"),
        ({"share": "1"}, "share"),
    ],
)
def test_it_refuses_a_bad_membership_naming_the_field(client, personas, change, field):
    nina = make_person(personas.unit_a, "Nina New")
    login(client, personas.org_lead)
    body = {
        "pod": personas.pod_a.pk,
        "person": nina.pk,
        "start": "2026-11-15",
        "allocation": "0.5",
        "confirm": True,
        **change,
    }
    r = send(client, "post", "/api/memberships/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert not PodMembership.objects.filter(person=nina).exists()


def test_it_refuses_an_overlapping_stint(client, personas):
    login(client, personas.org_lead)
    body = {
        "pod": personas.pod_a.pk,
        "person": personas.member.person.pk,
        "start": "2026-11-15",
        "allocation": "0.5",
        "confirm": True,
    }
    r = send(client, "post", "/api/memberships/", body)
    assert r.status_code == 400 and "already" in r.json()["start"][0]


def test_it_patches_a_stint_end_allocation_pod_and_lead(client, personas):
    fill(personas.pod_a, 2)
    other = Pod.objects.create(name="Pricing", org_unit=personas.unit_a, baseline_headcount=5)
    fill(other, 3)
    member = personas.member.person
    m = PodMembership.objects.get(person=member)
    login(client, personas.org_lead)
    r = send(
        client,
        "patch",
        f"/api/memberships/{m.pk}/",
        {"effective_from": "2026-11-10", "allocation": "0.5"},
    )
    assert r.status_code == 200 and r.json()["allocation"] == "0.50"
    split = r.json()["id"]
    r = send(
        client,
        "patch",
        f"/api/memberships/{split}/",
        {"effective_from": "2026-11-20", "is_pod_lead": True},
    )
    assert r.status_code == 409 and "two Pod Leads" in r.json()["warnings"][0]
    r = send(
        client,
        "patch",
        f"/api/memberships/{split}/",
        {"effective_from": "2026-11-20", "is_pod_lead": True, "confirm": True},
    )
    assert r.status_code == 200 and r.json()["is_pod_lead"] is True
    assert (
        PodMembership.objects.filter(pod=personas.pod_a, is_pod_lead=True, end=None).get().person
        == member
    )
    lead = r.json()["id"]
    r = send(
        client,
        "patch",
        f"/api/memberships/{lead}/",
        {"effective_from": "2026-12-01", "pod": other.pk, "confirm": True},
    )
    assert r.status_code == 200 and r.json()["pod"] == other.pk
    moved = r.json()["id"]
    r = send(client, "patch", f"/api/memberships/{moved}/", {"end": "2026-12-31", "confirm": True})
    assert r.status_code == 200 and r.json()["end"] == "2026-12-31"
    assert [
        (s.pod.name, s.start, s.end, s.allocation, s.is_pod_lead)
        for s in PodMembership.objects.filter(person=member).order_by("start")
    ] == [
        ("Onboarding", date(2026, 1, 1), date(2026, 11, 9), Decimal("1.00"), False),
        ("Onboarding", date(2026, 11, 10), date(2026, 11, 19), Decimal("0.50"), False),
        ("Onboarding", date(2026, 11, 20), date(2026, 11, 30), Decimal("0.50"), True),
        ("Pricing", date(2026, 12, 1), date(2026, 12, 31), Decimal("0.50"), False),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"allocation": "0.5"}, "effective_from"),
        ({"end": "2026-12-31", "allocation": "0.5"}, "allocation"),
        ({"effective_from": "2026-12-01"}, "non_field_errors"),
        ({"effective_from": "2026-12-01", "is_pod_lead": True, "allocation": "1"}, "is_pod_lead"),
        ({"end": "2025-01-01", "confirm": True}, "end"),
        ({"effective_from": "2025-06-01", "allocation": "0.5", "confirm": True}, "effective_from"),
        ({"end": "tomorrow"}, "end"),
        ({"effective_from": "2026-12-01", "pod": 999999}, "pod"),
    ],
)
def test_it_refuses_a_bad_stint_change_naming_the_field(client, personas, body, field):
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    before = snapshot()
    r = send(client, "patch", f"/api/memberships/{m.pk}/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert snapshot() == before


# --------------------------------------------------------------------------- pods


def test_it_creates_renames_dissolves_and_rebaselines_a_pod(client, personas):
    login(client, personas.org_lead)
    r = send(
        client,
        "post",
        "/api/pods/",
        {"name": "Pricing", "org_unit": "growth", "goal": "Convert", "baseline_headcount": "6"},
    )
    assert r.status_code == 201 and r.json()["members"] == []
    pk = r.json()["id"]
    r = send(client, "patch", f"/api/pods/{pk}/", {"name": "Pricing 2", "goal": "Convert more"})
    assert r.status_code == 200 and (r.json()["name"], r.json()["goal"]) == (
        "Pricing 2",
        "Convert more",
    )
    r = send(
        client, "post", f"/api/pods/{pk}/baseline/", {"effective_from": "2026-12-01", "value": "7"}
    )
    assert r.status_code == 201 and r.json()["value"] == "7.00"
    history = client.get(f"/api/pods/{pk}/baseline/").json()["history"]
    assert [(h["effective_from"], h["value"]) for h in history] == [
        ("2026-12-01", "7.00"),
        (None, "6.00"),
    ]
    r = send(
        client, "patch", f"/api/pods/{pk}/", {"status": "dissolved", "dissolved_on": "2026-11-18"}
    )
    assert r.status_code == 200 and r.json()["status"] == "dissolved"
    assert CharterChange.objects.filter(pod_id=pk).count() == 3  # created, charter, renamed


def test_it_lets_a_pod_lead_write_only_the_charter(client, personas):
    login(client, personas.pod_lead)
    url = f"/api/pods/{personas.pod_a.pk}/"
    r = send(client, "patch", url, {"goal": "Activate twice as many"})
    assert r.status_code == 200 and r.json()["goal"] == "Activate twice as many"
    assert send(client, "patch", url, {"name": "Mine"}).status_code == 403
    assert (
        send(
            client, "patch", url, {"status": "dissolved", "dissolved_on": "2026-12-01"}
        ).status_code
        == 403
    )
    assert (
        send(client, "patch", f"/api/pods/{personas.pod_b.pk}/", {"goal": "x"}).status_code == 404
    )
    r = send(
        client,
        "post",
        f"/api/pods/{personas.pod_a.pk}/baseline/",
        {"effective_from": "2026-12-01", "value": "20"},
    )
    assert r.status_code == 403 and not Baseline.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/pods/", {"org_unit": "growth", "baseline_headcount": "5"}, "name"),
        ("/api/pods/", {"name": "P", "org_unit": "growth"}, "baseline_headcount"),
        (
            "/api/pods/",
            {"name": "P", "org_unit": "growth", "baseline_headcount": "-1"},
            "baseline_headcount",
        ),
        ("/api/pods/", {"name": "P", "org_unit": "nowhere", "baseline_headcount": "5"}, "org_unit"),
        (
            "/api/pods/",
            {"name": "P", "org_unit": "growth", "baseline_headcount": "5", "status": "active"},
            "status",
        ),
    ],
)
def test_it_refuses_a_bad_pod_naming_the_field(client, personas, url, body, field):
    login(client, personas.org_lead)
    before = snapshot()
    r = send(client, "post", url, body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "dissolved"}, "dissolved_on"),
        ({"dissolved_on": "2026-12-01"}, "status"),
        ({"status": "active", "dissolved_on": "2026-12-01"}, "status"),
        ({"baseline_headcount": "12"}, "baseline_headcount"),
        ({"name": ""}, "name"),
        ({}, "non_field_errors"),
    ],
)
def test_it_refuses_a_bad_pod_change_naming_the_field(client, personas, body, field):
    login(client, personas.org_lead)
    before = snapshot()
    r = send(client, "patch", f"/api/pods/{personas.pod_a.pk}/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "7"}, "effective_from"),
        ({"effective_from": "2026-12-01"}, "value"),
        ({"effective_from": "2026-12-01", "value": "-2"}, "value"),
        ({"effective_from": "2026-12-01", "value": "12.345"}, "value"),
        ({"effective_from": "2026-12-01", "value": 7.5}, "value"),
    ],
)
def test_it_refuses_a_bad_baseline_naming_the_field(client, personas, body, field):
    login(client, personas.org_lead)
    r = send(client, "post", f"/api/pods/{personas.pod_a.pk}/baseline/", body)
    assert r.status_code == 400 and field in r.json(), r.json()
    assert not Baseline.objects.exists()


def test_it_lists_memberships_with_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    from tests.conftest import count_queries

    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/api/memberships/"))
    fill(personas.pod_a, 20)
    with django_assert_num_queries(n):
        r = client.get("/api/memberships/")
    assert r.json()["count"] == 22
    assert client.get("/api/memberships/?on=2026-13-01").status_code == 400
    assert client.get("/api/memberships/?pod=x").status_code == 400
