"""Handing work to the Celery worker: after commit, within seconds, and nothing left behind.

A request that starts background work (a formation run, a month close) writes its rows, then
publishes the tasks once they are committed. When the broker does not take them within about
3 s the rows are removed again and the caller hears `BackgroundUnavailable`, which pages turn
into a message and the API into a 503. The worker's own connection keeps Celery's patient
defaults; only this publish is impatient.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)

# Each wait is bounded: connecting, and every reply from the broker. One retry at most, so a
# broker that is down (refused), unreachable (no answer) or hung (accepts, never replies)
# answers in well under 3 s.
SOCKET_TIMEOUT = 1.0
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


class BackgroundUnavailable(Exception):
    """The broker did not take the work; nothing was started."""

    message = "Background work is unavailable right now; try again in a minute."

    def __str__(self) -> str:
        return self.message


def _publish(calls: Sequence[tuple[Any, tuple]]) -> None:
    app = calls[0][0].app
    if app.conf.task_always_eager:
        for task, args in calls:  # no broker: in-process, and its errors are real errors
            task.apply_async(args)
        return
    options = {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT}
    with app.connection_for_write(
        connect_timeout=SOCKET_TIMEOUT, transport_options=options
    ) as connection:
        errors = (KombuError, OSError, *connection.connection_errors, *connection.channel_errors)
        try:
            for task, args in calls:
                task.apply_async(args, connection=connection, retry=True, retry_policy=RETRY_POLICY)
        except errors as exc:
            log.warning("broker refused %d task(s): %r", len(calls), exc)
            raise BackgroundUnavailable from exc


def enqueue_on_commit(calls: Sequence[tuple[Any, tuple]], *, undo: Callable[[], None]) -> None:
    """Publish each (task, args) once the current transaction commits. If the broker does not
    take them, call `undo` (remove what the transaction wrote) and raise BackgroundUnavailable
    from the commit."""
    if not calls:
        return

    def publish() -> None:
        try:
            _publish(calls)
        except BackgroundUnavailable:
            undo()
            raise

    transaction.on_commit(publish)
