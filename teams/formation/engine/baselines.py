"""Simple partitions the optimiser must beat (benchmark and tests): snake draft and random."""

from __future__ import annotations

import random

from teams.formation.engine.objective import capped
from teams.formation.engine.problem import Problem


def _sizes(n: int, k: int) -> list[int]:
    base, extra = divmod(n, k)
    return [base + (1 if g < extra else 0) for g in range(k)]


def snake_draft(problem: Problem, k: int) -> list[list[str]]:
    """Strongest first (sum of capped scores), dealt 1..k, k..1, …: the usual manual method."""
    cap = capped(problem)
    order = sorted(range(len(problem.people)), key=lambda i: (-sum(cap[i]), i))
    pods: list[list[str]] = [[] for _ in range(k)]
    for r, i in enumerate(order):
        lap, pos = divmod(r, k)
        g = pos if lap % 2 == 0 else k - 1 - pos
        pods[g].append(problem.people[i].id)
    return pods


def random_partition(problem: Problem, k: int, seed: int = 0) -> list[list[str]]:
    """A uniformly shuffled split into k pods of near-equal size."""
    ids = [p.id for p in problem.people]
    random.Random(seed).shuffle(ids)
    pods, start = [], 0
    for size in _sizes(len(ids), k):
        pods.append(ids[start : start + size])
        start += size
    return pods
