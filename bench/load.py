"""Load on the demo org's pages through gunicorn: requests/s and p50/p95 per page.

    python bench/load.py [--duration 20] [--clients 8] [--workers 2] [--people 60]

Seeds the demo org (``seed_demo``) into a SQLite file in a temporary folder — or into the
PostgreSQL database of DATABASE_URL when it is set (replacing the demo org there) — collects the
static files, and starts gunicorn with ``--workers`` sync workers in production mode (DEBUG off)
on a free port of 127.0.0.1. Each of ``--clients`` threads logs in as the demo Org Lead (its own
session cookie) and requests, in turn and as fast as answers come, the dashboard ``/``, a pod
page, the monthly report of the last approved month and ``/healthz``, for ``--duration``
seconds after one untimed warm-up round. Prints requests/s and p50/p95/max per page and the
errors (any answer but 200, or no answer within 10 s), and exits 1 when there were errors or a
page's p95 is 1 s or more.

Loopback only, bounded in time: every request has a 10 s timeout, set-up steps have their own,
and gunicorn is stopped on the way out whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: nothing here ever sends traffic elsewhere
LOGIN = ("orglead", "podwright-orglead")
REQUEST_TIMEOUT = 10.0
TARGET_P95 = 1.0

PAGES_SCRIPT = """
import json
from incentives.models import IncentivePeriod
from incentives.reports.views import report_url
from teams.models import PodMembership
period = (
    IncentivePeriod.objects.filter(status__in=["approved", "locked"])
    .order_by("-month", "org_unit__name").first()
)
pod = PodMembership.objects.current().filter(is_pod_lead=True).order_by("pod_id").first().pod_id
print(json.dumps({"pod": f"/pods/{pod}/", "report": report_url(period)}))
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; no proxy in front
        STATIC_ROOT=str(tmp / "static"),
        LOG_LEVEL="ERROR",
    )
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(tmp / "load.sqlite3")
    return env


