"""Plain-language explanations of a partition: who covers what, what falls short and why.

An Org Lead accepts or edits a proposal only if they can see why a pod is weak; "only 9 people
score ≥ 70 as Signal Reader for 14 pods" tells them no rearrangement can fix it, so the fix is
hiring or development rather than another run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from teams.formation.engine.problem import TRAIT_LABELS, TRAITS, Mission, Person, Problem

if TYPE_CHECKING:
    from teams.formation.engine.objective import Evaluation


def _fmt(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.1f}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _mission_line(mission: Mission, members: Sequence[str], people: dict[str, Person]) -> str:
    """ "Mission Growth (needs Signal Reader ≥ 80): met by ana (85)." """
    need = mission.requirement()
    if not need:
        return f"Mission {mission.name}."
    t = TRAITS.index(mission.trait)  # type: ignore[arg-type]
    best = max((m for m in members if m in people), key=lambda m: people[m].scores[t], default=None)
    if best is not None and mission.qualifies(people[best]):
        return f"Mission {mission.name} (needs {need}): met by {best} ({_fmt(people[best].scores[t])})."
    return f"Mission {mission.name} (needs {need}): not met."


def explain_pods(problem: Problem, ev: Evaluation, n_t: Sequence[int]) -> None:
    """Fill `explanation` on every pod of `ev` and pool-level `notes`."""
    tau = problem.threshold
    k = ev.k
    people = {p.id: p for p in problem.people}
    # Where does each trait's holder (score ≥ τ) sit, and are they the only holder in that pod?
    holder_pods: list[dict[int, int]] = [{} for _ in TRAITS]
    for g, pod in enumerate(ev.pods):
        for pid in pod.members:
            person = people.get(pid)
            if person is None:
                continue
            for t in range(len(TRAITS)):
                if person.scores[t] >= tau:
                    holder_pods[t][g] = holder_pods[t].get(g, 0) + 1
    for t, trait in enumerate(TRAITS):
        if n_t[t] < k:
            ev.notes.append(
                f"only {_count(n_t[t], 'person', 'people')} in the pool "
                f"score{'s' if n_t[t] == 1 else ''} ≥ {_fmt(tau)} as {TRAIT_LABELS[trait]} "
                f"for {k} pods, so at least {_count(k - n_t[t], 'pod falls', 'pods fall')} "
                f"short of it"
            )
    missions = problem.missions
    for g, pod in enumerate(ev.pods):
        covered = []
        short = []
        reasons = []
        mission_line = _mission_line(missions[g], pod.members, people) if g < len(missions) else ""
        for t, trait in enumerate(TRAITS):
            label = TRAIT_LABELS[trait]
            who = pod.coverers.get(trait)
            score = people[who].scores[t] if who in people else 0.0
            if trait not in pod.shortfall:
                covered.append(f"{label}: {who} ({_fmt(score)})")
                continue
            gap = pod.shortfall[trait]
            short.append(
                f"{label} {_fmt(score)}"
                + (f" ({who})" if who else "")
                + f", {_fmt(gap)} short of {_fmt(tau)}"
            )
            if n_t[t] < k:
                reasons.append(
                    f"only {_count(n_t[t], 'person', 'people')} in the pool "
                    f"score{'s' if n_t[t] == 1 else ''} ≥ {_fmt(tau)} as {label} for {k} pods"
                )
            else:
                spare = sum(c - 1 for c in holder_pods[t].values() if c > 1)
                if spare == 0:
                    reasons.append(
                        f"each of the {n_t[t]} people scoring ≥ {_fmt(tau)} as {label} already "
                        f"covers it in another pod; moving one here opens a gap there"
                    )
                else:
                    reasons.append(
                        f"{spare} people scoring ≥ {_fmt(tau)} as {label} share a pod with "
                        f"another {label}, but moving one here would break a size bound or a "
                        f"constraint, or weaken another pod more than it helps this one"
                    )
        parts = [mission_line] if mission_line else []
        if pod.weakest and k > 1:
            parts.append(f"Weakest pod (coverage {pod.total:.2f} of 5).")
        if covered:
            parts.append("Covered — " + "; ".join(covered) + ".")
        if short:
            parts.append("Short — " + "; ".join(short) + ".")
        if reasons:
            parts.append("Why: " + "; ".join(reasons) + ".")
        pod.explanation = " ".join(parts)
