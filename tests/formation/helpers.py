"""Independent re-implementations of DESIGN §2's maths, so tests don't trust the module's own."""

from collections import Counter, defaultdict
from itertools import combinations

from teams.formation.engine import Person, Problem


def coverage(problem: Problem, members: list[str]) -> float:
    by_id = {p.id: p for p in problem.people}
    tau = problem.threshold
    return sum(min(max(by_id[m].scores[t] for m in members), tau) / tau for t in range(5))


def moved(problem: Problem, pods: list[list[str]]) -> int:
    current = {p.id: p.current_pod for p in problem.people if p.current_pod}
    stay = defaultdict(Counter)
    for g, members in enumerate(pods):
        for m in members:
            if m in current:
                stay[current[m]][g] += 1
    return sum(sum(c.values()) - max(c.values()) for c in stay.values())


def objective(problem: Problem, pods: list[list[str]]) -> float:
    covers = [coverage(problem, m) for m in pods]
    mu = problem.constraints.stability
    return sum(covers) + len(pods) * min(covers) - mu * moved(problem, pods)


def bound(problem: Problem, k: int) -> float:
    tau = problem.threshold
    total = 0.0
    for t in range(5):
        column = sorted((min(p.scores[t], tau) / tau for p in problem.people), reverse=True)
        total += sum(column[:k])
    return 2 * total


def assert_valid_partition(problem: Problem, pods: list[list[str]]) -> None:
    ids = [m for pod in pods for m in pod]
    assert sorted(ids) == sorted(p.id for p in problem.people)
    assert all(problem.min_size <= len(pod) <= problem.max_size for pod in pods)
    where = {m: g for g, pod in enumerate(pods) for m in pod}
    c = problem.constraints
    for x, y in c.together:
        assert where[x] == where[y]
    for x, y in c.apart:
        assert where[x] != where[y]
    label_pod = {}
    for pid, label in c.pinned.items():
        label_pod.setdefault(label, where[pid])
        assert label_pod[label] == where[pid]
    assert len(set(label_pod.values())) == len(label_pod)
    by_id = {p.id: p for p in problem.people}
    for pod in pods:
        if c.one_lead_per_pod:
            assert sum(by_id[m].is_pod_lead for m in pod) <= 1
        if c.max_per_unit is not None:
            units = Counter(by_id[m].org_unit for m in pod if by_id[m].org_unit)
            assert all(n <= c.max_per_unit for n in units.values())


def person(pid: str, *scores: float, **kw) -> Person:
    return Person(id=pid, scores=tuple(scores), **kw)


def partitions(n: int, a: int, b: int):
    """Every partition of range(n) into groups of a..b (the group holding the lowest index first)."""

    def rec(rest):
        if not rest:
            yield []
            return
        first, others = rest[0], rest[1:]
        for size in range(a - 1, b):
            for combo in combinations(others, size):
                left = [x for x in others if x not in combo]
                for tail in rec(left):
                    yield [(first, *combo), *tail]

    yield from rec(list(range(n)))


def brute_force_optimum(problem: Problem, ks=None) -> float | None:
    """max F (μ = 0) over every partition that keeps the hard constraints (None if none does);
    `ks` restricts the number of pods. Only for tiny pools: it enumerates every partition."""
    best = None
    ids = [p.id for p in problem.people]
    for part in partitions(len(ids), problem.min_size, problem.max_size):
        if ks is not None and len(part) not in ks:
            continue
        pods = [[ids[i] for i in g] for g in part]
        if not _keeps_constraints(problem, pods):
            continue
        covers = [coverage(problem, pod) for pod in pods]
        f = sum(covers) + len(covers) * min(covers)
        best = f if best is None else max(best, f)
    return best


def _keeps_constraints(problem: Problem, pods: list[list[str]]) -> bool:
    try:
        assert_valid_partition(problem, pods)
    except AssertionError:
        return False
    return True
