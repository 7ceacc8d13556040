from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from teams.models import Assessment, OrgUnit, Person, TraitProfile
from teams.profiles.scoring import (
    PEER_MIN_RATERS,
    Rating,
    latest_by_source,
    peer_average,
    profile_history,
)
from teams.profiles.services import AssessmentError, assessment_create
from teams.traits import TRAITS, combine_profile
from tests.conftest import count_queries, login, make_person

scores_st = st.tuples(*[st.integers(0, 100)] * 5)
T0 = datetime(2026, 1, 1, 9, 0)


def test_it_hides_the_peer_average_below_three_raters_unless_the_unit_says_otherwise():
    assert PEER_MIN_RATERS == 3
    two = {7: (90, 80, 70, 60, 50), 8: (10, 20, 30, 40, 50)}
    assert peer_average({}) is None
    assert peer_average({7: (90, 90, 90, 90, 90)}) is None
    assert peer_average(two) is None
    assert peer_average({**two, 9: (50,) * 5}) == (50, 50, 50, 50, 50)
    assert peer_average(two, min_raters=2) == (50, 50, 50, 50, 50)


def test_it_counts_each_peer_once_with_their_latest_rating():
    ratings = [
        Rating("peer", 7, (0,) * 5, T0),
        Rating("peer", 7, (100,) * 5, T0 + timedelta(days=1)),  # 7 changed their mind
        Rating("peer", 8, (50,) * 5, T0),
    ]
    assert latest_by_source(ratings, 2)["peer"] == (75.0,) * 5
    assert "peer" not in latest_by_source(ratings)  # two distinct peers, three needed
    assert "peer" not in latest_by_source(ratings[:2], 2)  # still only one distinct peer


@given(st.lists(st.tuples(st.integers(1, 6), scores_st), min_size=0, max_size=8))
def test_it_keeps_the_peer_average_between_the_lowest_and_highest_rating(rows):
    ratings = [Rating("peer", a, s, T0 + timedelta(minutes=i)) for i, (a, s) in enumerate(rows)]
    latest = {}
    for r in ratings:
        latest[r.assessor_id] = r.scores
    got = latest_by_source(ratings).get("peer")
    if len(latest) < PEER_MIN_RATERS:
        assert got is None
    else:
        for i in range(5):
            values = [s[i] for s in latest.values()]
            assert min(values) - 1e-9 <= got[i] <= max(values) + 1e-9


@given(
    scores_st,
    scores_st,
    scores_st,
    st.sampled_from([(0.3, 0.4, 0.3), (0.5, 0.0, 0.5), (1, 1, 1), (0.1, 0.8, 0.1)]),
)
def test_it_weights_sources_and_renormalises_over_those_present(self_s, lead_s, peer_s, w):
    weights = dict(zip(("self", "peer", "lead"), w, strict=True))
    both = combine_profile({"self": self_s, "lead": lead_s}, weights)
    for i in range(5):
        expected = (w[0] * self_s[i] + w[2] * lead_s[i]) / (w[0] + w[2])
        assert abs(both[i] - expected) < 1e-9
    three = combine_profile({"self": self_s, "peer": peer_s, "lead": lead_s}, weights)
    total = sum(w)
    for i in range(5):
        assert (
            abs(three[i] - (w[0] * self_s[i] + w[1] * peer_s[i] + w[2] * lead_s[i]) / total) < 1e-9
        )


def test_it_builds_history_one_point_per_assessment_instant():
    ratings = [
        Rating("self", 1, (100, 0, 0, 0, 0), T0),
        Rating("lead", 2, (0, 100, 0, 0, 0), T0 + timedelta(days=1)),
        Rating("peer", 3, (0, 0, 100, 0, 0), T0 + timedelta(days=2)),  # alone: no peer source yet
    ]
    points = profile_history(ratings, {"self": 0.3, "peer": 0.4, "lead": 0.3})
    assert [p.sources for p in points] == [("self",), ("self", "lead"), ("self", "lead")]
    assert points[0].primary == "builder"
    assert points[1].scores == pytest.approx((50, 50, 0, 0, 0))
    assert points[1].primary == "builder"  # tie broken by trait order
    assert profile_history([], {"self": 1}) == []


