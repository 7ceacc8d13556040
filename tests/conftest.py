"""Shared test set-up: named personas, the browser, and a real Celery worker when configured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made
# from tests alongside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Time is an input: the whole session runs on one known day (clock ticking from 09:00 UTC), set
# before any test module is imported, so module-level dates agree with the code under test. Pin
# another day to prove the suite holds on it: PODWRIGHT_TODAY=2027-01-01 make test.
TODAY = date.fromisoformat(os.environ.get("PODWRIGHT_TODAY", "2026-11-18"))
_TRAVEL = time_machine.travel(f"{TODAY.isoformat()}T09:00:00+00:00", tick=True)
_TRAVEL.start()

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct-horse-battery"


@dataclass
class Personas:
    unit_a: object
    unit_b: object
    admin: object
    org_lead: object  # leads unit A
    other_lead: object  # leads unit B only
    pod_lead: object  # leads pod A
    member: object  # member of pod A
    outsider: object  # member of pod B (unit B)
    pod_a: object
    pod_b: object


def make_person(unit, name: str, *, username: str | None = None, role: str = "builder", pay="6000"):
    from django.contrib.auth.models import User

    from teams.models import Person

    user = None
    if username:
        user = User.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com"
        )
    return Person.objects.create(
        user=user,
        name=name,
        email=f"{(username or name).lower().replace(' ', '.')}@example.com",
        org_unit=unit,
        role=role,
        base_pay=Decimal(pay),
    )


@pytest.fixture
def personas(db) -> Personas:
    from django.contrib.auth.models import User

    from teams.models import OrgUnit, Pod, PodMembership

    unit_a = OrgUnit.objects.create(name="Growth", slug="growth")
    unit_b = OrgUnit.objects.create(name="Platform", slug="platform")
    admin = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    org_lead = make_person(unit_a, "Olga Lead", username="olga", role="org_lead", pay="11000")
    other_lead = make_person(unit_b, "Otto Lead", username="otto", role="org_lead", pay="11000")
    unit_a.leads.add(org_lead)
    unit_b.leads.add(other_lead)
    pod_lead = make_person(unit_a, "Paula Podlead", username="paula", role="pod_lead", pay="8000")
    member = make_person(unit_a, "Mo Member", username="mo", pay="7000")
    outsider = make_person(unit_b, "Xena Outsider", username="xena", pay="7500")
    pod_a = Pod.objects.create(
        name="Onboarding", org_unit=unit_a, goal="Activate", baseline_headcount=10
    )
    pod_b = Pod.objects.create(name="Billing", org_unit=unit_b, goal="Bill", baseline_headcount=8)
    start = date(2026, 1, 1)
    PodMembership.objects.create(pod=pod_a, person=pod_lead, start=start, is_pod_lead=True)
    PodMembership.objects.create(pod=pod_a, person=member, start=start)
    PodMembership.objects.create(pod=pod_b, person=outsider, start=start, is_pod_lead=True)
    return Personas(
        unit_a,
        unit_b,
        admin,
        org_lead.user,
        other_lead.user,
        pod_lead.user,
        member.user,
        outsider.user,
        pod_a,
        pod_b,
    )


def login(client, user) -> None:
    client.force_login(user)


# --- Browser (Playwright on Debian's Chromium) ---------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.getenv("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def offline_page(page, live_server):
    """A page that may only talk to our own server: any other request fails the test."""
    foreign: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.foreign_requests = foreign
    page.console_errors = errors
    yield page
    assert not foreign, f"the page tried to reach the network: {foreign}"


def browser_login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


# --- A real Celery worker on Redis, when CELERY_BROKER_URL is set ---------------------------


class CeleryWorker:
    """`celery worker` (solo pool) on the test database, which a test may kill and start again."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.extra: dict[str, str] = {}  # what the running worker was started with on top
        self.proc: subprocess.Popen | None = None

    def start(self, **env: str) -> None:
        """Start a worker (with these extra environment variables) and wait for its ping."""
        from config.celery import app

        self.extra = env
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                "pytest@%h",
            ],
            cwd=ROOT,
            env={**self.env, **env},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1.0):
                return
            if self.proc.poll() is not None:
                raise RuntimeError("the Celery worker exited at start-up")
        self.stop()
        raise RuntimeError("the Celery worker did not answer a ping within 60s")

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc is not None else 0

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, acknowledging nothing, as in an OOM kill."""
        self.proc.kill()
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real worker against the test database for the session (a CeleryWorker, which a test
    may kill and restart); None in eager mode."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        yield None
        return
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("a real worker needs a database another process can open (PostgreSQL)")
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["DB_CONN_MAX_AGE"] = "0"
    worker = CeleryWorker(env)
    worker.start()
    yield worker
    worker.stop()


def count_queries(fn) -> int:
    """How many SQL queries fn() runs (for 'constant with data size' assertions)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    # PBKDF2 is deliberately slow; tests create many logins. (Pure tests may run without
    # pytest-django: `-p no:django`.)
    try:
        settings = request.getfixturevalue("settings")
    except pytest.FixtureLookupError:
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(request):
    # API rate counts live in the cache: one test's calls must not throttle the next.
    try:
        request.getfixturevalue("settings")
    except pytest.FixtureLookupError:
        return
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def eager_celery():
    """Run tasks in-process for this test, even when a broker is configured (unit tests)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(params=["refused", "hung"])
def broker_down(request, eager_celery, monkeypatch):
    """Tasks go to a broker that is not there: nothing listens on the port ("refused"), or
    something accepts connections and never answers ("hung")."""
    import socket

    from config.celery import app

    if request.param == "refused":
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = None
    else:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(64)  # the kernel accepts; nobody ever reads or replies
        port = server.getsockname()[1]
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", f"redis://127.0.0.1:{port}/0")
    app.conf.task_always_eager = False
    yield request.param
    app.conf.task_always_eager = True  # eager_celery restores what it found
    if server is not None:
        server.close()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_may_delete_frozen_periods():
    """Let a transactional test's flush on SQLite delete approved periods.

    Approved/locked periods are frozen by database triggers. PostgreSQL flushes with TRUNCATE,
    which fires no row trigger; SQLite flushes with DELETE, which does. Inside the flush only,
    we hold the same reset token the admin-only demo reset uses, and drop it in the same
    transaction.
    """
    # Through base: importing sqlite3.operations first is a circular import (PostgreSQL runs).
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if not statements:
            return statements
        return [
            "INSERT OR IGNORE INTO incentives_reset_token (id) VALUES (1)",
            *statements,
            "DELETE FROM incentives_reset_token",
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


def _shared_memory_readers_do_not_lock(sender, connection, **kwargs):
    # The test database on SQLite is one in-memory database shared between threads (the live
    # server, the formation thread without a broker). Its shared cache locks whole tables, so a
    # page read while a background thread writes would fail "table is locked"; readers that do
    # not take read locks see what the writer committed, as on a file or PostgreSQL.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


def pytest_configure(config):
    from django.db.backends.signals import connection_created

    connection_created.connect(_shared_memory_readers_do_not_lock, weak=False)