def _manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Session:
    """One HTTP client with its own cookies (sent whatever their Secure flag: loopback HTTP)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        all_headers = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a fresh connection next time
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if (response.getheader("Connection") or "").lower() == "close":
            self.conn.close()  # gunicorn's sync workers close after each answer
        return response.status, data, response

    def login(self, username: str, password: str) -> None:
        status, page, _ = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1).decode(),
                "next": "/",
            }
        )
        status, _, response = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or response.getheader("Location") != "/":
            raise RuntimeError(f"login as {username} answered {status}, not a redirect to /")


@dataclass
class PageStats:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _client(
    port: int, pages, offset: int, ready: threading.Barrier, done: threading.Event, results
):
    session = Session(port)
    try:
        session.login(*LOGIN)
        for _, path in pages:  # warm-up, untimed: templates, the dashboard's cached projection
            session.request("GET", path)
    except Exception as exc:  # noqa: BLE001 - reported, then this client sits out
        results["(login)"].errors.append(f"{exc.__class__.__name__}: {exc}")
        ready.wait()
        return
    ready.wait()
    i = offset
    while not done.is_set():
        label, path = pages[i % len(pages)]
        i += 1
        started = time.monotonic()
        try:
            status, _, _ = session.request("GET", path)
            error = None if status == 200 else f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - an error is a measurement here
            error = f"{exc.__class__.__name__}: {exc}"
        elapsed = time.monotonic() - started
        if done.is_set():
            break  # answered after the clock stopped: not counted
        stats = results[label]
        if error:
            stats.errors.append(error)
        else:
            stats.times.append(elapsed)


def _p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0] if times else float("nan")
    return statistics.quantiles(times, n=100, method="inclusive")[94]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0, help="timed seconds (max 120)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=60, help="size of the demo org")
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 120.0)

    with tempfile.TemporaryDirectory(prefix="podwright-load-") as tmp:
        env = _env(Path(tmp))
        database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite (temporary file)"
        started = time.monotonic()
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo", "--people", str(args.people))
        _manage(env, "collectstatic", "--noinput")
        urls = json.loads(_manage(env, "shell", "-c", PAGES_SCRIPT).strip().splitlines()[-1])
        print(
            f"demo org of {args.people} people on {database}, seeded in "
            f"{time.monotonic() - started:.0f}s",
            flush=True,
        )
        pages = [
            ("dashboard /", "/"),
            (f"pod page {urls['pod']}", urls["pod"]),
            (f"monthly report {urls['report']}", urls["report"]),
            ("/healthz", "/healthz"),
        ]
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(args.workers),
                "--bind",
                f"{HOST}:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            return _run(port, pages, args, duration, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited at start-up (code {server.returncode})")
        try:
            if Session(port).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def _alone(port: int, pages, rounds: int = 5) -> dict[str, float]:
    """Median time of each page for one client at a time: about the work a request costs."""
    session = Session(port)
    session.login(*LOGIN)
    times: dict[str, list[float]] = {label: [] for label, _ in pages}
    for round_ in range(rounds + 1):
        for label, path in pages:
            started = time.monotonic()
            status, _, _ = session.request("GET", path)
            if status != 200:
                sys.exit(f"{path} answered {status} to a lone client")
            if round_:  # the first round warms up
                times[label].append(time.monotonic() - started)
    return {label: statistics.median(t) for label, t in times.items()}


def _server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and workers (Linux /proc).

    Unlike response times, this does not grow when other programs compete for the CPUs."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _run(port: int, pages, args, duration: float, server: subprocess.Popen) -> int:
    _wait_until_up(port, server)
    alone = _alone(port, pages)
    load = os.getloadavg()[0]
    results = {label: PageStats() for label, _ in pages}
    results["(login)"] = PageStats()
    ready = threading.Barrier(args.clients + 1, timeout=120)  # all logged in and warmed up
    done = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(port, pages, i, ready, done, results), daemon=True)
        for i in range(args.clients)
    ]
    warm_started = time.monotonic()
    for t in threads:
        t.start()
    ready.wait()
    began = time.monotonic()
    cpu_before = _server_cpu(server.pid)
    time.sleep(duration)
    done.set()
    elapsed = time.monotonic() - began
    cpu = _server_cpu(server.pid) - cpu_before
    for t in threads:
        t.join(timeout=REQUEST_TIMEOUT + 5)
    print(
        f"gunicorn {args.workers} workers on {HOST}:{port}; {args.clients} clients logged in as "
        f"{LOGIN[0]} and warmed up in {began - warm_started:.1f}s; timed for {elapsed:.1f}s; "
        f"load average before {load:.1f} on {os.cpu_count()} CPUs ('alone': one client at a time)"
    )
    print(
        f"{'page':40} {'alone ms':>8} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'errors':>6}"
    )
    total = errors = 0
    slow = []
    for label, stats in results.items():
        if label == "(login)" and not stats.errors:
            continue
        n = len(stats.times)
        total += n
        errors += len(stats.errors)
        p50 = statistics.median(stats.times) * 1000 if n else float("nan")
        p95 = _p95(stats.times) * 1000
        top = max(stats.times) * 1000 if n else float("nan")
        lone = alone.get(label, float("nan")) * 1000
        print(
            f"{label:40} {lone:8.0f} {n:8d} {n / elapsed:6.1f} {p50:7.0f} {p95:7.0f} {top:7.0f} "
            f"{len(stats.errors):6d}"
        )
        if label != "/healthz" and label != "(login)" and not (p95 < TARGET_P95 * 1000):
            slow.append(label)
        for sample in sorted(set(stats.errors))[:3]:
            print(f"    error: {sample}")
    print(f"{'all pages':40} {'':>8} {total:8d} {total / elapsed:6.1f} {'':>23} {errors:6d}")
    if total:
        print(
            f"server CPU: {cpu * 1000 / total:.0f} ms per request on average (gunicorn, user + "
            f"system), so {args.workers} workers on idle CPUs could answer about "
            f"{min(args.workers, os.cpu_count() or 1) * total / cpu:.0f} requests/s"
        )
    met = not errors and not slow
    print(
        f"target (p95 < {TARGET_P95:.0f} s on every page, no errors): "
        + ("met" if met else f"MISSED ({', '.join(slow) or f'{errors} errors'})")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
