import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_logs_in_and_out(client, personas):
    r = client.post("/accounts/login/", {"username": "mo", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert client.get("/").status_code == 302


def test_it_refuses_a_wrong_password(client, personas):
    r = client.post("/accounts/login/", {"username": "mo", "password": "nope"})
    assert r.status_code == 200
    assert "didn't match" in r.content.decode()


def test_it_resets_a_password_by_email(client, personas):
    personas.member.email = "mo@example.com"
    personas.member.save()
    r = client.post("/accounts/password_reset/", {"email": "mo@example.com"})
    assert r.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    r = client.get(link, follow=True)
    form_url = r.redirect_chain[-1][0]
    r = client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert r.status_code == 302
    assert client.login(username="mo", password="a-new-long-passphrase")
