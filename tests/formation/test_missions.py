"""Missions: a fixed number of pods, one per mission in order, each mission's required trait
level a hard constraint named when it cannot hold; and the new-teammates wish."""

import json

import pytest

from teams.formation.engine import (
    Constraints,
    FormationInfeasible,
    Mission,
    Problem,
    Wishes,
    evaluate,
    propose_pods,
)
from teams.formation.engine.io import parse_json, result_to_dict, run
from tests.formation.helpers import assert_valid_partition, person

FAST = {"effort": 0.3, "time_limit": None}


def pool(n: int = 20):
    # Signal Reader ≥ 90 only for p3 (95) and p11 (91); Architect ≥ 90 only for p7.
    people = []
    for i in range(n):
        scores = [40 + (i * 13 + t * 7) % 45 for t in range(5)]
        scores[3] = {3: 95, 11: 91}.get(i, min(scores[3], 80))
        scores[1] = 96 if i == 7 else min(scores[1], 85)
        people.append(person(f"p{i}", *scores, current_pod=f"c{i % 4}"))
    return people


def test_it_makes_one_pod_per_mission_in_order_and_meets_each_level():
    missions = [
        Mission("Onboarding"),
        Mission("Growth", "signal_reader", 90),
        Mission("Platform", "architect", 90),
        Mission("Insights", "signal_reader", 90),
    ]
    result = propose_pods(Problem(people=pool(), missions=missions), seed=1, **FAST)
    assert result.k == 4
    assert [pod.mission for pod in result.pods] == ["Onboarding", "Growth", "Platform", "Insights"]
    by_id = {p.id: p for p in pool()}
    for pod, mission in zip(result.pods, missions, strict=True):
        if mission.trait:
            t = ["builder", "architect", "taste_maker", "signal_reader", "decision_maker"]
            best = max(by_id[m].scores[t.index(mission.trait)] for m in pod.members)
            assert best >= mission.min_score, pod
            assert pod.explanation.startswith(f"Mission {mission.name} (needs ")
    growth, insights = result.pods[1].members, result.pods[3].members
    assert {"p3", "p11"} == ({"p3", "p11"} & set(growth)) | ({"p3", "p11"} & set(insights))
    assert "p7" in result.pods[2].members
    assert_valid_partition(Problem(people=pool()), [p.members for p in result.pods])
    out = result_to_dict(result)
    assert out["missions"][1] == {"name": "Growth", "trait": "signal_reader", "min": 90}
    assert [p["mission"] for p in out["pods"]] == ["Onboarding", "Growth", "Platform", "Insights"]
    assert out["k"] == 4


def test_it_names_missions_nobody_or_too_few_can_staff():
    three_readers = [
        Mission("A", "signal_reader", 90),
        Mission("B", "signal_reader", 90),
        Mission("C", "signal_reader", 90),
        Mission("D"),
    ]
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(Problem(people=pool(), missions=three_readers), **FAST)
    assert exc.value.problems == [
        "missions 'A' (Signal Reader ≥ 90), 'B' (Signal Reader ≥ 90) and 'C' (Signal Reader ≥ 90) "
        "need a person each, but only 2 people qualify for any of them: p3, p11"
    ]
    nobody = [Mission("A"), Mission("Moonshot", "builder", 100), Mission("C"), Mission("D")]
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(Problem(people=pool(), missions=nobody), **FAST)
    assert exc.value.problems == [
        "mission 'Moonshot' needs Builder ≥ 100, but nobody in the pool scores that"
    ]


def test_it_names_the_mission_when_the_other_constraints_leave_no_room():
    # p3 and p11, the only Signal Readers ≥ 90, must stay together: two missions cannot both
    # have one, and the search says which pod breaks which mission.
    missions = [Mission("A", "signal_reader", 90), Mission("B", "signal_reader", 90)]
    missions += [Mission("C"), Mission("D")]
    problem = Problem(
        people=pool(), missions=missions, constraints=Constraints(together=[("p3", "p11")])
    )
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(problem, seed=1, **FAST)
    assert any(
        "needs Signal Reader ≥ 90, and nobody in it scores that" in line
        for line in exc.value.problems
    )
    assert any("(A)" in line or "(B)" in line for line in exc.value.problems)


@pytest.mark.parametrize(
    ("missions", "expected"),
    [
        ([Mission("A"), Mission("a")], ["mission 2 (a): the name is also mission 1's"]),
        ([Mission("")], ["mission 1: the name is missing"]),
        (
            [Mission("A", "charisma", 50)],
            [
                "mission 1 (A): trait 'charisma' is not one of builder, architect, "
                "taste_maker, signal_reader, decision_maker"
            ],
        ),
        (
            [Mission("A", "builder", None)],
            ["mission 1 (A): a required trait needs a minimum score"],
        ),
        ([Mission("A", None, 50)], ["mission 1 (A): a required level needs a trait"]),
        ([Mission("A", "builder", 101)], ["mission 1 (A): minimum score 101 is outside 0..100"]),
        (
            [Mission("A", "builder", "lots")],
            ["mission 1 (A): minimum score 'lots' is not a number"],
        ),
    ],
)
def test_it_refuses_bad_missions_naming_them(missions, expected):
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(Problem(people=pool(), missions=missions), **FAST)
    assert exc.value.problems == expected


