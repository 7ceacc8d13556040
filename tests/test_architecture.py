"""The layout's rules, checked: pure engines need no Django, and imports run one way."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("engine", ["teams.formation.engine", "incentives.bonuses.engine"])
def test_it_imports_each_engine_without_django(engine):
    code = (
        f"import sys, {engine}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework', 'celery'}); "
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_it_keeps_the_import_contracts():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_it_has_no_prefixed_module_at_an_app_root():
    for app in ("teams", "incentives"):
        flat = {p.stem for p in (REPO / app).glob("*.py")}
        prefixed = sorted(
            name
            for name in flat
            if "_" in name
            and name.split("_")[0]
            in flat | {"formation", "metric", "report", "dashboard", "pod", "profile", "demo"}
        )
        assert not prefixed, f"{app}: {prefixed}"
