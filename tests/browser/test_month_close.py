"""An Org Lead computes, reviews and approves a month; a member opens their statement."""

from datetime import date

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from incentives.models import IncentivePeriod
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _month_label(day: date) -> str:
    return day.strftime("%B %Y")


def test_it_lets_a_lead_close_a_month_and_a_member_read_their_statement(
    offline_page, live_server, artifacts_dir
):
    page = offline_page
    demo_seed(people=40)
    # The demo leaves last month computed: the lead recomputes it from the close page (audit
    # entries are append-only, so nothing is wiped first).
    today = date.today().replace(day=1)
    previous = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    assert IncentivePeriod.objects.filter(month=previous, status="computed").exists()

    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.click("nav.mainnav >> text=Month close")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_org_unit", label="Growth")
    page.fill("#id_month", previous.strftime("%Y-%m"))
    page.screenshot(path=str(artifacts_dir / "month-close-list.png"), full_page=True)
    page.click("#compute-form button[type=submit]")
    page.wait_for_url("**/close/*/")
    page.wait_for_load_state("networkidle")
    heading = page.locator("h1").inner_text()
    assert "Growth" in heading and _month_label(previous) in heading and "Computed" in heading
    assert page.locator("#pod-results tbody tr").count() >= 1
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "month-close-review.png"), full_page=True)

    page.click("text=What-if")
    page.wait_for_load_state("networkidle")
    computed = page.locator("#sim-total").inner_text()
    page.locator("input.cell").first.fill("0")
    page.fill("input[name=share]", "0.05")
    expect(page.locator("#sim-total")).not_to_have_text(computed)
    assert page.locator("input.cell").first.input_value() == "0"  # inputs survive the swap
    page.screenshot(path=str(artifacts_dir / "month-close-what-if.png"), full_page=True)
    page.go_back()
    page.wait_for_load_state("networkidle")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#approve")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("Approved")
    expect(page.locator("h1 .tag")).to_have_text("Approved")
    page.screenshot(path=str(artifacts_dir / "month-close-approved.png"), full_page=True)
    assert not page.console_errors

    page.click("text=Log out")
    browser_login(page, live_server, "member", "podwright-member")
    page.click("nav.mainnav >> text=My bonus")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts_dir / "month-close-my-bonus.png"), full_page=True)
    page.click(f"text={_month_label(previous)}")
    page.wait_for_load_state("networkidle")
    assert "Bonus statement" in page.locator("h1").inner_text()
    expect(page.locator(".base-pay").first).to_be_visible()
    for label in ("Attainment A", "Dividend D", "Pool P", "Your weight"):
        expect(page.locator(f"dt:has-text('{label}')").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "month-close-statement.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "month-close-statement-print.png"), full_page=True)
    assert not page.console_errors
