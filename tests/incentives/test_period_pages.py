"""Month close pages: compute on demand, the review screen, approve/lock, adjustments, what-if."""

from datetime import date

import pytest

from incentives.bonuses import services
from incentives.models import IncentivePeriod, Observation, Payout, PodResult
from tests.conftest import count_queries, login, make_person
from tests.incentives.bonus_factories import MONTH, bonus_world, grow_unit, observe

pytestmark = pytest.mark.django_db


def test_it_computes_a_month_on_demand_and_redirects_to_the_review(client, personas):
    bonus_world(personas)
    login(client, personas.org_lead)
    response = client.post(
        "/close/",
        {"org_unit": personas.unit_a.pk, "month": "2026-09"},
        headers={"HX-Request": "true"},
    )
    period = IncentivePeriod.objects.get()
    assert response["HX-Redirect"] == f"/close/{period.pk}/"
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert "7500.00" in page and "Approve" in page and "Computed 2 pods" not in page


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2030-01", "That month has not started yet."),
        ("2025-12", "Growth has no incentive plan in force for 2025-12."),
        ("soon", "Enter a valid date."),
        ("0001-01", "0001-01-01 is out of range: the year must be 1900 to 2100."),
    ],
)
def test_it_refuses_a_bad_compute_request(client, personas, month, expected):
    bonus_world(personas)
    login(client, personas.org_lead)
    response = client.post(
        "/close/", {"org_unit": personas.unit_a.pk, "month": month}, headers={"HX-Request": "true"}
    )
    assert expected in response.content.decode()
    assert not IncentivePeriod.objects.exists()


def test_it_lists_what_to_look_at_before_approving(client, personas):
    world = bonus_world(personas)
    ma = world["metrics_a"]
    flagged = observe(ma["activation"], personas.pod_a, date(2026, 9, 30), 41)
    Observation.objects.filter(pk=flagged.pk).update(
        flag="flagged", flag_reason="Jump of 25 points"
    )
    make_person_pod = grow_unit(personas.unit_a, 1, person_factory=make_person, metrics=ma, tag="q")
    assert make_person_pod is None
    Observation.objects.filter(pod__name="Pod q0").delete()
    services.period_compute(user=None, org_unit=personas.unit_a, month=date(2026, 8, 1))
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert "Jump of 25 points" in page  # flagged observation
    assert "Pod q0</a> — no observation for activation" in page  # missing data
    assert "Largest changes from last month" in page and "+3300.00" in page
    assert f'id="total-to-pay">{period.totals["total"]}<' in page and period.totals["pods"] == 2


def test_it_approves_and_locks_with_audit(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    client.post(f"/close/{period.pk}/approve/")
    period.refresh_from_db()
    assert period.status == "approved"
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert (
        "period.approve" in page and "Record an adjustment" in page and 'id="approve"' not in page
    )
    response = client.post(f"/close/{period.pk}/compute/", follow=True)
    assert "cannot be recomputed" in response.content.decode()
    client.post(f"/close/{period.pk}/lock/")
    period.refresh_from_db()
    assert period.status == "locked"


def test_it_records_an_adjustment_from_the_form(client, personas):
    bonus_world(personas)
    period = services.period_approve(
        user=personas.org_lead,
        period=services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH),
    )
    login(client, personas.org_lead)
    bad = client.post(
        f"/close/{period.pk}/adjust/",
        {"person": personas.member.person.pk, "pod": personas.pod_a.pk, "amount": "0", "note": "x"},
    )
    assert "An adjustment of 0 changes nothing." in bad.content.decode()
    response = client.post(
        f"/close/{period.pk}/adjust/",
        {
            "person": personas.member.person.pk,
            "pod": personas.pod_a.pk,
            "amount": "25.10",
            "note": "Late NPS",
        },
    )
    adjustment = Payout.objects.get(is_adjustment=True)
    assert response["Location"] == f"/close/{adjustment.period_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Late NPS" in page and "Sep 2026" in page


def test_it_keeps_the_review_in_constant_queries(client, personas, django_assert_num_queries):
    world = bonus_world(personas)
    services.period_compute(user=None, org_unit=personas.unit_a, month=date(2026, 8, 1))
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    url = f"/close/{period.pk}/"
    n = count_queries(lambda: client.get(url))
    grow_unit(personas.unit_a, 12, person_factory=make_person, metrics=world["metrics_a"], tag="r")
    services.period_compute(user=None, org_unit=personas.unit_a, month=date(2026, 8, 1))
    services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    with django_assert_num_queries(n):
        page = client.get(url).content.decode()
    assert "Pod r11" in page
    list_n = count_queries(lambda: client.get("/close/"))
    services.period_compute(user=None, org_unit=personas.unit_a, month=date(2026, 7, 1))
    with django_assert_num_queries(list_n):
        client.get("/close/")


@pytest.mark.parametrize(
    "url", ["/close/", "/close/{pk}/", "/close/{pk}/what-if/", "/close/{pk}/adjust/"]
)
def test_it_forbids_the_month_close_to_members(client, personas, url):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.member)
    assert client.get(url.format(pk=period.pk)).status_code == 403
    assert client.post(f"/close/{period.pk}/approve/").status_code == 403
    period.refresh_from_db()
    assert period.status == "computed"


def test_it_hides_another_units_period_from_a_lead(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_b, month=MONTH)
    login(client, personas.org_lead)
    for url in (
        f"/close/{period.pk}/",
        f"/close/{period.pk}/what-if/",
        f"/close/{period.pk}/pods/{personas.pod_b.pk}/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/close/{period.pk}/approve/").status_code == 404


def test_it_simulates_changes_live_without_saving(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    page = client.get(f"/close/{period.pk}/what-if/").content.decode()
    assert "Onboarding" in page and f'name="v-{personas.pod_a.pk}-activation"' in page
    # Activation at 30 (threshold): A = 0.6 × 0.5 + 0.4 × 1.5 = 0.9 → E = 54000, D = 39000,
    # pool = min(7800, 7500) = 7500; with σ = 0.1 the pool becomes 3900.
    response = client.post(
        f"/close/{period.pk}/what-if/",
        {f"v-{personas.pod_a.pk}-activation": "30", "share": "0.1"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert "<strong>3900.00</strong>" in text and 'id="sim-total">3900.00<' in text
    refused = client.post(
        f"/close/{period.pk}/what-if/",
        {"share": "-1", "target-activation": "x"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "target-activation: &#x27;x&#x27; is not a number" in refused
    refused = client.post(
        f"/close/{period.pk}/what-if/", {"share": "-1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "plan: share -1 is negative" in refused
    assert PodResult.objects.get(period=period).pool == 7500
