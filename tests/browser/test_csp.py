"""The pages under the Content-Security-Policy: nothing refused, charts drawn, htmx at work."""

from datetime import date

import pytest
from playwright.sync_api import expect

from incentives.models import IncentivePeriod
from teams.models import PodMembership
from tests.browser.test_dashboard import _seed_with_months, _unfreeze_for_flush  # noqa: F401
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every refusal, whatever the console says about it: directive, what was blocked, and where.
WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(
    `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`
  );
});
"""


@pytest.fixture
def csp_page(offline_page):
    offline_page.add_init_script(WATCH)
    return offline_page


def _no_violations(page) -> None:
    violations = page.evaluate("window.cspViolations")
    assert violations == [], violations
    refused = [e for e in page.console_errors if "Content Security Policy" in e]
    assert refused == [], refused


def _visit(page, url: str, *, charts: int = 0) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    policy = dict(
        (d.split()[0], d.split()[1:])
        for d in response.headers["content-security-policy"].split("; ")
    )
    assert policy["script-src"] == ["'self'"], policy  # no inline script, no eval
    assert "camera=()" in response.headers["permissions-policy"]
    page.wait_for_load_state("networkidle")
    if charts:
        expect(page.locator(".js-plotly-plot")).to_have_count(charts)
        for i in range(charts):
            expect(
                page.locator(".js-plotly-plot").nth(i).locator(".main-svg").first
            ).to_be_visible()
    _no_violations(page)


def test_the_lead_pages_draw_their_charts_with_nothing_refused(csp_page, live_server):
    page = csp_page
    _seed_with_months(months=2)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    base = live_server.url
    _visit(page, f"{base}/", charts=4)
    pod_url = f"/pods/{PodMembership.objects.filter(is_pod_lead=True).first().pod_id}/"
    _visit(page, f"{base}{pod_url}", charts=1)
    _visit(page, f"{base}{pod_url}metrics/", charts=5)
    # a card swapped in by htmx brings its chart as JSON, and it is drawn
    card = page.locator("section.metric-card").first
    old_chart = card.locator(".js-plotly-plot").get_attribute("id")
    card.locator("input[name=date]").fill(date.today().isoformat())
    card.locator("input[name=value]").fill("1")
    card.locator("button:has-text('Record')").click()
    card = page.locator("section.metric-card").first
    expect(card.locator(".msg-success")).to_be_visible()
    expect(card.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert card.locator(".js-plotly-plot").get_attribute("id") != old_chart
    _no_violations(page)
    _visit(page, f"{base}/metrics/")
    _visit(page, f"{base}/trait-mix/", charts=2)
    period = IncentivePeriod.objects.filter(status="computed").first()
    _visit(page, f"{base}/close/{period.pk}/", charts=1)
    approved = IncentivePeriod.objects.filter(status="approved").select_related("org_unit").first()
    _visit(page, f"{base}/reports/{approved.org_unit_id}/{approved.month:%Y-%m}/", charts=2)

    # htmx still swaps: the people filter, and the bars of the new rows get their sizes
    _visit(page, f"{base}/people/")
    page.fill("input[name=q]", "person1")
    page.wait_for_load_state("networkidle")
    expect(page.locator("table.table tbody tr").first).to_be_visible()
    _no_violations(page)

    # the dashboard's unit filter submits itself without an inline handler
    page.goto(f"{base}/")
    unit = page.locator("#unit-filter option").nth(1).get_attribute("value")
    page.select_option("#unit-filter", unit)
    page.wait_for_url(f"**/?unit={unit}")
    _no_violations(page)


def test_the_formation_review_works_under_the_policy(csp_page, live_server, celery_worker_process):
    page = csp_page
    _seed_with_months(months=1)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    _visit(page, f"{live_server.url}/formation/new/")
    page.check("input[name=pool][value=everyone]")
    page.fill("input[name=time_limit]", "2")
    page.click("button:has-text('Run the optimiser')")
    page.wait_for_selector("#workspace", timeout=90_000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".pod-proposal").count() >= 1
    # a pick goes through htmx and comes back with the banner
    page.locator(".pod-proposal").nth(0).locator(".chip a:has-text('Pick')").first.click()
    page.wait_for_selector(".picked-banner")
    _no_violations(page)
    # the accept form asks first (data-confirm, no inline onsubmit): dismissing keeps the run
    page.fill("input[name=baseline_headcount]", "10")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Accept and create pods')")
    page.wait_for_timeout(300)
    assert page.locator("text=pods are now active").count() == 0
    _no_violations(page)


def test_the_api_docs_and_the_admin_load_under_the_policy(csp_page, live_server):
    page = csp_page
    _seed_with_months(months=1)
    browser_login(page, live_server, "admin", "podwright-admin")
    _visit(page, f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Podwright API")
    _visit(page, f"{live_server.url}/admin/")
    _visit(page, f"{live_server.url}/admin/teams/person/")
