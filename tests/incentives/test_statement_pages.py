"""Statements and pod pools: a member sees only their own statement and their pod's pool;
base pay stays private; another pod's payouts answer 404."""

from datetime import date
from decimal import Decimal

import pytest

from incentives.bonuses import services
from incentives.models import Payout
from teams.models import PodMembership
from tests.conftest import count_queries, login, make_person
from tests.incentives.bonus_factories import MONTH, bonus_world

pytestmark = pytest.mark.django_db


def approved(personas, unit=None, month=MONTH, lead=None):
    period = services.period_compute(user=None, org_unit=unit or personas.unit_a, month=month)
    return services.period_approve(user=lead or personas.org_lead, period=period)


def test_it_shows_a_member_their_statement_with_the_full_breakdown(client, personas):
    bonus_world(personas)
    period = approved(personas)
    login(client, personas.member)
    page = client.get(f"/bonus/{period.pk}/").content.decode()
    assert "3750.00 EUR" in page
    for figure in (
        "activation",
        "Equivalent cost E",
        "72000",
        "Dividend D",
        "57000",
        "Pool P",
        "7500.00",
        "Your weight",
        "Active days",
        "30 of 30",
        "Base pay",
        "7000",
    ):
        assert figure in page, figure
    assert 'class="no-print"' in page  # printable: the print stylesheet hides the chrome


def test_it_hides_unapproved_months_from_members(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.member)
    assert client.get(f"/bonus/{period.pk}/").status_code == 404
    assert client.get(f"/close/{period.pk}/pods/{personas.pod_a.pk}/").status_code == 404
    assert "No approved statements yet" in client.get("/bonus/").content.decode()


def test_it_answers_404_for_someone_elses_statement_and_another_pods_pool(client, personas):
    bonus_world(personas)
    period_a, period_b = (
        approved(personas),
        approved(personas, unit=personas.unit_b, lead=personas.other_lead),
    )
    login(client, personas.member)
    assert (
        client.get(f"/bonus/{period_a.pk}/people/{personas.pod_lead.person.pk}/").status_code == 404
    )
    assert (
        client.get(f"/bonus/{period_b.pk}/people/{personas.outsider.person.pk}/").status_code == 404
    )
    assert client.get(f"/close/{period_b.pk}/pods/{personas.pod_b.pk}/").status_code == 404
    assert client.get(f"/bonus/{period_b.pk}/").status_code == 404


def test_it_shows_a_member_their_pods_pool_but_not_the_others_payouts(client, personas):
    bonus_world(personas)
    period = approved(personas)
    login(client, personas.member)
    page = client.get(f"/close/{period.pk}/pods/{personas.pod_a.pk}/").content.decode()
    assert "7500.00" in page and "pod pool" in page
    assert "Paula Podlead" not in page and "3750.00" not in page


def test_it_shows_the_lead_every_payout_of_the_pod(client, personas):
    bonus_world(personas)
    period = approved(personas)
    login(client, personas.org_lead)
    page = client.get(f"/close/{period.pk}/pods/{personas.pod_a.pk}/").content.decode()
    assert "Paula Podlead" in page and "Mo Member" in page and page.count("3750.00") == 2


def test_it_keeps_base_pay_from_a_lead_of_another_unit(client, personas):
    """Otto leads unit B; a unit-A person working in a unit-B pod gets a unit-B statement:
    Otto sees the payout, not the person's base pay."""
    world = bonus_world(personas)
    borrowed = make_person(personas.unit_a, "Bea Borrowed", username="bea", pay="9100")
    PodMembership.objects.create(pod=personas.pod_b, person=borrowed, start=date(2026, 1, 1))
    period = approved(personas, unit=personas.unit_b, lead=personas.other_lead)
    assert world
    login(client, personas.other_lead)
    page = client.get(f"/bonus/{period.pk}/people/{borrowed.pk}/").content.decode()
    assert "Bea Borrowed" in page and "Your share" in page
    assert "9100" not in page and "9,100" not in page and "Base pay" not in page
    login(client, personas.org_lead)  # leads Bea's own unit, not the pod's: no statement
    assert client.get(f"/bonus/{period.pk}/people/{borrowed.pk}/").status_code == 404
    login(client, borrowed.user)
    assert "at 9,100" in client.get(f"/bonus/{period.pk}/").content.decode()


def test_it_shows_an_adjustment_as_such_on_the_statement(client, personas):
    bonus_world(personas)
    september = approved(personas)
    payout = services.adjustment_create(
        user=personas.org_lead,
        period=september,
        person=personas.member.person,
        pod=personas.pod_a,
        amount=Decimal("50.00"),
        note="Missed NPS survey",
    )
    october = services.period_compute(user=None, org_unit=personas.unit_a, month=date(2026, 10, 1))
    services.period_approve(user=personas.org_lead, period=october)
    login(client, personas.member)
    page = client.get(f"/bonus/{payout.period_id}/").content.decode()
    assert (
        "Adjustment" in page and "corrects September 2026" in page and "Missed NPS survey" in page
    )


def test_it_lists_my_statements_in_constant_queries(client, personas, django_assert_num_queries):
    bonus_world(personas)
    approved(personas)
    login(client, personas.member)
    n = count_queries(lambda: client.get("/bonus/"))
    for month in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)):
        approved(personas, month=month)
    with django_assert_num_queries(n):
        page = client.get("/bonus/").content.decode()
    assert "September 2026" in page and "June 2026" in page


def test_it_projects_my_pool_and_share_if_a_metric_reaches_a_value(client, personas):
    bonus_world(personas)
    login(client, personas.member)
    page = client.get("/bonus/").content.decode()
    assert "what if" in page and 'name="metric"' in page
    response = client.post(
        "/bonus/what-if/",
        {"pod": personas.pod_a.pk, "metric": "activation", "value": "40"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert (
        "If Activation rate reaches 40 this month, Onboarding's pool is <strong>7500.00 EUR"
        "</strong> and my share is <strong>3750.00 EUR</strong>"
    ) in text
    bad = client.post(
        "/bonus/what-if/",
        {"pod": personas.pod_a.pk, "metric": "activation", "value": "lots"},
        headers={"HX-Request": "true"},
    )
    assert "is not a number" in bad.content.decode()
    other = client.post(
        "/bonus/what-if/", {"pod": personas.pod_b.pk, "metric": "activation", "value": "1"}
    )
    assert other.status_code == 404
    assert not Payout.objects.exists()
