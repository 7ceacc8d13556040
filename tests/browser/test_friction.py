"""A Pod Lead records a wait on their pod page; an Org Lead sees it on the friction radar and
opens the node's waits; the context map in a real browser, offline."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incentives.demo import demo_seed
from teams.models import OrgUnit, Wait
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _unfreeze_for_flush():
    """The demo approves months, which a trigger keeps from being deleted: the flush after
    each browser test goes through the admin-only reset path first."""
    yield
    from incentives.bonuses.services import periods_delete_for_reset

    periods_delete_for_reset(unit_ids=list(OrgUnit.objects.values_list("pk", flat=True)))


def _logout(page) -> None:
    page.click("button:has-text('Log out')")
    page.wait_for_load_state("networkidle")


def test_a_pod_lead_records_a_wait_and_a_lead_sees_it_on_the_radar(
    offline_page, live_server, artifacts_dir
):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "podlead", "podwright-podlead")
    page.click(".card h2 a")  # their pod
    page.wait_for_load_state("networkidle")
    card = page.locator("#waits")
    expect(card).to_contain_text("Waiting on others")
    requested = timezone.localtime(timezone.now() - timedelta(days=3))
    card.locator("input[name=node]").fill("Compliance sign-off")
    card.locator("select[name=kind]").select_option("approval")
    card.locator("input[name=requested_at]").fill(requested.strftime("%Y-%m-%dT%H:%M"))
    card.locator("button:has-text('Record wait')").click()
    card = page.locator("#waits")
    expect(card.locator("h2")).to_contain_text("recorded")
    row = card.locator("tr", has_text="Compliance sign-off")
    expect(row).to_contain_text("still waiting")
    wait = Wait.objects.get(node="Compliance sign-off")
    assert (wait.recorded_by.username, wait.source, wait.is_open) == ("podlead", "form", True)

    # A bad wait is explained in place; nothing is saved.
    card.locator("input[name=node]").fill("Legal")
    card.locator("input[name=requested_at]").fill(
        (requested + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    )
    card.locator("button:has-text('Record wait')").click()
    expect(page.locator("#waits .error")).to_contain_text("is in the future")
    assert Wait.objects.filter(source="form").count() == 1
    page.screenshot(path=str(artifacts_dir / "pod-waits-pod-lead.png"), full_page=True)
    _logout(page)

    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.click("nav.mainnav >> text=Friction")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Friction radar")
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    expect(page.locator("#nodes .js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator("[data-stat=bottleneck]")).to_have_text("Security review")
    node_row = page.locator("[data-testid=nodes] tr", has_text="Compliance sign-off")
    expect(node_row).to_be_visible()
    expect(node_row.locator("td").nth(2)).to_have_text("1")  # open now
    page.screenshot(path=str(artifacts_dir / "friction-radar.png"), full_page=True)
    node_row.locator("a").click()
    waits = page.locator("#node-waits")
    expect(waits.locator("h2")).to_have_text("Waits on Compliance sign-off")
    expect(waits.locator("tbody tr")).to_have_count(1)
    expect(waits).to_contain_text("still waiting")
    assert "node=Compliance+sign-off" in page.url
    assert not page.console_errors, page.console_errors


def test_the_keeper_verifies_a_stale_item_on_the_context_map(
    offline_page, live_server, artifacts_dir
):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "member", "podwright-member")
    page.click(".card h2 a")
    page.wait_for_load_state("networkidle")
    page.click("text=Context map →")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("context map")
    expect(page.locator("[data-testid=missing]")).to_contain_text("Customer research")
    runbook = page.locator("tr", has_text="Runbook")
    expect(runbook.locator("[data-stale]")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "context-map-member.png"), full_page=True)
    runbook.locator("button:has-text('Verified today')").click()
    expect(page.locator("#context-items .msg-success")).to_contain_text("“Runbook” verified today.")
    expect(page.locator("tr", has_text="Runbook").locator("[data-stale]")).to_have_count(0)
    assert not page.console_errors, page.console_errors
    _logout(page)

    # An Org Lead: stale and missing context across pods, then one pod's map with its forms.
    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.goto(f"{live_server.url}/context/")
    expect(page.locator("h1")).to_have_text("Context across pods")
    expect(page.locator("[data-testid=by-keeper] tbody tr").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "context-org-lead.png"), full_page=True)
    page.locator("[data-testid=by-pod] a").first.click()
    page.wait_for_load_state("networkidle")
    missing = page.locator("[data-testid=missing] li").first
    name = missing.locator("strong").inner_text()
    missing.locator("a:has-text('Add')").click()
    form = page.locator("#item-form")
    expect(form.locator("input[name=name]")).to_have_value(name)
    form.locator("input[name=location]").fill("docs/new.md")
    form.locator("button:has-text('Add item')").click()
    expect(page.locator("#context-items .msg-success")).to_contain_text(f"Added “{name}”.")
    page.screenshot(path=str(artifacts_dir / "context-map-org-lead.png"), full_page=True)
    assert not page.console_errors, page.console_errors
