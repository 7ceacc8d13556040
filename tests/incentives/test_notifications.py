"""Emails: a statement approved (each person paid, after the commit) and the month-end
reminder to Pod Leads about components with no value yet."""

from datetime import date

import pytest
from django.db import transaction

from config.celery import app
from incentives.bonuses import reminders, services, tasks
from incentives.models import Observation
from teams.models import Pod, PodMembership
from tests.conftest import make_person
from tests.incentives.bonus_factories import MONTH, bonus_world, observe

pytestmark = pytest.mark.django_db


def _approve(personas):
    period = services.period_compute(user=personas.org_lead, org_unit=personas.unit_a, month=MONTH)
    return services.period_approve(user=personas.org_lead, period=period)


def test_each_person_paid_hears_their_statement_is_approved_after_the_commit(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    with django_capture_on_commit_callbacks() as callbacks:
        period = _approve(personas)
        assert mailoutbox == []  # nothing before the approval is committed
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mailoutbox) == ["mo@example.com", "paula@example.com"]
    mail = next(m for m in mailoutbox if m.to == ["mo@example.com"])
    assert mail.subject == "Podwright: your September 2026 statement is approved"
    assert "Hello Mo Member" in mail.body and "3750.00 EUR" in mail.body
    assert f"/bonus/{period.pk}/" in mail.body
    assert "Paula" not in mail.body  # one's own figures only


def test_no_email_when_the_approval_is_rolled_back(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _approve(personas)
                raise RuntimeError("the request failed after approving")
        except RuntimeError:
            pass
    assert mailoutbox == []


def test_an_approval_through_the_api_sends_them_too(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    period = services.period_compute(user=personas.org_lead, org_unit=personas.unit_a, month=MONTH)
    client.force_login(personas.org_lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/periods/{period.pk}/approve/").status_code == 200
    assert len(mailoutbox) == 2


# --- the reminder ---------------------------------------------------------------------------

REMINDER_DAY = date(2026, 11, 27)  # November has 30 days


def test_the_reminder_day_is_3_days_before_the_month_ends():
    assert reminders.reminder_day(date(2026, 11, 5)) == REMINDER_DAY
    assert reminders.reminder_day(date(2027, 2, 1)) == date(2027, 2, 25)
    assert reminders.reminder_day(date(2028, 2, 1)) == date(2028, 2, 26)


def test_a_pod_lead_hears_which_components_have_no_value_yet(personas, mailoutbox):
    world = bonus_world(personas)
    metrics = world["metrics_a"]
    # A second pod led by Paula, its activation already recorded this month.
    second = Pod.objects.create(name="Retention", org_unit=personas.unit_a)
    PodMembership.objects.create(
        pod=second, person=personas.pod_lead.person, start=date(2026, 1, 1), is_pod_lead=True
    )
    observe(metrics["activation"], second, date(2026, 11, 20), 44)
    third = Pod.objects.create(name="Pricing", org_unit=personas.unit_a)
    lead = make_person(personas.unit_a, "Lee Lead", username="lee")
    PodMembership.objects.create(pod=third, person=lead, start=date(2026, 1, 1), is_pod_lead=True)
    rejected = observe(metrics["activation"], third, date(2026, 11, 3), 99)
    rejected.flag = Observation.Flag.REJECTED
    rejected.save(update_fields=["flag"])

    assert reminders.observation_reminders_send(today=REMINDER_DAY) == 3
    by_lead = {m.to[0]: m for m in mailoutbox}
    # Pod Leads only: not members, not Org Leads; Xena leads Billing on Platform's plan.
    assert set(by_lead) == {"paula@example.com", "lee@example.com", "xena@example.com"}
    paula = by_lead["paula@example.com"]
    assert paula.subject == "Podwright: November 2026 values missing for Onboarding"
    assert "Onboarding: Activation rate" in paula.body
    assert "Retention" not in paula.body  # it has its value
    assert "Incidents" not in paula.body  # no value means 0 incidents (its empty value)
    assert f"/pods/{personas.pod_a.pk}/metrics/" in paula.body
    assert "Pricing: Activation rate" in by_lead["lee@example.com"].body  # rejected: no value


def test_no_reminder_on_other_days_or_once_values_are_in(personas, mailoutbox):
    world = bonus_world(personas)
    for day in (date(2026, 11, 26), date(2026, 11, 28), date(2026, 11, 30)):
        assert reminders.observation_reminders_send(today=day) == 0
    observe(world["metrics_a"]["activation"], personas.pod_a, date(2026, 11, 2), 41)
    observe(world["metrics_b"]["activation"], personas.pod_b, date(2026, 11, 27), 41)
    assert reminders.observation_reminders_send(today=REMINDER_DAY) == 0
    assert mailoutbox == []


def test_the_daily_task_takes_today_from_the_clock(personas, mailoutbox, monkeypatch):
    bonus_world(personas)
    monkeypatch.setattr("teams.clock.today", lambda: REMINDER_DAY)
    assert tasks.remind_missing_observations() == 2  # Paula and Xena
    monkeypatch.setattr("teams.clock.today", lambda: date(2026, 11, 18))
    assert tasks.remind_missing_observations() == 0
    assert len(mailoutbox) == 2
    entry = app.conf.beat_schedule["remind-missing-observations"]
    assert entry["task"] == "incentives.bonuses.tasks.remind_missing_observations"
    assert entry["task"] in app.tasks


def test_the_reminder_reads_the_same_number_of_queries_for_more_pods(personas, mailoutbox):
    from tests.conftest import count_queries

    bonus_world(personas)
    n = count_queries(lambda: reminders.observation_reminders_send(today=REMINDER_DAY))
    for i in range(20):
        pod = Pod.objects.create(name=f"Pod {i}", org_unit=personas.unit_a)
        lead = make_person(personas.unit_a, f"Lead {i}")
        PodMembership.objects.create(pod=pod, person=lead, start=date(2026, 1, 1), is_pod_lead=True)
    mailoutbox.clear()
    assert count_queries(lambda: reminders.observation_reminders_send(today=REMINDER_DAY)) == n
    assert len(mailoutbox) == 22
