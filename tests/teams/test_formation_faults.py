"""Formation runs through a worker's faults: redelivery, heartbeat, silence, broker down."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from teams.formation import services
from teams.models import FormationRun
from tests.conftest import login
from tests.teams.test_formation_workspace import _pool, _start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def lead(client, personas):
    login(client, personas.org_lead)
    return personas


def test_it_restarts_a_redelivered_run_cleanly(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    done = FormationRun.objects.get()
    assert done.status == "done" and done.attempts == 1
    # Its worker died mid-search: the row says "running", nothing of the attempt was stored.
    FormationRun.objects.filter(pk=done.pk).update(
        status="running", arrangement=None, objective=None, progress=40
    )
    run = services.formation_optimise(run_id=done.pk)
    assert run.status == "done" and run.attempts == 2 and run.progress == 100
    assert run.arrangement == done.arrangement  # deterministic for the seed
    assert run.objective == done.objective


def test_it_leaves_a_finished_failed_or_vanished_run_alone(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    finished_at = run.finished_at
    assert services.formation_optimise(run_id=run.pk).finished_at == finished_at
    FormationRun.objects.filter(pk=run.pk).update(status="failed", error="x")
    again = services.formation_optimise(run_id=run.pk)
    assert again.status == "failed" and again.attempts == 1
    assert services.formation_optimise(run_id=run.pk + 1000) is None


def test_it_never_lets_an_older_attempt_overwrite_a_newer_one(client, lead, monkeypatch):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    FormationRun.objects.filter(pk=run.pk).update(status="running", arrangement=None)
    real = services.formation.propose_pods

    def slow_then_overtaken(problem, **kwargs):
        result = real(problem, **kwargs)
        # Meanwhile the task was redelivered to another worker, which claimed attempt 3.
        FormationRun.objects.filter(pk=run.pk).update(attempts=3)
        return result

    monkeypatch.setattr(services.formation, "propose_pods", slow_then_overtaken)
    stale = services.formation_optimise(run_id=run.pk)
    assert stale.status == "running" and stale.arrangement is None and stale.attempts == 3


def test_it_stores_the_workers_progress_and_heartbeat(client, lead, monkeypatch):
    monkeypatch.setattr(services, "HEARTBEAT_EVERY", 0)
    seen = []
    real = services.formation.propose_pods

    def watched(problem, *, on_progress, **kwargs):
        def beat(fraction):
            on_progress(fraction)
            seen.append(FormationRun.objects.values_list("progress", "heartbeat_at").get())

        return real(problem, on_progress=beat, **kwargs)

    monkeypatch.setattr(services.formation, "propose_pods", watched)
    _pool(lead.unit_a, 40)
    _start(client, lead.unit_a)
    progress = [p for p, _ in seen]
    beats = [at for _, at in seen]
    assert len(set(progress)) >= 3 and progress == sorted(progress)
    assert progress[0] == 5 and progress[-1] == 95
    assert beats == sorted(beats) and None not in beats
    run = FormationRun.objects.get()
    assert run.status == "done" and run.progress == 100 and run.heartbeat_at >= beats[-1]


def _running(unit, *, progress=37, silent_for=0, started_ago=30, time_limit=10):
    now = timezone.now()
    return FormationRun.objects.create(
        org_unit=unit,
        status="running",
        attempts=1,
        progress=progress,
        params={"pool": "unpodded", "min_size": 3, "max_size": 5, "time_limit": time_limit},
        result={"pool": []},
        started_at=now - timedelta(seconds=started_ago),
        heartbeat_at=now - timedelta(seconds=silent_for),
    )


def test_it_shows_the_stored_progress_not_the_clock(client, lead):
    # Three times its time limit since it started: a clock-driven bar would say 95 %.
    run = _running(lead.unit_a, progress=37, started_ago=30, time_limit=10)
    for headers in ({}, {"HX-Request": "true", "HX-Target": "run-progress"}):
        page = client.get(f"/formation/{run.pk}/", headers=headers).content.decode()
        assert 'value="37"' in page and "37%" in page
    assert client.get(f"/api/formation-runs/{run.pk}/").json()["progress"] == 37


def test_it_marks_a_silent_run_failed_when_someone_looks(client, lead):
    quiet = _running(lead.unit_a, silent_for=10 + 59)  # within time limit + margin
    page = client.get(f"/formation/{quiet.pk}/").content.decode()
    assert "Optimising" in page
    assert FormationRun.objects.get(pk=quiet.pk).status == "running"

    lost = _running(lead.unit_a, silent_for=10 + 61)
    page = client.get(f"/formation/{lost.pk}/").content.decode()
    assert "The worker stopped answering; run it again." in page
    assert f'action="/formation/{lost.pk}/again/"' in page and "Run again" in page
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.lost and lost.finished_at is not None

    lost_api = _running(lead.unit_a, silent_for=200)
    body = client.get(f"/api/formation-runs/{lost_api.pk}/").json()
    assert body["status"] == "failed" and body["error"] == FormationRun.WORKER_LOST
    r = client.get(f"/api/formation-runs/{lost_api.pk}/result/")
    assert r.status_code == 409 and r.json()["error"] == FormationRun.WORKER_LOST


def test_it_gives_up_on_a_run_no_worker_picked_up(client, lead):
    waiting = FormationRun.objects.create(org_unit=lead.unit_a, params={"time_limit": 10})
    assert client.get(f"/api/formation-runs/{waiting.pk}/").json()["status"] == "queued"
    FormationRun.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(seconds=services.QUEUE_PATIENCE + 1)
    )
    body = client.get(f"/api/formation-runs/{waiting.pk}/").json()
    assert body["status"] == "failed" and body["error"] == FormationRun.NEVER_STARTED


def test_it_sweeps_silent_runs_periodically(lead):
    from teams.formation.tasks import expire_formation_runs

    lost = _running(lead.unit_a, silent_for=500)
    fresh = _running(lead.unit_a, silent_for=2)
    assert expire_formation_runs() == 1
    assert FormationRun.objects.get(pk=lost.pk).status == "failed"
    assert FormationRun.objects.get(pk=fresh.pk).status == "running"
    assert expire_formation_runs() == 0


def test_it_lists_a_lost_run_as_failed(client, lead):
    lost = _running(lead.unit_a, silent_for=500)
    page = client.get("/formation/").content.decode()
    assert "run-failed" in page and "run-running" not in page
    assert FormationRun.objects.get(pk=lost.pk).status == "failed"


def test_it_stops_a_search_whose_run_was_marked_failed_meanwhile(client, lead, monkeypatch):
    monkeypatch.setattr(services, "HEARTBEAT_EVERY", 0)
    real = services.formation.propose_pods

    def expired_midway(problem, *, on_progress, **kwargs):
        calls = []

        def beat(fraction):
            calls.append(fraction)
            if len(calls) == 2:  # a page looked and found the run silent for too long
                FormationRun.objects.update(status="failed", error=FormationRun.WORKER_LOST)
            on_progress(fraction)

        return real(problem, on_progress=beat, **kwargs)

    monkeypatch.setattr(services.formation, "propose_pods", expired_midway)
    _pool(lead.unit_a, 40)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    assert run.status == "failed" and run.arrangement is None and run.error == run.WORKER_LOST


def test_it_runs_a_lost_run_again_with_the_same_inputs(client, lead):
    _pool(lead.unit_a)
    lost = _running(lead.unit_a, silent_for=500)
    FormationRun.objects.filter(pk=lost.pk).update(
        params={**lost.params, "threshold": 70, "seed": 3, "started_at": 1.0}
    )
    client.get(f"/formation/{lost.pk}/")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(f"/formation/{lost.pk}/again/")
    again = FormationRun.objects.latest("id")
    assert again.pk != lost.pk and r["Location"] == f"/formation/{again.pk}/"
    assert again.params == {
        k: v for k, v in FormationRun.objects.get(pk=lost.pk).params.items() if k != "started_at"
    }
    assert again.status == "done" and again.org_unit == lead.unit_a
    assert again.created_by == lead.org_lead


def test_it_refuses_to_run_again_a_run_that_did_not_fail(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    done = FormationRun.objects.get()
    r = client.post(f"/formation/{done.pk}/again/", follow=True)
    assert "Only a failed run can be run again." in r.content.decode()
    assert FormationRun.objects.count() == 1
    assert client.get(f"/formation/{done.pk}/again/").status_code == 405


def test_it_hides_run_again_from_others(client, personas):
    lost = _running(personas.unit_a, silent_for=500)
    login(client, personas.member)
    assert client.post(f"/formation/{lost.pk}/again/").status_code == 403
    login(client, personas.other_lead)
    assert client.post(f"/formation/{lost.pk}/again/").status_code == 404
    assert client.post("/formation/99999/again/").status_code == 404
    assert FormationRun.objects.count() == 1


UNAVAILABLE = "Background work is unavailable right now; try again in a minute."


@pytest.mark.django_db(transaction=True)
def test_it_says_background_work_is_unavailable_and_leaves_no_run(client, lead, broker_down):
    _pool(lead.unit_a)
    started = time.monotonic()
    r = _start(client, lead.unit_a)
    assert time.monotonic() - started < 3
    assert r.status_code == 503 and UNAVAILABLE in r.content.decode()
    assert 'name="time_limit"' in r.content.decode()  # the form again, as it was filled
    assert FormationRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_through_the_api_and_leaves_no_run(client, lead, broker_down):
    _pool(lead.unit_a)
    started = time.monotonic()
    r = client.post(
        "/api/formation-runs/",
        {"org_unit": lead.unit_a.pk, "pool": "unpodded", "time_limit": 5},
        content_type="application/json",
    )
    assert time.monotonic() - started < 3
    assert r.status_code == 503 and r["Retry-After"] == "60"
    assert r.json() == {"detail": UNAVAILABLE}
    assert FormationRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_runs_nothing_again_while_the_broker_is_down(client, lead, broker_down):
    lost = _running(lead.unit_a, silent_for=500)
    client.get(f"/formation/{lost.pk}/")
    r = client.post(f"/formation/{lost.pk}/again/", follow=True)
    assert UNAVAILABLE in r.content.decode() and "Run again" in r.content.decode()
    assert list(FormationRun.objects.values_list("pk", flat=True)) == [lost.pk]
