"""Append-only money: the database refuses every change to an approved or locked period, its
pod results and payouts, and any UPDATE or DELETE of an audit entry; the admin shows them
read-only and answers a refused change with a message."""

import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from incentives.bonuses import services
from incentives.models import AuditEntry, IncentivePeriod, Payout, PodResult
from tests.conftest import count_queries, login
from tests.incentives.bonus_factories import bonus_world

pytestmark = pytest.mark.django_db

# A different value for every column of incentives_incentiveperiod (as SQL, no parameters).
PERIOD_CHANGES = {
    "id": "id + 1000",
    "plan_id": "(SELECT max(id) FROM incentives_incentiveplan)",
    "org_unit_id": "(SELECT max(id) FROM teams_orgunit)",
    "month": "'2026-08-01'",
    "status": "'computed'",
    "computed_at": "'2026-10-02 10:00:00+00:00'",
    "approved_by_id": "(SELECT max(id) FROM auth_user)",
    "approved_at": "'2026-10-02 10:00:00+00:00'",
    "locked_at": "'2026-10-02 10:00:00+00:00'",
    "totals": """'{"total": "1.00"}'""",
}
AUDIT_CHANGES = {
    "id": "id + 1000",
    "at": "'2026-10-02 10:00:00+00:00'",
    "actor_id": "(SELECT max(id) FROM auth_user)",
    "action": "'period.reopen'",
    "period_id": "NULL",
    "data": """'{"total": "1.00"}'""",
}


def _raw(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def _refused(match="period_frozen"):
    """The trigger's refusal, inside a savepoint so the test's transaction goes on."""
    with pytest.raises((IntegrityError, DatabaseError), match=match), transaction.atomic():
        yield


def _frozen(period) -> str:
    # PostgreSQL names the period; SQLite's RAISE takes a literal message only.
    if connection.vendor == "postgresql":
        return re.escape(f"period_frozen: {period.status} period {period.pk} is frozen")
    return re.escape("period_frozen: an approved or locked period is frozen")


def _approved(personas):
    world = bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 9, 1)
    )
    return world, services.period_approve(user=personas.org_lead, period=period)


def _row(period):
    return IncentivePeriod.objects.filter(pk=period.pk).values().get()


# --------------------------------------------------------------------------- period row


def test_it_names_every_column_of_a_period_and_an_audit_entry():
    # A column added later must be frozen too (SQLite's triggers list the columns).
    assert set(PERIOD_CHANGES) == {f.column for f in IncentivePeriod._meta.concrete_fields}
    assert set(AUDIT_CHANGES) == {f.column for f in AuditEntry._meta.concrete_fields}


@pytest.mark.parametrize("column", sorted(PERIOD_CHANGES))
@pytest.mark.parametrize("status", ["approved", "locked"])
def test_it_refuses_a_raw_update_of_any_column_of_a_frozen_period(personas, column, status):
    _, period = _approved(personas)
    if status == "locked":
        period = services.period_lock(user=personas.org_lead, period=period)
    before = _row(period)
    with _refused(_frozen(period)):
        _raw(
            f"UPDATE incentives_incentiveperiod SET {column} = {PERIOD_CHANGES[column]} "
            "WHERE id = %s",
            period.pk,
        )
    assert _row(period) == before


def test_it_refuses_clearing_the_approver_or_forging_another(personas):
    _, period = _approved(personas)
    for value in (None, personas.other_lead.pk):
        with _refused(_frozen(period)):
            _raw(
                "UPDATE incentives_incentiveperiod SET approved_by_id = %s WHERE id = %s",
                value,
                period.pk,
            )
    with _refused(_frozen(period)):
        IncentivePeriod.objects.filter(pk=period.pk).update(approved_by=personas.other_lead)
    period.computed_at = timezone.now()
    with _refused(_frozen(period)):
        period.save(update_fields=["computed_at"])
    assert IncentivePeriod.objects.get(pk=period.pk).approved_by == personas.org_lead


def test_it_refuses_deleting_a_frozen_period(personas):
    _, period = _approved(personas)
    with _refused(_frozen(period)):
        _raw("DELETE FROM incentives_incentiveperiod WHERE id = %s", period.pk)
    assert IncentivePeriod.objects.filter(pk=period.pk).exists()


def test_it_still_locks_an_approved_period_and_nothing_more_with_it(personas):
    _, period = _approved(personas)
    before = _row(period)
    with _refused(_frozen(period)):
        _raw(
            "UPDATE incentives_incentiveperiod SET status = 'locked', locked_at = %s, "
            "approved_by_id = %s WHERE id = %s",
            timezone.now(),
            personas.other_lead.pk,
            period.pk,
        )
    locked = services.period_lock(user=personas.org_lead, period=period)
    after = _row(locked)
    assert after["status"] == "locked" and after["locked_at"] is not None
    assert {k: v for k, v in after.items() if k not in ("status", "locked_at")} == {
        k: v for k, v in before.items() if k not in ("status", "locked_at")
    }
    with _refused(_frozen(locked)):
        _raw(
            "UPDATE incentives_incentiveperiod SET locked_at = %s WHERE id = %s",
            timezone.now(),
            period.pk,
        )


