"""API rate limits: per user and per token, anonymous stricter, bad tokens count as anonymous."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import login

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
URL = "/api/people/"


@pytest.fixture
def low_rates(monkeypatch):
    # The throttles read their rates when the class is imported: patch them where they live.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "6/min", "token": "4/min"}
    )


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _statuses(client, n: int, **extra) -> list[int]:
    return [client.get(URL, **extra).status_code for _ in range(n)]


def test_it_throttles_a_token_with_429_json_and_retry_after(personas, low_rates):
    client = _token_client(personas.org_lead)
    assert _statuses(client, 4) == [200] * 4
    r = client.get(URL)
    assert r.status_code == 429
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(r["Retry-After"]) <= 60


def test_each_user_and_token_has_its_own_budget(personas, low_rates):
    lead = _token_client(personas.org_lead)
    assert _statuses(lead, 5) == [200] * 4 + [429]
    assert _statuses(_token_client(personas.other_lead), 4) == [200] * 4


def test_a_user_is_counted_across_session_and_token(client, personas, low_rates):
    login(client, personas.org_lead)
    assert _statuses(client, 3) == [200] * 3
    token = _token_client(personas.org_lead)
    assert _statuses(token, 4) == [200, 200, 200, 429]  # 6 per user in all


def test_anonymous_callers_are_throttled_sooner(personas, low_rates):
    anon = APIClient()
    assert _statuses(anon, 4) == [403, 403, 403, 429]
    r = anon.get(URL)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def test_bad_tokens_count_as_anonymous(personas, low_rates):
    guesser = APIClient()
    guesser.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert guesser.get(URL).json() == {"detail": "Invalid token."}
    assert _statuses(guesser, 3) == [403, 403, 429]
    assert APIClient().get(URL).status_code == 429  # the same address, no token: same budget
    # A valid token from the same address has its own budget.
    assert _token_client(personas.org_lead).get(URL).status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(personas, low_rates):
    anon = APIClient()
    statuses = [anon.get(URL, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]
    assert statuses == [403, 403, 403, 429]


def test_the_default_rates_are_anonymous_stricter_and_read_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("API_RATE_")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "{'anon': '30/min', 'user': '240/min', 'token': '120/min'}"
    env["API_RATE_TOKEN"] = "1000/hour"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "'token': '1000/hour'" in out
