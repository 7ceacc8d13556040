"""DESIGN §2's maths, written once: coverage, F, the upper bound, trait gaps, and `evaluate()`.

`evaluate()` scores any partition (the optimiser's, or one a lead edited by hand in the
workspace) and lists what it breaks instead of raising, so an edit can be shown with a warning.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from teams.formation.engine.problem import (
    TRAITS,
    Constraints,
    Problem,
    current_pairs,
    feasible_pod_counts,
    previous_pairs,
)

WORK_START, WORK_END = 9.0, 17.0  # local working hours for the shared-hours wish


@dataclass
class PodScore:
    members: list[str]
    coverage: dict[str, float]  # cov(g, t) in 0..1 per trait
    total: float  # C(g) = Σ_t cov(g, t), in 0..5
    coverers: dict[str, str | None]  # who holds the max score per trait
    shortfall: dict[str, float]  # traits below τ: points short of τ
    explanation: str = ""
    wishes_met: list[str] = field(default_factory=list)
    wishes_missed: list[str] = field(default_factory=list)
    weakest: bool = False
    mission: str | None = None  # the mission this pod is for (pod i is mission i), if any


@dataclass
class Evaluation:
    pods: list[PodScore]
    k: int
    objective: float  # F = Σ_g C(g) + k·min_g C(g) − μ·moved
    coverage_sum: float
    min_coverage: float
    moved: int
    upper_bound: float  # 2·UB_sum for this k (the μ = 0 bound of DESIGN §2)
    upper_bound_sum: float  # UB_sum
    trait_gaps: int  # pod-traits with cov < 1
    trait_gaps_lower_bound: int  # Σ_t max(0, k − n_t)
    violations: list[str]  # hard constraints this partition breaks (empty for valid answers)
    notes: list[str] = field(default_factory=list)  # pool-level remarks (scarce traits, …)


def capped(problem: Problem) -> list[tuple[float, ...]]:
    """Each person's contribution to coverage per trait: min(s, τ)/τ."""
    tau = problem.threshold
    return [tuple(min(s, tau) / tau for s in p.scores) for p in problem.people]


