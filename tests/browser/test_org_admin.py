"""An Org Lead runs their organisation in the browser, without the Django admin: a new unit, a
new person, an invitation the person accepts, a membership from the 15th at 0.5, a raise from
next month."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from teams import clock
from teams.models import Person, PodMembership
from tests.conftest import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _invitee_page(browser, live_server):
    """A second browser (the invited person's) that may only talk to our own server."""
    context = browser.new_context()
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return context, page


def test_it_lets_an_org_lead_onboard_a_person_end_to_end(
    offline_page, browser, live_server, personas, artifacts_dir
):
    page = offline_page
    today = clock.today()
    the_15th, next_month = today.replace(day=15), _next_month(today)

    browser_login(page, live_server, "olga", PASSWORD)

    # A new unit under Growth (the org tree).
    page.goto(f"{live_server.url}/org/")
    page.fill("#id_new-name", "Activation")
    page.select_option("#id_new-parent", label="Growth")
    page.click("text=Create the unit")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("Activation created")

    # A new person in it, invited from their page.
    page.goto(f"{live_server.url}/people/")
    page.click("#add-person")
    page.fill("#id_name", "Nina Newcomer")
    page.fill("#id_email", "nina@example.com")
    page.select_option("#id_org_unit", label="Activation")
    page.fill("#id_fte", "1")
    page.fill("#id_time_zone", "Europe/Lisbon")
    page.fill("#id_base_pay", "7000")
    page.uncheck("#id_invite")
    page.screenshot(path=str(artifacts_dir / "org-admin-person-new.png"), full_page=True)
    page.click("#person-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    nina = Person.objects.get(email="nina@example.com")
    assert page.url.endswith(f"/people/{nina.pk}/")
    assert not mail.outbox
    page.click("#invite-button")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("An invitation went to nina@example.com")
    expect(page.locator("[data-invitation]")).to_have_text("pending")
    page.screenshot(path=str(artifacts_dir / "org-admin-person-invited.png"), full_page=True)
    page.goto(f"{live_server.url}/people/?not_accepted=1")
    expect(page.locator("table.directory tbody tr")).to_have_count(1)
    expect(page.locator("[data-login=invited]")).to_have_text("invited, not accepted")
    page.screenshot(path=str(artifacts_dir / "org-admin-people-not-accepted.png"), full_page=True)

    # The invited person sets a password and lands on their home page.
    assert mail.outbox[-1].to == ["nina@example.com"]
    link = re.search(r"(https?://\S+)?(/invite/\S+/)", mail.outbox[-1].body).group(2)
    context, invitee = _invitee_page(browser, live_server)
    invitee.goto(f"{live_server.url}{link}")
    expect(invitee.locator("h1")).to_have_text("Welcome, Nina Newcomer")
    invitee.screenshot(path=str(artifacts_dir / "org-admin-invitation.png"), full_page=True)
    invitee.fill("#id_new_password1", "nina-chooses-this-1")
    invitee.fill("#id_new_password2", "nina-chooses-this-1")
    invitee.click("text=Set my password and log in")
    invitee.wait_for_load_state("networkidle")
    assert invitee.url == f"{live_server.url}/"
    expect(invitee.locator("h1")).to_have_text("Hello, Nina Newcomer")

    # The lead adds her to a pod at 0.5 from the 15th (the htmx form on the pod page).
    page.goto(f"{live_server.url}/pods/{personas.pod_a.pk}/")
    page.click("#add-member")
    expect(page.locator("#membership-form")).to_be_visible()
    page.select_option("#id_person", label="Nina Newcomer")
    page.fill("#id_start", the_15th.isoformat())
    page.fill("#id_allocation", "0.5")
    page.screenshot(path=str(artifacts_dir / "org-admin-member-add.png"), full_page=True)
    page.click("#membership-form button.primary:has-text('Save')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text(
        f"Nina Newcomer is in Onboarding from {the_15th:%Y-%m-%d} at 0.5 FTE"
    )
    expect(page.locator("#members")).to_contain_text("Nina Newcomer")
    page.screenshot(path=str(artifacts_dir / "org-admin-pod-page.png"), full_page=True)
    stint = PodMembership.objects.get(person=nina)
    assert (stint.start, stint.end, str(stint.allocation)) == (the_15th, None, "0.50")

    # A change that breaks a rule warns first: making her Pod Lead beside Paula.
    page.click(f"[data-change='{nina.pk}']")
    expect(page.locator("#membership-form")).to_be_visible()
    page.check("input[name=action][value=lead]")
    page.fill("#id_on", today.isoformat())
    page.click("#membership-form button.primary:has-text('Save')")
    expect(page.locator("#membership-warnings")).to_contain_text("two Pod Leads")
    page.screenshot(path=str(artifacts_dir / "org-admin-membership-warning.png"), full_page=True)
    page.goto(f"{live_server.url}/pods/{personas.pod_a.pk}/")  # not saved: cancel

    # ... and raises her pay from next month on her page.
    page.goto(f"{live_server.url}/people/{nina.pk}/")
    page.fill("#pay-form input[name=base_pay]", "7600")
    page.fill("#pay-form input[name=effective_from]", next_month.isoformat())
    page.click("#pay-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text(
        f"Nina Newcomer: 7600 from {next_month:%Y-%m-%d}"
    )
    expect(page.locator("#pay-history tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / "org-admin-person-page.png"), full_page=True)
    nina.refresh_from_db()
    assert [(r.effective_from, str(r.base_pay)) for r in nina.pay_rates.all()] == [
        (None, "7000.00"),
        (next_month, "7600.00"),
    ]
    assert not PodMembership.objects.filter(pod=personas.pod_a, person=nina, is_pod_lead=True)

    # Her home page now leads to her pod.
    invitee.reload()
    expect(invitee.locator("main")).to_contain_text("Onboarding")
    invitee.screenshot(path=str(artifacts_dir / "org-admin-invitee-home.png"), full_page=True)
    assert not page.console_errors and not invitee.console_errors
    context.close()