def test_it_leaves_open_periods_free_to_change(personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 9, 1)
    )
    _raw(
        "UPDATE incentives_incentiveperiod SET computed_at = %s WHERE id = %s",
        timezone.now(),
        period.pk,
    )
    again = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 9, 1)
    )
    assert again.status == "computed" and Payout.objects.filter(period=again).count() == 2


# --------------------------------------------------------------------------- payouts, results


def test_it_refuses_inserting_changing_or_deleting_payouts_of_an_approved_period(personas):
    _, period = _approved(personas)
    payout = Payout.objects.filter(period=period).first()
    raw = [
        ("UPDATE incentives_payout SET amount = 1 WHERE id = %s", payout.pk),
        ("DELETE FROM incentives_payout WHERE id = %s", payout.pk),
        (
            "INSERT INTO incentives_payout (period_id, pod_id, person_id, amount, breakdown, "
            "is_adjustment, note) SELECT period_id, pod_id, person_id, 99, '{}', %s, 'x' "
            "FROM incentives_payout WHERE id = %s",
            True,
            payout.pk,
        ),
    ]
    for sql, *params in raw:
        with _refused(_frozen(period)):
            _raw(sql, *params)
    with _refused(_frozen(period)):
        Payout.objects.filter(pk=payout.pk).update(amount=Decimal("1"))
    with _refused(_frozen(period)):
        payout.delete()
    with _refused(_frozen(period)):
        Payout.objects.create(
            period=period, pod=payout.pod, person=payout.person, amount=1, is_adjustment=True
        )
    assert Payout.objects.filter(period=period).count() == 2
    assert Payout.objects.get(pk=payout.pk).amount == Decimal("3750.00")


def test_it_refuses_moving_an_open_payout_into_a_frozen_period(personas):
    _, approved = _approved(personas)
    october = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 10, 1)
    )
    payout = Payout.objects.filter(period=october).first()
    with _refused(_frozen(approved)):
        Payout.objects.filter(pk=payout.pk).update(period=approved)
    with _refused(_frozen(approved)):
        PodResult.objects.filter(period=october).update(period=approved)


def test_it_refuses_changing_pod_results_of_a_locked_period(personas):
    _, period = _approved(personas)
    locked = services.period_lock(user=personas.org_lead, period=period)
    result = PodResult.objects.filter(period=locked).first()
    with _refused(_frozen(locked)):
        _raw("UPDATE incentives_podresult SET pool = 0 WHERE id = %s", result.pk)
    with _refused(_frozen(locked)):
        _raw("DELETE FROM incentives_podresult WHERE id = %s", result.pk)
    assert PodResult.objects.get(pk=result.pk).pool == Decimal("7500.00")


def test_it_carries_adjustments_into_a_later_open_period(personas):
    _, september = _approved(personas)
    payout = services.adjustment_create(
        user=personas.org_lead,
        period=september,
        person=personas.member.person,
        pod=personas.pod_a,
        amount=Decimal("-120.50"),
        note="Activation double-counted",
    )
    october = payout.period
    assert october.status == "draft" and payout.adjusts == september
    assert IncentivePeriod.objects.get(pk=october.pk).totals["adjustments"] == "-120.50"
    october = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 10, 1)
    )
    october = services.period_approve(user=personas.org_lead, period=october)
    # Once October is approved its adjustment is frozen with it.
    with _refused(_frozen(october)):
        Payout.objects.filter(pk=payout.pk).update(amount=Decimal("-1"))


# --------------------------------------------------------------------------- audit entries


def _audit_entries(personas):
    _, period = _approved(personas)
    loose = AuditEntry.objects.create(
        actor=personas.pod_lead, action="observation_confirmed", data={"observation": 1}
    )
    open_period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 10, 1)
    )
    of_open = AuditEntry.objects.get(period=open_period)
    return [AuditEntry.objects.filter(period=period).first(), loose, of_open]


@pytest.mark.parametrize("column", sorted(AUDIT_CHANGES))
def test_it_refuses_a_raw_update_of_any_column_of_an_audit_entry(personas, column):
    for entry in _audit_entries(personas):
        with _refused("audit_append_only"):
            _raw(
                f"UPDATE incentives_auditentry SET {column} = {AUDIT_CHANGES[column]} "
                "WHERE id = %s",
                entry.pk,
            )


