"""The org tree and the integrations page in a real browser, as the demo's Org Lead."""

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from teams.models import OrgUnit, ServiceAccount
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_org_lead_runs_the_tree_and_an_integration(offline_page, live_server, artifacts_dir):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.click("nav.mainnav >> text=Org")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Organisation"
    rows = page.locator("#org-tree tbody tr")
    assert rows.count() == OrgUnit.objects.count()
    growth = OrgUnit.objects.get(name="Growth")

    # A new unit under Growth, then its page with an Org Lead from Growth; back on the tree
    # it sits under its parent.
    page.fill("#id_new-name", "Partnerships")
    page.select_option("#id_new-parent", str(growth.pk))
    page.click("#new-unit button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Partnerships")
    expect(page.locator(".msg-success")).to_contain_text("Partnerships created")
    option = page.locator("#id_lead-person option").nth(1)
    name = option.inner_text().split(" (")[0]
    page.select_option("#id_lead-person", option.get_attribute("value"))
    page.click("#leads button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#leads ul")).to_contain_text(name)
    assert OrgUnit.objects.get(name="Partnerships").leads.get().name == name
    page.screenshot(path=str(artifacts_dir / "org-unit.png"), full_page=True)
    page.goto(f"{live_server.url}/org/")
    expect(page.locator("#org-tree")).to_contain_text("Partnerships")
    page.screenshot(path=str(artifacts_dir / "org-tree.png"), full_page=True)

    # An integration for two pods: its token once, then listed without it.
    page.click("nav.mainnav >> text=Integrations")
    page.wait_for_load_state("networkidle")
    page.fill("#id_name", "Analytics feed")
    boxes = page.locator("#id_pods input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#new-integration button[type=submit]")
    page.wait_for_load_state("networkidle")
    token = page.locator("#token").inner_text()
    assert token.startswith("pwsa_")
    assert ServiceAccount.objects.get().pods.count() == 2
    expect(page.locator("#service-accounts")).to_contain_text("Analytics feed")
    expect(page.locator("#service-accounts")).to_contain_text("never")
    page.screenshot(path=str(artifacts_dir / "integrations.png"), full_page=True)
    page.reload()
    assert page.locator("#token").count() == 0
    assert not page.console_errors
