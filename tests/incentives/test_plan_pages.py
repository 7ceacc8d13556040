"""The plan form: a good plan saves with its components; every bad input is refused on the
field or row it concerns, and nothing is saved."""

import pytest

from incentives.models import IncentivePlan, PlanComponent
from tests.conftest import login
from tests.incentives.bonus_factories import make_plan, unit_metrics

pytestmark = pytest.mark.django_db


def post_data(metrics, **overrides):
    data = {
        "org_unit": str(metrics["activation"].org_unit_id),
        "name": "Growth bonus",
        "effective_from": "2026-07",
        "currency": "EUR",
        "standard_cost_per_fte": "6000",
        "share": "0.2",
        "pool_cap": "0.5",
        "min_attainment": "0.5",
        "split": "allocation",
        "c-TOTAL_FORMS": "4",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "12",
        "c-0-metric": str(metrics["activation"].pk),
        "c-0-weight": "0.6",
        "c-0-threshold": "30",
        "c-0-target": "40",
        "c-0-stretch": "50",
        "c-0-floor": "0.5",
        "c-0-attainment_cap": "1.5",
        "c-0-aggregation": "last",
        "c-1-metric": str(metrics["incidents"].pk),
        "c-1-weight": "0.4",
        "c-1-threshold": "3",
        "c-1-target": "1",
        "c-1-stretch": "0",
        "c-1-floor": "0.5",
        "c-1-attainment_cap": "1.5",
        "c-1-aggregation": "sum",
    }
    for i in (2, 3):
        data.update(
            {f"c-{i}-floor": "0.5", f"c-{i}-attainment_cap": "1.5", f"c-{i}-aggregation": "last"}
        )
    data.update(overrides)
    return data


def test_it_saves_a_plan_with_its_components(client, personas):
    metrics = unit_metrics(personas.unit_a)
    login(client, personas.org_lead)
    response = client.post("/plans/new/", post_data(metrics))
    plan = IncentivePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert str(plan.effective_from) == "2026-07-01" and plan.created_by == personas.org_lead
    assert [c.metric.key for c in plan.components.order_by("id")] == ["activation", "incidents"]
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "Activation rate" in page and "Incidents" in page


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"c-1-weight": "0.3"}, "weights sum to 0.9, not exactly 1"),
        ({"c-0-metric": "PRS"}, "process metric"),
        (
            {"c-0-stretch": "35"},
            "Component 1 · Target: targets are not strictly ordered for direction higher",
        ),
        ({"c-1-threshold": "0", "c-1-stretch": "3"}, "need threshold &gt; target &gt; stretch"),
        ({"standard_cost_per_fte": "-1"}, "standard_cost_per_fte -1 is negative"),
        ({"share": "-0.1"}, "share -0.1 is negative"),
        (
            {"c-0-weight": "-0.6", "c-1-weight": "1.6"},
            "Component 1 · Weight: weight -0.6 is negative",
        ),
        ({"c-0-floor": "1.5"}, "floor 1.5 is outside 0..1"),
        ({"c-0-weight": "abc"}, "&#x27;abc&#x27; is not a number"),
        ({"currency": "EURO"}, "three-letter ISO code"),
        (
            {
                "c-0-metric": "",
                "c-0-weight": "",
                "c-0-threshold": "",
                "c-0-target": "",
                "c-0-stretch": "",
                "c-1-metric": "",
                "c-1-weight": "",
                "c-1-threshold": "",
                "c-1-target": "",
                "c-1-stretch": "",
                "c-1-aggregation": "last",
            },
            "Add at least one outcome component.",
        ),
        ({"c-1-metric": "ACT"}, "is already component 1"),
        ({"c-1-metric": "OTHER"}, "Select a valid choice"),
    ],
    ids=[
        "weights",
        "process",
        "order-higher",
        "order-lower",
        "negative-cost",
        "negative-share",
        "negative-weight",
        "floor",
        "not-a-number",
        "currency",
        "no-components",
        "duplicate",
        "other-unit",
    ],
)
def test_it_refuses_bad_plans_naming_the_field_and_saves_nothing(
    client, personas, overrides, expected
):
    metrics = unit_metrics(personas.unit_a)
    other = unit_metrics(personas.unit_b)
    swap = {
        "PRS": str(metrics["prs"].pk),
        "ACT": str(metrics["activation"].pk),
        "OTHER": str(other["incidents"].pk),
    }
    login(client, personas.org_lead)
    data = post_data(metrics, **{k: swap.get(v, v) for k, v in overrides.items()})
    response = client.post("/plans/new/", data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not IncentivePlan.objects.exists() and not PlanComponent.objects.exists()


def test_it_explains_why_a_process_metric_cannot_be_paid_on(client, personas):
    metrics = unit_metrics(personas.unit_a)
    login(client, personas.org_lead)
    page = client.post(
        "/plans/new/", post_data(metrics, **{"c-0-metric": str(metrics["prs"].pk)})
    ).content.decode()
    assert "Component 1 · Metric: prs is a process metric" in page
    assert "pay follows outcomes that users and the business feel, not effort" in page


def test_it_refuses_a_second_plan_for_the_same_month(client, personas):
    metrics = unit_metrics(personas.unit_a)
    make_plan(personas.unit_a, metrics, effective_from=__import__("datetime").date(2026, 7, 1))
    login(client, personas.org_lead)
    page = client.post("/plans/new/", post_data(metrics)).content.decode()
    assert "already has a plan effective from 2026-07" in page
    assert IncentivePlan.objects.count() == 1


def test_it_prefills_a_new_version_from_an_existing_plan(client, personas):
    plan = make_plan(personas.unit_a, unit_metrics(personas.unit_a))
    login(client, personas.org_lead)
    page = client.get(f"/plans/new/?from={plan.pk}").content.decode()
    assert 'value="Growth bonus"' in page and 'value="0.600000"' in page


@pytest.mark.parametrize("url", ["/plans/", "/plans/new/"])
def test_it_forbids_plans_to_members_and_pod_leads(client, personas, url):
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get(url).status_code == 403


def test_it_hides_another_units_plan(client, personas):
    plan = make_plan(personas.unit_b, unit_metrics(personas.unit_b))
    login(client, personas.org_lead)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/plans/new/?from={plan.pk}").status_code == 404


def test_it_lists_plans_in_constant_queries(client, personas, django_assert_num_queries):
    from datetime import date

    from tests.conftest import count_queries

    metrics = unit_metrics(personas.unit_a)
    make_plan(personas.unit_a, metrics)
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/plans/"))
    for month in range(2, 8):
        make_plan(personas.unit_a, metrics, effective_from=date(2026, month, 1))
    with django_assert_num_queries(n):
        response = client.get("/plans/")
    assert response.content.decode().count("/plans/") >= 7


def test_it_shows_an_empty_state(client, personas):
    login(client, personas.org_lead)
    assert "No incentive plans yet" in client.get("/plans/").content.decode()
