"""The proven bound (DESIGN §2 `proven_bound`): never below the exact optimum, never looser than
max_k 2·UB_sum(k), and tight where the plain bound is not."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teams.formation.engine import (
    Constraints,
    Person,
    Problem,
    feasible_pod_counts,
    propose_pods,
)
from teams.formation.engine.bound import SlotCap, TraitTops, proven_bound
from teams.formation.engine.objective import capped
from teams.formation.engine.problem import check_problem
from tests.formation.helpers import bound, brute_force_optimum, coverage, partitions, person

FAST = {"effort": 0.2, "time_limit": None}
score = st.integers(min_value=0, max_value=100)


@st.composite
def small_problems(draw):
    """Pools small enough to enumerate every partition (at most 9 people)."""
    n = draw(st.integers(min_value=3, max_value=9))
    a = draw(st.integers(min_value=1, max_value=3))
    b = draw(st.integers(min_value=a, max_value=a + 3))
    kind = draw(st.sampled_from(["any", "strong", "weak"]))
    low, high = {"any": (0, 100), "strong": (55, 100), "weak": (0, 75)}[kind]
    people = [
        Person(
            id=f"p{i}",
            scores=tuple(draw(st.lists(st.integers(low, high), min_size=5, max_size=5))),
            org_unit=draw(st.sampled_from([None, "u1", "u2"])),
            is_pod_lead=draw(st.integers(0, 6)) == 0,
            current_pod=draw(st.sampled_from([None, "x", "y"])),
        )
        for i in range(n)
    ]
    ids = [p.id for p in people]
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    c = Constraints(
        apart=draw(st.lists(pair, max_size=2)),
        together=draw(st.lists(pair, max_size=1)),
        max_per_unit=draw(st.sampled_from([None, 2])),
        stability=draw(st.sampled_from([0.0, 0.5])),
    )
    threshold = draw(st.sampled_from([50, 70, 90]))
    return Problem(people=people, min_size=a, max_size=b, threshold=threshold, constraints=c)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_it_never_proves_a_bound_below_the_exact_optimum(problem):
    try:
        ks = check_problem(problem)
    except Exception:
        return
    optimum = brute_force_optimum(problem, set(ks))
    if optimum is None:
        return
    try:
        result = propose_pods(problem, seed=2, **FAST)
    except Exception:
        return  # the search may not find an arrangement for every tangle of constraints
    assert result.proven_bound >= optimum - 1e-9
    assert result.proven_bound >= result.coverage_sum + result.k * result.min_coverage - 1e-9
    assert result.proven_bound <= max(bound(problem, k) for k in ks) + 1e-9
    # Also from a poor starting point, and with no time left (the per-trait bound alone).
    tops = TraitTops(capped(problem))
    assert proven_bound(problem, tops, ks, 0.0, None).value >= optimum - 1e-9
    expired = proven_bound(problem, tops, ks, 0.0, time.monotonic() - 1)
    assert expired.value >= optimum - 1e-9


def generalist_pool() -> Problem:
    """One person strong in every trait and five specialists, in two pods of three: the plain
    bound counts the generalist in both pods (20); the real best is 5 + 3 + 2·3 = 14."""
    people = [person("g", 90, 90, 90, 90, 90)] + [
        person(f"s{t}", *[90 if u == t else 0 for u in range(5)]) for t in range(5)
    ]
    return Problem(people=people, min_size=3, max_size=3)


def test_it_proves_the_optimum_where_the_plain_bound_is_loose():
    problem = generalist_pool()
    assert brute_force_optimum(problem) == 14
    result = propose_pods(problem, seed=1)
    assert result.objective == 14
    assert result.upper_bound == 20
    assert abs(result.proven_bound - 14) < 1e-6
    assert result.bound_kind == "optimal"
    assert "no arrangement scores higher" in result.bound_method


def test_it_caps_the_weakest_pod_by_a_scarce_trait_without_the_solver():
    # One Signal Reader for two pods: the other pod scores 0 there, so min C ≤ 4 and
    # F ≤ UB_sum + 2·4 = 9 + 8 = 17, where 2·UB_sum says 18.
    people = [person("sr", 90, 90, 90, 90, 90)] + [
        person(f"p{i}", 90, 90, 90, 0, 90) for i in range(5)
    ]
    problem = Problem(people=people, min_size=3, max_size=3)
    tops = TraitTops(capped(problem))
    assert tops.ub_sum(2) == 9
    assert tops.bound(2) == 17
    expired = proven_bound(problem, tops, [2], 0.0, time.monotonic() - 1)
    assert expired.kind == "per-trait" and expired.value == 17
    assert "Per-trait bound" in expired.method
    assert brute_force_optimum(problem) == 17


def test_it_covers_every_pod_count_the_run_may_choose():
    # Six generalists: two pods score 20, one pod 10. The bound is over k = 1 and 2.
    people = [person(f"p{i}", 90, 90, 90, 90, 90) for i in range(6)]
    result = propose_pods(Problem(people=people, min_size=3, max_size=6), seed=1)
    assert result.k == 2 and result.objective == 20
    assert abs(result.proven_bound - 20) < 1e-6
    fixed = propose_pods(Problem(people=people, min_size=3, max_size=6, k=1), seed=1)
    assert fixed.objective == 10 and abs(fixed.proven_bound - 10) < 1e-6


def test_it_is_the_same_for_the_same_seed():
    people = [person(f"p{i}", *[(i * 37 + t * 11) % 101 for t in range(5)]) for i in range(21)]
    problem = Problem(people=people)
    first = propose_pods(problem, seed=3, time_limit=None)
    second = propose_pods(problem, seed=3, time_limit=None)
    assert first.proven_bound == second.proven_bound
    assert first.bound_method == second.bound_method


def test_it_bounds_large_pools_at_least_as_tightly_as_two_ub_sum():
    people = [
        person(f"p{i}", *[(i * 53 + t * 29) % 101 if t != 3 else (i * 7) % 66 for t in range(5)])
        for i in range(150)
    ]
    problem = Problem(people=people)
    result = propose_pods(problem, seed=1, effort=0.3)
    ks = feasible_pod_counts(150, 3, 5)
    assert result.objective <= result.proven_bound <= max(bound(problem, k) for k in ks) + 1e-9
    # No Signal Reader reaches 70: every pod is short there, which the per-trait bound sees.
    assert result.proven_bound < max(bound(problem, k) for k in ks) - 1


def test_it_falls_back_to_the_per_trait_bound_when_time_runs_out():
    people = [person(f"p{i}", *[(i * 37 + t * 11) % 101 for t in range(5)]) for i in range(12)]
    problem = Problem(people=people)
    rushed = propose_pods(problem, seed=1, time_limit=1e-9)
    assert rushed.bound_kind in {"per-trait", "optimal"}
    ks = feasible_pod_counts(12, 3, 5)
    assert rushed.objective <= rushed.proven_bound <= max(bound(problem, k) for k in ks) + 1e-9
    relaxed = propose_pods(problem, seed=1, time_limit=None)
    assert relaxed.proven_bound <= rushed.proven_bound + 1e-9


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_it_never_caps_the_weakest_pod_below_what_some_partition_reaches(problem):
    """The per-pod cap alone (no constraints): for every k, at least the best weakest pod."""
    ids = [p.id for p in problem.people]
    plain = Problem(people=problem.people, min_size=problem.min_size, max_size=problem.max_size)
    plain.threshold = problem.threshold
    best: dict[int, float] = {}
    for part in partitions(len(ids), plain.min_size, plain.max_size):
        weakest = min(coverage(plain, [ids[i] for i in g]) for g in part)
        best[len(part)] = max(best.get(len(part), 0.0), weakest)
    slots = SlotCap(capped(plain), plain.min_size)
    for k, weakest in best.items():
        assert slots.weakest_cap(k, 5.0) >= weakest - 1e-9


def test_it_caps_the_weakest_pod_when_one_person_is_strong_in_everything():
    # generalist_pool: the per-trait cap allows 5 in both pods; a pod without the generalist
    # has three specialists, so at most 3 (plus what the bisection leaves).
    problem = generalist_pool()
    tops = TraitTops(capped(problem))
    assert tops.weakest_cap(2) == 5
    cap = SlotCap(capped(problem), 3).weakest_cap(2, 5.0)
    assert 3 <= cap < 3.001
