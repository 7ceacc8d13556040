"""Kill the worker mid-task (SIGKILL), start a new one: the work ends, never stuck.

Runs only with a real worker (PostgreSQL + Redis: CELERY_BROKER_URL set). The new worker gets a
short Redis visibility timeout so the unacknowledged task comes back within seconds instead of
the production 15 minutes; whichever comes first, redelivery or the silent-run sweep (sent to
the worker as beat would), the run must end done or failed.

The worker runs on the real clock while this session's clock is frozen: waits here are
measured with time.monotonic(), never against the timestamps the worker writes.
"""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from incentives.bonuses import services as bonuses
from incentives.models import CloseAttempt, IncentivePeriod, Observation
from teams.formation import services as formation
from teams.formation.tasks import expire_formation_runs
from teams.models import FormationRun, OrgUnit, Person, Pod, PodMembership, TraitProfile
from teams.traits import TRAITS
from tests.incentives.bonus_factories import make_plan, unit_metrics

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

VISIBILITY = 5  # seconds, for the worker started after the kill
BOUND = 150  # seconds for the work to end once the new worker is up


@pytest.fixture
def worker(celery_worker_process):
    if celery_worker_process is None:
        pytest.skip("needs a real worker: set CELERY_BROKER_URL (and DATABASE_URL)")
    yield celery_worker_process
    if celery_worker_process.poll() is not None or celery_worker_process.extra:
        celery_worker_process.stop()
        celery_worker_process.start()  # the session's other tests get a normal worker


def _people(unit, n: int, tag: str) -> list[Person]:
    rng = random.Random(tag)
    people = Person.objects.bulk_create(
        Person(name=f"{tag} {i}", email=f"{tag}.{i}@example.com", org_unit=unit) for i in range(n)
    )
    if people[0].pk is None:
        people = list(Person.objects.filter(org_unit=unit, name__startswith=tag).order_by("pk"))
    TraitProfile.objects.bulk_create(
        TraitProfile(person=p, primary_trait=TRAITS[0], **{t: rng.randint(0, 100) for t in TRAITS})
        for p in people
    )
    return people


def _wait(what: str, condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds:.0f} s")


def _kill_and_restart(worker, delivered: float, check=lambda: None) -> None:
    """Kill now; start a new worker once the task has been out (since `delivered`, a
    monotonic time) longer than the new worker's visibility timeout, so Redis hands it back
    when that worker starts. `check` runs between the kill and the restart."""
    worker.kill()
    check()
    time.sleep(max(0.0, VISIBILITY + 1 - (time.monotonic() - delivered)))
    worker.start(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY))


def test_it_ends_a_formation_run_whose_worker_was_killed(personas, worker):
    unit = personas.unit_a
    _people(unit, 900, "pool")
    run = formation.formation_start(
        user=personas.org_lead,
        org_unit=unit,
        params={
            "pool": "unpodded",
            "min_size": 3,
            "max_size": 5,
            "threshold": 70,
            "seed": 1,
            "stability": 0,
            "one_lead_per_pod": True,
            "time_limit": 60,
        },
    )
    # Heartbeats arrive while it searches; then the worker dies mid-search.
    _wait(
        "the run to report progress",
        lambda: FormationRun.objects.filter(pk=run.pk, status="running", progress__gt=5).exists(),
        60,
    )
    delivered = time.monotonic()

    def still_running():
        run.refresh_from_db()
        assert run.status == "running" and run.arrangement is None and run.attempts == 1

    _kill_and_restart(worker, delivered, still_running)
    last_sweep = 0.0

    def ended():
        nonlocal last_sweep
        if time.monotonic() - last_sweep > 5:  # what beat does every minute
            expire_formation_runs.delay()
            last_sweep = time.monotonic()
        current = FormationRun.objects.get(pk=run.pk)
        return current if current.status in ("done", "failed") else None

    run = _wait("the run to end done or failed, not stay running", ended, BOUND)
    if run.status == "done":  # redelivered: the new worker ran it again from the start
        assert run.attempts == 2 and run.progress == 100 and run.arrangement
    else:
        assert run.error == FormationRun.WORKER_LOST


def _big_unit(n_pods: int) -> OrgUnit:
    """A unit whose close takes long enough to be killed in the middle."""
    unit = OrgUnit.objects.create(name="Big", slug="big")
    metrics = unit_metrics(unit)
    make_plan(unit, metrics)
    people = _people(unit, n_pods * 4, "big")
    pods = Pod.objects.bulk_create(
        Pod(name=f"Big {i}", org_unit=unit, baseline_headcount=6) for i in range(n_pods)
    )
    if pods[0].pk is None:
        pods = list(Pod.objects.filter(org_unit=unit).order_by("pk"))
    Person.objects.filter(org_unit=unit).update(base_pay=Decimal("6000"))
    PodMembership.objects.bulk_create(
        PodMembership(pod=pods[i // 4], person=p, start=date(2026, 1, 1))
        for i, p in enumerate(people)
    )
    Observation.objects.bulk_create(
        Observation(
            metric=metrics["activation"],
            pod=pod,
            date=date(2026, 9, 1) + timedelta(days=d),
            value=Decimal(30 + (i + d) % 20),
            external_id=f"big-{pod.pk}-{d}",
        )
        for i, pod in enumerate(pods)
        for d in range(0, 30, 3)
    )
    return unit


def test_it_ends_a_unit_close_whose_worker_was_killed(personas, worker):
    unit = _big_unit(600)
    close = bonuses.month_close(today=date(2026, 10, 1), unit_ids={unit.pk})
    attempt = close.attempts.get()
    # The unit's task has started (it counts its deliveries first): kill it mid-compute.
    _wait(
        "the unit close to start",
        lambda: CloseAttempt.objects.filter(pk=attempt.pk, deliveries=1).exists(),
        60,
    )

    def mid_compute():
        attempt.refresh_from_db()
        assert attempt.outcome == "pending", "the close ended before the kill: a bigger unit"
        assert not IncentivePeriod.objects.filter(org_unit=unit).exists()  # rolled back

    _kill_and_restart(worker, time.monotonic(), mid_compute)
    attempt = _wait(
        "the unit close to be recorded",
        lambda: CloseAttempt.objects.exclude(outcome="pending").filter(pk=attempt.pk).first(),
        BOUND,
    )
    assert attempt.outcome == "computed" and attempt.deliveries == 2
    assert attempt.period.status == "computed" and attempt.period.totals["pods"] == 600
    close.refresh_from_db()
    assert close.emailed_at is not None
