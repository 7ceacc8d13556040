import json

import pytest

from teams.formation.engine import FormationInfeasible, propose_pods
from teams.formation.engine.io import (
    PoolFormatError,
    load_problem,
    parse_csv,
    parse_json,
    result_to_dict,
    result_to_json,
    result_to_table,
    run,
)

CSV = """id,builder,architect,taste_maker,signal_reader,decision_maker,org_unit,current_pod,pod_lead
ana,90,20,30,40,50,eng,alpha,yes
bo,20,90,30,40,50,eng,alpha,
cy,20,30,90,40,50,design,,0
di,20,30,40,90,50,design,beta,no
ed,20,30,40,50,90,,beta,
fa,75,75,20,20,20,,,
"""

POOL = {
    "people": [
        {
            "id": "ana",
            "builder": 90,
            "architect": 20,
            "taste_maker": 30,
            "signal_reader": 40,
            "decision_maker": 50,
            "pod_lead": True,
        },
        {
            "id": "bo",
            "scores": {
                "builder": 20,
                "architect": 90,
                "taste_maker": 30,
                "signal_reader": 40,
                "decision_maker": 50,
            },
        },
        {
            "id": "cy",
            "builder": 20,
            "architect": 30,
            "taste_maker": 90,
            "signal_reader": 40,
            "decision_maker": 50,
        },
        {
            "id": "di",
            "builder": 20,
            "architect": 30,
            "taste_maker": 40,
            "signal_reader": 90,
            "decision_maker": 50,
        },
        {
            "id": "ed",
            "builder": 20,
            "architect": 30,
            "taste_maker": 40,
            "signal_reader": 50,
            "decision_maker": 90,
        },
        {
            "id": "fa",
            "builder": 75,
            "architect": 75,
            "taste_maker": 20,
            "signal_reader": 20,
            "decision_maker": 20,
        },
    ],
    "constraints": {"together": [["ana", "cy"]], "apart": [["bo", "fa"]], "pinned": {"di": "P1"}},
    "min_size": 3,
    "max_size": 3,
    "threshold": 80,
}


def test_it_reads_a_csv_pool(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text(CSV)
    problem = load_problem(path, min_size=2, max_per_unit=1, stability=0.5)
    ana = problem.people[0]
    assert ana.id == "ana" and ana.scores == (90, 20, 30, 40, 50)
    assert ana.org_unit == "eng" and ana.current_pod == "alpha" and ana.is_pod_lead
    assert problem.people[2].current_pod is None and not problem.people[2].is_pod_lead
    assert problem.min_size == 2 and problem.max_size == 5
    assert problem.constraints.max_per_unit == 1 and problem.constraints.stability == 0.5


def test_it_reads_a_json_pool_with_constraints(tmp_path):
    path = tmp_path / "pool.json"
    path.write_text(json.dumps(POOL))
    problem = load_problem(path)
    assert problem.threshold == 80 and (problem.min_size, problem.max_size) == (3, 3)
    assert problem.people[1].scores == (20, 90, 30, 40, 50)
    assert problem.constraints.together == [("ana", "cy")]
    assert problem.constraints.pinned == {"di": "P1"}


def test_it_round_trips_json_in_json_out(tmp_path):
    path = tmp_path / "pool.json"
    path.write_text(json.dumps(POOL))
    out = json.loads(run(path, seed=4, time_limit=None))
    assert set(out) >= {"pods", "objective", "upper_bound", "min_coverage", "seconds"}
    assert out["objective"] <= out["proven_bound"] + 1e-6 <= out["upper_bound"] + 2e-6
    assert out["bound_method"] and out["bound_kind"] in {"optimal", "lp", "per-trait"}
    pods = [p["members"] for p in out["pods"]]
    assert sorted(m for pod in pods for m in pod) == ["ana", "bo", "cy", "di", "ed", "fa"]
    assert any({"ana", "cy"} <= set(pod) for pod in pods)
    assert not any({"bo", "fa"} <= set(pod) for pod in pods)
    covers = [p["coverage"] for p in out["pods"]]
    assert out["min_coverage"] == min(covers)
    assert abs(out["objective"] - (sum(covers) + len(covers) * min(covers))) < 1e-5
    assert out["trait_gaps"] >= out["trait_gaps_lower_bound"]
    assert all(p["explanation"] for p in out["pods"])


def test_it_round_trips_csv_in_table_out(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text(CSV)
    text = run(path, fmt="table", seed=1, time_limit=None)
    assert text.splitlines()[0].split() == [
        "pod",
        "C",
        "Bld",
        "Arc",
        "Tst",
        "Sig",
        "Dec",
        "members",
    ]
    assert "F = " in text and "upper bound" in text and "trait gaps:" in text
    assert "of the best possible" in text and "how it was proven: " in text
    assert "Pod 1: " in text and "Pod 2: " in text


def test_it_renders_the_same_result_as_json_and_table():
    problem = parse_json(POOL)
    result = propose_pods(problem, seed=1, time_limit=None)
    as_dict = result_to_dict(result)
    assert json.loads(result_to_json(result)) == as_dict
    table = result_to_table(result)
    for pod in as_dict["pods"]:
        assert ", ".join(pod["members"]) in table


def test_it_names_bad_rows_and_fields():
    bad = (
        "id,builder,architect,taste_maker,signal_reader,decision_maker\n"
        "ana,90,x,30,40,50\n,1,2,3,4,5\nbo,1,2,3,4,500\ncy,1,2,3,4\n"
    )
    with pytest.raises(PoolFormatError) as exc:
        parse_csv(bad)
    assert exc.value.problems == [
        "row 2 (ana) architect: 'x' is not a number",
        "row 3: id is missing",
        "row 4 (bo) decision_maker: '500' is outside 0..100",
        "row 5 (cy): decision_maker is missing",
    ]


def test_it_names_missing_columns():
    with pytest.raises(PoolFormatError) as exc:
        parse_csv("id,builder\nana,1\n")
    assert exc.value.problems == [
        "header: missing column(s) architect, taste_maker, signal_reader, decision_maker"
    ]


def test_it_refuses_malformed_json():
    with pytest.raises(PoolFormatError):
        parse_json("{not json")
    with pytest.raises(PoolFormatError) as exc:
        parse_json({"people": [], "constraints": {"together": [["a"]]}})
    assert "constraints.together[0]: expected a pair of ids" in exc.value.problems[0]


def test_it_passes_infeasibility_through(tmp_path):
    path = tmp_path / "pool.csv"
    path.write_text(CSV)
    with pytest.raises(FormationInfeasible) as exc:
        run(path, min_size=4, max_size=4)
    assert "6 people cannot be split into pods of 4-4 people" in exc.value.problems[0]
