"""Login lockout: five wrong passwords for one username from one address lock that pair out."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = {"username": "mo", "password": "not-the-password"}
RIGHT = {"username": "mo", "password": PASSWORD}


def _fail(client, times: int, url: str = "/accounts/login/", data=WRONG, **extra):
    return [client.post(url, data, **extra).status_code for _ in range(times)]


def test_it_locks_out_after_five_failures_and_says_until_when(client, personas):
    assert _fail(client, 4) == [200] * 4
    r = client.post("/accounts/login/", WRONG)
    assert r.status_code == 429
    assert r["Retry-After"] == "900"
    html = r.content.decode()
    assert 'data-testid="lockout"' in html
    until = timezone.localtime(timezone.now() + timedelta(minutes=15))
    assert "blocked for 15 minutes" in html and f"try again after {until:%H:%M}" in html
    assert 'name="username"' in html and 'value="mo"' in html  # the form, not an error page

    r = client.post("/accounts/login/", RIGHT)  # the right password does not get through
    assert r.status_code == 429
    assert client.get("/").status_code == 302  # still logged out


def test_it_lets_the_user_in_again_after_the_cool_off(client, personas):
    _fail(client, 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=True):
        r = client.post("/accounts/login/", RIGHT)
        assert r.status_code == 302 and r["Location"] == "/"


def test_it_locks_only_that_username_from_that_address(client, personas):
    _fail(client, 5)
    other_user = {"username": "paula", "password": PASSWORD}
    assert client.post("/accounts/login/", other_user).status_code == 302
    client.post("/accounts/logout/")
    r = client.post("/accounts/login/", RIGHT, REMOTE_ADDR="203.0.113.9")
    assert r.status_code == 302


def test_a_forged_forwarded_for_header_does_not_buy_more_tries(client, personas):
    statuses = [
        client.post("/accounts/login/", WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_a_successful_login_clears_the_failures(client, personas):
    _fail(client, 4)
    assert client.post("/accounts/login/", RIGHT).status_code == 302
    client.post("/accounts/logout/")
    assert _fail(client, 4) == [200] * 4


def test_the_admin_login_is_locked_out_too(client, personas):
    wrong = {"username": "root", "password": "guess", "next": "/admin/"}
    assert _fail(client, 4, "/admin/login/", wrong) == [200] * 4
    r = client.post("/admin/login/", wrong)
    assert r.status_code == 429 and 'data-testid="lockout"' in r.content.decode()
    r = client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert r.status_code == 429
    assert client.get("/admin/").status_code == 302  # not logged in


def test_a_script_gets_the_lockout_as_json(client, personas):
    _fail(client, 5)
    r = client.post("/accounts/login/", RIGHT, HTTP_ACCEPT="application/json")
    assert r.status_code == 429 and int(r["Retry-After"]) == 900
    assert r.json()["detail"].startswith("Too many failed log-ins")
