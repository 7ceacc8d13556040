"""Permissions from the outside: what each role reaches, over HTTP."""

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_it_redirects_anonymous_to_login(client):
    r = client.get("/people/")
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")


def test_it_forbids_members_the_org_lead_pages(client, personas):
    login(client, personas.member)
    assert client.get("/people/").status_code == 403
    assert client.get("/pods/").status_code == 403


def test_it_lets_org_leads_list_their_people(client, personas):
    login(client, personas.org_lead)
    r = client.get("/people/")
    assert r.status_code == 200
    assert b"Mo Member" in r.content
    assert b"Xena Outsider" not in r.content  # another org unit


def test_it_hides_another_units_person_as_404(client, personas):
    login(client, personas.org_lead)
    outsider = personas.outsider.person
    assert client.get(f"/people/{outsider.pk}/").status_code == 404
    assert client.get(f"/pods/{personas.pod_b.pk}/").status_code == 404
    assert client.get(f"/api/people/{outsider.pk}/").status_code == 404


def test_it_lets_a_member_see_their_pod_but_not_another(client, personas):
    login(client, personas.member)
    assert client.get(f"/pods/{personas.pod_a.pk}/").status_code == 200
    assert client.get(f"/pods/{personas.pod_b.pk}/").status_code == 404


def test_it_shows_base_pay_only_to_the_person_and_their_leads(client, personas):
    member = personas.member.person
    login(client, personas.member)
    assert b"7000" in client.get(f"/people/{member.pk}/").content
    # a pod mate sees the public profile only
    login(client, personas.pod_lead)
    r = client.get(f"/people/{member.pk}/")
    assert r.status_code == 200 and b"7000" not in r.content
    login(client, personas.org_lead)
    assert b"7000" in client.get(f"/people/{member.pk}/").content


def test_it_keeps_base_pay_out_of_the_api_for_others(client, personas):
    login(client, personas.member)
    data = client.get("/api/people/").json()
    assert [p["name"] for p in data["results"]] == ["Mo Member"]
    assert data["results"][0]["base_pay"] == "7000.00"
    login(client, personas.other_lead)
    names = {p["name"] for p in client.get("/api/people/").json()["results"]}
    assert names == {"Otto Lead", "Xena Outsider"}


def test_it_gives_admins_everything(client, personas):
    login(client, personas.admin)
    assert client.get(f"/people/{personas.outsider.person.pk}/").status_code == 200
    assert client.get(f"/pods/{personas.pod_b.pk}/").status_code == 200


def test_it_includes_sub_units_for_an_org_lead(client, personas):
    from teams.models import OrgUnit

    child = OrgUnit.objects.create(name="Growth EU", slug="growth-eu", parent=personas.unit_a)
    from tests.conftest import make_person

    kid = make_person(child, "Kai Child")
    login(client, personas.org_lead)
    assert client.get(f"/people/{kid.pk}/").status_code == 200
    login(client, personas.other_lead)
    assert client.get(f"/people/{kid.pk}/").status_code == 404


def test_it_shows_each_role_its_navigation(client, personas):
    login(client, personas.member)
    page = client.get("/").content.decode()
    assert 'href="/people/"' not in page and "My profile" in page
    login(client, personas.org_lead)
    page = client.get("/").content.decode()
    assert 'href="/people/"' in page and 'href="/pods/"' in page
