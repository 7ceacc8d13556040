"""Two leads approve the same month at the same moment: one approval, no duplicate payouts."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from incentives.bonuses import services
from incentives.models import AuditEntry, IncentivePeriod, Payout
from tests.incentives.bonus_factories import MONTH, bonus_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need two real connections (PostgreSQL)"
    ),
]


def test_it_approves_once_when_two_leads_race(personas):
    bonus_world(personas)
    period = services.period_compute(user=personas.org_lead, org_unit=personas.unit_a, month=MONTH)
    payouts_before = Payout.objects.filter(period=period).count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user):
        try:
            barrier.wait(timeout=10)
            services.period_approve(user=user, period=IncentivePeriod.objects.get(pk=period.pk))
            outcomes.append("approved")
        except ValidationError as exc:
            outcomes.append("refused: " + " ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(u,)) for u in (personas.org_lead, personas.admin)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"]
    assert "already approved" in next(o for o in outcomes if o.startswith("refused"))
    period.refresh_from_db()
    assert period.status == "approved"
    assert AuditEntry.objects.filter(period=period, action="period.approve").count() == 1
    assert Payout.objects.filter(period=period).count() == payouts_before
