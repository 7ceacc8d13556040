"""The optimiser's progress callback: a heartbeat that reads the search and never steers it."""

import pytest

from teams.formation.engine import Constraints, Mission, Problem, propose_pods
from tests.formation.helpers import person


def pool(n: int, stability: float = 0.0) -> Problem:
    people = [
        person(f"p{i}", *[(i * 37 + t * 11) % 101 for t in range(5)], current_pod=f"c{i % 7}")
        for i in range(n)
    ]
    return Problem(people=people, constraints=Constraints(stability=stability))


@pytest.mark.parametrize("stability", [0.0, 0.5])
def test_it_reports_growing_fractions_and_gives_the_same_answer(stability):
    problem = pool(120, stability)
    seen: list[float] = []
    with_progress = propose_pods(problem, seed=4, time_limit=None, on_progress=seen.append)
    without = propose_pods(problem, seed=4, time_limit=None)
    assert [p.members for p in with_progress.pods] == [p.members for p in without.pods]
    assert with_progress.objective == without.objective
    assert len(seen) > 5  # called every few dozen search steps, not once
    assert seen == sorted(seen) and 0 <= seen[0] and seen[-1] == 1.0
    assert all(f < 1 for f in seen[:-1])  # 1.0 only once the search is over


def test_it_reports_progress_for_missions_without_changing_the_answer():
    problem = pool(40)
    problem.missions = [
        Mission(f"m{j}", "builder", 90) if j < 3 else Mission(f"m{j}") for j in range(10)
    ]
    seen: list[float] = []
    with_progress = propose_pods(problem, seed=4, time_limit=None, on_progress=seen.append)
    without = propose_pods(problem, seed=4, time_limit=None)
    assert [p.members for p in with_progress.pods] == [p.members for p in without.pods]
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_it_stops_the_search_when_the_callback_raises():
    class Stop(Exception):
        pass

    calls = []

    def heartbeat(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise Stop

    with pytest.raises(Stop):
        propose_pods(pool(120), seed=4, time_limit=None, on_progress=heartbeat)
    assert len(calls) == 3
