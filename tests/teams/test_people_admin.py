"""People as their Org Lead runs them without the Django admin: add, edit, invite."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from teams.models import Invitation, Person
from teams.people import services
from tests.conftest import PASSWORD, count_queries, login, make_person

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Nina New",
    "email": "Nina.New@Example.com",
    "role": "builder",
    "fte": "0.8",
    "time_zone": "Europe/Berlin",
    "base_pay": "7200",
    "preferred_trait": "architect",
}


def _link(message) -> str:
    return re.search(r"https?://\S+/invite/(\S+)/", message.body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


# --------------------------------------------------------------------------- add and edit


def test_it_adds_a_person_and_invites_them(client, personas, django_capture_on_commit_callbacks):
    login(client, personas.org_lead)
    form = {**NEW, "org_unit": personas.unit_a.pk, "invite": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/people/new/", form)
    person = Person.objects.get(email="nina.new@example.com")
    assert r.status_code == 302 and r["Location"] == f"/people/{person.pk}/"
    assert (person.name, person.fte, person.time_zone, person.base_pay) == (
        "Nina New",
        Decimal("0.8"),
        "Europe/Berlin",
        Decimal("7200"),
    )
    assert person.user is None and person.org_unit == personas.unit_a
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina.new@example.com"]
    assert "/invite/" in mail.outbox[0].body
    invitation = person.invitations.get()
    assert invitation.state == "pending"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert _link(mail.outbox[0]).rsplit("/", 2)[-2] not in invitation.token_hash  # hashed


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "not an IANA time zone"),
        ("time_zone", "europe/berlin", "not an IANA time zone"),
        ("fte", "1,5", "use a dot for decimals"),
        ("fte", "1.5", "less than or equal to 1"),
        ("base_pay", "-1", "greater than or equal to 0"),
        ("email", "not-an-email", "valid email"),
        ("email", "MO@example.com", "belongs to someone else"),
        ("name", "", "required"),
        ("org_unit", "999999", "valid choice"),
    ],
)
def test_it_refuses_a_bad_person_naming_the_field(client, personas, field, value, message):
    login(client, personas.org_lead)
    before = Person.objects.count()
    form = {**NEW, "org_unit": personas.unit_a.pk, field: value}
    r = client.post("/people/new/", form)
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert Person.objects.count() == before and not mail.outbox


def test_it_refuses_a_unit_the_lead_does_not_lead(client, personas):
    login(client, personas.org_lead)
    r = client.post("/people/new/", {**NEW, "org_unit": personas.unit_b.pk})
    assert r.status_code == 400 and "org_unit" in r.context["form"].errors
    assert not Person.objects.filter(email="nina.new@example.com").exists()


def test_it_edits_name_email_role_fte_and_time_zone(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(
        f"/people/{member.pk}/edit/",
        {
            "name": "Mo Renamed",
            "email": "mo.r@example.com",
            "role": "pod_lead",
            "fte": "0.6",
            "time_zone": "Asia/Kolkata",
            "preferred_trait": "",
        },
    )
    assert r.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.email, member.role, member.fte, member.time_zone) == (
        "Mo Renamed",
        "mo.r@example.com",
        "pod_lead",
        Decimal("0.6"),
        "Asia/Kolkata",
    )
    member.user.refresh_from_db()
    assert member.user.email == "mo.r@example.com"


def test_it_refuses_a_bad_edit_and_saves_nothing(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(
        f"/people/{member.pk}/edit/",
        {
            "name": "X",
            "email": "olga@example.com",
            "role": "builder",
            "fte": "2",
            "time_zone": "Nowhere",
        },
    )
    assert r.status_code == 400
    assert {"email", "fte", "time_zone"} <= set(r.context["form"].errors)
    member.refresh_from_db()
    assert member.name == "Mo Member"


def test_it_keeps_people_pages_to_the_leads_of_their_unit(client, personas):
    member = personas.member.person
    for user, url, code in [
        (personas.member, "/people/new/", 403),
        (personas.pod_lead, "/people/new/", 403),
        (personas.member, f"/people/{member.pk}/edit/", 403),
        (personas.pod_lead, f"/people/{member.pk}/edit/", 403),
        (personas.other_lead, f"/people/{member.pk}/edit/", 404),
    ]:
        login(client, user)
        assert client.get(url).status_code == code, (user, url)
    login(client, personas.other_lead)
    assert client.post(f"/people/{member.pk}/invite/").status_code == 404
    login(client, personas.member)
    assert client.post(f"/people/{member.pk}/invite/").status_code == 403


# --------------------------------------------------------------------------- invitations


def _invite(client, lead, person, capture):
    login(client, lead)
    with capture(execute=True):
        r = client.post(f"/people/{person.pk}/invite/")
    assert r.status_code == 302
    return _path(_link(mail.outbox[-1]))


def test_it_accepts_an_invitation_once_and_logs_in(
    client, personas, django_capture_on_commit_callbacks
):
    nina = make_person(personas.unit_a, "Nina New")
    url = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    client.logout()
    page = client.get(url)
    assert page.status_code == 200 and "Welcome, Nina New" in page.content.decode()
    r = client.post(
        url, {"new_password1": "a-long-new-secret", "new_password2": "a-long-new-secret"}
    )
    assert r.status_code == 302 and r["Location"] == "/"
    nina.refresh_from_db()
    assert nina.user.username == nina.email and nina.user.check_password("a-long-new-secret")
    home = client.get("/")
    assert home.status_code == 200 and "Hello, Nina New" in home.content.decode()
    assert nina.invitations.get().state == "accepted"
    client.logout()
    again = client.get(url)
    assert again.status_code == 410 and "no longer works" in again.content.decode()
    assert (
        client.post(url, {"new_password1": "x" * 12, "new_password2": "x" * 12}).status_code == 410
    )
    assert client.login(username=nina.email, password="a-long-new-secret")


def test_it_refuses_a_weak_or_mismatched_password(
    client, personas, django_capture_on_commit_callbacks
):
    nina = make_person(personas.unit_a, "Nina New")
    url = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    client.logout()
    r = client.post(url, {"new_password1": "123", "new_password2": "123"})
    assert r.status_code == 400 and "too short" in r.content.decode()
    r = client.post(url, {"new_password1": "a-long-new-secret", "new_password2": "another-one"})
    assert r.status_code == 400 and "differ" in r.content.decode()
    nina.refresh_from_db()
    assert nina.user is None and nina.invitations.get().state == "pending"


def test_it_expires_an_invitation_after_seven_days(
    client, personas, django_capture_on_commit_callbacks
):
    nina = make_person(personas.unit_a, "Nina New")
    url = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        r = client.post(
            url, {"new_password1": "a-long-new-secret", "new_password2": "a-long-new-secret"}
        )
        assert r.status_code == 410
    nina.refresh_from_db()
    assert nina.user is None


def test_it_resends_with_a_new_link_and_kills_the_old_one(
    client, personas, django_capture_on_commit_callbacks
):
    nina = make_person(personas.unit_a, "Nina New")
    old = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    new = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    assert old != new
    client.logout()
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert [i.state for i in nina.invitations.all()] == ["pending", "revoked"]


def test_it_revokes_an_invitation(client, personas, django_capture_on_commit_callbacks):
    nina = make_person(personas.unit_a, "Nina New")
    url = _invite(client, personas.org_lead, nina, django_capture_on_commit_callbacks)
    invitation = nina.invitations.get()
    r = client.post(f"/people/{nina.pk}/invitations/{invitation.pk}/revoke/")
    assert r.status_code == 302
    client.logout()
    assert client.get(url).status_code == 410
    assert client.get("/invite/not-a-token/").status_code == 404


def test_it_does_not_invite_someone_with_a_login(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(f"/people/{member.pk}/invite/", follow=True)
    assert "has a login already" in r.content.decode()
    assert not member.invitations.exists() and not mail.outbox


def test_it_lists_who_has_not_accepted_with_constant_queries(
    client, personas, django_assert_num_queries
):
    login(client, personas.org_lead)
    nina = make_person(personas.unit_a, "Nina New")
    services.invitation_send(person=nina, user=personas.org_lead, send=False)
    n_small = count_queries(lambda: client.get("/people/"))
    for i in range(25):
        extra = make_person(personas.unit_a, f"Extra {i}")
        if i % 2:
            services.invitation_send(person=extra, user=personas.org_lead, send=False)
    with django_assert_num_queries(n_small):
        r = client.get("/people/")
    html = r.content.decode()
    assert html.count('data-login="invited"') == 13
    assert "no login" in html
    only = client.get("/people/?not_accepted=1")
    assert only.context["page"].paginator.count == 13
    assert client.get("/people/?not_accepted=maybe").status_code == 400


def test_it_shows_the_login_state_on_the_person_page(client, personas):
    nina = make_person(personas.unit_a, "Nina New")
    services.invitation_send(person=nina, user=personas.org_lead, send=False)
    login(client, personas.org_lead)
    html = client.get(f"/people/{nina.pk}/").content.decode()
    assert 'data-invitation="pending"' in html and "Send a new link" in html and "Revoke" in html
    login(client, personas.member)
    html = client.get(f"/people/{personas.member.person.pk}/").content.decode()
    assert 'id="admin"' not in html  # no administration of oneself for a member


def test_it_keeps_only_a_hash_of_the_token(personas):
    nina = make_person(personas.unit_a, "Nina New")
    invitation, token = services.invitation_send(person=nina, send=False)
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert services.invitation_for_token(token) == invitation
    assert Invitation.objects.filter(token_hash=token).count() == 0
    assert PASSWORD  # personas keep their own logins


def _import(client, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post("/people/import/", {"file": SimpleUploadedFile("people.csv", text.encode())})
    assert r.status_code == 200, r.content.decode()[:500]
    assert 'name="invite"' in r.content.decode()  # the "invite them" box next to Import
    return re.search(r'name="upload" value="([^"]+)"', r.content.decode()).group(1)


CSV = "name,email,org_unit\nAda One,ada@x.test,growth\nBo Two,bo@x.test,growth\n"


def test_it_invites_everyone_an_import_adds_when_asked(
    client, personas, django_capture_on_commit_callbacks
):
    login(client, personas.org_lead)
    token = _import(client, CSV)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/people/import/", {"commit": "1", "upload": token, "invite": "on"})
    assert r.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@x.test", "bo@x.test"]
    assert Invitation.objects.filter(person__email__in=["ada@x.test", "bo@x.test"]).count() == 2
    listing = client.get("/people/?not_accepted=1")
    assert listing.context["page"].paginator.count == 2


def test_it_imports_without_invitations_unless_asked(
    client, personas, django_capture_on_commit_callbacks
):
    login(client, personas.org_lead)
    token = _import(client, CSV)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/people/import/", {"commit": "1", "upload": token})
    assert Person.objects.filter(email="ada@x.test").exists()
    assert not mail.outbox and not Invitation.objects.exists()
