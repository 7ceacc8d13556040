import csv
import io
from datetime import date

import pytest

from teams.models import Pod, PodMembership
from teams.profiles.services import assessment_create
from teams.traits import TRAITS
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def _assess(person, **scores):
    base = {t: 10 for t in TRAITS}
    assessment_create(person=person, source="lead", assessor=None, scores={**base, **scores})


@pytest.fixture
def org(personas):
    _assess(personas.member.person, architect=90)
    _assess(personas.pod_lead.person, builder=95)
    free = make_person(personas.unit_a, "Fay Free")
    _assess(free, signal_reader=88)
    make_person(personas.unit_a, "Nell New")  # no assessment, no pod
    return personas


def _names(client, url):
    r = client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200
    body = r.content.decode()
    return [
        n
        for n in (
            "Olga Lead",
            "Paula Podlead",
            "Mo Member",
            "Fay Free",
            "Nell New",
            "Xena Outsider",
        )
        if n in body
    ]


def test_it_filters_the_directory(client, org):
    login(client, org.org_lead)
    assert _names(client, "/people/?trait=architect") == ["Mo Member"]
    assert _names(client, f"/people/?pod={org.pod_a.pk}") == ["Paula Podlead", "Mo Member"]
    assert _names(client, "/people/?no_pod=1") == ["Olga Lead", "Fay Free", "Nell New"]
    assert _names(client, "/people/?no_assessment=1") == ["Olga Lead", "Nell New"]
    assert _names(client, "/people/?no_pod=1&no_assessment=1&q=nell") == ["Nell New"]
    assert _names(client, f"/people/?unit={org.unit_a.pk}&trait=builder") == ["Paula Podlead"]
    # A unit the lead does not lead filters to nothing rather than disclosing anyone.
    assert _names(client, f"/people/?unit={org.unit_b.pk}") == []


def test_it_sorts_the_directory(client, org):
    login(client, org.org_lead)
    body = client.get(
        "/people/?sort=-signal_reader", headers={"HX-Request": "true"}
    ).content.decode()
    assert body.index("Fay Free") < body.index("Mo Member") < body.index("Nell New")
    body = client.get("/people/?sort=-name", headers={"HX-Request": "true"}).content.decode()
    assert body.index("Paula Podlead") < body.index("Fay Free")
    body = client.get("/people/", headers={"HX-Request": "true"}).content.decode()
    assert body.index("Fay Free") < body.index("Paula Podlead")  # no sort asked: by name


def test_it_shows_filter_menus_pods_and_trait_bars(client, org):
    login(client, org.org_lead)
    page = client.get("/people/").content.decode()
    assert f'<option value="{org.pod_a.pk}"' in page and "Billing" not in page
    assert 'class="minibars"' in page and "Onboarding" in page
    assert "no assessment yet" in page


def test_it_paginates_and_keeps_the_filters_in_the_page_links(client, org):
    for i in range(55):
        make_person(org.unit_a, f"Zed {i:02d}")
    login(client, org.org_lead)
    page = client.get("/people/?no_assessment=1").content.decode()
    assert "Page 1 of 2" in page and "no_assessment=1&amp;page=2" in page
    assert "Zed 54" in client.get("/people/?no_assessment=1&page=2").content.decode()


def test_it_keeps_the_directory_query_count_constant(client, org, django_assert_num_queries):
    login(client, org.org_lead)
    url = "/people/?sort=-builder"
    n = count_queries(lambda: client.get(url))
    for i in range(30):
        p = make_person(org.unit_a, f"More {i}")
        _assess(p, builder=i)
        pod = Pod.objects.create(name=f"Pod {i}", org_unit=org.unit_a)
        PodMembership.objects.create(pod=pod, person=p, start=date(2026, 1, 1))
    with django_assert_num_queries(n):
        client.get(url)
    n_htmx = count_queries(lambda: client.get(url, headers={"HX-Request": "true"}))
    make_person(org.unit_a, "One more")
    with django_assert_num_queries(n_htmx):
        client.get(url, headers={"HX-Request": "true"})


