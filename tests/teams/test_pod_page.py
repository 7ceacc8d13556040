"""The pod self-service page and its charter editing."""

import re
from datetime import date
from decimal import Decimal

import pytest

from incentives.bonuses.projections import project_month
from incentives.metrics.services import add_months
from tests.conftest import count_queries, login, make_person
from tests.incentives.report_data import THIS_MONTH, make_period, make_plan, observe

pytestmark = pytest.mark.django_db


def _url(pod, suffix=""):
    return f"/pods/{pod.pk}/{suffix}"


def test_it_shows_charter_members_outcomes_pool_and_my_share(client, personas):
    from teams.models import TraitProfile

    make_plan(personas.unit_a)
    observe(personas.pod_a, personas.unit_a, 50)
    TraitProfile.objects.create(
        person=personas.member.person,
        builder=90,
        architect=40,
        taste_maker=75,
        signal_reader=70,
        decision_maker=60,
        primary_trait="builder",
    )
    login(client, personas.member)
    html = client.get(_url(personas.pod_a)).content.decode()
    assert "Activate" in html  # the goal
    assert "Paula Podlead" in html and "Mo Member" in html
    assert 'id="chart-balance"' in html
    assert "Missing (best score below 70): Architect, Decision Maker" in html
    assert "Activation" in html and "target 40" in html
    projection = project_month(
        unit_ids=[personas.unit_a.pk], month=THIS_MONTH, pod_ids=[personas.pod_a.pk]
    )
    result = projection.pods[personas.pod_a.pk]
    assert result.pool > 0
    assert f'data-projected="pool">{result.pool:,.2f}<' in html
    share = projection.share_of(personas.pod_a.pk, personas.member.person.pk)
    assert f'data-projected="share">{share:,.2f}<' in html
    assert "Edit charter" not in html  # a member does not edit the charter


def test_it_lists_my_last_statements(client, personas):
    make_plan(personas.unit_a)
    make_period(personas.unit_a, add_months(THIS_MONTH, -1))
    login(client, personas.member)
    html = client.get(_url(personas.pod_a)).content.decode()
    assert f"{add_months(THIS_MONTH, -1):%B %Y}" in html
    assert "No statements for you in this pod yet" not in html


def test_it_has_empty_states(client, personas):
    login(client, personas.member)
    html = client.get(_url(personas.pod_a)).content.decode()
    assert "No incentive plan applies to this pod this month" in html
    assert "No outcome metrics defined for this pod yet" in html
    assert "No trait profiles among the members yet" in html
    assert "No statements for you in this pod yet" in html


@pytest.mark.parametrize(
    "who,status",
    [
        ("outsider", 404),
        ("other_lead", 404),
        ("member", 200),
        ("pod_lead", 200),
        ("org_lead", 200),
        ("admin", 200),
    ],
)
def test_it_shows_the_pod_only_to_those_who_may_see_it(client, personas, who, status):
    login(client, getattr(personas, who))
    assert client.get(_url(personas.pod_a)).status_code == status


