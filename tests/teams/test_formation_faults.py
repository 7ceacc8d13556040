"""Formation runs through a worker's faults: redelivery, heartbeat, silence, broker down."""

import pytest

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
