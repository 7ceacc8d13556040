"""The dashboard, pod page and report in a real browser, with the network closed: plotly.js
comes from our own static files, so the pages work offline and leak nothing to a CDN."""

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from incentives.metrics.services import add_months
from incentives.models import IncentivePeriod, IncentivePlan
from teams.models import OrgUnit
from tests.conftest import browser_login
from tests.incentives.report_data import THIS_MONTH, make_period, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _unfreeze_for_flush():
    """Approved periods cannot be deleted (a trigger); the database flush after each browser
    test goes through the bonuses slice's admin-only reset path first."""
    from django.core.cache import cache

    cache.clear()  # the dashboard's projection of an earlier test's org
    yield
    try:
        from incentives.bonuses.services import periods_delete_for_reset
    except ImportError:
        return
    periods_delete_for_reset(unit_ids=list(OrgUnit.objects.values_list("pk", flat=True)))


def _seed_with_months(months: int = 3) -> list[OrgUnit]:
    """The demo org, a plan per unit with pods, and a few approved months."""
    demo_seed(people=60)
    units = list(OrgUnit.objects.filter(pods__isnull=False).distinct())
    for unit in units:
        if not IncentivePlan.objects.filter(org_unit=unit).exists():
            make_plan(unit)
        for i in range(months, 0, -1):
            if not IncentivePeriod.objects.filter(
                org_unit=unit, month=add_months(THIS_MONTH, -i)
            ).exists():
                make_period(unit, add_months(THIS_MONTH, -i))
    return units


def _charts_drawn(page, n: int) -> None:
    expect(page.locator(".js-plotly-plot")).to_have_count(n)
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert not page.console_errors, page.console_errors


def test_it_shows_the_org_lead_dashboard(offline_page, live_server, artifacts_dir):
    page = offline_page
    units = _seed_with_months()
    browser_login(page, live_server, "orglead", "podwright-orglead")
    assert page.locator("h1").inner_text() == "Organisation dashboard"
    _charts_drawn(page, 4)
    assert page.locator("[data-stat=pods]").inner_text() != "0"
    page.screenshot(path=str(artifacts_dir / "dashboard-org-lead.png"), full_page=True)
    page.select_option("#unit-filter", str(units[0].pk))
    page.wait_for_url(f"**/?unit={units[0].pk}")
    _charts_drawn(page, 4)
    page.click("#trend >> text=reports →")
    expect(page.locator("h1")).to_contain_text(f"Incentive report · {units[0].name}")


def test_it_shows_the_pod_lead_their_pod_page_and_lets_them_edit_the_charter(
    offline_page, live_server, artifacts_dir
):
    page = offline_page
    _seed_with_months(months=2)
    browser_login(page, live_server, "podlead", "podwright-podlead")
    page.click(".card h2 a")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page, 1)
    expect(page.locator("#pool")).to_contain_text("Projected pool this month")
    # members see approved months only: the demo leaves last month computed, the one before approved
    expect(page.locator("#statements")).to_contain_text(f"{add_months(THIS_MONTH, -2):%B %Y}")
    page.screenshot(path=str(artifacts_dir / "pod-page-pod-lead.png"), full_page=True)
    page.click("text=Edit charter")
    page.fill("textarea[name=goal]", "")
    page.click("text=Save charter")
    expect(page.locator("#charter .error")).to_contain_text("Goal: Write the pod's goal.")
    assert page.locator("input[name=baseline_headcount]").count() == 0  # Org Leads only
    page.fill("textarea[name=goal]", "Half of new workspaces report in week one")
    page.click("text=Save charter")
    expect(page.locator("#charter .charter-goal")).to_have_text(
        "Half of new workspaces report in week one"
    )
    page.screenshot(path=str(artifacts_dir / "pod-page-charter-saved.png"), full_page=True)


def test_it_shows_the_monthly_report_and_prints_it(offline_page, live_server, artifacts_dir):
    page = offline_page
    _seed_with_months(months=2)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    approved = (
        IncentivePeriod.objects.filter(status=IncentivePeriod.Status.APPROVED)
        .select_related("org_unit")
        .order_by("-month")
        .first()
    )
    page.click("nav.mainnav >> text=Reports")
    page.click(
        f"tr:has-text('{approved.month:%B %Y}'):has-text('{approved.org_unit.name}')"
        " >> text=Report →"
    )
    expect(page.locator("h1")).to_contain_text("Incentive report")
    _charts_drawn(page, 2)
    expect(page.locator(".compare")).to_contain_text("Total pool")
    page.screenshot(path=str(artifacts_dir / "report-screen.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a:has-text('Payroll CSV')")
    path = artifacts_dir / "report-payroll.csv"
    download.value.save_as(path)
    assert path.read_text().splitlines()[0] == "person,email,amount,currency,period,adjustment"
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("a:has-text('Payroll CSV')").is_visible()
    page.screenshot(path=str(artifacts_dir / "report-print.png"), full_page=True)
    page.pdf(path=str(artifacts_dir / "report.pdf"), format="A4")
    assert (artifacts_dir / "report.pdf").stat().st_size > 10_000
