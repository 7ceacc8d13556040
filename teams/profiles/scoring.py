"""Trait profile rules beyond the plain weighted mean: the peer source and history. No database.

The peer source is the mean of each distinct peer's latest rating, and it exists only once at
least a minimum number of distinct peers have rated (PEER_MIN_RATERS unless the org unit sets its
own): with one or two peers, the person rated could read a peer's scores back out of their own
profile, and peer ratings are anonymous. 360 tools people trust hold back until three.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from teams.traits import SOURCES, TRAITS, combine_profile, primary_trait

PEER_MIN_RATERS = 3


def peer_average(
    latest_by_assessor: Mapping[object, Sequence[float]], min_raters: int = PEER_MIN_RATERS
) -> tuple[float, ...] | None:
    """Mean per trait of each peer's latest rating; None below the anonymity threshold."""
    if not latest_by_assessor or len(latest_by_assessor) < min_raters:
        return None
    n = len(latest_by_assessor)
    return tuple(sum(s[i] for s in latest_by_assessor.values()) / n for i in range(len(TRAITS)))


@dataclass(frozen=True)
class Rating:
    """One assessment as the profile rules need it."""

    source: str
    assessor_id: int | None
    scores: tuple[int, ...]
    created_at: datetime


def latest_by_source(
    ratings: Iterable[Rating], min_raters: int = PEER_MIN_RATERS
) -> dict[str, tuple[float, ...]]:
    """The inputs to combine_profile: latest self, latest lead, and the anonymous peer average.

    `ratings` may come in any order; the newest per source (per assessor for peers) wins.
    """
    newest: dict[str, Rating] = {}
    peers: dict[object, Rating] = {}
    for r in ratings:
        if r.source == "peer":
            # Peer rows without an assessor (imported) count as one anonymous rater.
            key = r.assessor_id
            if key not in peers or r.created_at >= peers[key].created_at:
                peers[key] = r
        elif r.source not in newest or r.created_at >= newest[r.source].created_at:
            newest[r.source] = r
    out: dict[str, tuple[float, ...]] = {s: tuple(map(float, r.scores)) for s, r in newest.items()}
    avg = peer_average({k: r.scores for k, r in peers.items()}, min_raters)
    if avg is not None:
        out["peer"] = avg
    return {s: out[s] for s in SOURCES if s in out}


@dataclass(frozen=True)
class HistoryPoint:
    at: datetime
    scores: tuple[float, ...]
    primary: str
    sources: tuple[str, ...]


def profile_history(
    ratings: Iterable[Rating],
    weights: Mapping[str, float],
    preferred: str = "",
    min_raters: int = PEER_MIN_RATERS,
) -> list[HistoryPoint]:
    """The combined profile as it stood after each assessment, oldest first."""
    ordered = sorted(ratings, key=lambda r: r.created_at)
    points: list[HistoryPoint] = []
    for i, r in enumerate(ordered):
        if i + 1 < len(ordered) and ordered[i + 1].created_at == r.created_at:
            continue  # several assessments at one instant make one point
        latest = latest_by_source(ordered[: i + 1], min_raters)
        combined = combine_profile(latest, weights)
        if combined is None:
            continue
        points.append(
            HistoryPoint(r.created_at, combined, primary_trait(combined, preferred), tuple(latest))
        )
    return points
