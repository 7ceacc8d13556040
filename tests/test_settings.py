"""Settings read from the environment; production refuses the development key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
        6543,
    )
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (60, True)
    assert "OPTIONS" not in db


def test_it_keeps_the_query_options_of_a_database_url():
    from config.settings import database_from_url

    db = database_from_url(
        "postgresql://pw@db.internal/podwright?sslmode=require&connect_timeout=5"
    )
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": 5}
    assert db["NAME"] == "podwright" and db["HOST"] == "db.internal"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////var/lib/podwright/db.sqlite3", "/var/lib/podwright/db.sqlite3"),
        ("sqlite:///db.sqlite3", "db.sqlite3"),
        ("sqlite:////srv/pod%20wright/db.sqlite3", "/srv/pod wright/db.sqlite3"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
    ],
)
def test_it_keeps_sqlite_paths_absolute_or_relative_as_written(url, name):
    from config.settings import database_from_url

    db = database_from_url(url)
    assert (db["ENGINE"], db["NAME"]) == ("django.db.backends.sqlite3", name)
    assert db["OPTIONS"]["timeout"] == 20  # as the default database: wait for a busy writer


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://pw:s3cret@db/podwright", "engine 'django.db.backends.mysql' is not supported"),
        ("http://db.internal/podwright", "scheme 'http'"),
        ("podwright.sqlite3", "scheme '(none)'"),
        ("postgres://pw:s3cret@db:port/podwright", "scheme 'postgres'"),
    ],
)
def test_it_refuses_a_database_url_it_cannot_read_without_echoing_it(url, says):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import database_from_url

    with pytest.raises(ImproperlyConfigured) as refused:
        database_from_url(url)
    assert says in str(refused.value) and "s3cret" not in str(refused.value)


def test_it_opens_an_absolute_sqlite_database_url(tmp_path):
    path = tmp_path / "abs.sqlite3"
    r = _manage("migrate", "--noinput", DATABASE_URL=f"sqlite:///{path}")
    assert r.returncode == 0, r.stderr
    assert path.exists() and path.stat().st_size > 0


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
