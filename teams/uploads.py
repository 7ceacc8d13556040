"""Files kept between a preview and its import (``PendingUpload``), bound to their owner.

The preview stores the bytes and hands the page a token; the import takes them back by token
and owner, so nothing is re-posted and no one imports someone else's file. An upload lives
``UPLOAD_TTL``; a new preview of the same kind replaces the owner's previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from teams.models import PendingUpload

UPLOAD_TTL = timedelta(hours=1)


@transaction.atomic
def upload_keep(*, owner: User, kind: str, name: str, content: bytes) -> PendingUpload:
    """Store ``content`` for ``owner``; expired uploads (anyone's) are removed on the way."""
    PendingUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_TTL).delete()
    PendingUpload.objects.filter(owner=owner, kind=kind).delete()
    return PendingUpload.objects.create(
        token=secrets.token_urlsafe(32),
        owner=owner,
        kind=kind,
        name=name[:255],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def upload_find(*, owner: User, kind: str, token: str) -> PendingUpload | None:
    """The owner's unexpired upload with that token, or ``None`` (unknown, someone else's,
    expired, already imported, or altered in storage)."""
    if not token or len(token) > 64:
        return None
    upload = PendingUpload.objects.filter(
        token=token,
        owner=owner,
        kind=kind,
        created_at__gte=timezone.now() - UPLOAD_TTL,
    ).first()
    if upload is None or hashlib.sha256(bytes(upload.content)).hexdigest() != upload.sha256:
        return None
    return upload


def upload_text(upload: PendingUpload) -> str:
    """The upload's text (it was checked to be UTF-8 when it was kept)."""
    return bytes(upload.content).decode("utf-8-sig")


@transaction.atomic
def upload_discard(*, upload: PendingUpload) -> None:
    PendingUpload.objects.filter(pk=upload.pk).delete()
