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
    body = client.get("/people/?sort=nonsense", headers={"HX-Request": "true"}).content.decode()
    assert body.index("Fay Free") < body.index("Paula Podlead")  # unknown sort: by name


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
