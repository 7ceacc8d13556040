"""A Pod Lead records an observation on their pod's metrics page and sees the chart update."""

from datetime import date

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from incentives.models import Observation
from teams.models import PodMembership
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = "id => document.getElementById(id).data[0].x.length"
LAST_Y = "id => { const d = document.getElementById(id).data[0]; return d.y[d.y.length - 1]; }"


def test_it_lets_a_pod_lead_record_an_observation_and_see_the_chart_update(
    offline_page, live_server, artifacts_dir
):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "podlead", "podwright-podlead")
    page.click(".card h2 a")
    page.click("text=Outcome metrics")
    page.wait_for_load_state("networkidle")
    card = page.locator("section.metric-card", has=page.locator("h2", has_text="Activation rate"))
    chart_id = card.locator(".js-plotly-plot").get_attribute("id")
    expect(card.locator(".js-plotly-plot .main-svg").first).to_be_visible()  # plotly rendered
    assert page.locator(".js-plotly-plot").count() == 5  # one chart per demo metric
    page.screenshot(path=str(artifacts_dir / "metrics-pod-before.png"))

    before = page.evaluate(POINTS, chart_id)
    value = round(float(page.evaluate(LAST_Y, chart_id)) + 0.4, 2)
    card.locator("input[name=date]").fill(date.today().isoformat())
    card.locator("input[name=value]").fill(str(value))
    card.locator("button:has-text('Record')").click()

    card = page.locator("section.metric-card", has=page.locator("h2", has_text="Activation rate"))
    expect(card.locator(".msg-success")).to_contain_text(f"Recorded {value}")
    expect(card.locator("[data-testid=month-value]")).to_have_text(f"{value:g}")
    chart_id = card.locator(".js-plotly-plot").get_attribute("id")  # a fresh chart, a fresh id
    page.wait_for_function(
        f"id => document.getElementById(id).data[0].x.length === {before + 1}", arg=chart_id
    )
    assert float(page.evaluate(LAST_Y, chart_id)) == value
    obs = Observation.objects.filter(source="form").get()
    assert (float(obs.value), obs.recorded_by.username) == (value, "podlead")

    # A bad value is explained in place and nothing is saved.
    card.locator("input[name=value]").fill("lots")
    card.locator("button:has-text('Record')").click()
    expect(page.locator("section.metric-card .error-list")).to_contain_text(
        "'lots' is not a number"
    )
    assert Observation.objects.filter(source="form").count() == 1
    # Full-page screenshots resize the viewport and with it the responsive charts: take them last.
    page.screenshot(path=str(artifacts_dir / "metrics-pod-after.png"), full_page=True)
    assert not page.console_errors


def test_it_shows_the_org_lead_the_overview(offline_page, live_server, artifacts_dir):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.click("nav.mainnav >> text=Metrics")
    expect(page.locator("h1")).to_contain_text("Outcome metrics")
    assert page.locator("table.overview tbody tr").count() == 6
    assert (
        page.locator(
            ".chip-metric.progress-met, .chip-metric.progress-partial, "
            ".chip-metric.progress-below, .chip-metric.progress-stretch"
        ).count()
        > 0
    )
    page.screenshot(path=str(artifacts_dir / "metrics-overview.png"), full_page=True)
    page.click("text=Definitions")
    expect(page.locator("h2", has_text="Outcome or process?")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "metrics-definitions.png"), full_page=True)
    assert not page.console_errors


def test_it_lets_a_pod_lead_preview_and_import_a_csv(offline_page, live_server, artifacts_dir):
    page = offline_page
    demo_seed(people=30)
    pod = (
        PodMembership.objects.current().get(person__user__username="podlead", is_pod_lead=True).pod
    )
    browser_login(page, live_server, "podlead", "podwright-podlead")
    page.click("nav.mainnav >> text=Metrics")
    page.click("text=Import CSV")
    page.wait_for_load_state("networkidle")
    bad = f"pod,metric,date,value\n{pod.pk},activation,2026-13-01,4\n{pod.pk},nope,2026-04-01,x\n"
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}],
    )
    page.click("button:has-text('Preview')")
    expect(page.locator("#import-result h2").first).to_contain_text(
        "3 problems — nothing was saved"
    )
    assert page.locator("button:has-text('Import')").count() == 0
    good = (
        f"pod,metric,date,value,external_id\n{pod.pk},activation,{date.today():%Y-%m-%d},41,crm-1\n"
    )
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "ok.csv", "mimeType": "text/csv", "buffer": good.encode()}],
    )
    page.click("button:has-text('Preview')")
    expect(page.locator("#import-result")).to_contain_text("Preview: 1 row")
    page.screenshot(path=str(artifacts_dir / "metrics-import-preview.png"), full_page=True)
    page.click("button:has-text('Import 1 observation')")
    expect(page.locator(".msg-success")).to_contain_text("Imported 1 observation (1 new")
    assert Observation.objects.filter(source="csv", external_id="crm-1", pod=pod).count() == 1
    assert not page.console_errors
