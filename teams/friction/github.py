"""GitHub pull-request reviews as waits (pure Python, no Django): the mapping the README
documents, used by ``tools/github_waits.py``.

A wait per team review request:

- ``pull_request`` events with ``action: review_requested`` and a ``requested_team`` open a
  wait: node = the team's name, kind = review, requested_at = the event's time, url = the pull
  request. (A request to a single person is not a node outside the pod, and is skipped.)
- ``pull_request_review`` events with ``action: submitted`` resolve it: resolved_at = the first
  review submitted after the request by a member of that team. Members come from a
  ``{"team-slug": ["login", …]}`` map when given; without one, a review after which GitHub no
  longer lists the team among the pull request's ``requested_teams`` counts as the team's.
- A request no review resolved stays open.

Deliveries are read from a saved file: a JSON array, or one JSON object per line, each either
``{"event": "pull_request", "delivered_at": "…", "payload": {…}}`` (the event name is the
``X-GitHub-Event`` header, which a raw payload lacks) or a bare payload (the event is then
told by its keys). The event time is ``delivered_at`` when saved, else the pull request's
``updated_at`` (a request) or the review's ``submitted_at``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class PayloadError(ValueError):
    """A delivery the converter cannot read; ``str()`` names it."""


@dataclass
class _Request:
    repo: str
    number: int
    team_slug: str
    team_name: str
    url: str
    requested_at: datetime
    resolved_at: datetime | None = None


def _moment(text: Any, where: str) -> datetime:
    if not isinstance(text, str):
        raise PayloadError(f"{where}: no time")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{where}: {text!r} is not an ISO 8601 time") from None


def read_deliveries(text: str) -> list[dict]:
    """The deliveries of a saved file: a JSON array, or JSON Lines."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"the file is not JSON: {exc}") from None
        if not all(isinstance(d, dict) for d in data):
            raise PayloadError("every delivery in the array must be a JSON object")
        return data
    out = []
    for n, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PayloadError(f"line {n} is not JSON: {exc}") from None
        if not isinstance(item, dict):
            raise PayloadError(f"line {n} is not a JSON object")
        out.append(item)
    return out


def _event(delivery: Mapping[str, Any]) -> tuple[str, Mapping[str, Any], str | None]:
    """(event name, payload, delivered_at) of one delivery."""
    if "payload" in delivery:
        return str(delivery.get("event", "")), delivery["payload"], delivery.get("delivered_at")
    if "review" in delivery:
        return "pull_request_review", delivery, None
    return "pull_request", delivery, None


def _pr(payload: Mapping[str, Any], where: str) -> tuple[str, int, str]:
    pr = payload.get("pull_request")
    repo = (payload.get("repository") or {}).get("full_name", "")
    if not isinstance(pr, Mapping) or not isinstance(pr.get("number"), int):
        raise PayloadError(f"{where}: no pull_request number")
    return repo, pr["number"], str(pr.get("html_url", ""))


def waits_from_deliveries(
    deliveries: Iterable[Mapping[str, Any]],
    *,
    pod: int,
    members: Mapping[str, Iterable[str]] | None = None,
) -> list[dict]:
    """Waits (rows for ``POST /api/waits/bulk/``) from saved webhook deliveries."""
    team_of: dict[str, set[str]] = {}
    for slug, logins in (members or {}).items():
        for login in logins:
            team_of.setdefault(str(login).lower(), set()).add(slug)
    events = []
    for i, delivery in enumerate(deliveries, start=1):
        name, payload, delivered = _event(delivery)
        action = payload.get("action")
        where = f"delivery {i} ({name} {action})"
        if name == "pull_request" and action == "review_requested":
            team = payload.get("requested_team")
            if not isinstance(team, Mapping):
                continue  # a person, not a team
            repo, number, url = _pr(payload, where)
            at = _moment(delivered or payload["pull_request"].get("updated_at"), where)
            events.append((at, 0, "request", repo, number, url, team, None))
        elif name == "pull_request_review" and action == "submitted":
            repo, number, url = _pr(payload, where)
            review = payload.get("review") or {}
            at = _moment(review.get("submitted_at") or delivered, where)
            login = str((review.get("user") or {}).get("login", "")).lower()
            still = {t.get("slug") for t in payload["pull_request"].get("requested_teams") or []}
            events.append((at, 1, "review", repo, number, url, login, still))
    events.sort(key=lambda e: (e[0], e[1]))
    requests: list[_Request] = []
    for at, _, kind, repo, number, url, who, still in events:
        if kind == "request":
            requests.append(
                _Request(repo, number, who.get("slug", ""), who.get("name", ""), url, at)
            )
            continue
        for req in requests:
            if (req.repo, req.number) != (repo, number) or req.resolved_at is not None:
                continue
            if req.requested_at > at:
                continue
            by_member = req.team_slug in team_of.get(who, set())
            fulfilled = not team_of and req.team_slug not in still
            if by_member or fulfilled:
                req.resolved_at = at
    return [
        {
            "pod": pod,
            "node": req.team_name or req.team_slug,
            "kind": "review",
            "requested_at": req.requested_at.isoformat(),
            "resolved_at": req.resolved_at.isoformat() if req.resolved_at else None,
            "url": req.url,
            "external_id": (
                f"github:{req.repo}#{req.number}:{req.team_slug}:{req.requested_at:%Y%m%dT%H%M%S}"
            )[:120],
        }
        for req in requests
    ]
