"""A period's state, asked of the model (is_frozen, is_editable) by the pages and the API."""

import pytest

from incentives.bonuses import services
from incentives.models import IncentivePeriod
from tests.conftest import login
from tests.incentives.bonus_factories import MONTH, bonus_world

Status = IncentivePeriod.Status


@pytest.mark.parametrize(
    ("status", "frozen"),
    [
        (Status.DRAFT, False),
        (Status.COMPUTED, False),
        (Status.APPROVED, True),
        (Status.LOCKED, True),
    ],
)
def test_it_calls_approved_and_locked_months_frozen(status, frozen):
    period = IncentivePeriod(status=status)
    assert period.is_frozen is frozen
    assert period.is_editable is not frozen


@pytest.mark.django_db
def test_it_shows_the_close_actions_the_state_allows(client, personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    login(client, personas.org_lead)
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert "Recompute" in page and 'id="approve"' in page and "Record an adjustment" not in page
    api = client.get(f"/api/periods/{period.pk}/").json()
    assert (api["is_frozen"], api["is_editable"]) == (False, True)
    report = client.get(f"/reports/{personas.unit_a.pk}/2026-09/").content.decode()
    assert "not approved yet" in report and "Payroll CSV" not in report

    services.period_approve(user=personas.org_lead, period=period)
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert "Recompute" not in page and 'id="lock"' in page and "Record an adjustment" in page
    api = client.get(f"/api/periods/{period.pk}/").json()
    assert (api["is_frozen"], api["is_editable"]) == (True, False)
    report = client.get(f"/reports/{personas.unit_a.pk}/2026-09/").content.decode()
    assert "not approved yet" not in report and "Payroll CSV" in report
