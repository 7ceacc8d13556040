"""A teammate's page: pod mates see the public profile (name, role, primary trait, pods);
private fields stay private; people outside one's pods stay 404."""

from datetime import date

import pytest

from teams.models import PodMembership, TraitProfile
from tests.conftest import login, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def mate(personas):
    person = personas.pod_lead.person
    person.time_zone = "Europe/Lisbon"
    person.save(update_fields=["time_zone"])
    TraitProfile.objects.create(
        person=person, builder=81, architect=40, taste_maker=55, signal_reader=30,
        decision_maker=62, primary_trait="builder", sources="self",
    )  # fmt: skip
    return person


def test_a_member_sees_a_teammates_public_profile_and_nothing_private(client, personas, mate):
    login(client, personas.member)
    r = client.get(f"/people/{mate.pk}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "Paula Podlead" in page and "AI Pod Lead" in page
    assert "Builder" in page and "Onboarding" in page and "Pod Lead" in page
    for private in ("8000", "paula@example.com", "<dt>FTE", "Europe/Lisbon", "81", "base pay"):
        assert private not in page, private
    assert "show_pay" not in r.context or not r.context["show_pay"]


def test_a_pod_lead_sees_a_members_public_profile(client, personas):
    member = personas.member.person
    login(client, personas.pod_lead)
    r = client.get(f"/people/{member.pk}/")
    assert r.status_code == 200
    assert "Mo Member" in r.content.decode() and "7000" not in r.content.decode()
    assert "No assessment yet" in r.content.decode()


def test_people_outside_ones_pods_stay_404(client, personas, mate):
    login(client, personas.member)
    assert client.get(f"/people/{personas.outsider.person.pk}/").status_code == 404
    stranger = make_person(personas.unit_a, "Sam Same Unit", username="sam")
    assert client.get(f"/people/{stranger.pk}/").status_code == 404  # same unit, no shared pod
    login(client, personas.outsider)
    assert client.get(f"/people/{mate.pk}/").status_code == 404
    # The API stays as it was: one's own record only.
    login(client, personas.member)
    assert client.get(f"/api/people/{mate.pk}/").status_code == 404


def test_a_former_teammate_is_404(client, personas, mate):
    member = personas.member.person
    PodMembership.objects.filter(person=member).update(end=date(2026, 10, 31))
    login(client, personas.pod_lead)
    assert client.get(f"/people/{member.pk}/").status_code == 404


def test_the_person_and_their_org_lead_still_see_the_whole_page(client, personas, mate):
    login(client, personas.pod_lead)
    r = client.get(f"/people/{mate.pk}/")
    assert r.context["show_pay"] and "8000" in r.content.decode()
    login(client, personas.org_lead)
    r = client.get(f"/people/{mate.pk}/")
    assert r.context["show_pay"] and 'id="pay"' in r.content.decode()


def test_the_pod_pages_teammate_links_open(client, personas, mate):
    login(client, personas.member)
    page = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert f'href="/people/{mate.pk}/"' in page
    assert client.get(f"/people/{mate.pk}/").status_code == 200
