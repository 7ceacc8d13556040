"""The month close: one task per unit drafts last month, each unit's outcome is recorded
(computed, failed with its problems, skipped when approved), /close/ and the leads' email say
which, and a unit without leads of its own is reported to the nearest leads up the tree."""

import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from incentives.bonuses import services
from incentives.bonuses.tasks import close_previous_month, close_unit_month, compute_period
from incentives.models import AuditEntry, CloseAttempt, IncentivePeriod, MonthClose, Payout
from teams.background import BackgroundUnavailable
from teams.models import OrgUnit
from tests.conftest import login, make_person
from tests.incentives.bonus_factories import MONTH, bonus_world, make_plan, unit_metrics
from tests.incentives.metric_factories import make_target


@pytest.fixture(autouse=True)
def _in_process(request):
    """Unit tests run the unit tasks in-process; the worker test goes through the worker."""
    if request.node.get_closest_marker("worker") is None:
        request.getfixturevalue("eager_celery")


def _close(capture, today="2026-10-01") -> MonthClose:
    with capture(execute=True):
        close_id = close_previous_month(today)
    return MonthClose.objects.get(pk=close_id)


def _outcomes(close: MonthClose) -> dict[str, str]:
    return dict(close.attempts.values_list("org_unit__name", "outcome"))


