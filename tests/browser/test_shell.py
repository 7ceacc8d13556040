"""The app shell in a real browser: the demo Org Lead and a member see what their role allows."""

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_org_lead_their_org(offline_page, live_server, artifacts_dir):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    assert page.locator("h1").inner_text() == "Organisation dashboard"
    assert page.locator(".role-badge").inner_text().lower() == "org lead"
    page.click("nav.mainnav >> text=People")
    page.wait_for_load_state("networkidle")  # htmx (deferred) must be ready before we type
    assert page.locator("table.table tbody tr").count() == 30
    page.fill("input[name=q]", "person1@")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "shell-org-lead-people.png"), full_page=True)
    page.click("nav.mainnav >> text=Pods")
    assert page.locator(".pod-card").count() == 6
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(artifacts_dir / "shell-org-lead-home.png"), full_page=True)
    assert not page.console_errors


def test_it_shows_a_member_their_pod_only(offline_page, live_server, artifacts_dir):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "member", "podwright-member")
    assert "Hello" in page.locator("h1").inner_text()
    assert page.locator("nav.mainnav >> text=People").count() == 0
    page.click(".card h2 a")
    page.wait_for_selector("text=Team trait balance")
    page.screenshot(path=str(artifacts_dir / "shell-member-pod.png"), full_page=True)
    response = page.goto(f"{live_server.url}/people/")
    assert response.status == 403
