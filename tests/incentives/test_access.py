"""Incentive objects through incentives.permissions: the close pages and the API answer alike
(404 for another unit's object, 403 for members); pools and statements once approved."""

import pytest

from incentives.bonuses import services
from tests.conftest import login
from tests.incentives.bonus_factories import MONTH, bonus_world

pytestmark = pytest.mark.django_db


def _close_urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/close/{pk}/"),
        ("post", f"/close/{pk}/compute/"),
        ("post", f"/close/{pk}/approve/"),
        ("post", f"/close/{pk}/lock/"),
        ("get", f"/close/{pk}/adjust/"),
        ("get", f"/close/{pk}/what-if/"),
        ("get", f"/api/periods/{pk}/"),
        ("post", f"/api/periods/{pk}/approve/"),
        ("get", f"/api/periods/{pk}/payouts/"),
    ]


def test_it_answers_a_period_alike_on_the_close_pages_and_the_api(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        for method, url in _close_urls(period.pk):
            assert getattr(client, method)(url).status_code == 403, (user, url)
    login(client, personas.other_lead)
    for method, url in _close_urls(period.pk):
        assert getattr(client, method)(url).status_code == 404, url
    login(client, personas.org_lead)
    for method, url in _close_urls(period.pk + 1000):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(f"/close/{period.pk}/").status_code == 200
    assert client.get(f"/api/periods/{period.pk}/").json()["status"] == "computed"
    period.refresh_from_db()
    assert period.status == "computed"  # nothing above changed it


def test_it_answers_a_plan_alike_for_the_page_and_the_copy_link(client, personas):
    world = bonus_world(personas)
    plan_b = world["plan_b"]
    login(client, personas.other_lead)
    assert client.get(f"/plans/{plan_b.pk}/").status_code == 200
    login(client, personas.org_lead)
    assert client.get(f"/plans/{plan_b.pk}/").status_code == 404
    assert client.get(f"/plans/new/?from={plan_b.pk}").status_code == 404
    login(client, personas.member)
    assert client.get(f"/plans/{world['plan_a'].pk}/").status_code == 403


def test_it_shows_a_pods_pool_and_statements_to_members_only_once_approved(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    pool = f"/close/{period.pk}/pods/{personas.pod_a.pk}/"
    login(client, personas.member)
    assert client.get(pool).status_code == 404
    assert client.get(f"/bonus/{period.pk}/").status_code == 404
    login(client, personas.org_lead)
    assert client.get(pool).status_code == 200
    services.period_approve(user=personas.org_lead, period=period)
    login(client, personas.member)
    assert client.get(pool).status_code == 200
    assert client.get(f"/bonus/{period.pk}/").status_code == 200
    # another unit's pod in this period, and a period of another unit
    assert client.get(f"/close/{period.pk}/pods/{personas.pod_b.pk}/").status_code == 404
    login(client, personas.outsider)
    assert client.get(pool).status_code == 404
    assert client.get(f"/bonus/{period.pk}/people/{personas.member.person.pk}/").status_code == 404


def test_it_projects_only_pods_one_was_in(client, personas):
    bonus_world(personas)
    login(client, personas.outsider)
    response = client.post(
        "/bonus/what-if/", {"pod": personas.pod_a.pk, "metric": "activation", "value": "40"}
    )
    assert response.status_code == 404
    login(client, personas.member)
    response = client.post(
        "/bonus/what-if/",
        {"pod": personas.pod_a.pk + 1000, "metric": "activation", "value": "40"},
    )
    assert response.status_code == 404