def test_it_says_when_the_missions_do_not_fit_the_pool():
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(Problem(people=pool(), missions=[Mission("A"), Mission("B")]), **FAST)
    assert exc.value.problems == [
        "20 people cannot be split into 2 pods of 3-5 people (one per mission: A, B); "
        "possible pod counts: 4-6"
    ]
    missions = [Mission(x) for x in "ABCD"]
    with pytest.raises(FormationInfeasible) as exc:
        propose_pods(Problem(people=pool(), missions=missions, k=5), **FAST)
    assert exc.value.problems == [
        "5 pods were asked for but there are 4 missions (A, B, C, D): one pod per mission"
    ]


def test_it_fixes_the_number_of_pods():
    # Left alone the optimiser takes the most pods (6 of 3-4); asked for 4, it makes 4 of 5.
    free = propose_pods(Problem(people=pool()), seed=1, **FAST)
    fixed = propose_pods(Problem(people=pool(), k=4), seed=1, **FAST)
    assert free.k == 6 and fixed.k == 4
    assert sorted(len(p.members) for p in fixed.pods) == [5, 5, 5, 5]
    assert fixed.pod_counts_tried == [4]
    assert fixed.objective <= fixed.proven_bound + 1e-9


def test_it_reports_an_edited_arrangement_that_breaks_a_mission():
    missions = [Mission("Growth", "signal_reader", 90), Mission("B"), Mission("C"), Mission("D")]
    problem = Problem(people=pool(), missions=missions)
    # A lead's edit: both Signal Readers ≥ 90 (p3, p11) moved out of the Growth pod.
    pods = [["p0", "p1", "p2", "p4", "p5"], ["p3", "p6", "p7", "p8", "p9"]]
    pods += [["p10", "p11", "p12", "p13", "p14"], ["p15", "p16", "p17", "p18", "p19"]]
    ev = evaluate(problem, pods)
    assert ev.violations == [
        "pod 1 (Growth) needs Signal Reader ≥ 90, and nobody in it scores that"
    ]
    assert [p.mission for p in ev.pods] == ["Growth", "B", "C", "D"]
    assert "Mission Growth (needs Signal Reader ≥ 90): not met." in ev.pods[0].explanation
    short = evaluate(problem, [pods[0] + pods[3], pods[1], pods[2]])
    assert "3 pods for 4 missions: one pod per mission" in short.violations


def test_it_prefers_new_teammates_when_asked():
    people = [person(f"p{i}", 80, 80, 80, 80, 80, current_pod=f"c{i // 3}") for i in range(9)]
    before = propose_pods(Problem(people=people, min_size=3, max_size=3), seed=1, **FAST)
    asked = Problem(people=people, min_size=3, max_size=3, wishes=Wishes(new_teammates=True))
    result = propose_pods(asked, seed=1, **FAST)
    assert result.objective == before.objective  # a wish never costs coverage here
    current = {p.id: p.current_pod for p in people}
    for pod in result.pods:
        assert len({current[m] for m in pod.members}) == 3, pod.members
        assert pod.wishes_met == ["everyone here has new teammates"]
    same = evaluate(asked, [["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6", "p7", "p8"]])
    assert "p0 and p1 share a pod now and would again" in same.pods[0].wishes_missed


def test_it_reads_missions_and_pods_from_json(tmp_path):
    data = {
        "people": [{"id": p.id, **dict(zip(TRAIT_KEYS, p.scores, strict=True))} for p in pool()],
        "missions": [
            {"name": "Growth", "trait": "signal_reader", "min": 90},
            "Ops",
            {"name": "Platform", "trait": "architect", "level": "90"},
            {"name": "Docs"},
        ],
        "wishes": {"new_teammates": True},
    }
    problem = parse_json(data)
    assert problem.missions == [
        Mission("Growth", "signal_reader", 90),
        Mission("Ops"),
        Mission("Platform", "architect", 90.0),
        Mission("Docs"),
    ]
    assert problem.wishes.new_teammates
    path = tmp_path / "pool.json"
    path.write_text(json.dumps(data))
    out = json.loads(run(path, seed=1, time_limit=None))
    assert [p["mission"] for p in out["pods"]] == ["Growth", "Ops", "Platform", "Docs"]
    assert [m["name"] for m in out["missions"]] == ["Growth", "Ops", "Platform", "Docs"]
    out = json.loads(run(path, seed=1, time_limit=None, pods=4))
    assert out["k"] == 4
    del data["missions"]
    path.write_text(json.dumps({**data, "pods": 5}))
    assert json.loads(run(path, seed=1, time_limit=None))["k"] == 5


TRAIT_KEYS = ("builder", "architect", "taste_maker", "signal_reader", "decision_maker")


def test_it_gives_the_same_pods_for_the_same_seed_with_missions():
    missions = [Mission("Growth", "signal_reader", 90), Mission("Platform", "architect", 90)]
    missions += [Mission("C"), Mission("D")]
    problem = Problem(
        people=pool(),
        missions=missions,
        constraints=Constraints(apart=[("p3", "p11")], stability=0.5),
        wishes=Wishes(new_teammates=True),
    )
    runs = [propose_pods(problem, seed=9, time_limit=None) for _ in range(2)]
    assert [p.members for p in runs[0].pods] == [p.members for p in runs[1].pods]
    assert runs[0].objective == runs[1].objective
    assert runs[0].proven_bound == runs[1].proven_bound
    assert not runs[0].stopped_early
