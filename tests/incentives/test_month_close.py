"""The month close: a Celery task drafts last month for every unit with a plan and emails
its Org Leads a link to the review page."""

from datetime import date

import pytest
from django.conf import settings
from django.core import mail

from incentives.bonuses import services
from incentives.bonuses.tasks import close_previous_month, close_unit_month, compute_period
from incentives.models import IncentivePeriod, Payout
from tests.incentives.bonus_factories import MONTH, bonus_world


@pytest.mark.django_db
def test_it_drafts_last_month_for_every_unit_and_emails_the_leads(personas, settings):
    settings.SITE_URL = "https://podwright.example"
    bonus_world(personas)
    queued = close_previous_month("2026-10-01")
    assert sorted(queued) == sorted([personas.unit_a.pk, personas.unit_b.pk])
    periods = IncentivePeriod.objects.filter(month=MONTH).order_by("org_unit__name")
    assert [(p.org_unit.name, p.month, p.status) for p in periods] == [
        ("Growth", MONTH, "computed"),
        ("Platform", MONTH, "computed"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["olga@example.com", "otto@example.com"]
    growth = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    review = periods.get(org_unit=personas.unit_a)
    assert f"https://podwright.example/close/{review.pk}/" in growth.body
    assert "September 2026" in growth.subject and "7500.00" in growth.body


@pytest.mark.django_db
def test_it_leaves_an_approved_month_alone_and_skips_units_without_a_plan(personas):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    services.period_approve(user=personas.org_lead, period=period)
    computed_at = IncentivePeriod.objects.get(pk=period.pk).computed_at
    close_previous_month("2026-10-01")
    assert IncentivePeriod.objects.get(pk=period.pk).computed_at == computed_at
    assert IncentivePeriod.objects.get(org_unit=personas.unit_b).status == "computed"
    assert [m.to for m in mail.outbox] == [["otto@example.com"]]
    # A month before any plan: nothing to close, nobody emailed.
    mail.outbox.clear()
    assert close_previous_month("2025-06-01") == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_recomputes_a_redelivered_unit_close_and_never_touches_an_approved_month(personas):
    bonus_world(personas)
    first = close_unit_month(personas.unit_a.pk, MONTH.isoformat())
    payouts = sorted(Payout.objects.filter(period_id=first).values_list("person_id", "amount"))
    computed_at = IncentivePeriod.objects.get(pk=first).computed_at
    # The same task again (its worker died before acknowledging it): the same period, recomputed.
    again = close_unit_month(personas.unit_a.pk, MONTH.isoformat())
    assert again == first
    period = IncentivePeriod.objects.get(pk=first)
    assert period.status == "computed" and period.computed_at > computed_at
    assert (
        sorted(Payout.objects.filter(period=period).values_list("person_id", "amount")) == payouts
    )
    services.period_approve(user=personas.org_lead, period=period)
    mail.outbox.clear()
    assert close_unit_month(personas.unit_a.pk, MONTH.isoformat()) is None
    period.refresh_from_db()
    assert period.status == "approved" and mail.outbox == []


@pytest.mark.django_db
def test_it_records_a_failed_close_instead_of_stopping(personas):
    from incentives.models import AuditEntry
    from tests.incentives.metric_factories import make_target

    world = bonus_world(personas)
    make_target(world["metrics_a"]["activation"], personas.pod_a, MONTH, 50, 40, 30)
    close_previous_month("2026-10-01")
    assert IncentivePeriod.objects.get(month=MONTH).org_unit == personas.unit_b  # B still closed
    failure = AuditEntry.objects.get(action="period.compute_failed")
    assert "targets are not strictly ordered" in " ".join(failure.data["problems"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_it_closes_the_month_through_the_worker(personas, celery_worker_process):
    if settings.CELERY_BROKER_URL:
        assert celery_worker_process is not None and celery_worker_process.poll() is None
    bonus_world(personas)
    assert len(close_previous_month.delay("2026-10-01").get(timeout=60)) == 2
    ids = [
        close_unit_month.delay(unit.pk, MONTH.isoformat()).get(timeout=60)
        for unit in (personas.unit_a, personas.unit_b)
    ]
    assert Payout.objects.filter(period_id__in=ids).count() == 3
    period_id = compute_period.delay(personas.unit_a.pk, "2026-08-01", personas.org_lead.pk).get(
        timeout=60
    )
    assert IncentivePeriod.objects.get(pk=period_id).month == date(2026, 8, 1)