@pytest.mark.django_db
def test_it_drafts_last_month_for_every_unit_and_emails_the_leads(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://podwright.example"
    bonus_world(personas)
    close = _close(django_capture_on_commit_callbacks)
    assert close.month == MONTH and close.emailed_at is not None
    assert _outcomes(close) == {"Growth": "computed", "Platform": "computed"}
    periods = IncentivePeriod.objects.filter(month=MONTH).order_by("org_unit__name")
    assert [(p.org_unit.name, p.status) for p in periods] == [
        ("Growth", "computed"),
        ("Platform", "computed"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["olga@example.com", "otto@example.com"]
    growth = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    review = periods.get(org_unit=personas.unit_a)
    assert growth.subject == "Podwright: Growth September 2026 bonuses are ready for review"
    assert f"https://podwright.example/close/{review.pk}/" in growth.body
    assert "Growth: computed" in growth.body and "7500.00" in growth.body
    assert "Platform" not in growth.body  # each lead hears of their own units


@pytest.mark.django_db
def test_it_leaves_an_approved_month_alone_and_skips_units_without_a_plan(
    personas, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    period = services.period_compute(user=None, org_unit=personas.unit_a, month=MONTH)
    services.period_approve(user=personas.org_lead, period=period)
    computed_at = IncentivePeriod.objects.get(pk=period.pk).computed_at
    close = _close(django_capture_on_commit_callbacks)
    assert _outcomes(close) == {"Growth": "skipped", "Platform": "computed"}
    assert close.attempts.get(org_unit=personas.unit_a).period_id == period.pk
    assert IncentivePeriod.objects.get(pk=period.pk).computed_at == computed_at
    olga = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    assert "already approved" in olga.subject and "already approved; left as it is" in olga.body
    # A month before any plan: nothing to close, no close recorded, nobody emailed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert close_previous_month("2025-06-01") is None
    assert mail.outbox == [] and MonthClose.objects.count() == 1


@pytest.mark.django_db
def test_it_recomputes_a_redelivered_unit_close_and_never_touches_an_approved_month(personas):
    bonus_world(personas)
    close = MonthClose.objects.create(month=MONTH, key="by-hand")
    assert close_unit_month(personas.unit_a.pk, MONTH.isoformat(), close.pk) == "computed"
    attempt = CloseAttempt.objects.get(close=close)
    payouts = sorted(Payout.objects.filter(period=attempt.period).values_list("person", "amount"))
    computed_at = attempt.period.computed_at
    # The same task again (its worker died before acknowledging it): the period recomputed.
    assert close_unit_month(personas.unit_a.pk, MONTH.isoformat(), close.pk) == "computed"
    attempt.refresh_from_db()
    period = attempt.period
    assert attempt.deliveries == 2 and CloseAttempt.objects.count() == 1
    assert period.status == "computed" and period.computed_at > computed_at
    assert sorted(Payout.objects.filter(period=period).values_list("person", "amount")) == payouts
    assert IncentivePeriod.objects.filter(org_unit=personas.unit_a).count() == 1
    services.period_approve(user=personas.org_lead, period=period)
    assert close_unit_month(personas.unit_a.pk, MONTH.isoformat(), close.pk) == "skipped"
    period.refresh_from_db()
    assert period.status == "approved" and period.computed_at > computed_at
    # A task for a close whose start was undone, or a unit deleted meanwhile, does nothing.
    assert close_unit_month(personas.unit_a.pk, MONTH.isoformat(), close.pk + 99) == "gone"
    assert close_unit_month(99999, MONTH.isoformat(), close.pk) == "gone"


@pytest.mark.django_db
def test_it_records_a_failed_close_and_says_so_on_the_page_and_in_the_email(
    client, personas, django_capture_on_commit_callbacks
):
    world = bonus_world(personas)
    make_target(world["metrics_a"]["activation"], personas.pod_a, MONTH, 50, 40, 30)
    close = _close(django_capture_on_commit_callbacks)
    assert _outcomes(close) == {"Growth": "failed", "Platform": "computed"}
    failed = close.attempts.get(org_unit=personas.unit_a)
    assert failed.period is None and "targets are not strictly ordered" in " ".join(failed.problems)
    audit = AuditEntry.objects.get(action="period.compute_failed")
    assert audit.data["problems"] == failed.problems
    olga = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    assert olga.subject == "Podwright: Growth September 2026 close failed"
    assert f"Growth: failed: {'; '.join(failed.problems)}" in olga.body
    login(client, personas.org_lead)
    page = client.get("/close/").content.decode()
    assert "Last close: September 2026" in page and "by the schedule" in page
    assert escape(f"failed: {'; '.join(failed.problems)}") in page
    assert "Platform" not in page.split('id="last-close"')[1].split("</section>")[0]
    login(client, personas.other_lead)
    page = client.get("/close/").content.decode()
    assert "computed" in page and "targets are not strictly ordered" not in page


@pytest.mark.django_db
def test_it_emails_the_nearest_leads_up_the_tree(personas, django_capture_on_commit_callbacks):
    bonus_world(personas)
    # Two teams under Growth with no leads of their own, one of them two levels down, and a
    # unit at the root with nobody to tell.
    team = OrgUnit.objects.create(name="Growth team", slug="growth-team", parent=personas.unit_a)
    squad = OrgUnit.objects.create(name="Growth squad", slug="growth-squad", parent=team)
    orphan = OrgUnit.objects.create(name="Orphan", slug="orphan")
    for unit in (team, squad, orphan):
        make_plan(unit, unit_metrics(unit))
    close = _close(django_capture_on_commit_callbacks)
    assert set(_outcomes(close)) == {"Growth", "Growth team", "Growth squad", "Orphan", "Platform"}
    olga = [m for m in mail.outbox if m.to == ["olga@example.com"]]
    assert len(olga) == 1  # one email listing every unit she hears of
    assert "Podwright: September 2026 close of 3 units" in olga[0].subject
    for name in ("Growth:", "Growth team:", "Growth squad:"):
        assert name in olga[0].body
    assert "Orphan" not in olga[0].body
    assert sorted(m.to[0] for m in mail.outbox) == ["olga@example.com", "otto@example.com"]
    # Once the team has a lead of its own, that lead hears of it (and of the squad below).
    tina = make_person(team, "Tina Teamlead", username="tina", role="org_lead")
    team.leads.add(tina)
    mail.outbox.clear()
    _close(django_capture_on_commit_callbacks, today="2026-10-02")
    tina_mail = next(m for m in mail.outbox if m.to == ["tina@example.com"])
    assert "Growth team:" in tina_mail.body and "Growth squad:" in tina_mail.body
    olga = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    assert "Growth team" not in olga.body and "Growth:" in olga.body


@pytest.mark.django_db
def test_it_records_an_unexpected_error_and_still_emails(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    real = services.period_compute

    def broken_for_growth(*, org_unit, **kwargs):
        if org_unit == personas.unit_a:
            raise RuntimeError("disk full")
        return real(org_unit=org_unit, **kwargs)

    monkeypatch.setattr(services, "period_compute", broken_for_growth)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        close_previous_month("2026-10-01")
    close = MonthClose.objects.get()
    failed = close.attempts.get(org_unit=personas.unit_a)
    assert failed.outcome == "failed"
    assert failed.problems == ["unexpected error (RuntimeError: disk full); see the worker log"]
    # The other unit's task ran on its own (a worker would run it regardless).
    close_unit_month(personas.unit_b.pk, MONTH.isoformat(), close.pk)
    close.refresh_from_db()
    assert _outcomes(close) == {"Growth": "failed", "Platform": "computed"}
    assert close.emailed_at is not None
    olga = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    assert "failed: unexpected error (RuntimeError: disk full)" in olga.body


@pytest.mark.django_db
def test_it_fails_a_unit_whose_task_was_lost_when_someone_looks(client, personas):
    bonus_world(personas)
    close = MonthClose.objects.create(month=MONTH, key="lost")
    CloseAttempt.objects.create(close=close, org_unit=personas.unit_a)
    login(client, personas.org_lead)
    page = client.get("/close/").content.decode()
    assert "pending" in page and "waiting for a worker" in page and mail.outbox == []
    MonthClose.objects.filter(pk=close.pk).update(
        started_at=timezone.now() - services.CLOSE_PATIENCE - timedelta(minutes=1)
    )
    page = client.get("/close/").content.decode()
    assert "failed: no worker finished this unit&#x27;s close within 2 hours" in page
    assert [m.to for m in mail.outbox] == [["olga@example.com"]]
    assert "failed: no worker finished" in mail.outbox[0].body


@pytest.mark.django_db
def test_it_runs_the_close_for_the_leads_units_from_the_page(
    client, personas, django_capture_on_commit_callbacks
):
    bonus_world(personas)
    login(client, personas.org_lead)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/close/run/", follow=True)
    page = r.content.decode()
    assert "Closing October 2026 for 1 units" in page
    close = MonthClose.objects.get()
    # Today is in November: the close is of October, for Olga's unit only.
    assert close.month == date(2026, 10, 1) and close.started_by == personas.org_lead
    assert _outcomes(close) == {"Growth": "computed"}
    assert "Last close: October 2026" in page and "by olga" in page
    assert AuditEntry.objects.filter(action="period.compute", actor=personas.org_lead).exists()


@pytest.mark.django_db
def test_it_says_when_none_of_the_leads_units_has_a_plan(client, personas):
    login(client, personas.org_lead)
    r = client.post("/close/run/", follow=True)
    assert "None of your units has a plan in force for October 2026." in r.content.decode()
    assert MonthClose.objects.count() == 0


@pytest.mark.django_db
def test_it_keeps_the_close_run_to_org_leads(client, personas):
    bonus_world(personas)
    assert client.post("/close/run/").status_code == 302  # to the login page
    login(client, personas.member)
    assert client.post("/close/run/").status_code == 403
    login(client, personas.org_lead)
    assert client.get("/close/run/").status_code == 405
    assert MonthClose.objects.count() == 0


@pytest.mark.django_db
def test_it_shows_the_last_close_with_constant_queries(
    client, personas, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from tests.conftest import count_queries

    bonus_world(personas)
    _close(django_capture_on_commit_callbacks)
    login(client, personas.admin)
    n = count_queries(lambda: client.get("/close/"))
    for i in range(4):
        unit = OrgUnit.objects.create(name=f"Extra {i}", slug=f"extra-{i}")
        make_plan(unit, unit_metrics(unit))
    close = _close(django_capture_on_commit_callbacks, today="2026-10-02")
    assert close.attempts.count() == 6
    with django_assert_num_queries(n):
        page = client.get("/close/").content.decode()
    assert page.count('class="close-computed"') == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_it_closes_the_month_through_the_worker(personas, celery_worker_process):
    if settings.CELERY_BROKER_URL:
        assert celery_worker_process is not None and celery_worker_process.poll() is None
    bonus_world(personas)
    close_id = close_previous_month.delay("2026-10-01").get(timeout=60)
    deadline = time.monotonic() + 60
    while CloseAttempt.objects.filter(close_id=close_id, outcome="pending").exists():
        assert time.monotonic() < deadline, "the unit closes did not finish within 60 s"
        time.sleep(0.2)
    close = MonthClose.objects.get(pk=close_id)
    assert _outcomes(close) == {"Growth": "computed", "Platform": "computed"}
    ids = list(close.attempts.values_list("period_id", flat=True))
    assert Payout.objects.filter(period_id__in=ids).count() == 3
    period_id = compute_period.delay(personas.unit_a.pk, "2026-08-01", personas.org_lead.pk).get(
        timeout=60
    )
    assert IncentivePeriod.objects.get(pk=period_id).month == date(2026, 8, 1)


UNAVAILABLE = "Background work is unavailable right now; try again in a minute."


@pytest.mark.django_db(transaction=True)
def test_it_says_background_work_is_unavailable_and_leaves_no_close(client, personas, broker_down):
    bonus_world(personas)
    login(client, personas.org_lead)
    started = time.monotonic()
    r = client.post("/close/run/")
    assert time.monotonic() - started < 3
    assert r.status_code == 302 and r["Location"] == "/close/"
    page = client.get("/close/").content.decode()
    assert UNAVAILABLE in page and "No month close has run for your units yet." in page
    assert MonthClose.objects.count() == 0 and CloseAttempt.objects.count() == 0
    assert not IncentivePeriod.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_tries_the_scheduled_close_again_when_the_broker_refuses(personas, broker_down):
    bonus_world(personas)
    # Called directly there is no worker to retry it: the refusal surfaces, nothing is left.
    with pytest.raises(BackgroundUnavailable):
        close_previous_month("2026-10-01")
    assert MonthClose.objects.count() == 0
    assert close_previous_month.autoretry_for == (BackgroundUnavailable,)
