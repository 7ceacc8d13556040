from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_200_when_the_database_answers(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


def test_it_answers_503_when_the_database_fails(client):
    with mock.patch("teams.views.connection.cursor", side_effect=RuntimeError("down")):
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