class TestStoredProfile(HypothesisTestCase):
    """profiles_recompute with per-org-unit weights and the anonymous peer average."""

    @settings(max_examples=25, deadline=None)
    @given(scores_st, scores_st, scores_st, scores_st, st.sampled_from(["0.30", "0.50", "0.00"]))
    def test_it_stores_the_weighted_mean_of_self_lead_and_peer_average(
        self, s, lead, p1, p2, w_peer
    ):
        unit = OrgUnit.objects.create(
            name="U",
            slug="u",
            peer_min_raters=2,  # this org counts peers from two
            weight_self=Decimal("0.20"),
            weight_peer=Decimal(w_peer),
            weight_lead=Decimal("0.60"),
        )
        person = Person.objects.create(name="P", email="p@example.com", org_unit=unit)
        a = Person.objects.create(name="A", email="a@example.com", org_unit=unit)
        b = Person.objects.create(name="B", email="b@example.com", org_unit=unit)
        assessment_create(
            person=person, source="self", assessor=person, scores=dict(zip(TRAITS, s, strict=True))
        )
        assessment_create(
            person=person, source="lead", assessor=a, scores=dict(zip(TRAITS, lead, strict=True))
        )
        assessment_create(
            person=person, source="peer", assessor=a, scores=dict(zip(TRAITS, p1, strict=True))
        )
        one_peer = TraitProfile.objects.get(person=person)
        assert one_peer.sources == "self,lead"  # one peer alone does not count (anonymity)
        assessment_create(
            person=person, source="peer", assessor=b, scores=dict(zip(TRAITS, p2, strict=True))
        )
        profile = TraitProfile.objects.get(person=person)
        wp = float(w_peer)
        assert profile.sources == "self,peer,lead"
        for i, t in enumerate(TRAITS):
            peer = (p1[i] + p2[i]) / 2
            expected = (0.2 * s[i] + wp * peer + 0.6 * lead[i]) / (0.2 + wp + 0.6)
            assert abs(getattr(profile, t) - expected) < 1e-6


pytestmark = pytest.mark.django_db
SCORES = {
    "builder": 80,
    "architect": 60,
    "taste_maker": 40,
    "signal_reader": 20,
    "decision_maker": 70,
}
FORM = {t: v for t, v in SCORES.items()}


def test_it_refuses_scores_outside_0_to_100_and_peer_ratings_of_oneself(personas):
    me = personas.member.person
    with pytest.raises(AssessmentError, match="Builder: 101 is out of range"):
        assessment_create(
            person=me, source="lead", assessor=None, scores={**SCORES, "builder": 101}
        )
    with pytest.raises(AssessmentError, match="Architect: a whole number"):
        assessment_create(
            person=me, source="lead", assessor=None, scores={**SCORES, "architect": "60"}
        )
    with pytest.raises(AssessmentError, match="rater other than"):
        assessment_create(person=me, source="peer", assessor=me, scores=SCORES)
    assert not Assessment.objects.exists()


def test_it_lets_a_member_rate_a_pod_mate_but_not_themselves_or_strangers(client, personas):
    login(client, personas.member)
    mate = personas.pod_lead.person
    assert client.get(f"/people/{mate.pk}/assess/peer/").status_code == 200
    r = client.post(f"/people/{mate.pk}/assess/peer/", FORM)
    assert r.status_code == 302 and r["Location"] == "/colleagues/"
    a = Assessment.objects.get()
    assert (a.person, a.source, a.assessor) == (mate, "peer", personas.member.person)
    assert client.get(f"/people/{personas.member.person.pk}/assess/peer/").status_code == 404
    assert client.get(f"/people/{personas.outsider.person.pk}/assess/peer/").status_code == 404
    assert client.get(f"/people/{mate.pk}/assess/lead/").status_code == 404
    assert client.get(f"/people/{mate.pk}/assess/self/").status_code == 404


def test_it_lets_a_member_rate_anyone_in_their_org_unit(client, personas):
    colleague = make_person(personas.unit_a, "Cara Colleague")
    login(client, personas.member)
    page = client.get("/colleagues/").content.decode()
    assert "Cara Colleague" in page and "Paula Podlead" in page and "Xena" not in page
    assert client.post(f"/people/{colleague.pk}/assess/peer/", FORM).status_code == 302


def test_it_refuses_a_bad_score_with_the_field_named_and_saves_nothing(client, personas):
    login(client, personas.member)
    mate = personas.pod_lead.person
    r = client.post(f"/people/{mate.pk}/assess/peer/", {**FORM, "taste_maker": 140})
    assert r.status_code == 400
    assert "Taste Maker: Ensure this value is less than or equal to 100." in r.content.decode()
    r = client.post(f"/people/{mate.pk}/assess/peer/", {**FORM, "builder": "lots"})
    assert r.status_code == 400 and "Builder: Enter a whole number." in r.content.decode()
    assert not Assessment.objects.exists()


