import pytest
from django.core.management import call_command

from teams.models import OrgUnit, Person, Pod, PodMembership, TraitProfile

pytestmark = pytest.mark.django_db


def _seed(capsys, *args):
    call_command("seed_demo", *args)
    return capsys.readouterr().out


def test_it_creates_a_believable_demo_org_and_prints_logins(capsys, client):
    out = _seed(capsys)
    logins = [line.split() for line in out.strip().splitlines()[-4:]]
    assert [row[0] for row in logins] == ["admin", "org_lead", "pod_lead", "member"]
    assert Person.objects.count() == 60
    assert OrgUnit.objects.filter(parent__slug="demo").count() == 3
    assert Pod.objects.count() == 12
    assert TraitProfile.objects.count() == 60
    # trait-diverse: every trait is somebody's primary trait
    assert TraitProfile.objects.values("primary_trait").distinct().count() == 5
    for role, username, password in logins:
        assert client.login(username=username, password=password), role


def test_it_resets_instead_of_duplicating(capsys):
    _seed(capsys, "--people", "20")
    stints = PodMembership.objects.count()  # some people have several stints (demo history)
    out = _seed(capsys, "--people", "20")
    assert "Reset and recreated" in out
    assert Person.objects.count() == 20
    assert PodMembership.objects.count() == stints


def test_it_refuses_a_too_small_org(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 8 people"):
        call_command("seed_demo", "--people", "3")


def test_it_logs_the_demo_pod_lead_into_their_pod(capsys, client):
    _seed(capsys)
    client.login(username="podlead", password="podwright-podlead")
    page = client.get("/").content.decode()
    assert "Pod Lead" in page


def test_it_prints_one_pending_invitation_that_works(capsys, client):
    import re

    out = _seed(capsys, "--people", "20")
    link = re.search(r"Pending invitation for (.+) \((\S+)\).*(http\S+/invite/\S+/)", out)
    assert link, out
    name, email, url = link.groups()
    path = "/" + url.split("/", 3)[3]
    assert client.get(path).status_code == 200
    r = client.post(path, {"new_password1": "demo-newcomer-1", "new_password2": "demo-newcomer-1"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert Person.objects.get(email=email).user.username == email
    out = _seed(capsys, "--people", "20")  # the accepted login goes with the reset
    assert client.login(username=email, password="demo-newcomer-1") is False
    assert "Pending invitation for" in out
