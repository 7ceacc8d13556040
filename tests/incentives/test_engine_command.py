"""``python manage.py simulate_month``: JSON out, or exit status 1 and one problem per line.

Needs Django settings (pytest-django) but no database.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .engine_scenarios import component, example, member, pod, scenario

django_settings = pytest.importorskip("django.conf").settings
if not django_settings.configured:
    pytest.skip("Django settings are not configured", allow_module_level=True)

from django.core.management import call_command  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
REFUSED = scenario(
    components=[component(weight="0.9", kind="process")],
    pods=[pod(members=[member("ana"), member("ana", allocation="7")])],
)
REFUSED_LINES = [
    "plan.components[0] (activation): activation is a process metric (effort or activity); pay"
    " follows outcomes that users and the business feel, not effort, so a process metric cannot"
    " be part of an incentive plan",
    "plan.components: weights sum to 0.9, not exactly 1",
    "pods[0] (p1).members[1] (ana): allocation 7 is outside 0..1",
    "pods[0] (p1): person ana is listed more than once in the pod (members[0] and members[1])",
]


def write(tmp_path, data) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_it_prints_the_worked_example_as_json(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate_month", write(tmp_path, example()), stdout=out, stderr=err)
    assert err.getvalue() == ""
    result = json.loads(out.getvalue())
    assert result["month"] == "2026-10"
    assert result["currency"] == "EUR"
    assert result["pods"][0]["pool"] == "4500.00"
    assert result["pods"][0]["payouts"] == [{"person": "ana", "amount": "4500.00"}]


def test_it_exits_one_with_one_problem_per_line(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("simulate_month", write(tmp_path, REFUSED), stdout=out, stderr=err)
    assert exited.value.code == 1
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == REFUSED_LINES


def test_it_exits_one_for_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text("month: 2026-10")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("simulate_month", str(path), stdout=io.StringIO(), stderr=err)
    assert exited.value.code == 1
    assert len(err.getvalue().splitlines()) == 1
    assert "not valid JSON" in err.getvalue()


def run_manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "simulate_month", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_runs_from_manage_py_with_exit_status_0(tmp_path):
    done = run_manage(write(tmp_path, example()))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pods"][0]["efficiency_ratio"] == "15.6"


def test_it_runs_from_manage_py_with_exit_status_1_when_refused(tmp_path):
    done = run_manage(write(tmp_path, REFUSED))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == REFUSED_LINES
