"""Recording waits on the pod page (htmx form) and marking them resolved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from teams.models import Wait
from tests.conftest import login

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form(**extra) -> dict:
    now = timezone.now()
    return {
        "node": "Security  review ",
        "kind": "review",
        "requested_at": local(now - timedelta(hours=50)),
        "resolved_at": local(now - timedelta(hours=2)),
        "url": "https://git.example.com/pr/7",
        **extra,
    }


def test_it_shows_the_waits_card_on_the_pod_page(client, personas):
    login(client, personas.member)
    html = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert 'id="waits"' in html and "Record a wait" in html
    assert f'href="/pods/{personas.pod_a.pk}/context/"' in html
    assert f'href="/pods/{personas.pod_a.pk}/agents.md"' in html


@pytest.mark.parametrize("who", ["pod_lead", "member", "org_lead"])
def test_it_lets_the_pods_people_record_a_wait(client, personas, who):
    login(client, getattr(personas, who))
    r = client.post(f"/pods/{personas.pod_a.pk}/waits/", form(), headers=HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "recorded" in html and "Security review" in html
    wait = Wait.objects.get()
    assert (wait.node, wait.source, wait.recorded_by) == (
        "Security review",
        "form",
        getattr(personas, who),
    )
    assert round(wait.hours()) == 48


def test_it_records_an_open_wait_and_resolves_it_in_one_click(client, personas):
    login(client, personas.member)
    client.post(f"/pods/{personas.pod_a.pk}/waits/", form(resolved_at=""), headers=HTMX)
    wait = Wait.objects.get()
    assert wait.is_open
    html = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert "still waiting" in html and "Resolved now" in html
    r = client.post(f"/pods/{personas.pod_a.pk}/waits/{wait.pk}/resolve/", headers=HTMX)
    assert r.status_code == 200 and "Resolved now" not in r.content.decode()
    wait.refresh_from_db()
    assert not wait.is_open
    again = client.post(f"/pods/{personas.pod_a.pk}/waits/{wait.pk}/resolve/", headers=HTMX)
    assert "resolved already" in again.content.decode()


def test_it_explains_bad_input_in_place_and_saves_nothing(client, personas):
    login(client, personas.member)
    now = timezone.now()
    r = client.post(
        f"/pods/{personas.pod_a.pk}/waits/",
        form(
            node="",
            kind="nap",
            requested_at=local(now - timedelta(hours=5)),
            resolved_at=local(now - timedelta(hours=9)),
            url="not a link",
        ),
        headers=HTMX,
    )
    assert r.status_code == 200  # htmx swaps the card with its problems
    html = r.content.decode()
    assert "Waiting on: Say who holds the work." in html
    assert "Kind: Select a valid choice." in html
    assert "Link: Enter a valid URL." in html
    r = client.post(
        f"/pods/{personas.pod_a.pk}/waits/",
        form(
            requested_at=local(now - timedelta(hours=5)),
            resolved_at=local(now - timedelta(hours=9)),
        ),
        headers=HTMX,
    )
    assert "is before requested_at" in r.content.decode()
    future = client.post(
        f"/pods/{personas.pod_a.pk}/waits/",
        form(requested_at=local(now + timedelta(days=1)), resolved_at=""),
    )
    assert future.status_code == 422 and "is in the future" in future.content.decode()
    assert not Wait.objects.exists()


def test_it_hides_another_pods_waits_and_refuses_recording_there(client, personas):
    login(client, personas.outsider)
    assert client.get(f"/pods/{personas.pod_a.pk}/waits/").status_code == 404
    assert client.post(f"/pods/{personas.pod_a.pk}/waits/", form()).status_code == 404
    login(client, personas.other_lead)
    assert client.post(f"/pods/{personas.pod_a.pk}/waits/", form()).status_code == 404
    login(client, personas.member)
    client.post(f"/pods/{personas.pod_a.pk}/waits/", form(resolved_at=""))
    wait = Wait.objects.get()
    login(client, personas.outsider)
    assert client.post(f"/pods/{personas.pod_a.pk}/waits/{wait.pk}/resolve/").status_code == 404
    assert client.post(f"/pods/{personas.pod_b.pk}/waits/{wait.pk}/resolve/").status_code == 404
    assert Wait.objects.get().is_open