def pod_coverage(rows: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """cov(g, t) for one pod given its members' capped rows (max per trait)."""
    if not rows:
        return (0.0,) * len(TRAITS)
    return tuple(map(max, zip(*rows, strict=True)))


def holders_count(problem: Problem) -> list[int]:
    """n_t: how many people score at least τ in each trait."""
    tau = problem.threshold
    return [sum(1 for p in problem.people if p.scores[t] >= tau) for t in range(len(TRAITS))]


def upper_bound_sum(cap: Sequence[Sequence[float]], k: int) -> float:
    """UB_sum = Σ_t (sum of the k largest capped scores in t): each pod's coverage in a trait
    comes from a different person, so no partition into k pods can cover more."""
    total = 0.0
    for t in range(len(TRAITS)):
        column = sorted((row[t] for row in cap), reverse=True)
        total += sum(column[:k])
    return total


def gaps_lower_bound(n_t: Sequence[int], k: int) -> int:
    return sum(max(0, k - n) for n in n_t)


def count_moved(problem: Problem, pods: Sequence[Sequence[str]]) -> int:
    """People moved away from their current pod.

    For each current pod X, the proposed pod holding most of X's pool members is X's successor
    (ties don't change the count); X's members anywhere else are moved. So
    moved = Σ_X (|X ∩ pool| − max_g |X ∩ g|). People without a current pod never count, and a
    current pod may be merged with others or with newcomers without anyone counting as moved.
    """
    current = {p.id: p.current_pod for p in problem.people if p.current_pod}
    if not current:
        return 0
    per_label: dict[str, Counter[int]] = defaultdict(Counter)
    for g, members in enumerate(pods):
        for pid in members:
            label = current.get(pid)
            if label is not None:
                per_label[label][g] += 1
    return sum(sum(c.values()) - max(c.values()) for c in per_label.values())


def objective(covers: Sequence[float], moved: int, stability: float) -> float:
    """F = Σ_g C(g) + k·min_g C(g) − μ·moved."""
    if not covers:
        return 0.0
    return sum(covers) + len(covers) * min(covers) - stability * moved


def shared_hours(offsets: Sequence[float]) -> float:
    """Hours in which every member's 9:00-17:00 local window overlaps (in UTC)."""
    if len(offsets) < 2:
        return WORK_END - WORK_START
    starts = []
    ref = WORK_START - offsets[0]
    for off in offsets:
        s = WORK_START - off
        # Windows wrap around the day: use the copy closest to the first member's window.
        while s - ref > 12:
            s -= 24
        while ref - s > 12:
            s += 24
        starts.append(s)
    length = WORK_END - WORK_START
    return max(0.0, min(starts) + length - max(starts))


def hard_violations(problem: Problem, pods: Sequence[Sequence[str]]) -> list[str]:
    """Every hard constraint the partition breaks, as sentences a lead can act on."""
    where, out = _placement(problem, pods)
    out += _size_violations(problem, pods)
    out += _pair_violations(problem.constraints, where)
    out += _pin_violations(problem.constraints, where)
    out += _composition_violations(problem, pods)
    out += _mission_violations(problem, pods)
    return out


def _mission_violations(problem: Problem, pods: Sequence[Sequence[str]]) -> list[str]:
    """One pod per mission, and each mission's required level reached by someone in its pod."""
    missions = problem.missions
    if not missions:
        return []
    out: list[str] = []
    if len(pods) != len(missions):
        out.append(f"{len(pods)} pods for {len(missions)} missions: one pod per mission")
    by_id = {p.id: p for p in problem.people}
    for g, (mission, members) in enumerate(zip(missions, pods, strict=False)):
        if not mission.requirement():
            continue
        if not any(mission.qualifies(by_id[m]) for m in members if m in by_id):
            out.append(
                f"pod {g + 1} ({mission.name}) needs {mission.requirement()}, "
                f"and nobody in it scores that"
            )
    return out


def _placement(problem: Problem, pods: Sequence[Sequence[str]]) -> tuple[dict[str, int], list[str]]:
    """(pod of each pool member, sentences for strangers, people in two pods and the unplaced).

    A person listed twice keeps their first pod, so the later checks see one place per person.
    """
    out: list[str] = []
    known = {p.id for p in problem.people}
    where: dict[str, int] = {}
    for g, members in enumerate(pods):
        for pid in members:
            if pid not in known:
                out.append(f"pod {g + 1}: {pid!r} is not in the pool")
            elif pid in where:
                out.append(f"{pid!r} is in pods {where[pid] + 1} and {g + 1}")
            else:
                where[pid] = g
    missing = sorted(known - set(where))
    if missing:
        out.append(f"not in any pod: {', '.join(missing)}")
    return where, out


def _size_violations(problem: Problem, pods: Sequence[Sequence[str]]) -> list[str]:
    a, b = problem.min_size, problem.max_size
    out: list[str] = []
    for g, members in enumerate(pods):
        if not a <= len(members) <= b:
            who = "person" if len(members) == 1 else "people"
            out.append(f"pod {g + 1} has {len(members)} {who} (allowed {a}-{b})")
    return out


def _pair_violations(c: Constraints, where: dict[str, int]) -> list[str]:
    out: list[str] = []
    for x, y in c.together:
        if x in where and y in where and where[x] != where[y]:
            out.append(
                f"together pair ({x}, {y}) is split across pods {where[x] + 1} and {where[y] + 1}"
            )
    for x, y in c.apart:
        if x in where and y in where and where[x] == where[y]:
            out.append(f"apart pair ({x}, {y}) shares pod {where[x] + 1}")
    return out


def _pin_violations(c: Constraints, where: dict[str, int]) -> list[str]:
    """One label split over several pods, then one pod holding several labels."""
    out: list[str] = []
    label_pods: dict[str, set[int]] = defaultdict(set)
    for pid, label in c.pinned.items():
        if pid in where:
            label_pods[label].add(where[pid])
    for label, gs in sorted(label_pods.items()):
        if len(gs) > 1:
            shown = ", ".join(str(g + 1) for g in sorted(gs))
            out.append(f"people pinned to {label!r} are split across pods {shown}")
    pod_labels: dict[int, set[str]] = defaultdict(set)
    for label, gs in label_pods.items():
        for g in gs:
            pod_labels[g].add(label)
    for g, labels in sorted(pod_labels.items()):
        if len(labels) > 1:
            out.append(
                f"pod {g + 1} holds people pinned to different pods: {', '.join(sorted(labels))}"
            )
    return out


def _composition_violations(problem: Problem, pods: Sequence[Sequence[str]]) -> list[str]:
    """Per pod: more than one Pod Lead, too many people of one org unit."""
    c = problem.constraints
    out: list[str] = []
    lead = {p.id for p in problem.people if p.is_pod_lead}
    unit = {p.id: p.org_unit for p in problem.people if p.org_unit}
    for g, members in enumerate(pods):
        if c.one_lead_per_pod:
            leads = [pid for pid in members if pid in lead]
            if len(leads) > 1:
                out.append(f"pod {g + 1} has {len(leads)} Pod Leads: {', '.join(leads)}")
        if c.max_per_unit is not None:
            counts = Counter(unit[pid] for pid in members if pid in unit)
            for u, count in sorted(counts.items()):
                if count > c.max_per_unit:
                    out.append(
                        f"pod {g + 1} has {count} people of org unit {u!r} (max {c.max_per_unit})"
                    )
    return out


def soft_wishes(problem: Problem, members: Sequence[str]) -> tuple[list[str], list[str]]:
    """(met, missed) wish sentences for one pod."""
    w = problem.wishes
    met: list[str] = []
    missed: list[str] = []
    inside = set(members)
    for x, y in w.requested:
        if x in inside and y in inside:
            met.append(f"{x} and {y} asked to work together and do")
        elif x in inside:
            missed.append(f"{x} asked to work with {y}, who is in another pod")
        elif y in inside:
            missed.append(f"{y} asked to work with {x}, who is in another pod")
    if w.previous_pods:
        idx = {pid: i for i, pid in enumerate(members)}
        pairs = previous_pairs(problem, idx)
        repeats = sorted(
            {
                (min(members[i], members[j]), max(members[i], members[j]))
                for i, js in pairs.items()
                for j in js
            }
        )
        if repeats:
            missed.extend(
                f"{x} and {y} were together in the previous formation" for x, y in repeats
            )
        else:
            met.append("no pairing repeated from the previous formation")
    if w.new_teammates:
        _new_teammates(problem, members, met, missed)
    if w.min_shared_hours:
        offsets = {p.id: p.utc_offset_hours for p in problem.people}
        present = [offsets[m] for m in members if offsets.get(m) is not None]
        hours = shared_hours(present)
        line = f"{hours:g} shared working hours (wish: at least {w.min_shared_hours:g})"
        (met if hours >= w.min_shared_hours else missed).append(line)
    return met, missed


def _new_teammates(
    problem: Problem, members: Sequence[str], met: list[str], missed: list[str]
) -> None:
    idx = {pid: i for i, pid in enumerate(members)}
    pairs = current_pairs(problem, idx)
    together = sorted(
        {
            (min(members[i], members[j]), max(members[i], members[j]))
            for i, js in pairs.items()
            for j in js
        }
    )
    if together:
        missed.extend(f"{x} and {y} share a pod now and would again" for x, y in together)
    elif any(p.current_pod for p in problem.people if p.id in idx):
        met.append("everyone here has new teammates")


def evaluate(problem: Problem, pods: Sequence[Sequence[str]]) -> Evaluation:
    """Score a given partition exactly as DESIGN §2 defines F and report what it breaks.

    Never raises on a bad partition: unknown ids are ignored for scoring, and every broken hard
    constraint becomes a line in `violations`, so the workspace can show a warning next to the
    scores a manual edit produced.
    """
    from teams.formation.engine.explain import explain_pods

    pods = [[str(pid) for pid in members] for members in pods]
    idx = problem.index()
    cap = capped(problem)
    k = len(pods)
    scores: list[PodScore] = []
    for members in pods:
        rows = [cap[idx[pid]] for pid in members if pid in idx]
        cov = pod_coverage(rows)
        coverers: dict[str, str | None] = {}
        shortfall: dict[str, float] = {}
        for t, trait in enumerate(TRAITS):
            best_id, best = None, -1.0
            for pid in members:
                if pid in idx and problem.people[idx[pid]].scores[t] > best:
                    best_id, best = pid, problem.people[idx[pid]].scores[t]
            coverers[trait] = best_id
            if cov[t] < 1:
                shortfall[trait] = problem.threshold - max(best, 0.0)
        met, missed = soft_wishes(problem, members)
        scores.append(
            PodScore(
                members=list(members),
                coverage=dict(zip(TRAITS, cov, strict=True)),
                total=sum(cov),
                coverers=coverers,
                shortfall=shortfall,
                wishes_met=met,
                wishes_missed=missed,
                mission=problem.missions[len(scores)].name
                if len(scores) < len(problem.missions)
                else None,
            )
        )
    covers = [s.total for s in scores]
    moved = count_moved(problem, pods)
    ub = upper_bound_sum(cap, k) if k else 0.0
    n_t = holders_count(problem)
    min_cov = min(covers) if covers else 0.0
    for s in scores:
        s.weakest = bool(covers) and s.total == min_cov
    ev = Evaluation(
        pods=scores,
        k=k,
        objective=objective(covers, moved, problem.constraints.stability),
        coverage_sum=sum(covers),
        min_coverage=min_cov,
        moved=moved,
        upper_bound=2 * ub,
        upper_bound_sum=ub,
        trait_gaps=sum(1 for s in scores for v in s.coverage.values() if v < 1),
        trait_gaps_lower_bound=gaps_lower_bound(n_t, k),
        violations=hard_violations(problem, pods),
    )
    if k and not feasible_pod_counts(len(problem.people), problem.min_size, problem.max_size):
        ev.notes.append("no pod count fits the size bounds for this pool")
    explain_pods(problem, ev, n_t)
    return ev