def test_it_refuses_editing_or_deleting_audit_entries_through_the_orm_and_sql(personas):
    entries = _audit_entries(personas)
    count = AuditEntry.objects.count()
    for entry in entries:
        with _refused("audit_append_only"):
            AuditEntry.objects.filter(pk=entry.pk).update(action="nothing happened")
        with _refused("audit_append_only"):
            AuditEntry.objects.filter(pk=entry.pk).update(actor=None)
        entry.data = {"total": "0"}
        with _refused("audit_append_only"):
            entry.save()
        with _refused("audit_append_only"):
            AuditEntry.objects.filter(pk=entry.pk).delete()
        with _refused("audit_append_only"):
            _raw("DELETE FROM incentives_auditentry WHERE id = %s", entry.pk)
    with _refused("audit_append_only"):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count
    # Appending is what an audit log is for.
    services.audit_record(user=personas.org_lead, action="period.note", data={"x": 1})
    assert AuditEntry.objects.count() == count + 1


# --------------------------------------------------------------------------- the ways through


def test_it_lets_an_account_be_deleted_and_clears_only_that_user(personas):
    _, period = _approved(personas)
    approver = personas.org_lead
    before = _row(period)
    entries = {e["id"]: e for e in AuditEntry.objects.filter(actor=approver).values()}
    assert entries
    approver.delete()
    after = _row(period)
    assert after.pop("approved_by_id") is None
    assert after == {k: v for k, v in before.items() if k != "approved_by_id"}
    for entry in AuditEntry.objects.filter(pk__in=entries).values():
        assert entry.pop("actor_id") is None
        assert entry == {k: v for k, v in entries[entry["id"]].items() if k != "actor_id"}
    # The pass lasted as long as the deletion: the approver column is frozen again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incentives_account_deletion")
        assert cursor.fetchone()[0] == 0
    with _refused(_frozen(period)):
        _raw(
            "UPDATE incentives_incentiveperiod SET approved_by_id = %s WHERE id = %s",
            personas.other_lead.pk,
            period.pk,
        )


def test_it_does_not_let_an_account_deletion_carry_other_changes(personas):
    _, period = _approved(personas)
    entry = AuditEntry.objects.filter(actor=personas.org_lead).first()
    with transaction.atomic():
        _raw("INSERT INTO incentives_account_deletion (user_id) VALUES (%s)", personas.org_lead.pk)
        with _refused(_frozen(period)):
            _raw(
                "UPDATE incentives_incentiveperiod SET approved_by_id = NULL, computed_at = %s "
                "WHERE id = %s",
                timezone.now(),
                period.pk,
            )
        with _refused("audit_append_only"):
            _raw(
                "UPDATE incentives_auditentry SET actor_id = NULL, action = 'x' WHERE id = %s",
                entry.pk,
            )
        with _refused(_frozen(period)):
            _raw("DELETE FROM incentives_incentiveperiod WHERE id = %s", period.pk)
        _raw("DELETE FROM incentives_account_deletion")


