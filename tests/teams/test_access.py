"""One access helper per object kind: a page and its API endpoint give the same answer
(404 for an object the user may not see, 403 for a role that may not act on it)."""

import pytest

from teams.models import FormationRun
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _run(unit):
    return FormationRun.objects.create(org_unit=unit, status=FormationRun.Status.QUEUED)


def test_it_answers_a_formation_run_alike_on_the_page_and_the_api(client, personas):
    run = _run(personas.unit_a)
    urls = [
        ("get", f"/formation/{run.pk}/"),
        ("post", f"/formation/{run.pk}/edit/"),
        ("post", f"/formation/{run.pk}/accept/"),
        ("get", f"/api/formation-runs/{run.pk}/"),
        ("get", f"/api/formation-runs/{run.pk}/result/"),
        ("post", f"/api/formation-runs/{run.pk}/accept/"),
    ]
    for user, expected in [(personas.member, 403), (personas.pod_lead, 403)]:
        login(client, user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == expected, (user, url)
    login(client, personas.other_lead)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    login(client, personas.org_lead)
    assert client.get(f"/formation/{run.pk}/").status_code == 200
    assert client.get(f"/api/formation-runs/{run.pk}/").json()["id"] == run.pk
    assert client.get(f"/api/formation-runs/{run.pk + 1000}/").status_code == 404
    assert client.get(f"/formation/{run.pk + 1000}/").status_code == 404


def test_it_answers_a_person_alike_on_the_page_and_the_api(client, personas):
    member = personas.member.person
    urls = [
        f"/people/{member.pk}/",
        f"/api/people/{member.pk}/",
        f"/api/people/{member.pk}/profile/",
    ]
    login(client, personas.other_lead)
    for url in urls:
        assert client.get(url).status_code == 404, url
    login(client, personas.member)
    for url in urls:
        assert client.get(url).status_code == 200, url
    login(client, personas.org_lead)
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert client.get(url.replace(str(member.pk), str(member.pk + 1000))).status_code == 404


def test_it_hides_people_one_may_not_assess_on_the_page_and_the_api(client, personas):
    outsider = personas.outsider.person
    login(client, personas.member)
    assert client.get(f"/people/{outsider.pk}/assess/peer/").status_code == 404
    assert client.get(f"/people/{outsider.pk}/assess/lead/").status_code == 404
    scores = {t: 50 for t in ("builder", "architect", "taste_maker", "signal_reader")}
    scores["decision_maker"] = 50
    for source in ("peer", "lead"):
        response = client.post(
            "/api/assessments/",
            {"person": outsider.pk, "source": source, **scores},
            content_type="application/json",
        )
        assert response.status_code == 404, source
    mate = personas.pod_lead.person
    assert client.get(f"/people/{mate.pk}/assess/peer/").status_code == 200


def test_it_lets_members_see_but_not_change_their_pod(client, personas):
    pod_a, pod_b = personas.pod_a, personas.pod_b
    login(client, personas.member)
    assert client.get(f"/pods/{pod_a.pk}/").status_code == 200
    assert client.get(f"/pods/{pod_a.pk}/metrics/").status_code == 200
    assert client.get(f"/pods/{pod_a.pk}/charter/").status_code == 403
    assert client.post(f"/pods/{pod_a.pk}/metrics/targets/").status_code == 403
    for url in (f"/pods/{pod_b.pk}/", f"/pods/{pod_b.pk}/metrics/", f"/pods/{pod_b.pk}/charter/"):
        assert client.get(url).status_code == 404, url
    login(client, personas.pod_lead)
    assert client.get(f"/pods/{pod_a.pk}/charter/").status_code == 200


def test_it_answers_an_org_unit_alike_on_the_report_and_the_api(client, personas):
    unit_b = personas.unit_b
    login(client, personas.org_lead)
    assert client.get(f"/reports/{unit_b.pk}/2026-09/").status_code == 404
    assert client.get(f"/reports/{unit_b.pk}/2026-09/payroll.csv").status_code == 404
    compute = client.post(
        "/api/periods/compute/",
        {"org_unit": unit_b.pk, "month": "2026-09"},
        content_type="application/json",
    )
    assert compute.status_code == 404
    login(client, personas.member)
    assert client.get(f"/reports/{personas.unit_a.pk}/2026-09/").status_code == 403
