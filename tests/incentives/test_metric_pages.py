"""The pod metrics page, its inline form and review, metric definitions, the org overview."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from incentives.metrics.services import month_start
from incentives.models import Metric, Observation
from teams.models import Pod
from tests.conftest import count_queries, login
from tests.incentives.metric_factories import make_history, make_metric, make_target

pytestmark = pytest.mark.django_db

TODAY = date.today()
MONTH = month_start(TODAY)


@pytest.fixture
def pod_metrics(personas):
    activation = make_metric(personas.unit_a, "activation", name="Activation")
    make_metric(personas.unit_a, "hours", kind="process", name="Hours")
    make_target(activation, personas.pod_a, MONTH, 30, 40, 50)
    return activation


def test_it_shows_a_chart_value_and_attainment_per_metric(client, personas, pod_metrics):
    Observation.objects.create(
        metric=pod_metrics, pod=personas.pod_a, date=MONTH, value=Decimal("35")
    )
    login(client, personas.member)
    r = client.get(f"/pods/{personas.pod_a.pk}/metrics/")
    html = r.content.decode()
    assert r.status_code == 200
    assert f'id="chart-metric-{pod_metrics.pk}-' in html and 'type="application/json"' in html
    assert "plotly/plotly.min.js" in html
    assert 'data-testid="month-value">35<' in html
    assert 'data-testid="attainment">75%<' in html  # 0.5 + 0.5 × (35 − 30) / (40 − 30)
    assert "Hours" in html and "Process" in html
    assert 'name="value"' not in html  # a member only reads


def test_it_keeps_the_page_query_count_constant(
    client, personas, pod_metrics, django_assert_num_queries
):
    login(client, personas.pod_lead)
    url = f"/pods/{personas.pod_a.pk}/metrics/"
    n = count_queries(lambda: client.get(url))
    make_history(
        pod_metrics, personas.pod_a, MONTH - timedelta(days=120), range(30, 60), step_days=4
    )
    with django_assert_num_queries(n):
        client.get(url)


def test_it_hides_another_units_pod(client, personas, pod_metrics):
    login(client, personas.outsider)
    assert client.get(f"/pods/{personas.pod_a.pk}/metrics/").status_code == 404


def test_it_records_an_observation_inline_and_returns_the_new_chart(client, personas, pod_metrics):
    login(client, personas.pod_lead)
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/",
        {
            "metric": pod_metrics.pk,
            "date": MONTH.isoformat(),
            "value": "45",
            "month": f"{MONTH:%Y-%m}",
            "evidence_url": "https://crm.example.com/r/1",
        },
        headers={"HX-Request": "true"},
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert html.lstrip().startswith(
        f'<section class="card metric-card" id="metric-{pod_metrics.pk}"'
    )
    assert "Recorded 45" in html and 'data-testid="attainment">125%<' in html
    obs = Observation.objects.get()
    assert (obs.value, obs.source, obs.recorded_by, obs.evidence_url) == (
        Decimal("45"),
        "form",
        personas.pod_lead,
        "https://crm.example.com/r/1",
    )


def test_it_shows_bad_input_in_the_card_and_saves_nothing(client, personas, pod_metrics):
    login(client, personas.pod_lead)
    future = (TODAY + timedelta(days=5)).isoformat()
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/",
        {"metric": pod_metrics.pk, "date": future, "value": "4 5", "evidence_url": "not a link"},
        headers={"HX-Request": "true"},
    )
    html = r.content.decode()
    assert r.status_code == 200  # htmx swaps only 2xx; the errors are in the card
    assert "is in the future" in html and "is not a number" in html and "Enter a valid URL" in html
    assert not Observation.objects.exists()


def test_it_refuses_observations_from_a_member_and_other_units(client, personas, pod_metrics):
    data = {"metric": pod_metrics.pk, "date": MONTH.isoformat(), "value": "45"}
    login(client, personas.member)
    assert client.post(f"/pods/{personas.pod_a.pk}/metrics/observations/", data).status_code == 403
    login(client, personas.other_lead)
    assert client.post(f"/pods/{personas.pod_a.pk}/metrics/observations/", data).status_code == 404
    assert not Observation.objects.exists()


def test_it_lets_the_org_lead_reject_a_flagged_point(client, personas, pod_metrics):
    make_history(
        pod_metrics, personas.pod_a, MONTH - timedelta(days=70), [40, 41, 39, 42, 40, 41, 43, 40]
    )
    # Recorded by the Org Lead (not paid from the pod), so only the anomaly holds it back.
    login(client, personas.org_lead)
    client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/",
        {"metric": pod_metrics.pk, "date": MONTH.isoformat(), "value": "95"},
        headers={"HX-Request": "true"},
    )
    obs = Observation.objects.get(value=95)
    assert obs.flag == "flagged"
    login(client, personas.pod_lead)
    html = client.get(f"/pods/{personas.pod_a.pk}/metrics/").content.decode()
    assert "Awaiting a lead" in html and "far above" in html
    assert 'value="reject"' not in html  # a Pod Lead does not judge their own numbers
    url = f"/pods/{personas.pod_a.pk}/metrics/observations/{obs.pk}/review/"
    assert client.post(url, {"decision": "reject"}).status_code == 403
    login(client, personas.org_lead)
    r = client.post(
        url, {"decision": "reject", "month": f"{MONTH:%Y-%m}"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "Awaiting a lead" not in r.content.decode()
    obs.refresh_from_db()
    assert obs.flag == "rejected"
    login(client, personas.other_lead)
    assert client.post(url, {"decision": "confirm"}).status_code == 404


def test_it_links_the_pod_page_to_its_metrics(client, personas):
    login(client, personas.pod_lead)
    assert (
        f'href="/pods/{personas.pod_a.pk}/metrics/"'
        in client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    )


def test_it_lets_an_org_lead_define_a_metric(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/metrics/definitions/",
        {
            "org_unit": personas.unit_a.pk,
            "name": "Paid conversions",
            "key": "paid-conversions",
            "kind": "outcome",
            "direction": "higher",
            "aggregation": "sum",
            "unit": "accounts",
        },
    )
    assert r.status_code == 302
    assert Metric.objects.get().key == "paid-conversions"
    r = client.post(
        "/metrics/definitions/",
        {
            "org_unit": personas.unit_a.pk,
            "name": "Again",
            "key": "paid-conversions",
            "kind": "outcome",
            "direction": "higher",
            "aggregation": "sum",
            "owner_pod": personas.pod_b.pk,
        },
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "Select a valid choice" in html  # pod B is not one of this lead's pods
    assert "already exists" in html
    assert Metric.objects.count() == 1


def test_it_keeps_definitions_for_org_leads(client, personas):
    login(client, personas.pod_lead)
    assert client.get("/metrics/definitions/").status_code == 403


def test_it_shows_the_overview_with_progress_colours(client, personas, pod_metrics):
    Observation.objects.create(
        metric=pod_metrics, pod=personas.pod_a, date=MONTH, value=Decimal("45")
    )
    login(client, personas.org_lead)
    html = client.get("/metrics/").content.decode()
    assert "Onboarding" in html and "Billing" not in html
    assert "chip-metric progress-met" in html and "Activation · 45 · 125%" in html
    assert "Hours" not in html.split("<tbody>")[1]  # process metrics stay out of the overview


def test_it_keeps_the_overview_query_count_constant_and_paginates(
    client, personas, pod_metrics, django_assert_num_queries
):
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/metrics/"))
    revenue = make_metric(personas.unit_a, "revenue", aggregation="sum")
    pods = Pod.objects.bulk_create(
        [Pod(name=f"Pod {i:02}", org_unit=personas.unit_a) for i in range(40)]
    )
    for pod in Pod.objects.filter(pk__in=[p.pk for p in pods]):
        make_target(revenue, pod, MONTH, 1, 2, 3)
        make_history(revenue, pod, MONTH, [1, 2, 3], step_days=1, prefix=f"p{pod.pk}")
    with django_assert_num_queries(n):
        r = client.get("/metrics/")
    assert "Page 1 of 2" in r.content.decode()
    assert "Page 2 of 2" in client.get("/metrics/?page=2").content.decode()


def test_it_shows_a_pod_lead_their_pod_and_refuses_members(client, personas, pod_metrics):
    login(client, personas.pod_lead)
    assert "Onboarding" in client.get("/metrics/").content.decode()
    login(client, personas.member)
    assert client.get("/metrics/").status_code == 403
    assert client.get("/metrics/import/").status_code == 403


def test_it_refuses_an_unknown_review_decision(client, personas, pod_metrics):
    obs = Observation.objects.create(
        metric=pod_metrics, pod=personas.pod_a, date=MONTH, value=Decimal("1"), flag="flagged"
    )
    login(client, personas.org_lead)
    url = f"/pods/{personas.pod_a.pk}/metrics/observations/{obs.pk}/review/"
    r = client.post(url, {"decision": "approve"}, follow=True)
    assert "Unknown decision" in r.content.decode()
    obs.refresh_from_db()
    assert obs.flag == "flagged"


def test_it_falls_back_to_this_month_on_a_bad_month(client, personas, pod_metrics):
    login(client, personas.member)
    r = client.get(f"/pods/{personas.pod_a.pk}/metrics/?month=2026-13")
    assert r.status_code == 200 and f"<strong>{MONTH:%B %Y}</strong>" in r.content.decode()