def test_it_still_resets_frozen_periods_and_their_audit_through_the_admin_path(personas):
    _, period = _approved(personas)
    services.period_lock(user=personas.org_lead, period=period)
    assert AuditEntry.objects.filter(period=period).count() == 3
    assert services.periods_delete_for_reset(unit_ids=[personas.unit_a.pk]) == 1
    assert not AuditEntry.objects.filter(period__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incentives_reset_token")
        assert cursor.fetchone()[0] == 0
    loose = AuditEntry.objects.create(actor=None, action="observation_confirmed")
    with _refused("audit_append_only"):
        loose.delete()


# --------------------------------------------------------------------------- admin


def _admin(client, personas):
    login(client, personas.admin)
    return client


def _message(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_it_shows_an_approved_period_read_only_in_the_admin(client, personas):
    _, period = _approved(personas)
    page = _admin(client, personas).get(f"/admin/incentives/incentiveperiod/{period.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    assert 'class="readonly"' in html
    payout = Payout.objects.filter(period=period).first()
    page = client.get(f"/admin/incentives/payout/{payout.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    result = PodResult.objects.filter(period=period).first()
    page = client.get(f"/admin/incentives/podresult/{result.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_it_keeps_an_open_period_editable_but_not_its_state(client, personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=date(2026, 9, 1)
    )
    page = _admin(client, personas).get(f"/admin/incentives/incentiveperiod/{period.pk}/change/")
    html = page.content.decode()
    assert 'name="_save"' in html
    # Approval goes through the service (rules, audit entry), not a select box.
    assert 'name="status"' not in html and 'name="approved_by"' not in html


def test_it_answers_a_posted_change_of_an_approved_period_with_a_message(client, personas):
    _, period = _approved(personas)
    before = _row(period)
    url = f"/admin/incentives/incentiveperiod/{period.pk}/change/"
    response = _admin(client, personas).post(
        url,
        {"plan": period.plan_id, "org_unit": personas.unit_b.pk, "month": "2026-08-01"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [(url, 302)]
    assert f"Approved period {period.pk} (Growth, 2026-09) is frozen" in _message(response)
    assert _row(period) == before
    payout = Payout.objects.filter(period=period).first()
    response = client.post(
        f"/admin/incentives/payout/{payout.pk}/change/", {"amount": "1"}, follow=True
    )
    assert "its payouts cannot change" in _message(response)
    assert Payout.objects.get(pk=payout.pk).amount == Decimal("3750.00")


def test_it_answers_a_delete_of_an_approved_period_with_a_message(client, personas):
    _, period = _approved(personas)
    url = f"/admin/incentives/incentiveperiod/{period.pk}/delete/"
    for method in (client.get, client.post):
        _admin(client, personas)
        response = method(url, {"post": "yes"} if method == client.post else None, follow=True)
        assert response.status_code == 200
        assert "is frozen: it cannot be changed or deleted" in _message(response)
    assert IncentivePeriod.objects.filter(pk=period.pk).exists()


def test_it_answers_a_bulk_delete_touching_frozen_rows_with_a_message(client, personas):
    _, period = _approved(personas)
    ids = list(Payout.objects.filter(period=period).values_list("pk", flat=True))
    response = _admin(client, personas).post(
        "/admin/incentives/payout/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 of the selected payouts belong to an approved or locked period" in _message(response)
    assert Payout.objects.filter(period=period).count() == 2
    response = client.post(
        "/admin/incentives/incentiveperiod/",
        {"action": "delete_selected", "_selected_action": [period.pk], "post": "yes"},
        follow=True,
    )
    assert "1 of the selected incentive periods belong" in _message(response)
    assert IncentivePeriod.objects.filter(pk=period.pk).exists()


def test_it_answers_a_change_the_database_refuses_with_a_message(client, personas):
    # The admin lets a payout be added (the period is open as far as the form knows); the
    # trigger refuses it because the chosen period is approved.
    _, period = _approved(personas)
    before = Payout.objects.count()
    response = _admin(client, personas).post(
        "/admin/incentives/payout/add/",
        {
            "period": period.pk,
            "pod": personas.pod_a.pk,
            "person": personas.member.person.pk,
            "amount": "99.00",
            "breakdown": '{"forged": true}',
            "is_adjustment": "on",
            "note": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/incentives/payout/add/", 302)]
    message = _message(response)
    assert "The database refused this change, nothing was saved:" in message
    assert "its payouts cannot change" in message
    if connection.vendor == "postgresql":
        assert f"approved period {period.pk} is frozen" in message
    assert Payout.objects.count() == before


def test_it_never_lets_the_admin_edit_or_delete_audit_entries(client, personas):
    entry = _audit_entries(personas)[0]
    _admin(client, personas)
    listing = client.get("/admin/incentives/auditentry/")
    assert listing.status_code == 200
    assert 'value="delete_selected"' not in listing.content.decode()
    page = client.get(f"/admin/incentives/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    for url, data in [
        (f"/admin/incentives/auditentry/{entry.pk}/change/", {"action": "nothing"}),
        (f"/admin/incentives/auditentry/{entry.pk}/delete/", {"post": "yes"}),
    ]:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert f"Audit entry {entry.pk} cannot be changed or deleted" in _message(response)
    response = client.post(
        "/admin/incentives/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert client.get("/admin/incentives/auditentry/add/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_it_keeps_the_admin_closed_to_non_staff(client, personas):
    entry = _audit_entries(personas)[0]
    login(client, personas.org_lead)
    for url in [
        "/admin/incentives/auditentry/",
        f"/admin/incentives/auditentry/{entry.pk}/delete/",
    ]:
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_lists_audit_entries_and_payouts_in_a_constant_number_of_queries(client, personas):
    _, period = _approved(personas)
    _admin(client, personas)

    def pages():
        for url in ["/admin/incentives/auditentry/", "/admin/incentives/payout/"]:
            assert client.get(url).status_code == 200

    n = count_queries(pages)
    for i in range(5):
        AuditEntry.objects.create(actor=personas.other_lead, action=f"x{i}", period=period)
    services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_b, month=date(2026, 9, 1)
    )
    assert count_queries(pages) == n


def test_it_deletes_the_approver_account_from_the_admin(client, personas):
    _, period = _approved(personas)
    approver = personas.org_lead
    response = _admin(client, personas).post(
        f"/admin/auth/user/{approver.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=approver.pk).exists()
    assert IncentivePeriod.objects.get(pk=period.pk).approved_by is None
