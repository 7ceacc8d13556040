"""The context map: a pod's items, stale and missing ones, "verified today" by the keeper, the
org-wide view by pod and by keeper, and /api/pods/<id>/context/."""

from datetime import timedelta

import pytest

from teams import clock
from teams.models import ContextItem, Person, Pod
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def item(pod, name, *, keeper=None, days=30, verified_ago=5, layer="project"):
    return ContextItem.objects.create(
        pod=pod,
        name=name,
        layer=layer,
        location=f"https://wiki.example.com/{name.lower().replace(' ', '-')}",
        keeper=keeper,
        review_days=days,
        last_verified=None
        if verified_ago is None
        else clock.today() - timedelta(days=verified_ago),
    )


def person(user) -> Person:
    return Person.objects.get(user=user)


@pytest.fixture
def mapped(personas):
    lead, member = person(personas.pod_lead), person(personas.member)
    fresh = item(personas.pod_a, "Product brief", keeper=lead, days=90, verified_ago=10)
    stale = item(
        personas.pod_a, "Runbook", keeper=member, days=30, verified_ago=31, layer="working"
    )
    edge = item(personas.pod_a, "Decision log", keeper=member, days=30, verified_ago=30)
    return fresh, stale, edge


def test_it_flags_stale_items_only_once_their_interval_has_passed(personas, mapped):
    fresh, stale, edge = mapped
    today = clock.today()
    assert not fresh.is_stale(today)
    assert stale.is_stale(today)  # verified 31 days ago, every 30 days: due yesterday
    assert not edge.is_stale(today)  # due today: not yet before today
    assert ContextItem(review_days=30, last_verified=None).is_stale(today)


