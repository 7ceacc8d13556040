"""The trait mix: gaps and overlaps per pod and per org unit, each unit counting its subtree."""

import re
from datetime import date

import pytest

from teams.models import OrgUnit, Pod, PodMembership
from teams.profiles.services import assessment_create
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def _scores(builder=30, architect=30, taste=30, signal=30, decision=30):
    return {
        "builder": builder,
        "architect": architect,
        "taste_maker": taste,
        "signal_reader": signal,
        "decision_maker": decision,
    }


def _member(pod, name, **scores):
    p = make_person(pod.org_unit, name)
    PodMembership.objects.create(pod=pod, person=p, start=date(2026, 1, 1))
    assessment_create(person=p, source="lead", assessor=None, scores=_scores(**scores))
    return p


def _row(page: str, css: str, unit: str) -> str:
    table = page.split(f'class="table {css}"', 1)[1].split("</table>", 1)[0]
    return next(row for row in table.split("<tr>") if re.search(rf">{unit}[ <]", row))


def test_it_counts_a_units_subtree_in_its_row(client, personas):
    web = OrgUnit.objects.create(name="Growth Web", slug="growth-web", parent=personas.unit_a)
    pod = Pod.objects.create(name="Checkout", org_unit=web)
    _member(pod, "Ana Lima", builder=90)
    _member(pod, "Bo Chen", architect=90)
    login(client, personas.org_lead)
    page = client.get("/trait-mix/").content.decode()
    growth = _row(page, "trait-mix-units", "Growth")
    cells = [c.split("<", 1)[0] for c in growth.split('<td class="num">')[1:]]
    # Builder 1, Architect 1 come from Growth Web below; Mo and Paula have no profile.
    assert cells[:2] == ["1", "1"]
    assert "and below" in growth
    assert cells[-1] == "2"  # pods: Onboarding (Growth) and Checkout (Growth Web)
    child = _row(page, "trait-mix-units", "Growth Web")
    assert "padding-left:1.2rem" in child


def test_it_shows_gaps_and_overlaps_per_pod_and_unit(client, personas):
    pod = Pod.objects.create(name="Doubled", org_unit=personas.unit_a)
    _member(pod, "Ana Lima", builder=90, architect=80, taste=75, signal=72)
    _member(pod, "Bo Chen", builder=85)
    _member(pod, "Cy Diaz", builder=71)
    login(client, personas.org_lead)
    page = client.get("/trait-mix/").content.decode()
    doubled = page.split(">Doubled</a>", 1)[1].split("</tr>", 1)[0]
    assert "×3" in doubled and "Builder ×3" in doubled
    assert "Decision Maker" in doubled  # the gap: no one at 70
    growth = _row(page, "trait-mix-gaps", "Growth")
    assert (
        "1 overlap" in growth and "2 gaps" in growth
    )  # Onboarding and Doubled lack a Decision Maker


def test_it_keeps_the_trait_mix_to_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.org_lead)
    pod = Pod.objects.create(name="First", org_unit=personas.unit_a)
    _member(pod, "Ana Lima", builder=90)
    n = count_queries(lambda: client.get("/trait-mix/"))
    for i in range(4):
        unit = OrgUnit.objects.create(name=f"Sub {i}", slug=f"sub-{i}", parent=personas.unit_a)
        pod = Pod.objects.create(name=f"Pod {i}", org_unit=unit)
        for j in range(3):
            _member(pod, f"P{i}-{j}", builder=80, architect=70 + j)
    with django_assert_num_queries(n):
        client.get("/trait-mix/")
