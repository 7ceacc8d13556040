"""A pod's AGENTS.md: what it holds (and never: pay), who may read it, and the same bytes from
the pod page, the API and the command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from teams import clock
from teams.models import ContextItem, Person, Pod
from teams.profiles.services import profiles_recompute
from tests.conftest import login
from tests.incentives.metric_factories import make_metric, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def pod(personas):
    from teams.models import Assessment

    pod = personas.pod_a
    pod.product_area = "Sign-up | onboarding"
    pod.save()
    lead = Person.objects.get(user=personas.pod_lead)
    member = Person.objects.get(user=personas.member)
    Assessment.objects.create(
        person=lead,
        source="lead",
        builder=90,
        architect=40,
        taste_maker=50,
        signal_reader=30,
        decision_maker=60,
    )
    profiles_recompute(person_ids=[lead.pk])
    month = clock.today().replace(day=1)
    make_target(
        make_metric(personas.unit_a, "activation", name="Activation rate"), pod, month, 30, 40, 50
    )
    make_metric(personas.unit_a, "nps", name="NPS")
    make_metric(personas.unit_a, "hours", kind="process", name="Hours worked")
    ContextItem.objects.create(
        pod=pod,
        name="Runbook",
        layer="working",
        location="docs/runbook.md",
        keeper=member,
        review_days=30,
        last_verified=clock.today() - timedelta(days=40),
    )
    ContextItem.objects.create(
        pod=pod,
        name="Product brief",
        layer="project",
        location="https://wiki.example.com/brief",
        keeper=lead,
        review_days=90,
        last_verified=clock.today() - timedelta(days=3),
    )
    return pod


def test_it_holds_the_pod_members_outcomes_context_and_rules(client, personas, pod):
    login(client, personas.member)
    r = client.get(f"/pods/{pod.pk}/agents.md")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/markdown; charset=utf-8"
    text = r.content.decode()
    month = clock.today().replace(day=1)
    assert text.startswith("# AGENTS.md — Onboarding\n")
    assert "- Goal: Activate" in text
    assert "- Product area: Sign-up | onboarding" in text
    assert "- Paula Podlead — AI Pod Lead, Pod Lead of this pod — primary trait: Builder" in text
    assert "- Mo Member — AI Builder — primary trait: not assessed yet" in text
    assert f"## Outcome metrics and targets for {month:%B %Y}" in text
    assert (
        "- Activation rate (`activation`, %): higher is better; threshold 30, target 40, stretch 50"
        in text
    )
    assert f"- NPS (`nps`, %): higher is better; no target set for {month:%B %Y}" in text
    assert "Hours worked" not in text  # process metrics are not what the pod is paid on
    verified = (clock.today() - timedelta(days=40)).isoformat()
    assert f"| Runbook | working | docs/runbook.md | Mo Member | {verified} | STALE |" in text
    assert "| Product brief | project | https://wiki.example.com/brief | Paula Podlead |" in text
    assert (
        "Missing from the org template: Decision log, Architecture notes, Customer research, Metric definitions."
        in text
    )
    assert "Pay never follows effort or activity" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_it_holds_no_pay_figure(client, personas, pod):
    login(client, personas.org_lead)
    text = client.get(f"/pods/{pod.pk}/agents.md").content.decode()
    for pay in ("8000", "7000", "6000", "11000", "baseline headcount", "pool", "EUR", "payout"):
        assert pay not in text


def test_it_gives_the_same_bytes_from_the_page_the_api_and_the_command(client, personas, pod):
    login(client, personas.member)
    page = client.get(f"/pods/{pod.pk}/agents.md").content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.member).key}")
    from_api = api.get(f"/api/pods/{pod.pk}/agents.md", HTTP_ACCEPT="text/markdown")
    assert from_api.status_code == 200
    assert from_api["Content-Type"] == "text/markdown; charset=utf-8"
    out = StringIO()
    call_command("agents_md", "--pod", str(pod.pk), stdout=out)
    assert page == from_api.content == out.getvalue().encode("utf-8")


def test_it_writes_the_file_and_refuses_an_unknown_pod(tmp_path, pod):
    target = tmp_path / "AGENTS.md"
    call_command("agents_md", "--pod", str(pod.pk), "--output", str(target))
    assert target.read_text(encoding="utf-8").startswith("# AGENTS.md — Onboarding")
    with pytest.raises(CommandError, match="There is no pod 987654"):
        call_command("agents_md", "--pod", "987654")


def test_it_is_for_those_who_see_the_pod(client, personas, pod):
    for user in (personas.outsider, personas.other_lead):
        login(client, user)
        assert client.get(f"/pods/{pod.pk}/agents.md").status_code == 404
        assert client.get(f"/api/pods/{pod.pk}/agents.md").status_code == 404
    client.logout()
    assert client.get(f"/pods/{pod.pk}/agents.md").status_code == 302
    assert client.get(f"/api/pods/{pod.pk}/agents.md").status_code in (401, 403)
    login(client, personas.org_lead)
    assert client.get(f"/api/pods/{pod.pk}/agents.md").status_code == 200


def test_it_lets_a_service_account_read_its_own_pods_file(personas, pod):
    from teams.integrations import services as integrations

    _, key = integrations.service_account_create(
        user=personas.org_lead, name="Agent CI", pod_ids=[pod.pk]
    )
    other = Pod.objects.create(name="Pricing", org_unit=personas.unit_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = client.get(f"/api/pods/{pod.pk}/agents.md")
    assert r.status_code == 200 and r.content.decode().startswith("# AGENTS.md — Onboarding")
    assert client.get(f"/api/pods/{other.pk}/agents.md").status_code == 404
    assert client.get(f"/api/pods/{pod.pk}/context/").status_code == 200
    assert client.get(f"/api/pods/{other.pk}/context/").status_code == 404
