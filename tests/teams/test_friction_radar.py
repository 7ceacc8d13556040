"""/friction/ and /api/friction/: the §5 figures over a unit's pods, for Org Leads only."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from teams.models import OrgUnit, Pod, Wait
from tests.conftest import count_queries, login

pytestmark = pytest.mark.django_db

T = datetime(2026, 10, 5, 9, tzinfo=UTC)


def wait(pod, node, hours, *, at=T, kind="review", key=None):
    return Wait.objects.create(
        pod=pod,
        node=node,
        kind=kind,
        requested_at=at,
        resolved_at=None if hours is None else at + timedelta(hours=hours),
        external_id=key or f"{pod.pk}-{node}-{at.isoformat()}-{hours}",
        source="api",
    )


@pytest.fixture
def waits(personas):
    a = personas.pod_a
    second = Pod.objects.create(name="Pricing", org_unit=personas.unit_a)
    wait(a, "Security review", 10)
    wait(a, "Security review", 30, at=T + timedelta(hours=5))  # overlaps the first
    wait(second, "Security review", 20)
    wait(second, "Security review", 40, at=T + timedelta(days=3))
    wait(a, "Legal", None, at=timezone.now() - timedelta(hours=48))  # open for 48 h
    wait(a, "Design", 6, kind="approval")
    wait(personas.pod_b, "Platform on-call", 99)  # another unit: never in unit A's figures
    return second


def test_it_answers_the_figures_exactly_as_design_says(client, personas, waits):
    login(client, personas.org_lead)
    r = client.get("/api/friction/?unit=growth&since=2026-10-01&until=2026-11-18")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"nodes", "pods"}
    nodes = {n["node"]: n for n in body["nodes"]}
    assert [n["node"] for n in body["nodes"]] == ["Security review", "Legal", "Design"]
    assert nodes["Security review"] == {
        "node": "Security review",
        "waits": 4,
        "open": 0,
        "pods": 2,
        "median_hours": 25.0,  # 10, 20, 30, 40: the mean of the two middle ones
        "p90_hours": 40.0,  # ⌈0.9·4⌉ = 4th smallest
        "pod_days_lost": round(100 / 24, 2),
    }
    assert nodes["Legal"]["open"] == 1
    assert nodes["Legal"]["median_hours"] is None
    assert nodes["Legal"]["pod_days_lost"] == pytest.approx(2.0, abs=0.01)
    assert all(set(p) == {"pod", "waiting_share"} for p in body["pods"])
    shares = {p["pod"]: p["waiting_share"] for p in body["pods"]}
    assert personas.pod_b.pk not in shares
    assert shares[waits.pk] > 0


def test_it_narrows_to_a_kind_and_a_window(client, personas, waits):
    login(client, personas.org_lead)
    body = client.get("/api/friction/?kind=approval&since=2026-10-01&until=2026-10-31").json()
    assert [n["node"] for n in body["nodes"]] == ["Design"]
    before = client.get("/api/friction/?since=2026-09-01&until=2026-09-30").json()
    assert before["nodes"] == []


def test_it_names_every_bad_parameter(client, personas):
    login(client, personas.org_lead)
    r = client.get("/api/friction/?since=2026-11-31&until=soon&kind=nap&colour=red")
    assert r.status_code == 400
    assert "colour" in r.json()["errors"][0]
    r = client.get("/api/friction/?since=2026-11-31&until=soon&kind=nap")
    errors = r.json()["errors"]
    assert errors[0].startswith("since: '2026-11-31' is not a date that exists")
    assert errors[1].startswith("until: 'soon' is not a date")
    assert errors[2].startswith("kind: 'nap' is not one of")
    r = client.get("/api/friction/?since=2026-11-01&until=2026-10-01")
    assert r.json()["errors"] == ["since 2026-11-01 is after until 2026-10-01"]


def test_it_is_for_org_leads_of_the_unit_only(client, personas):
    login(client, personas.other_lead)
    assert client.get("/api/friction/?unit=growth").status_code == 404
    assert client.get("/friction/?unit=growth").status_code == 404
    assert client.get("/api/friction/?unit=nowhere").status_code == 404
    for user in (personas.pod_lead, personas.member):
        login(client, user)
        assert client.get("/api/friction/").status_code == 403
        assert client.get("/friction/").status_code == 403


def test_it_covers_the_units_below(client, personas):
    child = OrgUnit.objects.create(name="Growth EU", slug="growth-eu", parent=personas.unit_a)
    pod = Pod.objects.create(name="EU checkout", org_unit=child)
    wait(pod, "Procurement", 12)
    login(client, personas.org_lead)
    body = client.get("/api/friction/?unit=growth&since=2026-10-01").json()
    assert "Procurement" in [n["node"] for n in body["nodes"]]
    body = client.get("/api/friction/?unit=growth-eu&since=2026-10-01").json()
    assert [n["node"] for n in body["nodes"]] == ["Procurement"]


def test_it_ranks_nodes_on_the_page_and_lists_a_nodes_waits(client, personas, waits):
    login(client, personas.org_lead)
    r = client.get("/friction/?since=2026-10-01&until=2026-11-18")
    html = r.content.decode()
    assert r.status_code == 200
    assert html.index(">Security review</a>") < html.index(">Legal</a>") < html.index(">Design</a>")
    assert (
        'id="chart-nodes"' in html and 'id="chart-heatmap"' in html and 'id="chart-trend"' in html
    )
    assert "plotly/plotly.min.js" in html
    assert "no incentive plan may use them" in html
    listed = client.get("/friction/?since=2026-10-01&until=2026-11-18&node=Legal").content.decode()
    assert 'data-testid="node-waits"' in listed and "still waiting" in listed
    part = client.get(
        "/friction/?since=2026-10-01&until=2026-11-18&node=Design&partial=node",
        headers={"HX-Request": "true"},
    ).content.decode()
    assert part.strip().startswith('<section class="card" id="node-waits">')
    assert "Waits on Design" in part and "<html" not in part


def test_it_shows_bad_filters_and_falls_back_to_the_default_window(client, personas, waits):
    login(client, personas.org_lead)
    r = client.get("/friction/?since=yesterday")
    assert r.status_code == 400
    assert "since: &#x27;yesterday&#x27; is not a date" in r.content.decode()


def test_it_shows_no_pay_figure(client, personas, waits):
    login(client, personas.org_lead)
    html = client.get("/friction/").content.decode()
    for pay in ("11000", "8000", "7000", "base pay", "pool"):
        assert pay not in html


def test_it_renders_the_radar_with_constant_queries(
    client, personas, waits, django_assert_num_queries
):
    login(client, personas.org_lead)
    url = "/friction/?since=2026-10-01&until=2026-11-18&node=Security+review"
    n = count_queries(lambda: client.get(url))
    for i in range(30):
        pod = Pod.objects.create(name=f"Extra {i}", org_unit=personas.unit_a)
        for j in range(3):
            wait(pod, f"Node {j}", 5 + i, at=T + timedelta(hours=i))
        wait(pod, "Security review", 12)
    with django_assert_num_queries(n):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(count_queries(lambda: client.get("/api/friction/"))):
        client.get("/api/friction/")


def test_it_takes_the_default_window_as_six_months_to_today(client, personas):
    login(client, personas.org_lead)
    html = client.get("/friction/").content.decode()
    today = timezone.localdate()
    first = date(today.year, today.month, 1)
    for _ in range(5):
        first = (first - timedelta(days=1)).replace(day=1)
    assert f'name="since" value="{first:%Y-%m-%d}"' in html
    assert f'name="until" value="{today:%Y-%m-%d}"' in html


def test_it_highlights_the_slowest_node_this_month_on_the_dashboard(client, personas):
    this_month = timezone.now().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    wait(personas.pod_a, "Security review", 70, at=this_month)
    wait(personas.pod_a, "Legal", 20, at=this_month)
    wait(personas.pod_a, "Procurement", 500, at=this_month - timedelta(days=40))  # last month
    login(client, personas.org_lead)
    html = client.get("/").content.decode()
    tile = html[html.index('data-testid="slowest-node"') :]
    tile = tile[: tile.index("</a>")]
    assert ">Security review<" in tile and "2.9 pod-days lost over 1 wait" in tile
    today = timezone.localdate()
    assert (
        f"/friction/?since={today:%Y-%m-01}&amp;until={today:%Y-%m-%d}&amp;node=Security+review#node-waits"
        in html
    )
    growth = client.get(f"/?unit={personas.unit_a.pk}").content.decode()
    assert "/friction/?unit=growth&amp;since=" in growth


def test_it_shows_the_friction_link_to_org_leads_only(client, personas):
    login(client, personas.org_lead)
    assert 'href="/friction/"' in client.get("/pods/").content.decode()
    login(client, personas.pod_lead)
    assert 'href="/friction/"' not in client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
