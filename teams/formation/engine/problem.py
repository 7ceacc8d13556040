"""The formation problem as plain data, and the checks that tell a user why it cannot be solved.

Everything here is Django-free on purpose: the web workspace, the Celery task, the REST API and
the `propose_pods` command all build a `Problem` from their own input and hand it to
`propose_pods()` / `evaluate()`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    # "New teammates for everyone": pairs who share a current pod (Person.current_pod) would
    # rather not share the new one; each such pair counts like a repeated previous pairing.
    new_teammates: bool = False

    def any(self) -> bool:
        return bool(
            self.requested or self.previous_pods or self.min_shared_hours or self.new_teammates
        )


@dataclass(frozen=True)
class Mission:
    """One pod the run must make, in order: the i-th proposed pod is the i-th mission's.

    `trait` and `min_score` (both or neither) are a hard constraint: the pod needs someone who
    scores at least `min_score` in `trait`. Build one from a dict with `Mission.from_dict`.
    """

    name: str
    trait: str | None = None
    min_score: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mission:
        """{"name", "trait", "min"} (also "min_score" or "level" for the score); values are
        taken as given, so `check_problem` can name what is wrong with them."""
        level = next(
            (data[key] for key in ("min", "min_score", "level") if data.get(key) not in (None, "")),
            None,
        )
        if isinstance(level, str):
            try:
                level = float(level.strip())
            except ValueError:
                pass  # left as text: check_problem says it is not a number
        trait = data.get("trait") or None
        return cls(
            name=str(data.get("name") or "").strip(),
            trait=str(trait) if trait is not None else None,
            min_score=level,
        )

    def requirement(self) -> str:
        """ "Signal Reader ≥ 80", or "" without one."""
        if self.trait is None or self.min_score is None:
            return ""
        return f"{TRAIT_LABELS.get(self.trait, self.trait)} ≥ {_fmt(self.min_score)}"

    def qualifies(self, person: Person) -> bool:
        if self.trait not in TRAITS or self.min_score is None:
            return True
        return person.scores[TRAITS.index(self.trait)] >= self.min_score


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, int | float) else str(x)


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
    # One pod per mission, in this order (fixes k to their number).
    missions: list[Mission] = field(default_factory=list)

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
    _raise_if(_data_problems(problem) + _mission_problems(problem.missions))
    ks = _pod_counts(problem)
    idx = problem.index()
    _raise_if(_unknown_people(problem, idx))
    _raise_if(_unstaffed_missions(problem))
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
    missions = problem.missions
    if missions:
        names = ", ".join(m.name for m in missions)
        if problem.k is not None and problem.k != len(missions):
            raise FormationInfeasible(
                [
                    f"{problem.k} pods were asked for but there are {len(missions)} missions "
                    f"({names}): one pod per mission"
                ]
            )
        if len(missions) not in ks:
            raise FormationInfeasible(
                [
                    f"{n} people cannot be split into {len(missions)} pods of {a}-{b} people "
                    f"(one per mission: {names}); possible pod counts: {ks[0]}-{ks[-1]}"
                ]
            )
        return [len(missions)]
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


def _mission_problems(missions: Sequence[Mission]) -> list[str]:
    """Each mission needs a name of its own, and a required level needs a known trait and a
    score in 0..100."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for j, m in enumerate(missions, start=1):
        where = f"mission {j}" + (f" ({m.name})" if m.name else "")
        if not m.name:
            problems.append(f"{where}: the name is missing")
        elif m.name.casefold() in seen:
            problems.append(f"{where}: the name is also mission {seen[m.name.casefold()]}'s")
        else:
            seen[m.name.casefold()] = j
        if m.trait is None and m.min_score is None:
            continue
        if m.trait not in TRAITS:
            problems.append(
                f"{where}: trait {m.trait!r} is not one of {', '.join(TRAITS)}"
                if m.trait is not None
                else f"{where}: a required level needs a trait"
            )
        if m.min_score is None:
            problems.append(f"{where}: a required trait needs a minimum score")
        elif isinstance(m.min_score, bool) or not isinstance(m.min_score, int | float):
            problems.append(f"{where}: minimum score {m.min_score!r} is not a number")
        elif not 0 <= m.min_score <= 100:
            problems.append(f"{where}: minimum score {m.min_score:g} is outside 0..100")
    return problems


def _unstaffed_missions(problem: Problem) -> list[str]:
    """Missions whose required level too few people reach: each needs a person of its own (a
    person is in one pod), so any group of them needs as many people qualifying for one of
    them. Finds a largest matching; a mission left over names the group that lacks people."""
    needs = [j for j, m in enumerate(problem.missions) if m.requirement()]
    if not needs:
        return []
    people = problem.people
    fits = {j: [i for i, p in enumerate(people) if problem.missions[j].qualifies(p)] for j in needs}
    holder: dict[int, int] = {}  # person -> mission

    def assign(j: int, seen: set[int]) -> bool:
        for i in fits[j]:
            if i not in seen:
                seen.add(i)
                if i not in holder or assign(holder[i], seen):
                    holder[i] = j
                    return True
        return False

    problems: list[str] = []
    for j in needs:
        if assign(j, set()):
            continue
        group, reach = _hall_group(j, fits, holder)
        m = problem.missions[j]
        if not reach:
            problems.append(
                f"mission {m.name!r} needs {m.requirement()}, but nobody in the pool scores that"
            )
            continue
        named = _and(
            [f"{problem.missions[g].name!r} ({problem.missions[g].requirement()})" for g in group]
        )
        who = ", ".join(people[i].id for i in sorted(reach))
        problems.append(
            f"missions {named} need a person each, but only {len(reach)} "
            f"{'person qualifies' if len(reach) == 1 else 'people qualify'} for any of them: {who}"
        )
    return problems


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _hall_group(j: int, fits: dict[int, list[int]], holder: dict[int, int]):
    """The missions reachable from unmatched mission j by alternating paths, and the people
    they can use: more missions than people (Hall's condition fails there)."""
    group, reach, todo = [j], set(), [j]
    while todo:
        g = todo.pop()
        for i in fits[g]:
            if i not in reach:
                reach.add(i)
                other = holder.get(i)
                if other is not None and other not in group:
                    group.append(other)
                    todo.append(other)
    return sorted(group), reach


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


def current_pairs(problem: Problem, idx: dict[str, int]) -> dict[int, set[int]]:
    """Pairs who share a current pod now (for the new-teammates wish), within `idx`."""
    out: dict[int, set[int]] = defaultdict(set)
    if not problem.wishes.new_teammates:
        return out
    by_pod: dict[str, list[int]] = defaultdict(list)
    for p in problem.people:
        if p.current_pod and p.id in idx:
            by_pod[p.current_pod].append(idx[p.id])
    for members in by_pod.values():
        for i in members:
            out[i].update(j for j in members if j != i)
    return out


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
