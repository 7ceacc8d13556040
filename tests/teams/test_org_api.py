"""GET|POST /api/org-units/ and GET|PATCH /api/org-units/<id>/: the org pages' rules."""

import pytest

from teams.models import OrgUnit
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _child(parent, name):
    return OrgUnit.objects.create(name=name, slug=name.lower().replace(" ", "-"), parent=parent)


def test_it_lists_the_units_a_lead_leads_with_their_figures(client, personas):
    team = _child(personas.unit_a, "Activation")
    make_person(team, "Ada Active")
    login(client, personas.org_lead)
    r = client.get("/api/org-units/")
    assert r.status_code == 200
    rows = {u["name"]: u for u in r.json()}
    assert set(rows) == {"Growth", "Activation"}
    assert rows["Growth"]["headcount"] == 3 and rows["Growth"]["headcount_below"] == 4
    assert rows["Growth"]["pods_active"] == 1 and rows["Growth"]["plan"] is None
    assert rows["Growth"]["leads"] == [{"id": personas.org_lead.person.pk, "name": "Olga Lead"}]
    assert rows["Activation"]["parent"] == personas.unit_a.pk
    assert rows["Activation"]["archived"] is False


def test_it_lists_units_in_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    for i in range(5):
        _child(personas.unit_a, f"Unit {i}")
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/api/org-units/"))
    for i in range(5, 50):
        make_person(_child(personas.unit_a, f"Unit {i}"), f"Person {i}")
    with django_assert_num_queries(n):
        assert len(client.get("/api/org-units/").json()) == 51


def test_it_refuses_an_unknown_archived_filter(client, personas):
    login(client, personas.org_lead)
    r = client.get("/api/org-units/?archived=maybe")
    assert r.status_code == 400 and "archived" in r.json()


def test_it_creates_a_unit(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/api/org-units/", {"name": "Retention", "parent": personas.unit_a.pk}, content_type=JSON
    )
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == "Retention" and body["parent"] == personas.unit_a.pk
    assert body["slug"] == "retention" and body["headcount"] == 0
    assert OrgUnit.objects.filter(pk=body["id"], parent=personas.unit_a).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"parent": "A"}, "name"),
        ({"name": "", "parent": "A"}, "name"),
        ({"name": "x" * 121, "parent": "A"}, "name"),
        ({"name": "Nul\u0000", "parent": "A"}, "name"),
        ({"name": "Retention"}, "parent"),
        ({"name": "Retention", "parent": None}, "parent"),
        ({"name": "Retention", "parent": "B"}, "parent"),
        ({"name": "Retention", "parent": 999999}, "parent"),
        ({"name": "Retention", "parent": "growth"}, "parent"),
        ({"name": "Retention", "parent": "A", "colour": "red"}, "colour"),
    ],
)
def test_it_refuses_a_bad_new_unit_naming_the_field(client, personas, body, field):
    body = {
        k: {"A": personas.unit_a.pk, "B": personas.unit_b.pk}.get(v, v) for k, v in body.items()
    }
    before = OrgUnit.objects.count()
    login(client, personas.org_lead)
    r = client.post("/api/org-units/", body, content_type=JSON)
    assert r.status_code == 400
    assert field in r.json() or field in str(r.json())
    assert OrgUnit.objects.count() == before


def test_a_member_and_a_pod_lead_get_403_on_every_call(client, personas):
    unit = personas.unit_a.pk
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get("/api/org-units/").status_code == 403
        r = client.post("/api/org-units/", {"name": "X", "parent": unit}, content_type=JSON)
        assert r.status_code == 403
        assert client.get(f"/api/org-units/{unit}/").status_code == 403
        r = client.patch(f"/api/org-units/{unit}/", {"name": "Mine"}, content_type=JSON)
        assert r.status_code == 403
    assert OrgUnit.objects.get(pk=unit).name == "Growth"
    assert OrgUnit.objects.count() == 2


def test_a_lead_of_another_unit_gets_404_and_never_sees_it(client, personas):
    unit = personas.unit_a.pk
    login(client, personas.other_lead)
    assert [u["name"] for u in client.get("/api/org-units/").json()] == ["Platform"]
    assert client.get(f"/api/org-units/{unit}/").status_code == 404
    for body in ({"name": "Mine"}, {"parent": personas.unit_b.pk}, {"archived": True}):
        assert client.patch(f"/api/org-units/{unit}/", body, content_type=JSON).status_code == 404
    # Their own unit cannot go under Growth either: not a unit they lead.
    r = client.patch(f"/api/org-units/{personas.unit_b.pk}/", {"parent": unit}, content_type=JSON)
    assert r.status_code == 400 and "parent" in r.json()
    personas.unit_a.refresh_from_db()
    personas.unit_b.refresh_from_db()
    assert personas.unit_a.name == "Growth" and personas.unit_b.parent is None


def test_it_renames_moves_archives_and_restores_a_unit(client, personas):
    a1 = _child(personas.unit_a, "Activation")
    a2 = _child(personas.unit_a, "Trials")
    login(client, personas.org_lead)
    r = client.patch(
        f"/api/org-units/{a2.pk}/", {"name": "Free trials", "parent": a1.pk}, content_type=JSON
    )
    assert r.status_code == 200
    assert r.json()["name"] == "Free trials" and r.json()["parent"] == a1.pk
    r = client.patch(f"/api/org-units/{a2.pk}/", {"archived": True}, content_type=JSON)
    assert r.status_code == 200 and r.json()["archived"] is True and r.json()["archived_at"]
    assert a2.pk not in [u["id"] for u in client.get("/api/org-units/").json()]
    assert a2.pk in [u["id"] for u in client.get("/api/org-units/?archived=true").json()]
    r = client.patch(
        f"/api/org-units/{a2.pk}/", {"archived": False, "name": "Trials"}, content_type=JSON
    )
    assert r.status_code == 200 and r.json()["archived"] is False and r.json()["name"] == "Trials"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "non_field_errors"),
        ({"name": ""}, "name"),
        ({"parent": "SELF"}, "parent"),
        ({"parent": "CHILD"}, "parent"),
        ({"parent": 999999}, "parent"),
        ({"parent": None}, "parent"),  # top level: Admins only
        ({"archived": "yes"}, "archived"),
        ({"archived": True}, "archived"),  # it still has people and a pod
        ({"name": "Renamed", "parent": "SELF"}, "parent"),  # all or none
        ({"slug": "other"}, "slug"),
    ],
)
def test_it_refuses_a_bad_change_naming_the_field_and_saves_nothing(client, personas, body, field):
    a1 = _child(personas.unit_a, "Activation")
    child = _child(a1, "Trials")
    make_person(a1, "Ada Active")
    swap = {"SELF": a1.pk, "CHILD": child.pk}
    body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    login(client, personas.org_lead)
    r = client.patch(f"/api/org-units/{a1.pk}/", body, content_type=JSON)
    assert r.status_code == 400, r.json()
    assert field in r.json()
    a1.refresh_from_db()
    assert (a1.name, a1.parent_id, a1.archived_at) == ("Activation", personas.unit_a.pk, None)


def test_an_admin_may_move_a_unit_to_the_top_level(client, personas):
    team = _child(personas.unit_a, "Activation")
    login(client, personas.admin)
    r = client.patch(f"/api/org-units/{team.pk}/", {"parent": None}, content_type=JSON)
    assert r.status_code == 200 and r.json()["parent"] is None
