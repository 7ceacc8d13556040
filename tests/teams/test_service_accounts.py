"""/integrations/ and /api/service-accounts/: an Org Lead's integrations, their tokens once,
revoking them; the token authenticates (hashed at rest) and opens only the integration API."""

import hashlib

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from teams.integrations import services
from teams.models import Pod, ServiceAccount
from tests.conftest import count_queries, login

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_creates_an_integration_and_shows_its_token_once(client, personas):
    login(client, personas.org_lead)
    r = client.post("/integrations/", {"name": "Stripe feed", "pods": [personas.pod_a.pk]})
    assert r.status_code == 302 and r["Location"] == "/integrations/"
    account = ServiceAccount.objects.get()
    assert account.owner == personas.org_lead and list(account.pods.all()) == [personas.pod_a]
    page = client.get("/integrations/")
    key = page.context["new_key"]["key"]
    assert key.startswith("pwsa_") and key in page.content.decode()
    # Hashed at rest; the page lists the account with its key's start only, the next time.
    assert account.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ServiceAccount.objects.values_list().get())
    again = client.get("/integrations/").content.decode()
    assert key not in again and account.key_start in again and "Stripe feed" in again
    assert "never" in again  # last used


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "pods": ["A"]}, "name"),
        ({"name": "x" * 121, "pods": ["A"]}, "name"),
        ({"name": "Feed"}, "pods"),
        ({"name": "Feed", "pods": ["B"]}, "pods"),  # another unit's pod
        ({"name": "Feed", "pods": ["999999"]}, "pods"),
        ({"name": "Feed", "pods": ["gone"]}, "pods"),  # dissolved
    ],
)
def test_it_refuses_a_bad_integration_naming_the_field(client, personas, data, field):
    gone = Pod.objects.create(name="Gone", org_unit=personas.unit_a, status="dissolved")
    swap = {"A": personas.pod_a.pk, "B": personas.pod_b.pk, "gone": gone.pk}
    data = {**data, "pods": [swap.get(p, p) for p in data.get("pods", [])]}
    login(client, personas.org_lead)
    r = client.post("/integrations/", data)
    assert r.status_code == 400 and field in r.context["form"].errors
    assert not ServiceAccount.objects.exists()


def test_it_is_for_org_leads_only(client, personas):
    account, _ = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get("/integrations/").status_code == 403
        r = client.post("/integrations/", {"name": "Mine", "pods": [personas.pod_a.pk]})
        assert r.status_code == 403
        assert client.post(f"/integrations/{account.pk}/revoke/").status_code == 403
    login(client, personas.other_lead)
    assert "Feed" not in client.get("/integrations/").content.decode()
    assert client.post(f"/integrations/{account.pk}/revoke/").status_code == 404
    account.refresh_from_db()
    assert not account.is_revoked


def test_a_fellow_lead_of_the_pods_unit_sees_and_may_revoke_it(client, personas):
    from tests.conftest import make_person

    colleague = make_person(personas.unit_a, "Cleo Colead", username="cleo")
    personas.unit_a.leads.add(colleague)
    account, _ = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    both, _ = services.service_account_create(
        user=personas.admin, name="Both units", pod_ids=[personas.pod_a.pk, personas.pod_b.pk]
    )
    login(client, colleague.user)
    accounts = list(client.get("/integrations/").context["accounts"])
    assert accounts == [account]  # not the admin's, which also writes for Platform
    assert client.post(f"/integrations/{both.pk}/revoke/").status_code == 404
    assert client.post(f"/integrations/{account.pk}/revoke/").status_code == 302
    account.refresh_from_db()
    assert account.is_revoked


def test_it_lists_integrations_in_a_constant_number_of_queries(
    client, personas, django_assert_num_queries
):
    services.service_account_create(user=personas.org_lead, name="F0", pod_ids=[personas.pod_a.pk])
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/integrations/"))
    for i in range(1, 20):
        pod = Pod.objects.create(name=f"P{i}", org_unit=personas.unit_a)
        services.service_account_create(
            user=personas.org_lead, name=f"F{i}", pod_ids=[pod.pk, personas.pod_a.pk]
        )
    with django_assert_num_queries(n):
        assert len(client.get("/integrations/").context["accounts"]) == 20
    n_api = count_queries(lambda: client.get("/api/service-accounts/"))
    services.service_account_create(user=personas.org_lead, name="F+", pod_ids=[pod.pk])
    with django_assert_num_queries(n_api):
        assert len(client.get("/api/service-accounts/").json()) == 21


# --- the token ------------------------------------------------------------------------------


def test_a_revoked_token_stops_working_at_once(client, personas):
    account, key = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    assert _token_client(key).get("/api/metrics/").status_code == 200
    login(client, personas.org_lead)
    assert client.post(f"/integrations/{account.pk}/revoke/").status_code == 302
    r = _token_client(key).get("/api/metrics/")
    assert r.status_code in (401, 403) and "revoked" in r.json()["detail"]
    assert "revoked" in client.get("/integrations/").content.decode()