def test_it_lets_the_pod_lead_edit_the_charter_but_not_the_baseline(client, personas):
    login(client, personas.pod_lead)
    form = client.get(
        _url(personas.pod_a, "charter/"), headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in form and 'name="goal"' in form and 'name="baseline_headcount"' not in form
    r = client.post(
        _url(personas.pod_a, "charter/"),
        {"goal": "Activate 60% in week one", "product_area": "Signup", "baseline_headcount": "99"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "saved" in r.content.decode()
    personas.pod_a.refresh_from_db()
    assert personas.pod_a.goal == "Activate 60% in week one"
    assert personas.pod_a.product_area == "Signup"
    assert personas.pod_a.baseline_headcount == Decimal("10")  # ignored: Org Leads only


def test_it_lets_an_org_lead_change_the_baseline(client, personas):
    login(client, personas.org_lead)
    assert (
        'name="baseline_headcount"' in client.get(_url(personas.pod_a, "charter/")).content.decode()
    )
    response = client.post(
        _url(personas.pod_a, "charter/"),
        {"goal": "Activate", "product_area": "", "baseline_headcount": "12.5"},
    )
    assert "From when?" in response.content.decode()  # a baseline change is dated
    personas.pod_a.refresh_from_db()
    assert personas.pod_a.baseline_headcount == Decimal("10")
    client.post(
        _url(personas.pod_a, "charter/"),
        {
            "goal": "Activate",
            "product_area": "",
            "baseline_headcount": "12.5",
            "baseline_from": "2026-01-01",
        },
    )
    personas.pod_a.refresh_from_db()
    assert personas.pod_a.baseline_headcount == Decimal("12.5")
    history = list(personas.pod_a.baselines.values_list("effective_from", "value"))
    assert history == [(None, Decimal("10.00")), (date(2026, 1, 1), Decimal("12.50"))]


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"goal": "   ", "product_area": "x", "baseline_headcount": "3"},
            "Goal: Write the pod&#x27;s goal.",
        ),
        (
            {"goal": "ok", "product_area": "x" * 121, "baseline_headcount": "3"},
            "Product area: Ensure this value has at most 120",
        ),
        (
            {"goal": "ok", "product_area": "x", "baseline_headcount": "-1"},
            "Baseline headcount: Ensure this value is greater than or equal to 0",
        ),
        (
            {"goal": "ok", "product_area": "x", "baseline_headcount": "lots"},
            "Baseline headcount: &#x27;lots&#x27; is not a number",
        ),
        (
            {"goal": "ok", "product_area": "x", "baseline_headcount": "9,5"},
            "Baseline headcount: &#x27;9,5&#x27; is not a number: use a dot for decimals",
        ),
        (
            {"goal": "ok", "product_area": "x", "baseline_headcount": "1.234"},
            "Baseline headcount: Ensure that there are no more than 2 decimal places.",
        ),
        (
            {"goal": "ok", "product_area": "x", "baseline_headcount": ""},
            "Baseline headcount: This field is required.",
        ),
    ],
)
def test_it_refuses_a_bad_charter_and_saves_nothing(client, personas, data, message):
    login(client, personas.org_lead)
    r = client.post(_url(personas.pod_a, "charter/"), data, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert message in r.content.decode()
    personas.pod_a.refresh_from_db()
    assert (
        personas.pod_a.goal,
        personas.pod_a.product_area,
        personas.pod_a.baseline_headcount,
    ) == ("Activate", "", Decimal("10"))


def test_it_refuses_charter_edits_to_members_and_hides_other_units_pods(client, personas):
    login(client, personas.member)
    assert client.post(_url(personas.pod_a, "charter/"), {"goal": "mine now"}).status_code == 403
    login(client, personas.pod_lead)
    assert client.post(_url(personas.pod_b, "charter/"), {"goal": "mine now"}).status_code == 404
    personas.pod_b.refresh_from_db()
    assert personas.pod_b.goal == "Bill"


def test_it_renders_the_pod_page_with_constant_queries(client, personas, django_assert_num_queries):
    from teams.models import PodMembership, TraitProfile

    make_plan(personas.unit_a)
    observe(personas.pod_a, personas.unit_a, 50)
    make_period(personas.unit_a, add_months(THIS_MONTH, -1))
    login(client, personas.member)
    url = _url(personas.pod_a)
    n = count_queries(lambda: client.get(url))
    for i in range(20):
        p = make_person(personas.unit_a, f"Extra {i}")
        PodMembership.objects.create(pod=personas.pod_a, person=p, start=THIS_MONTH)
        TraitProfile.objects.create(
            person=p,
            builder=i,
            architect=50,
            taste_maker=50,
            signal_reader=50,
            decision_maker=50,
            primary_trait="architect",
        )
    for day in range(1, 5):
        observe(personas.pod_a, personas.unit_a, 40 + day, day=THIS_MONTH.replace(day=day))
    make_period(personas.unit_a, add_months(THIS_MONTH, -2))
    with django_assert_num_queries(n):
        assert client.get(url).status_code == 200
    assert len(re.findall(r"Extra \d+", client.get(url).content.decode())) == 20


def test_it_shows_members_only_approved_months_and_leads_every_month(client, personas):
    from incentives.models import IncentivePeriod

    make_plan(personas.unit_a)
    make_period(personas.unit_a, add_months(THIS_MONTH, -2))
    make_period(personas.unit_a, add_months(THIS_MONTH, -1), status=IncentivePeriod.Status.COMPUTED)
    computed = f"{add_months(THIS_MONTH, -1):%B %Y}"
    login(client, personas.member)
    html = client.get(_url(personas.pod_a)).content.decode()
    assert f"{add_months(THIS_MONTH, -2):%B %Y}" in html and computed not in html
    login(client, personas.org_lead)
    assert computed in client.get(_url(personas.pod_a)).content.decode()
