"""The formation problem as plain data, and the checks that tell a user why it cannot be solved.

Everything here is Django-free on purpose: the web workspace, the Celery task, the REST API and
the `propose_pods` command all build a `Problem` from their own input and hand it to
`propose_pods()` / `evaluate()`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Same keys and order as teams.traits.TRAITS; repeated here so the optimiser stays importable on
# its own (and a reordering there cannot silently permute the score tuples here).
TRAITS: tuple[str, ...] = ("builder", "architect", "taste_maker", "signal_reader", "decision_maker")
TRAIT_LABELS: dict[str, str] = {
    "builder": "Builder",
    "architect": "Architect",
    "taste_maker": "Taste Maker",
    "signal_reader": "Signal Reader",
    "decision_maker": "Decision Maker",
}


class FormationInfeasible(Exception):
    """The pool cannot be partitioned as asked; `problems` has one human-readable line per cause."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Person:
    """One member of the pool. `scores` follow TRAITS order, each in 0..100."""

    id: str
    scores: tuple[float, float, float, float, float]
    org_unit: str | None = None
    current_pod: str | None = None
    is_pod_lead: bool = False
    # Hours east of UTC; used only by the shared-working-hours wish (9:00-17:00 local).
    utc_offset_hours: float | None = None


@dataclass
class Constraints:
    """Hard constraints: they hold in every answer, or the run fails naming them.

    `pinned` maps a person to a pod label: people with the same label share a pod, different
    labels mean different pods. `one_lead_per_pod` only bites when people carry `is_pod_lead`
    (a pod without a lead is fine). `stability` is μ of DESIGN §2: the objective loses μ per
    person moved away from their current pod (see `objective.count_moved` for "moved").
    """

    together: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    pinned: dict[str, str] = field(default_factory=dict)
    one_lead_per_pod: bool = True
    max_per_unit: int | None = None
    stability: float = 0.0


@dataclass
class Wishes:
    """Soft wishes: reported per pod as met or missed, never allowed to break a hard constraint.

    `requested`: pairs who asked to work together. `previous_pods`: the previous formation, whose
    pairings we would rather not repeat. `min_shared_hours`: each pod's members' 9:00-17:00 local
    windows should overlap by at least this many hours (people without an offset are ignored).
    """

    requested: list[tuple[str, str]] = field(default_factory=list)
    previous_pods: list[list[str]] = field(default_factory=list)
    min_shared_hours: float | None = None

    def any(self) -> bool:
        return bool(self.requested or self.previous_pods or self.min_shared_hours)


@dataclass
class Problem:
    people: list[Person]
    min_size: int = 3
    max_size: int = 5
    threshold: float = 70
    constraints: Constraints = field(default_factory=Constraints)
    wishes: Wishes = field(default_factory=Wishes)
    # Fix the number of pods instead of letting the optimiser choose it.
    k: int | None = None

    def index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.people)}