def test_a_wrong_key_is_refused_and_an_admin_made_token_still_works(personas):
    services.service_account_create(user=personas.org_lead, name="F", pod_ids=[personas.pod_a.pk])
    assert _token_client("pwsa_not-a-key").get("/api/metrics/").status_code in (401, 403)
    token = Token.objects.create(user=personas.pod_lead)
    r = _token_client(token.key).get("/api/people/")
    assert r.status_code == 200


def test_a_service_account_token_opens_only_the_integration_api(personas):
    _, key = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    client = _token_client(key)
    assert client.get("/api/metrics/").status_code == 200
    assert client.get("/api/observations/").status_code == 200
    for url in ("/api/people/", "/api/org-units/", "/api/service-accounts/", "/api/periods/"):
        assert client.get(url).status_code == 403, url
    r = client.post("/api/service-accounts/", {"name": "x", "pods": [1]}, format="json")
    assert r.status_code == 403 and ServiceAccount.objects.count() == 1


def test_it_records_when_a_token_was_last_used(personas):
    account, key = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    assert account.last_used_at is None
    _token_client(key).get("/api/metrics/")
    account.refresh_from_db()
    assert account.last_used_at is not None and account.rows_sent == 0


# --- the API --------------------------------------------------------------------------------


def test_the_api_creates_lists_and_revokes(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/api/service-accounts/",
        {"name": "Stripe feed", "pods": [personas.pod_a.pk]},
        content_type=JSON,
    )
    assert r.status_code == 201
    body = r.json()
    key = body["token"]
    assert key.startswith("pwsa_") and body["pods"] == [personas.pod_a.pk]
    assert body["key_start"] == key[:12] and body["rows_sent"] == 0
    listed = client.get("/api/service-accounts/").json()
    assert [a["id"] for a in listed] == [body["id"]] and "token" not in listed[0]
    assert "token" not in client.get(f"/api/service-accounts/{body['id']}/").json()
    assert client.delete(f"/api/service-accounts/{body['id']}/").status_code == 204
    assert client.get("/api/service-accounts/").json()[0]["revoked"] is True
    assert _token_client(key).get("/api/metrics/").status_code in (401, 403)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"pods": ["A"]}, "name"),
        ({"name": "", "pods": ["A"]}, "name"),
        ({"name": "Nul\u0000", "pods": ["A"]}, "name"),
        ({"name": "Feed"}, "pods"),
        ({"name": "Feed", "pods": []}, "pods"),
        ({"name": "Feed", "pods": "A"}, "pods"),
        ({"name": "Feed", "pods": ["B"]}, "pods"),
        ({"name": "Feed", "pods": [999999]}, "pods"),
        ({"name": "Feed", "pods": ["A"], "scope": "all"}, "scope"),
    ],
)
def test_the_api_refuses_bad_input_naming_the_field(client, personas, body, field):
    swap = {"A": personas.pod_a.pk, "B": personas.pod_b.pk}
    if isinstance(body.get("pods"), list):
        body = {**body, "pods": [swap.get(p, p) for p in body["pods"]]}
    login(client, personas.org_lead)
    r = client.post("/api/service-accounts/", body, content_type=JSON)
    assert r.status_code == 400 and field in str(r.json()), r.json()
    assert not ServiceAccount.objects.exists()


def test_the_api_answers_403_to_members_and_pod_leads_and_404_to_another_lead(client, personas):
    account, _ = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    url = f"/api/service-accounts/{account.pk}/"
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get("/api/service-accounts/").status_code == 403
        body = {"name": "Mine", "pods": [personas.pod_a.pk]}
        assert client.post("/api/service-accounts/", body, content_type=JSON).status_code == 403
        assert client.delete(url).status_code == 403
    login(client, personas.other_lead)
    assert client.get("/api/service-accounts/").json() == []
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    body = {"name": "Theirs", "pods": [personas.pod_a.pk]}
    r = client.post("/api/service-accounts/", body, content_type=JSON)
    assert r.status_code == 400 and "pods" in r.json()
    account.refresh_from_db()
    assert not account.is_revoked and ServiceAccount.objects.count() == 1


def test_a_service_account_has_its_own_rate_and_guessed_keys_count_as_anonymous(
    personas, monkeypatch
):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "50/min", "token": "4/min"}
    )
    _, key = services.service_account_create(
        user=personas.org_lead, name="Feed", pod_ids=[personas.pod_a.pk]
    )
    client = _token_client(key)
    assert [client.get("/api/metrics/").status_code for _ in range(5)] == [200] * 4 + [429]
    guess = _token_client("pwsa_guessed")
    assert [guess.get("/api/metrics/").status_code for _ in range(4)][-1] == 429