def test_it_shows_the_pods_map_with_stale_and_missing_items(client, personas, mapped):
    login(client, personas.member)
    r = client.get(f"/pods/{personas.pod_a.pk}/context/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="stale-count">1 stale' in html
    assert 'data-testid="missing-count">3 missing' in html
    for missing in ("Architecture notes", "Customer research", "Metric definitions"):
        assert missing in html
    assert html.count("Verified today") == 2  # the member keeps the runbook and the log
    assert "Add an item" not in html  # members do not edit the map


def test_it_lets_only_the_keeper_verify_in_one_click(client, personas, mapped):
    _, stale, _ = mapped
    login(client, personas.pod_lead)  # the Pod Lead does not keep the runbook
    assert (
        client.post(f"/pods/{personas.pod_a.pk}/context/items/{stale.pk}/verify/").status_code
        == 403
    )
    login(client, personas.member)
    r = client.post(f"/pods/{personas.pod_a.pk}/context/items/{stale.pk}/verify/", headers=HTMX)
    assert r.status_code == 200
    assert "“Runbook” verified today." in r.content.decode()
    stale.refresh_from_db()
    assert stale.last_verified == clock.today() and not stale.is_stale()


def test_it_lets_the_pod_lead_add_edit_and_remove_items(client, personas, mapped):
    login(client, personas.pod_lead)
    url = f"/pods/{personas.pod_a.pk}/context/items/"
    form = client.get(url + "?template=Metric+definitions", headers=HTMX).content.decode()
    assert 'value="Metric definitions"' in form
    r = client.post(
        url,
        {
            "name": "Metric definitions",
            "layer": "organisation",
            "location": "docs/metrics.md",
            "keeper": person(personas.member).pk,
            "review_days": "90",
            "last_verified": "",
        },
        headers=HTMX,
    )
    assert r.status_code == 200 and "Added “Metric definitions”." in r.content.decode()
    added = ContextItem.objects.get(name="Metric definitions")
    assert added.last_verified is None and added.is_stale()
    r = client.post(
        f"{url}{added.pk}/",
        {
            "name": "Metric definitions",
            "layer": "organisation",
            "location": "docs/metric-definitions.md",
            "keeper": person(personas.pod_lead).pk,
            "review_days": "60",
            "last_verified": clock.today().isoformat(),
        },
        headers=HTMX,
    )
    assert "Saved" in r.content.decode()
    added.refresh_from_db()
    assert (added.location, added.review_days) == ("docs/metric-definitions.md", 60)
    client.post(f"{url}{added.pk}/remove/", headers=HTMX)
    assert not ContextItem.objects.filter(pk=added.pk).exists()


def test_it_refuses_bad_items_naming_the_field(client, personas, mapped):
    login(client, personas.pod_lead)
    url = f"/pods/{personas.pod_a.pk}/context/items/"
    r = client.post(
        url,
        {
            "name": "runbook",
            "layer": "galaxy",
            "location": "",
            "keeper": person(personas.outsider).pk,  # not of this pod
            "review_days": "0",
            "last_verified": (clock.today() + timedelta(days=3)).isoformat(),
        },
        headers=HTMX,
    )
    html = r.content.decode()
    assert "Layer: Select a valid choice." in html
    assert "Location: This field is required." in html
    assert "Keeper: Select a valid choice." in html
    assert "Review every (days): Ensure this value is greater than or equal to 1." in html
    r = client.post(
        url,
        {
            "name": "runbook",
            "layer": "working",
            "location": "x",
            "review_days": "30",
            "last_verified": (clock.today() + timedelta(days=3)).isoformat(),
        },
        headers=HTMX,
    )
    html = r.content.decode()
    assert "The pod already has an item named “runbook”." in html
    assert "is in the future" in html
    assert ContextItem.objects.count() == 3


def test_it_keeps_members_and_outsiders_from_editing(client, personas, mapped):
    fresh, *_ = mapped
    login(client, personas.member)
    url = f"/pods/{personas.pod_a.pk}/context/items/"
    assert client.post(url, {"name": "X"}).status_code == 403
    assert client.post(f"{url}{fresh.pk}/remove/").status_code == 403
    login(client, personas.outsider)
    assert client.get(f"/pods/{personas.pod_a.pk}/context/").status_code == 404
    assert client.post(f"{url}{fresh.pk}/verify/").status_code == 404
    assert client.get(f"/api/pods/{personas.pod_a.pk}/context/").status_code == 404
    login(client, personas.other_lead)
    assert client.get(f"/pods/{personas.pod_a.pk}/context/").status_code == 404
    assert client.get(f"/pods/{personas.pod_b.pk}/context/items/{fresh.pk}/").status_code == 404


def test_it_answers_the_map_through_the_api(client, personas, mapped):
    login(client, personas.member)
    body = client.get(f"/api/pods/{personas.pod_a.pk}/context/").json()
    assert body["pod"] == personas.pod_a.pk
    by_name = {i["name"]: i for i in body["items"]}
    assert by_name["Runbook"]["stale"] is True and by_name["Product brief"]["stale"] is False
    assert by_name["Runbook"]["keeper"] == {
        "id": person(personas.member).pk,
        "name": "Mo Member",
        "active": True,
    }
    assert by_name["Runbook"]["due_on"] == (clock.today() - timedelta(days=1)).isoformat()
    assert [m["name"] for m in body["missing"]] == [
        "Architecture notes",
        "Customer research",
        "Metric definitions",
    ]


def test_it_shows_leads_the_org_by_pod_and_by_keeper(client, personas, mapped):
    gone = make_person(personas.unit_a, "Gail Gone")
    gone.is_active = False
    gone.save()
    other = Pod.objects.create(name="Pricing", org_unit=personas.unit_a)
    item(other, "Runbook", keeper=gone, verified_ago=100)
    item(personas.pod_b, "Runbook", keeper=person(personas.outsider))  # unit B: not shown
    login(client, personas.org_lead)
    r = client.get("/context/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-stat="stale">2<' in html
    assert 'data-stat="missing">8<' in html  # 3 for Onboarding, 5 for Pricing
    assert 'data-stat="keeper-left">1<' in html
    by_keeper = html[html.index('data-testid="by-keeper"') :]
    assert by_keeper.index("Gail Gone") < by_keeper.index("Mo Member") < by_keeper.index("Paula")
    assert "Xena" not in html
    for user in (personas.pod_lead, personas.member):
        login(client, user)
        assert client.get("/context/").status_code == 403
    login(client, personas.other_lead)
    assert client.get("/context/?unit=growth").status_code == 404


def test_it_renders_the_context_pages_with_constant_queries(
    client, personas, mapped, django_assert_num_queries
):
    login(client, personas.org_lead)
    pod_url = f"/pods/{personas.pod_a.pk}/context/"
    n_pod = count_queries(lambda: client.get(pod_url))
    n_org = count_queries(lambda: client.get("/context/"))
    n_api = count_queries(lambda: client.get(f"/api/pods/{personas.pod_a.pk}/context/"))
    for i in range(20):
        keeper = make_person(personas.unit_a, f"Keeper {i}")
        pod = Pod.objects.create(name=f"Pod {i}", org_unit=personas.unit_a)
        item(pod, "Runbook", keeper=keeper, verified_ago=i * 3)
        item(personas.pod_a, f"Note {i}", keeper=keeper)
    with django_assert_num_queries(n_pod):
        client.get(pod_url)
    with django_assert_num_queries(n_org):
        client.get("/context/")
    with django_assert_num_queries(n_api):
        client.get(f"/api/pods/{personas.pod_a.pk}/context/")