def test_it_lets_org_leads_and_the_pod_lead_give_a_lead_assessment(client, personas):
    member = personas.member.person
    for lead in (personas.org_lead, personas.pod_lead):
        login(client, lead)
        assert client.post(f"/people/{member.pk}/assess/lead/", FORM).status_code == 302
    assert Assessment.objects.filter(person=member, source="lead").count() == 2
    assert TraitProfile.objects.get(person=member).builder == 80
    login(client, personas.other_lead)
    assert client.get(f"/people/{member.pk}/assess/lead/").status_code == 404
    login(client, personas.pod_lead)  # a Pod Lead has no say over people outside their pod
    assert client.get(f"/people/{personas.org_lead.person.pk}/assess/lead/").status_code == 404


def test_it_shows_the_rated_person_the_peer_average_only_from_three_peers(client, personas):
    target = personas.member.person
    peer2 = make_person(personas.unit_a, "Second Peer")
    peer3 = make_person(personas.unit_a, "Third Peer")
    assessment_create(person=target, source="self", assessor=target, scores={t: 50 for t in TRAITS})
    assessment_create(
        person=target,
        source="peer",
        assessor=personas.pod_lead.person,
        scores={t: 90 for t in TRAITS},
    )
    login(client, personas.member)
    page = client.get(f"/people/{target.pk}/").content.decode()
    assert "1 colleague has rated so far" in page and "Peers (average)" not in page
    assert "the peer average shows once 3 have" in page
    api = client.get(f"/api/people/{target.pk}/profile/").json()
    assert api["peer_average"] is None and api["n_peers"] == 1 and api["peer_min"] == 3
    assert api["profile"]["builder"] == 50  # the lone peer rating does not move the profile
    assessment_create(person=target, source="peer", assessor=peer2, scores={t: 70 for t in TRAITS})
    page = client.get(f"/people/{target.pk}/").content.decode()
    assert "2 colleagues have rated so far" in page and "Peers (average)" not in page
    assessment_create(person=target, source="peer", assessor=peer3, scores={t: 80 for t in TRAITS})
    page = client.get(f"/people/{target.pk}/").content.decode()
    assert "Peer average of 3 colleagues" in page and "Peers (average)" in page
    api = client.get(f"/api/people/{target.pk}/profile/").json()
    assert api["peer_average"]["builder"] == 80
    assert api["profile"]["builder"] == pytest.approx((0.3 * 50 + 0.4 * 80) / 0.7, abs=0.1)
    assert len(api["history"]) == 4


def test_it_shows_the_profile_radar_with_sources_and_history(client, personas):
    target = personas.member.person
    assessment_create(person=target, source="self", assessor=target, scores=SCORES)
    assessment_create(
        person=target,
        source="lead",
        assessor=personas.org_lead.person,
        scores={t: 30 for t in TRAITS},
    )
    login(client, personas.org_lead)
    page = client.get(f"/people/{target.pk}/").content.decode()
    assert 'id="profile-radar"' in page and 'id="profile-history"' in page
    assert "plotly/plotly.min.js" in page and "Lead assessment" in page


def test_it_hides_another_persons_lead_assessment_and_base_pay_from_a_member(client, personas):
    other = personas.pod_lead.person
    assessment_create(person=other, source="lead", assessor=personas.org_lead.person, scores=SCORES)
    login(client, personas.member)
    # A pod mate: the public profile (primary trait), never the scores or the pay.
    page = client.get(f"/people/{other.pk}/")
    assert page.status_code == 200 and page.templates[0].name == "teams/person_public.html"
    assert b"8000" not in page.content and b"Lead assessment" not in page.content
    assert client.get(f"/api/people/{other.pk}/profile/").status_code == 404
    assert client.get(f"/api/people/{other.pk}/").status_code == 404
    listing = client.get("/api/people/").json()["results"]
    assert [p["id"] for p in listing] == [personas.member.person.pk]
    login(client, personas.other_lead)  # leads another unit
    assert client.get(f"/api/people/{other.pk}/profile/").status_code == 404
    login(client, personas.org_lead)
    data = client.get(f"/api/people/{other.pk}/profile/").json()
    assert data["lead_assessment"]["builder"] == 80
    assert client.get(f"/api/people/{other.pk}/").json()["base_pay"] == "8000.00"


