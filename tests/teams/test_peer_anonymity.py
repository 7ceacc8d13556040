"""Peer anonymity: the peer average counts once a unit's minimum of distinct peers have rated
(3 unless the org sets another, inherited down the tree), on the profile, the pages and the API."""

import pytest

from teams.models import OrgUnit, TraitProfile
from teams.profiles.services import assessment_create, peer_minimums
from teams.traits import TRAITS
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def _rate(person, *raters, score=80):
    for rater in raters:
        assessment_create(
            person=person, source="peer", assessor=rater, scores={t: score for t in TRAITS}
        )


def test_it_inherits_the_minimum_down_the_tree(personas):
    web = OrgUnit.objects.create(name="Web", slug="web", parent=personas.unit_a)
    deep = OrgUnit.objects.create(name="Deep", slug="deep", parent=web)
    assert peer_minimums()[deep.pk] == 3  # the default at the root
    OrgUnit.objects.filter(pk=personas.unit_a.pk).update(peer_min_raters=5)
    assert peer_minimums()[deep.pk] == 5
    OrgUnit.objects.filter(pk=web.pk).update(peer_min_raters=2)
    got = peer_minimums()
    assert got[deep.pk] == 2 and got[personas.unit_a.pk] == 5 and got[personas.unit_b.pk] == 3
    assert count_queries(peer_minimums) == 1


def test_an_org_lead_sets_the_minimum_and_profiles_follow(client, personas):
    target = personas.member.person
    a, b = make_person(personas.unit_a, "Peer A"), make_person(personas.unit_a, "Peer B")
    _rate(target, a, b)
    assert TraitProfile.objects.filter(person=target).exists() is False  # two peers: not yet
    login(client, personas.org_lead)
    page = client.get("/trait-mix/").content.decode()
    assert 'id="peer-anonymity"' in page and "(as above)" in page
    r = client.post(
        "/trait-mix/peer-minimum/",
        {"org_unit": personas.unit_a.pk, "peer_min_raters": "2"},
        follow=True,
    )
    assert "Growth: the peer average now counts once 2 colleagues have rated" in r.content.decode()
    assert TraitProfile.objects.get(person=target).sources == "peer"
    # Back to inheriting: the default 3 holds again and the lone peer source goes.
    client.post("/trait-mix/peer-minimum/", {"org_unit": personas.unit_a.pk, "peer_min_raters": ""})
    personas.unit_a.refresh_from_db()
    assert personas.unit_a.peer_min_raters is None
    assert not TraitProfile.objects.filter(person=target).exists()


@pytest.mark.parametrize(
    "value,message",
    [
        ("1", "Between 2 and 20 colleagues"),
        ("21", "Between 2 and 20 colleagues"),
        ("two", "“two” is not a whole number"),
        ("-3", "“-3” is not a whole number"),
    ],
)
def test_it_refuses_a_bad_minimum_naming_the_field(client, personas, value, message):
    login(client, personas.org_lead)
    r = client.post(
        "/trait-mix/peer-minimum/",
        {"org_unit": personas.unit_a.pk, "peer_min_raters": value},
        follow=True,
    )
    page = r.content.decode()
    assert "Minimum distinct peers:" in page and message in page
    personas.unit_a.refresh_from_db()
    assert personas.unit_a.peer_min_raters is None


def test_only_the_units_own_leads_set_its_minimum(client, personas):
    login(client, personas.other_lead)
    data = {"org_unit": personas.unit_a.pk, "peer_min_raters": "4"}
    assert client.post("/trait-mix/peer-minimum/", data).status_code == 404
    login(client, personas.member)
    assert client.post("/trait-mix/peer-minimum/", data).status_code == 403
    personas.unit_a.refresh_from_db()
    assert personas.unit_a.peer_min_raters is None


def test_the_pages_say_how_many_colleagues_it_takes(client, personas):
    OrgUnit.objects.filter(pk=personas.unit_a.pk).update(peer_min_raters=4)
    login(client, personas.member)
    assert "once at least 4 have rated" in client.get("/colleagues/").content.decode()
    mate = personas.pod_lead.person
    page = client.get(f"/people/{mate.pk}/assess/peer/").content.decode()
    assert "only once at least 4 colleagues have rated" in page
    me = personas.member.person
    assessment_create(person=me, source="self", assessor=me, scores={t: 60 for t in TRAITS})
    own = client.get(f"/people/{me.pk}/").content.decode()
    assert "the peer average shows once 4 colleagues have rated" in own
    assert client.get(f"/api/people/{personas.member.person.pk}/profile/").json()["peer_min"] == 4
