"""Settings read from the environment; production refuses the development key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_the_dev_secret_key_in_production():
    r = _manage("check", DEBUG="false")
    assert r.returncode != 0
    assert "refuses the development SECRET_KEY" in r.stderr


def test_it_passes_the_deploy_check_in_production():
    r = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7#Lq9v!T2m@Rk4pZ8wN$e6Yb3Hc5Jd1Fg0Ua-Ws_Xo+Vi=Ql*Mn^Bt&Ry%Ez(Kp)",
        ALLOWED_HOSTS="podwright.example.com",
    )
    assert r.returncode == 0, r.stderr
    assert "no issues" in r.stdout


def test_it_parses_database_urls():
    from config.settings import database_from_url

    db = database_from_url("postgres://pw:s%40cret@db.internal:6543/podwright")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "podwright",
        "pw",
        "s@cret",
        "db.internal",
        "6543",
    )


def test_it_runs_tasks_eagerly_without_a_broker():
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='config.settings';django.setup();"
            "from django.conf import settings;print(settings.CELERY_TASK_ALWAYS_EAGER)",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.stdout.strip() == "True", r.stderr
