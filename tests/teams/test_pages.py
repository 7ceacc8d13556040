import pytest

from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def test_it_renders_the_people_list_with_constant_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.org_lead)
    r = client.get("/people/")
    assert r.status_code == 200
    n_small = count_queries(lambda: client.get("/people/"))
    assert n_small <= 10  # one of them: any move or off-boarding whose day has come
    for i in range(25):
        make_person(personas.unit_a, f"Extra {i}")
    with django_assert_num_queries(n_small):
        client.get("/people/")


def test_it_renders_only_the_results_for_htmx(client, personas):
    login(client, personas.org_lead)
    r = client.get("/people/?q=mo", headers={"HX-Request": "true"})
    assert b"<html" not in r.content
    assert b"Mo Member" in r.content and b"Olga" not in r.content


def test_it_says_so_when_no_one_matches(client, personas):
    login(client, personas.org_lead)
    assert "No one matches" in client.get("/people/?q=zzz").content.decode()


def test_it_renders_the_pod_list_with_constant_queries(client, personas, django_assert_num_queries):
    from teams.models import Pod

    login(client, personas.org_lead)
    n_small = count_queries(lambda: client.get("/pods/"))
    assert n_small <= 9
    for i in range(10):
        Pod.objects.create(name=f"P{i}", org_unit=personas.unit_a)
    with django_assert_num_queries(n_small):
        client.get("/pods/")


def test_it_shows_the_member_home_with_their_pod(client, personas):
    login(client, personas.member)
    page = client.get("/").content.decode()
    assert "Onboarding" in page
