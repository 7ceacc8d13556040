"""The Org Lead dashboard: figures, charts, unit filter, permissions and query counts."""

import re
from decimal import Decimal

import pytest

from incentives.bonuses.projections import project_month
from incentives.metrics.services import add_months
from tests.conftest import count_queries, login, make_person
from tests.incentives.report_data import THIS_MONTH, grow, make_period, make_plan, observe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_projection():
    """The dashboard keeps its projection for a few minutes; every test starts without one."""
    from django.core.cache import cache

    cache.clear()


def _stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


def test_it_shows_the_headline_numbers_to_an_org_lead(client, personas):
    from teams.models import TraitProfile

    make_person(personas.unit_a, "Una Podless")
    TraitProfile.objects.create(
        person=personas.member.person,
        builder=90,
        architect=80,
        taste_maker=75,
        signal_reader=70,
        decision_maker=95,
        primary_trait="decision_maker",
    )
    login(client, personas.org_lead)
    html = client.get("/").content.decode()
    assert "Organisation dashboard" in html
    # Olga, Paula, Mo, Una in unit A; Paula and Mo are in pod A.
    assert _stat(html, "people") == "4"
    assert _stat(html, "pods") == "1"
    assert _stat(html, "unpodded") == "2"
    assert _stat(html, "missing") == "0"  # Mo covers all five traits at ≥ 70
    TraitProfile.objects.filter(person=personas.member.person).update(signal_reader=69)
    assert _stat(client.get("/").content.decode(), "missing") == "1"


def test_it_projects_this_months_pool_from_month_to_date_data(client, personas):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=3, observe_value=55)
    login(client, personas.org_lead)
    html = client.get("/").content.decode()
    expected = project_month(unit_ids=[personas.unit_a.pk], month=THIS_MONTH).total_pool
    assert expected > 0
    assert _stat(html, "pool") == f"{expected:,.2f}"
    assert (
        'id="chart-attainment"' in html
        and 'id="chart-efficiency"' in html
        and 'id="chart-coverage"' in html
    )
    assert 'id="chart-trend"' in html


def test_it_shows_the_trend_of_saved_months_with_links_to_their_reports(client, personas):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=2)
    make_period(personas.unit_a, add_months(THIS_MONTH, -1))
    login(client, personas.org_lead)
    html = client.get(f"/?unit={personas.unit_a.pk}").content.decode()
    assert f"/reports/{personas.unit_a.pk}/{add_months(THIS_MONTH, -1):%Y-%m}/" in html
    assert "No computed months yet" not in html


def test_it_filters_by_org_unit(client, personas):
    from teams.models import OrgUnit

    child = OrgUnit.objects.create(name="Growth EU", slug="growth-eu", parent=personas.unit_a)
    grow(child, pods=2, size=3, observe_value=None)
    login(client, personas.org_lead)
    assert _stat(client.get("/").content.decode(), "people") == "9"
    assert _stat(client.get(f"/?unit={child.pk}").content.decode(), "people") == "6"
    assert _stat(client.get(f"/?unit={child.pk}").content.decode(), "pods") == "2"


def test_it_answers_404_for_a_unit_the_lead_does_not_lead(client, personas):
    login(client, personas.org_lead)
    assert client.get(f"/?unit={personas.unit_b.pk}").status_code == 404
    assert client.get("/?unit=abc").status_code == 404


def test_it_keeps_the_member_page_for_members(client, personas):
    login(client, personas.member)
    html = client.get("/").content.decode()
    assert "Organisation dashboard" not in html
    assert "Onboarding" in html


def test_it_says_what_to_do_when_there_is_nothing_yet(client, personas):
    from teams.models import Pod

    Pod.objects.filter(org_unit=personas.unit_a).delete()
    login(client, personas.org_lead)
    html = client.get("/").content.decode()
    assert "No active pods yet" in html
    assert "No incentive plan applies" in html


def test_it_renders_the_dashboard_with_constant_queries(
    client, personas, django_assert_num_queries
):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=2)
    make_period(personas.unit_a, add_months(THIS_MONTH, -1))
    from django.core.cache import cache

    login(client, personas.org_lead)
    assert client.get("/").status_code == 200
    n_cached = count_queries(lambda: client.get("/"))
    cache.clear()
    n = count_queries(lambda: client.get("/"))
    assert n > n_cached  # the projection's queries
    grow(personas.unit_a, pods=30, prefix="more")
    make_period(personas.unit_a, add_months(THIS_MONTH, -2))
    for pod in personas.unit_a.pods.all()[:5]:
        observe(pod, personas.unit_a, Decimal("41"))
    cache.clear()
    with django_assert_num_queries(n):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(n_cached):
        assert client.get("/").status_code == 200


def test_it_keeps_the_projection_for_a_few_minutes(client, personas):
    from django.core.cache import cache

    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=2, observe_value=55)
    login(client, personas.org_lead)
    before = _stat(client.get("/").content.decode(), "pool")
    grow(personas.unit_a, pods=2, prefix="late", observe_value=55)
    assert _stat(client.get("/").content.decode(), "pool") == before
    cache.clear()
    assert _stat(client.get("/").content.decode(), "pool") != before


def test_it_caps_the_charts_to_the_weakest_pods_for_big_orgs(client, personas):
    make_plan(personas.unit_a)
    grow(personas.unit_a, pods=40, size=2)
    login(client, personas.org_lead)
    html = client.get("/").content.decode()
    assert "Showing the 25 weakest of 41 pods" in html
    assert "Showing the 25 lowest of 41 pods" in html
