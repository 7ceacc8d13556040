"""Approved money never changes, and the database says so (migrations 0002 and 0003).

What the triggers need from Python: while Django deletes a user account, the ORM clears that
user from frozen periods and audit entries (ON DELETE SET NULL); the triggers let exactly that
through while the user's id sits in ``incentives_account_deletion``, which these receivers fill
and empty inside the deletion's own transaction. And how the admin recognises a refusal.
"""

from __future__ import annotations

from django.db import connections

from incentives.models import IncentivePeriod

FROZEN = IncentivePeriod.FROZEN_STATUSES
# The tags every trigger message starts with (see the migrations).
REFUSAL_TAGS = ("period_frozen:", "audit_append_only:")


def refusal_reason(exc: BaseException) -> str | None:
    """The trigger's sentence when ``exc`` is one of its refusals, else None."""
    text = str(exc)
    for tag in REFUSAL_TAGS:
        at = text.find(tag)
        if at >= 0:
            return text[at + len(tag) :].split("\n", 1)[0].strip()
    return None


def account_deletion_started(sender, instance, using, **kwargs) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "INSERT INTO incentives_account_deletion (user_id) VALUES (%s) ON CONFLICT DO NOTHING",
            [instance.pk],
        )


def account_deletion_finished(sender, instance, using, **kwargs) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM incentives_account_deletion WHERE user_id = %s", [instance.pk])
