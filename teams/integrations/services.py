"""Service accounts: an Org Lead's integration for some pods, with a token shown once.

The key is random (256 bits) and only its SHA-256 is stored: a slow password hash buys
nothing for a key nobody chose, and one indexed lookup finds the account. A revoked account
stays listed, with when it was last used and how many rows it sent.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from teams import inputs, permissions
from teams.models import Pod, ServiceAccount

NAME_MAX = 120


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _pods(user: User, pod_ids: Iterable[int]) -> list[Pod]:
    ids = list(dict.fromkeys(pod_ids))
    if not ids:
        raise ValidationError({"pods": ["Choose at least one pod it may send values for."]})
    pods = {p.pk: p for p in Pod.objects.filter(pk__in=ids)}
    problems = []
    for pk in ids:
        pod = pods.get(pk)
        if pod is None or not permissions.can_manage_unit(user, pod.org_unit_id):
            problems.append(f"Pod {pk} does not exist or is not in a unit you lead.")
        elif pod.status == Pod.Status.DISSOLVED:
            problems.append(f"{pod.name} is dissolved.")
    if problems:
        raise ValidationError({"pods": problems})
    return [pods[pk] for pk in ids]


@transaction.atomic
def service_account_create(
    *, user: User, name: str, pod_ids: Iterable[int]
) -> tuple[ServiceAccount, str]:
    """A new account owned by ``user`` for these pods (of units they lead), and its key: the
    only time the key exists outside the caller's hands."""
    permissions.require_org_lead(user)
    name = str(name or "").strip()
    if not name:
        raise ValidationError({"name": ["Name the integration (e.g. 'Stripe revenue feed')."]})
    if inputs.NUL in name:
        raise ValidationError({"name": ["The name contains a NUL character."]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [f"At most {NAME_MAX} characters (got {len(name)})."]})
    pods = _pods(user, pod_ids)
    key = ServiceAccount.KEY_PREFIX + secrets.token_urlsafe(32)
    account = ServiceAccount.objects.create(
        name=name, owner=user, key_hash=key_hash(key), key_start=key[:12]
    )
    account.pods.set(pods)
    return account, key


@transaction.atomic
def service_account_revoke(*, user: User, account: ServiceAccount) -> ServiceAccount:
    """The token stops working at once; the account stays listed. Revoking twice is a no-op."""
    account = ServiceAccount.objects.select_for_update().get(pk=account.pk)
    if account.revoked_at is None:
        account.revoked_at = timezone.now()
        account.save(update_fields=["revoked_at"])
    return account


def service_account_record_use(*, account: ServiceAccount, rows: int = 0) -> None:
    """Count a request of this account (and the rows it had written): one UPDATE."""
    ServiceAccount.objects.filter(pk=account.pk).update(
        last_used_at=timezone.now(), rows_sent=F("rows_sent") + rows
    )


def pod_ids_of(account: ServiceAccount) -> set[int]:
    """The pods the account may write for (one query, cached on the account)."""
    cached = getattr(account, "_pod_ids", None)
    if cached is None:
        cached = set(account.pods.values_list("id", flat=True))
        account._pod_ids = cached
    return cached
