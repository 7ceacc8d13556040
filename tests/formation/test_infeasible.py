import pytest

from teams.formation.engine import Constraints, FormationInfeasible, Problem, propose_pods
from tests.formation.helpers import person


def pool(n: int, **kw) -> list:
    return [person(f"p{i}", 80, 80, 80, 80, 80, **kw) for i in range(n)]


def problems_of(problem: Problem) -> list[str]:
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(problem, seed=1)
    assert exc.value.problems
    return exc.value.problems


def test_it_refuses_two_people_for_pods_of_three():
    (msg,) = problems_of(Problem(people=pool(2)))
    assert "2 people cannot be split into pods of 3-5 people" in msg
    assert "--min-size 2" in msg


def test_it_refuses_seven_people_in_pods_of_four_and_names_sizes_that_fit():
    (msg,) = problems_of(Problem(people=pool(7), min_size=4, max_size=4))
    assert "7 people cannot be split into pods of 4-4 people" in msg
    assert "--min-size 3 (pods of 3-4)" in msg
    assert "--max-size 7 (pods of 4-7)" in msg


def test_it_refuses_an_empty_pool():
    assert "empty" in problems_of(Problem(people=[]))[0]


def test_it_refuses_a_pair_both_together_and_apart():
    c = Constraints(together=[("p0", "p1")], apart=[("p1", "p0")])
    msgs = problems_of(Problem(people=pool(6), constraints=c))
    assert msgs == ["apart pair (p1, p0) contradicts a together pair that puts them in one pod"]


def test_it_refuses_a_together_chain_longer_than_the_max_size():
    c = Constraints(together=[("p0", "p1"), ("p1", "p2"), ("p2", "p3")])
    msgs = problems_of(Problem(people=pool(9), max_size=3, constraints=c))
    assert (
        "together/pinned constraints put 4 people in one pod, more than the max size 3" in msgs[0]
    )
    assert "p0, p1, p2, p3" in msgs[0]


def test_it_refuses_people_pinned_to_different_pods_but_forced_together():
    c = Constraints(together=[("p0", "p1")], pinned={"p0": "Alpha", "p1": "Beta"})
    msgs = problems_of(Problem(people=pool(6), constraints=c))
    assert "people pinned to different pods (Alpha, Beta): p0, p1" in msgs[0]


def test_it_refuses_more_pod_leads_than_pods():
    people = pool(6, is_pod_lead=True)
    msgs = problems_of(Problem(people=people))
    assert msgs == [
        "6 Pod Leads (at most one per pod) need at least 6 pods, but 6 people in pods of 3-5 "
        "make at most 2"
    ]


def test_it_refuses_an_org_unit_cap_that_cannot_hold():
    people = pool(6, org_unit="eng")
    msgs = problems_of(Problem(people=people, constraints=Constraints(max_per_unit=1)))
    assert "6 people of org unit 'eng' at most 1 per pod need at least 6 pods" in msgs[0]


def test_it_refuses_unknown_people_in_constraints():
    c = Constraints(apart=[("p0", "ghost")], pinned={"nobody": "A"})
    msgs = problems_of(Problem(people=pool(6), constraints=c))
    assert "apart pair (p0, ghost) names 'ghost', who is not in the pool" in msgs
    assert "pinned person 'nobody' is not in the pool" in msgs


def test_it_refuses_bad_scores_and_duplicate_ids():
    people = [person("a", 101, 0, 0, 0, 0), person("a", 0, 0, 0, 0, 0), person("b", *[1] * 5)]
    msgs = problems_of(Problem(people=people, min_size=1))
    assert "person 'a' appears 2 times in the pool" in msgs
    assert "person 'a': builder score 101 is outside 0..100" in msgs


def test_it_reports_constraints_the_search_cannot_satisfy():
    # Three people who must all be apart, but only two pods of 3 can exist for 6 people
    # (apart cliques are not checked up front; the search names what it could not satisfy).
    c = Constraints(apart=[("p0", "p1"), ("p1", "p2"), ("p0", "p2")])
    msgs = problems_of(Problem(people=pool(6), min_size=3, max_size=3, constraints=c))
    assert "no arrangement was found that satisfies all hard constraints" in msgs[0]
    assert any("apart pair" in m for m in msgs[1:])
