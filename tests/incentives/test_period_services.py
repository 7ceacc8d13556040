"""period_compute / approve / lock / adjustments: the state machine, audit and immutability."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from incentives.bonuses import services
from incentives.models import AuditEntry, IncentivePeriod, Observation, Payout, PodResult
from tests.conftest import count_queries, make_person
from tests.incentives.bonus_factories import MONTH, bonus_world, grow_unit, observe
from tests.incentives.metric_factories import make_target

pytestmark = pytest.mark.django_db


def _raw(sql, *params):
    # Straight to the database: no ORM cascade or PROTECT check gets in first.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def compute(personas, month=MONTH, unit=None, user=None):
    return services.period_compute(
        user=user or personas.org_lead, org_unit=unit or personas.unit_a, month=month
    )


def test_it_computes_pools_and_payouts_with_full_breakdowns(personas):
    bonus_world(personas)
    period = compute(personas)
    assert period.status == "computed"
    result = PodResult.objects.get(period=period, pod=personas.pod_a)
    # A = 0.6 × 1 + 0.4 × 1.5 (no incident: empty value 0 = stretch); E = 1.2 × 10 × 6000;
    # K = 8000 + 7000; D = 57000; pool = min(0.2 × D, 0.5 × K) = 7500.
    assert result.attainment == Decimal("1.2")
    assert result.actual_cost == Decimal("15000.00")
    assert result.dividend == Decimal("57000.00")
    assert result.pool == Decimal("7500.00")
    payouts = Payout.objects.filter(period=period).order_by("person__name")
    assert [p.amount for p in payouts] == [Decimal("3750.00"), Decimal("3750.00")]
    bd = payouts[0].breakdown
    assert bd["base_pay"] == "7000" and bd["pool"] == "7500.00" and bd["month"] == "2026-09"
    assert [c["metric"] for c in bd["components"]] == ["activation", "incidents"]
    assert period.totals["pool"] == "7500.00" and period.totals["people"] == 2
    entry = AuditEntry.objects.get(period=period, action="period.compute")
    assert entry.actor == personas.org_lead


def test_it_ignores_rejected_observations(personas):
    world = bonus_world(personas)
    observe(
        world["metrics_a"]["activation"], personas.pod_a, date(2026, 9, 28), 20
    ).__class__.objects.filter(value=20).update(flag=Observation.Flag.REJECTED)
    period = compute(personas)
    result = PodResult.objects.get(period=period, pod=personas.pod_a)
    assert result.breakdown["components"][0]["value"] == "40"


def test_it_uses_the_pods_own_targets_over_the_plans(personas):
    world = bonus_world(personas)
    make_target(world["metrics_a"]["activation"], personas.pod_a, MONTH, 40, 50, 60)
    period = compute(personas)
    comp = PodResult.objects.get(period=period, pod=personas.pod_a).breakdown["components"][0]
    assert (comp["threshold"], comp["target"], comp["attainment"]) == ("40", "50", "0.5")


def test_it_recomputes_until_approval_then_refuses(personas):
    world = bonus_world(personas)
    first = compute(personas)
    observe(world["metrics_a"]["activation"], personas.pod_a, date(2026, 9, 29), 30)
    second = compute(personas)
    assert second.pk == first.pk
    assert PodResult.objects.filter(period=first).count() == 1
    assert PodResult.objects.get(period=first).breakdown["components"][0]["value"] == "30"
    services.period_approve(user=personas.org_lead, period=second)
    with pytest.raises(services.PeriodFrozen, match="cannot be recomputed"):
        compute(personas)


def test_it_walks_the_state_machine_and_audits_each_step(personas):
    bonus_world(personas)
    period = compute(personas)
    with pytest.raises(ValidationError, match="Only an approved period can be locked"):
        services.period_lock(user=personas.org_lead, period=period)
    period = services.period_approve(user=personas.org_lead, period=period)
    assert period.status == "approved" and period.approved_by == personas.org_lead
    with pytest.raises(services.PeriodFrozen, match="already approved"):
        services.period_approve(user=personas.admin, period=period)
    period = services.period_lock(user=personas.org_lead, period=period)
    assert period.status == "locked" and period.locked_at
    actions = list(
        AuditEntry.objects.filter(period=period).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["period.compute", "period.approve", "period.lock"]


def test_it_refuses_to_approve_a_draft(personas):
    world = bonus_world(personas)
    draft = IncentivePeriod.objects.create(
        plan=world["plan_a"], org_unit=personas.unit_a, month=MONTH
    )
    with pytest.raises(ValidationError, match="Compute the month"):
        services.period_approve(user=personas.org_lead, period=draft)


def test_it_refuses_a_month_without_a_plan(personas):
    bonus_world(personas)
    with pytest.raises(ValidationError, match="no incentive plan in force for 2025-12"):
        compute(personas, month=date(2025, 12, 1))


@pytest.mark.parametrize(
    "statement",
    [
        lambda p: Payout.objects.filter(period=p).update(amount=Decimal("1")),
        lambda p: Payout.objects.filter(period=p).delete(),
        lambda p: PodResult.objects.filter(period=p).update(pool=Decimal("1")),
        lambda p: PodResult.objects.filter(period=p).delete(),
        lambda p: Payout.objects.create(
            period=p,
            pod_id=Payout.objects.filter(period=p).first().pod_id,
            person_id=Payout.objects.filter(period=p).first().person_id,
            amount=Decimal("5"),
            is_adjustment=True,
        ),
        lambda p: IncentivePeriod.objects.filter(pk=p.pk).update(status="computed"),
        lambda p: IncentivePeriod.objects.filter(pk=p.pk).update(totals={}),
        lambda p: _raw("DELETE FROM incentives_incentiveperiod WHERE id = %s", p.pk),
    ],
    ids=[
        "update-payout",
        "delete-payout",
        "update-result",
        "delete-result",
        "insert-payout",
        "reopen-period",
        "edit-totals",
        "delete-period",
    ],
)
def test_it_refuses_changes_to_an_approved_period_in_the_database(personas, statement):
    bonus_world(personas)
    period = services.period_approve(user=personas.org_lead, period=compute(personas))
    with (
        pytest.raises((IntegrityError, DatabaseError), match="period_frozen"),
        transaction.atomic(),
    ):
        statement(period)
    assert Payout.objects.filter(period=period).count() == 2


def test_it_lets_the_database_lock_an_approved_period_and_nothing_more(personas):
    bonus_world(personas)
    period = services.period_approve(user=personas.org_lead, period=compute(personas))
    services.period_lock(user=personas.org_lead, period=period)
    with (
        pytest.raises((IntegrityError, DatabaseError), match="period_frozen"),
        transaction.atomic(),
    ):
        IncentivePeriod.objects.filter(pk=period.pk).update(status="approved")


def test_it_carries_an_adjustment_into_the_next_open_period(personas):
    bonus_world(personas)
    september = services.period_approve(user=personas.org_lead, period=compute(personas))
    member = personas.member.person
    payout = services.adjustment_create(
        user=personas.org_lead,
        period=september,
        person=member,
        pod=personas.pod_a,
        amount=Decimal("-120.50"),
        note="Activation double-counted on the 20th",
    )
    assert payout.is_adjustment and payout.adjusts == september
    assert payout.period.month == date(2026, 10, 1) and payout.period.status == "draft"
    assert payout.period.totals["adjustments"] == "-120.50"
    assert Payout.objects.filter(period=september, person=member).get().amount == Decimal("3750.00")
    assert AuditEntry.objects.filter(action="adjustment.create", period=payout.period).exists()
    # Computing October keeps the adjustment and counts it in the total.
    october = compute(personas, month=date(2026, 10, 1))
    assert Payout.objects.filter(period=october, is_adjustment=True).count() == 1
    assert Decimal(october.totals["total"]) == Decimal(october.totals["paid"]) - Decimal("120.50")


def test_it_refuses_an_adjustment_of_an_open_period_or_without_a_reason(personas):
    bonus_world(personas)
    period = compute(personas)
    member = personas.member.person
    with pytest.raises(ValidationError, match="recompute this one"):
        services.adjustment_create(
            user=personas.org_lead,
            period=period,
            person=member,
            pod=personas.pod_a,
            amount=Decimal("10"),
            note="x",
        )
    approved = services.period_approve(user=personas.org_lead, period=period)
    with pytest.raises(ValidationError, match="Say why"):
        services.adjustment_create(
            user=personas.org_lead,
            period=approved,
            person=member,
            pod=personas.pod_a,
            amount=Decimal("10"),
            note="  ",
        )
    assert not Payout.objects.filter(is_adjustment=True).exists()


def test_it_computes_in_a_constant_number_of_queries(personas):
    world = bonus_world(personas)
    grow_unit(personas.unit_a, 2, person_factory=make_person, metrics=world["metrics_a"], tag="a")
    compute(personas, month=date(2026, 8, 1))  # creating a period costs its own few queries
    n = count_queries(lambda: compute(personas, month=date(2026, 9, 1)))
    grow_unit(personas.unit_a, 25, person_factory=make_person, metrics=world["metrics_a"], tag="b")
    assert count_queries(lambda: compute(personas, month=date(2026, 10, 1))) == n
    assert (
        PodResult.objects.filter(
            period__month=date(2026, 10, 1), period__org_unit=personas.unit_a
        ).count()
        == 28
    )


def test_it_resets_frozen_periods_through_the_admin_path(personas):
    bonus_world(personas)
    services.period_approve(user=personas.org_lead, period=compute(personas))
    assert services.periods_delete_for_reset(unit_ids=[personas.unit_a.pk]) == 1
    assert not Payout.objects.exists() and not IncentivePeriod.objects.exists()
    # The token is gone again: frozen rows are frozen once more.
    bonus_world_b = services.period_compute(user=None, org_unit=personas.unit_b, month=MONTH)
    services.period_approve(user=personas.other_lead, period=bonus_world_b)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Payout.objects.filter(period=bonus_world_b).delete()
