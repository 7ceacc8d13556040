from teams.formation.engine import Constraints, Problem, evaluate
from tests.formation.helpers import bound, objective, person


def problem() -> Problem:
    people = [
        person("ana", 90, 10, 10, 10, 10, is_pod_lead=True, org_unit="eng"),
        person("bo", 10, 90, 10, 10, 10, is_pod_lead=True, org_unit="eng"),
        person("cy", 10, 10, 90, 10, 10, org_unit="eng"),
        person("di", 10, 10, 10, 90, 10),
        person("ed", 10, 10, 10, 10, 90),
        person("fa", 35, 35, 35, 35, 35),
    ]
    c = Constraints(
        together=[("ana", "di")], apart=[("bo", "cy")], pinned={"ed": "X"}, max_per_unit=2
    )
    return Problem(people=people, constraints=c)


def test_it_scores_a_valid_partition_without_violations():
    pods = [["ana", "di", "fa"], ["bo", "ed", "cy"]]
    p = problem()
    p.constraints.apart = []
    ev = evaluate(p, pods)
    assert ev.violations == []
    assert ev.k == 2
    assert abs(ev.objective - objective(p, pods)) < 1e-9
    assert abs(ev.upper_bound - bound(p, 2)) < 1e-9
    assert ev.pods[0].coverers["builder"] == "ana"
    assert ev.pods[0].shortfall["architect"] == 70 - 35
    assert ev.trait_gaps == sum(1 for pod in ev.pods for v in pod.coverage.values() if v < 1)


def test_it_reports_every_broken_constraint_without_raising():
    p = problem()
    pods = [["ana", "bo", "cy", "ed"], ["di"], ["ghost"]]
    ev = evaluate(p, pods)
    assert "pod 2 has 1 person (allowed 3-5)" in ev.violations
    assert "pod 3 has 1 person (allowed 3-5)" in ev.violations
    assert "pod 3: 'ghost' is not in the pool" in ev.violations
    assert "not in any pod: fa" in ev.violations
    assert "together pair (ana, di) is split across pods 1 and 2" in ev.violations
    assert "apart pair (bo, cy) shares pod 1" in ev.violations
    assert "pod 1 has 2 Pod Leads: ana, bo" in ev.violations
    assert "pod 1 has 3 people of org unit 'eng' (max 2)" in ev.violations
    # Scores are still given (unknown ids ignored) so the workspace can show them.
    assert ev.k == 3
    assert ev.pods[2].total == 0


def test_it_reports_pinned_people_split_or_mixed():
    p = problem()
    p.constraints = Constraints(pinned={"ana": "X", "bo": "X", "cy": "Y", "di": "Y"})
    ev = evaluate(p, [["ana", "cy", "fa"], ["bo", "di", "ed"]])
    assert "people pinned to 'X' are split across pods 1, 2" in ev.violations
    assert "pod 1 holds people pinned to different pods: X, Y" in ev.violations


def test_it_counts_people_moved_from_their_current_pod():
    people = [
        person(f"p{i}", 50, 50, 50, 50, 50, current_pod="A" if i < 3 else "B") for i in range(6)
    ]
    p = Problem(people=people, constraints=Constraints(stability=2))
    ev = evaluate(p, [["p0", "p1", "p3"], ["p2", "p4", "p5"]])
    assert ev.moved == 2
    assert abs(ev.objective - (ev.coverage_sum + 2 * ev.min_coverage - 2 * 2)) < 1e-9
