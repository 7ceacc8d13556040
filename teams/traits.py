"""Traits and trait profiles: plain functions, no database.

DESIGN §1: a profile is the weighted mean of the latest assessment per source (default weights
self 0.3, peer 0.4, lead 0.3, renormalised over the sources present). The primary trait is the
highest score; ties go to the person's declared preference, then to the order of TRAITS.
"""

from collections.abc import Mapping, Sequence

TRAITS: tuple[str, ...] = ("builder", "architect", "taste_maker", "signal_reader", "decision_maker")
TRAIT_LABELS: dict[str, str] = {
    "builder": "Builder",
    "architect": "Architect",
    "taste_maker": "Taste Maker",
    "signal_reader": "Signal Reader",
    "decision_maker": "Decision Maker",
}
TRAIT_DESCRIPTIONS: dict[str, str] = {
    "builder": "Turns ideas into reality, fast: ships the first version and iterates.",
    "architect": "Makes it keep working at scale: structure, reliability, foresight.",
    "taste_maker": "Judges quality: knows the difference between usable and delightful.",
    "signal_reader": "Reads users and the market: hears what people need before they say it.",
    "decision_maker": "Decides under uncertainty and owns the call.",
}
TRAIT_CHOICES = [(key, TRAIT_LABELS[key]) for key in TRAITS]

# DESIGN §2 τ: a pod covers a trait when one of its members scores at least this much. The
# optimiser's default, the formation form and API, the dashboard, the pod page and the trait mix
# all read it from here (the optimiser may import this module: it needs no Django).
COVERAGE_THRESHOLD = 70

SOURCES: tuple[str, ...] = ("self", "peer", "lead")
DEFAULT_WEIGHTS: dict[str, float] = {"self": 0.3, "peer": 0.4, "lead": 0.3}


def combine_profile(
    latest_by_source: Mapping[str, Sequence[float]],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> tuple[float, ...] | None:
    """Weighted mean per trait over the sources present; None when there is no assessment."""
    present = [s for s in SOURCES if s in latest_by_source and weights.get(s, 0) > 0]
    total = sum(weights[s] for s in present)
    if not present or total <= 0:
        return None
    return tuple(
        sum(weights[s] * latest_by_source[s][i] for s in present) / total
        for i in range(len(TRAITS))
    )


def primary_trait(scores: Sequence[float], preferred: str = "") -> str:
    best = max(scores)
    tied = [t for t, v in zip(TRAITS, scores, strict=True) if abs(v - best) < 1e-9]
    if preferred in tied:
        return preferred
    return tied[0]