def test_it_is_for_org_leads_only(client, personas):
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get("/people/").status_code == 403
        assert client.get("/people/export.csv").status_code == 403
        assert client.get("/people/import/").status_code == 403


def test_it_exports_the_filtered_directory_as_csv_in_the_import_columns(client, org):
    login(client, org.org_lead)
    r = client.get("/people/export.csv?trait=architect")
    assert r["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0][:3] == ["name", "email", "org_unit"] and rows[0][-5:] == list(TRAITS)
    assert len(rows) == 2
    assert rows[1][:3] == ["Mo Member", "mo@example.com", "growth"]
    assert rows[1][-5:] == ["10", "90", "10", "10", "10"]
    everyone = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/people/export.csv").streaming_content).decode())
        )
    )
    assert len(everyone) == 6 and not any("Xena" in row[0] for row in everyone)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("unit=growth", "Org unit (unit)"),
        ("unit=0", "Org unit (unit)"),
        ("pod=1.5", "Pod (pod)"),
        ("trait=wizard", "Primary trait (trait)"),
        ("no_pod=maybe", "Not in a pod (no_pod)"),
        ("no_assessment=2", "No assessment yet (no_assessment)"),
        ("sort=nonsense", "Sort by (sort)"),
    ],
)
def test_it_refuses_a_bad_filter_value_naming_it_on_the_page(client, org, query, named):
    login(client, org.org_lead)
    r = client.get(f"/people/?{query}")
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="filter-errors"' in body and named in body
    assert "Mo Member" not in body  # no list that looks like an answer
    assert '<form class="filters' in body  # the form stays, to correct the value
    fragment = client.get(f"/people/?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200  # htmx swaps only 2xx answers
    assert named in fragment.content.decode() and "Mo Member" not in fragment.content.decode()


def test_it_refuses_a_bad_filter_value_in_the_csv_export_and_the_api(client, org):
    login(client, org.org_lead)
    r = client.get("/people/export.csv?trait=wizard&no_pod=1")
    assert r.status_code == 400 and r["Content-Type"].startswith("text/plain")
    assert "Primary trait (trait)" in r.content.decode() and "Mo Member" not in r.content.decode()
    r = client.get("/api/people/?unit=growth&sort=nonsense&q=mo")
    assert r.status_code == 400
    assert set(r.json()) == {"unit", "sort"}
    assert client.get("/api/people/?no_pod=true&sort=-builder").status_code == 200


def test_it_takes_the_same_filters_on_the_page_the_csv_and_the_api(client, org):
    login(client, org.org_lead)
    query = f"unit={org.unit_a.pk}&no_pod=true&no_assessment=1"
    assert _names(client, f"/people/?{query}") == ["Olga Lead", "Nell New"]
    csv_rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(f"/people/export.csv?{query}").streaming_content).decode()
            )
        )
    )
    assert [row[0] for row in csv_rows[1:]] == ["Nell New", "Olga Lead"]
    api = client.get(f"/api/people/?{query}").json()["results"]
    assert [p["name"] for p in api] == ["Nell New", "Olga Lead"]


def test_it_keeps_the_filtered_query_count_constant(client, org, django_assert_num_queries):
    login(client, org.org_lead)
    url = f"/people/?q=e&unit={org.unit_a.pk}&pod={org.pod_a.pk}&sort=-architect"
    api = f"/api/people/?q=e&unit={org.unit_a.pk}&no_pod=0&sort=-architect"
    n, n_api = count_queries(lambda: client.get(url)), count_queries(lambda: client.get(api))
    for i in range(20):
        p = make_person(org.unit_a, f"Eve {i}")
        _assess(p, architect=i)
        PodMembership.objects.create(pod=org.pod_a, person=p, start=date(2026, 1, 1))
    with django_assert_num_queries(n):
        client.get(url)
    with django_assert_num_queries(n_api):
        client.get(api)
