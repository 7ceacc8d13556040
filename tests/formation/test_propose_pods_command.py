"""`manage.py propose_pods` as DESIGN §2 specifies it: CSV or JSON in, JSON or a table out."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POOL = """id,builder,architect,taste_maker,signal_reader,decision_maker,org_unit
a,90,20,20,20,20,x
b,20,90,20,20,20,x
c,20,20,90,20,20,y
d,20,20,20,90,20,y
e,20,20,20,20,90,x
f,80,30,30,30,30,y
"""


def _run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "propose_pods", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_answers_json_for_a_csv_pool(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(POOL)
    r = _run("--input", str(pool), "--format", "json", "--seed", "3", "--time-limit", "5")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert sorted(m for pod in out["pods"] for m in pod["members"]) == list("abcdef")
    assert {"objective", "upper_bound", "proven_bound", "bound_method", "seconds"} <= out.keys()
    assert out["objective"] <= out["proven_bound"] + 1e-6 <= out["upper_bound"] + 2e-6


def test_it_prints_a_table(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(POOL)
    r = _run("--input", str(pool), "--format", "table")
    assert r.returncode == 0, r.stderr
    assert "pod" in r.stdout.lower()


def test_it_fails_with_the_cause_for_an_impossible_size(tmp_path):
    pool = tmp_path / "pool.json"
    pool.write_text(
        json.dumps(
            {
                "people": [
                    {
                        "id": "a",
                        "builder": 1,
                        "architect": 1,
                        "taste_maker": 1,
                        "signal_reader": 1,
                        "decision_maker": 1,
                    },
                    {
                        "id": "b",
                        "builder": 1,
                        "architect": 1,
                        "taste_maker": 1,
                        "signal_reader": 1,
                        "decision_maker": 1,
                    },
                ]
            }
        )
    )
    r = _run("--input", str(pool))
    assert r.returncode == 1
    assert "2" in r.stderr and "3" in r.stderr


def test_it_fixes_the_number_of_pods(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(POOL)
    r = _run("--input", str(pool), "--min-size", "1", "--pods", "2", "--time-limit", "5")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["k"] == 2 and len(out["pods"]) == 2
    r = _run("--input", str(pool), "--pods", "4")
    assert r.returncode == 1
    assert "6 people cannot be split into 4 pods of 3-5 people; possible pod counts: 2-2" in (
        r.stderr
    )