def test_it_creates_assessments_through_the_api_with_the_same_rules(client, personas):
    mate = personas.pod_lead.person
    login(client, personas.member)
    r = client.post(
        "/api/assessments/",
        {"person": mate.pk, "source": "peer", **SCORES},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["source"] == "peer"
    r = client.post(
        "/api/assessments/",
        {"person": mate.pk, "source": "lead", **SCORES},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/assessments/",
        {"person": personas.outsider.person.pk, "source": "peer", **SCORES},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/assessments/",
        {"person": mate.pk, "source": "peer", **SCORES, "builder": -1},
        content_type="application/json",
    )
    assert r.status_code == 400 and "builder" in r.json()
    r = client.post(
        "/api/assessments/",
        {"person": mate.pk, "source": "self", **SCORES},
        content_type="application/json",
    )
    assert r.status_code == 400 and "source" in r.json()
    assert Assessment.objects.count() == 1
    login(client, personas.pod_lead)
    r = client.post(
        "/api/assessments/",
        {"person": personas.member.person.pk, "source": "lead", **SCORES},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert TraitProfile.objects.get(person=personas.member.person).primary_trait == "builder"


def test_it_documents_the_profile_and_assessment_endpoints(client, personas):
    login(client, personas.member)
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/assessments/" in schema["paths"]
    assert "/api/people/{id}/profile/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/people/"]["get"]["parameters"]}
    assert {"q", "trait", "pod", "no_pod", "no_assessment", "sort"} <= params


def test_it_lists_people_in_the_api_with_constant_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/api/people/"))
    for i in range(20):
        p = make_person(personas.unit_a, f"Extra {i}")
        assessment_create(person=p, source="lead", assessor=None, scores=SCORES)
    with django_assert_num_queries(n):
        r = client.get("/api/people/?sort=-builder")
    assert r.json()["results"][0]["profile"]["builder"] == 80


def test_it_shows_the_trait_mix_to_leads_only_with_constant_queries(
    client, personas, django_assert_num_queries
):
    assessment_create(person=personas.member.person, source="lead", assessor=None, scores=SCORES)
    login(client, personas.member)
    assert client.get("/trait-mix/").status_code == 403
    login(client, personas.org_lead)
    page = client.get("/trait-mix/").content.decode()
    assert 'id="trait-mix-bars"' in page and 'id="trait-mix-heatmap"' in page
    assert "Onboarding" in page  # covers builder only: listed as missing traits
    n = count_queries(lambda: client.get("/trait-mix/"))
    from teams.models import Pod, PodMembership

    for i in range(5):
        pod = Pod.objects.create(name=f"Pod {i}", org_unit=personas.unit_a)
        for j in range(3):
            p = make_person(personas.unit_a, f"P{i}-{j}")
            PodMembership.objects.create(pod=pod, person=p, start=T0.date())
            assessment_create(person=p, source="lead", assessor=None, scores=SCORES)
    with django_assert_num_queries(n):
        client.get("/trait-mix/")


def test_it_says_so_when_no_one_has_a_profile_on_the_trait_mix(client, personas):
    login(client, personas.org_lead)
    assert "No one has a trait profile yet" in client.get("/trait-mix/").content.decode()


def test_it_starts_a_re_rating_from_the_previous_one(client, personas):
    mate = personas.pod_lead.person
    login(client, personas.member)
    client.post(f"/people/{mate.pk}/assess/peer/", {**FORM, "builder": 0})
    page = client.get(f"/people/{mate.pk}/assess/peer/").content.decode()
    assert 'name="builder" value="0"' in page and "You last rated Paula Podlead" in page


def test_it_links_pod_members_to_rating_and_lead_assessment(client, personas):
    login(client, personas.member)
    page = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert f"/people/{personas.pod_lead.person.pk}/assess/peer/" in page
    assert f"/people/{personas.member.person.pk}/assess/" not in page  # never oneself
    assert "/assess/lead/" not in page
    login(client, personas.pod_lead)
    page = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert f"/people/{personas.member.person.pk}/assess/lead/" in page


def test_it_lists_colleagues_to_rate_with_constant_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.member)
    n = count_queries(lambda: client.get("/colleagues/"))
    for i in range(12):
        p = make_person(personas.unit_a, f"Col {i}")
        Assessment.objects.create(
            person=p, source="peer", assessor=personas.member.person, **SCORES
        )
    with django_assert_num_queries(n):
        page = client.get("/colleagues/").content.decode()
    assert page.count("you rated") == 12
    r = client.get("/colleagues/?q=col 1", headers={"HX-Request": "true"})
    assert "<html" not in r.content.decode() and "Col 11" in r.content.decode()
    assert "Paula" not in r.content.decode()


def test_it_filters_the_people_api_like_the_directory(client, personas):
    assessment_create(person=personas.member.person, source="lead", assessor=None, scores=SCORES)
    login(client, personas.org_lead)
    ids = [p["id"] for p in client.get("/api/people/?trait=builder").json()["results"]]
    assert ids == [personas.member.person.pk]
    ids = [p["id"] for p in client.get("/api/people/?no_assessment=1&no_pod=1").json()["results"]]
    assert ids == [personas.org_lead.person.pk]
