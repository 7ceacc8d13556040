"""Independent re-implementations of DESIGN §2's maths, so tests don't trust the module's own."""

from collections import Counter, defaultdict

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