def feasible_pod_counts(n: int, a: int, b: int) -> list[int]:
    """Every k for which n people split into k pods with sizes in [a, b]: k·a ≤ n ≤ k·b."""
    if n <= 0 or a < 1 or b < a:
        return []
    return [k for k in range(-(-n // b), n // a + 1) if k * a <= n <= k * b]


def _size_hint(n: int, a: int, b: int) -> str:
    # Suggest the nearest bounds that would work, moving one side at a time.
    hints = []
    for lower in range(a - 1, 0, -1):
        if feasible_pod_counts(n, lower, b):
            hints.append(f"--min-size {lower} (pods of {lower}-{b})")
            break
    for upper in range(b + 1, n + 1):
        if feasible_pod_counts(n, a, upper):
            hints.append(f"--max-size {upper} (pods of {a}-{upper})")
            break
    if not hints:
        return ""
    return "; sizes that would fit: " + " or ".join(hints)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


@dataclass
class Blocks:
    """People who must share a pod (together chains plus same-label pins), as index groups."""

    groups: list[list[int]]  # every person is in exactly one group (singletons included)
    group_of: list[int]
    label_of_group: dict[int, str]  # groups carrying a pinned label


def build_blocks(problem: Problem, idx: dict[str, int]) -> Blocks:
    n = len(problem.people)
    uf = _UnionFind(n)
    c = problem.constraints
    for x, y in c.together:
        if x in idx and y in idx:
            uf.union(idx[x], idx[y])
    first_with_label: dict[str, int] = {}
    for pid, label in sorted(c.pinned.items()):
        if pid not in idx:
            continue
        if label in first_with_label:
            uf.union(first_with_label[label], idx[pid])
        else:
            first_with_label[label] = idx[pid]
    roots: dict[int, int] = {}
    groups: list[list[int]] = []
    group_of = [0] * n
    for i in range(n):
        r = uf.find(i)
        if r not in roots:
            roots[r] = len(groups)
            groups.append([])
        group_of[i] = roots[r]
        groups[roots[r]].append(i)
    label_of_group: dict[int, str] = {}
    for pid, label in c.pinned.items():
        if pid in idx:
            label_of_group.setdefault(group_of[idx[pid]], label)
    return Blocks(groups, group_of, label_of_group)


def _pair_list(pairs: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    return [(str(p[0]), str(p[1])) for p in pairs]


def check_problem(problem: Problem) -> list[int]:
    """Validate the problem and return the pod counts k that remain possible.

    Raises FormationInfeasible with one line per cause: bad data, sizes that cannot partition
    the pool (with the bounds that would), and constraints that contradict each other. Finer
    conflicts (e.g. an apart graph that needs more pods than we have) are only discovered by the
    search, which then reports the constraints it could not satisfy.
    """
    if not problem.people:
        raise FormationInfeasible(["the pool is empty: there is nobody to form pods from"])
    # Each stage only makes sense once the one before it passed, so each raises on its own.
    _raise_if(_data_problems(problem))
    ks = _pod_counts(problem)
    idx = problem.index()
    _raise_if(_unknown_people(problem, idx))
    blocks = build_blocks(problem, idx)
    need = _pods_needed(problem)
    _raise_if(
        [line for members in blocks.groups for line in _block_problems(problem, members)]
        + _apart_inside_blocks(problem, idx, blocks)
        + _too_few_pods(problem, need, ks[-1])
    )
    lower = max((pods for pods, _ in need), default=0)
    return [k for k in ks if k >= lower]


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise FormationInfeasible(problems)


def _data_problems(problem: Problem) -> list[str]:
    """Duplicate ids, scores outside 0..100, and parameters out of range."""
    problems: list[str] = []
    a, b, tau = problem.min_size, problem.max_size, problem.threshold
    c = problem.constraints
    ids = Counter(p.id for p in problem.people)
    for pid, count in sorted(ids.items()):
        if count > 1:
            problems.append(f"person {pid!r} appears {count} times in the pool")
    for p in problem.people:
        if len(p.scores) != len(TRAITS):
            problems.append(f"person {p.id!r} has {len(p.scores)} scores, expected {len(TRAITS)}")
            continue
        for t, s in zip(TRAITS, p.scores, strict=True):
            if not 0 <= s <= 100:
                problems.append(f"person {p.id!r}: {t} score {s} is outside 0..100")
    if not 0 < tau <= 100:
        problems.append(f"threshold {tau} must be in 1..100")
    if a < 1 or b < a:
        problems.append(f"size bounds {a}..{b} are invalid: need 1 ≤ min-size ≤ max-size")
    if c.max_per_unit is not None and c.max_per_unit < 1:
        problems.append(f"max-per-unit {c.max_per_unit} must be at least 1")
    if c.stability < 0:
        problems.append(f"stability weight {c.stability} must not be negative")
    return problems


def _pod_counts(problem: Problem) -> list[int]:
    """The pod counts the size bounds allow (or the one asked for), else why there are none."""
    n, a, b = len(problem.people), problem.min_size, problem.max_size
    ks = feasible_pod_counts(n, a, b)
    if not ks:
        raise FormationInfeasible(
            [f"{n} people cannot be split into pods of {a}-{b} people" + _size_hint(n, a, b)]
        )
    if problem.k is None:
        return ks
    if problem.k not in ks:
        raise FormationInfeasible(
            [
                f"{n} people cannot be split into {problem.k} pods of {a}-{b} people; "
                f"possible pod counts: {ks[0]}-{ks[-1]}"
            ]
        )
    return [problem.k]


def _unknown_people(problem: Problem, idx: dict[str, int]) -> list[str]:
    """Constraints naming someone outside the pool (or a person paired with themselves)."""
    c = problem.constraints
    problems: list[str] = []
    for kind, pairs in (("together", c.together), ("apart", c.apart)):
        for x, y in _pair_list(pairs):
            for pid in (x, y):
                if pid not in idx:
                    problems.append(f"{kind} pair ({x}, {y}) names {pid!r}, who is not in the pool")
            if x == y:
                problems.append(f"{kind} pair ({x}, {y}) names the same person twice")
    for pid in sorted(c.pinned):
        if pid not in idx:
            problems.append(f"pinned person {pid!r} is not in the pool")
    return problems


def _block_problems(problem: Problem, members: list[int]) -> list[str]:
    """What one group that must share a pod breaks on its own: pins, size, leads, org units."""
    people, c = problem.people, problem.constraints
    problems: list[str] = []
    labels = sorted({c.pinned[people[i].id] for i in members if people[i].id in c.pinned})
    names = ", ".join(sorted(people[i].id for i in members))
    if len(labels) > 1:
        problems.append(
            f"together constraints join people pinned to different pods "
            f"({', '.join(labels)}): {names}"
        )
    if len(members) > problem.max_size:
        problems.append(
            f"together/pinned constraints put {len(members)} people in one pod, more than "
            f"the max size {problem.max_size}: {names}"
        )
    if c.one_lead_per_pod:
        leads = sorted(people[i].id for i in members if people[i].is_pod_lead)
        if len(leads) > 1:
            problems.append(
                f"together/pinned constraints put {len(leads)} Pod Leads in one pod "
                f"(at most one per pod): {', '.join(leads)}"
            )
    if c.max_per_unit is not None:
        units = Counter(people[i].org_unit for i in members if people[i].org_unit)
        for unit, count in sorted(units.items()):
            if count > c.max_per_unit:
                problems.append(
                    f"together/pinned constraints put {count} people of org unit {unit!r} "
                    f"in one pod (max-per-unit {c.max_per_unit})"
                )
    return problems


def _apart_inside_blocks(problem: Problem, idx: dict[str, int], blocks: Blocks) -> list[str]:
    c = problem.constraints
    problems: list[str] = []
    for x, y in _pair_list(c.apart):
        if blocks.group_of[idx[x]] == blocks.group_of[idx[y]]:
            why = (
                "a together pair"
                if (x, y) in c.together or (y, x) in c.together
                else ("together/pinned constraints")
            )
            problems.append(f"apart pair ({x}, {y}) contradicts {why} that puts them in one pod")
    return problems


def _pods_needed(problem: Problem) -> list[tuple[int, str]]:
    """Lower bounds on k from constraints that need distinct pods, each with its reason."""
    people, c = problem.people, problem.constraints
    need: list[tuple[int, str]] = []
    labels = sorted(set(c.pinned.values()))
    if labels:
        need.append((len(labels), f"{len(labels)} distinct pinned pods"))
    if c.one_lead_per_pod:
        n_leads = sum(1 for p in people if p.is_pod_lead)
        if n_leads:
            need.append((n_leads, f"{n_leads} Pod Leads (at most one per pod)"))
    if c.max_per_unit is not None:
        per_unit = Counter(p.org_unit for p in people if p.org_unit)
        for unit, count in sorted(per_unit.items()):
            pods_needed = -(-count // c.max_per_unit)
            need.append(
                (
                    pods_needed,
                    f"{count} people of org unit {unit!r} at most {c.max_per_unit} per pod",
                )
            )
    return need


def _too_few_pods(problem: Problem, need: list[tuple[int, str]], max_k: int) -> list[str]:
    n, a, b = len(problem.people), problem.min_size, problem.max_size
    return [
        f"{why} need at least {pods_needed} pods, but {n} people in pods of {a}-{b} "
        f"make at most {max_k}"
        for pods_needed, why in need
        if pods_needed > max_k
    ]


def apart_sets(problem: Problem, idx: dict[str, int]) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in problem.people]
    for x, y in _pair_list(problem.constraints.apart):
        if x in idx and y in idx:
            adj[idx[x]].add(idx[y])
            adj[idx[y]].add(idx[x])
    return adj


def previous_pairs(problem: Problem, idx: dict[str, int]) -> dict[int, set[int]]:
    """Pairs who shared a pod in the previous formation, restricted to the pool."""
    out: dict[int, set[int]] = defaultdict(set)
    for pod in problem.wishes.previous_pods:
        members = [idx[str(p)] for p in pod if str(p) in idx]
        for i in members:
            for j in members:
                if i != j:
                    out[i].add(j)
    return out
