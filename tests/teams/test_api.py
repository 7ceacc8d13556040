import pytest

from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def test_it_lists_people_with_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.org_lead)
    n_small = count_queries(lambda: client.get("/api/people/"))
    assert n_small <= 8
    for i in range(30):
        make_person(personas.unit_a, f"Extra {i}")
    with django_assert_num_queries(n_small):
        r = client.get("/api/people/")
    assert r.json()["count"] == 33


def test_it_lists_pods_with_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    from teams.models import Pod

    login(client, personas.org_lead)
    n_small = count_queries(lambda: client.get("/api/pods/"))
    assert n_small <= 9
    for i in range(10):
        Pod.objects.create(name=f"P{i}", org_unit=personas.unit_a)
    with django_assert_num_queries(n_small):
        r = client.get("/api/pods/")
    assert r.json()["count"] == 11


def test_it_publishes_an_openapi_schema(client, personas):
    login(client, personas.member)
    r = client.get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/people/" in r.content


def test_it_serves_swagger_ui_offline(client, personas):
    login(client, personas.member)
    r = client.get("/api/docs/")
    assert r.status_code == 200
    assert b"cdn" not in r.content.lower()


def test_it_refuses_anonymous_api_calls(client, personas):
    assert client.get("/api/people/").status_code in (401, 403)
