"""A member takes the questionnaire in a real browser, resumes it, and sees their radar chart."""

import pytest
from playwright.sync_api import expect

from teams.models import Assessment, QuestionnaireAnswer
from teams.profiles.questionnaire import ITEMS
from tests.conftest import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_lets_a_member_complete_the_questionnaire_and_see_their_radar(
    offline_page, live_server, artifacts_dir, personas
):
    page = offline_page
    browser_login(page, live_server, "mo", PASSWORD)
    page.click("nav.mainnav >> text=Questionnaire")
    page.wait_for_load_state("networkidle")  # htmx (deferred) must be ready before we answer
    expect(page.locator(".q-number")).to_have_text("Statement 1 of 20")
    page.screenshot(path=str(artifacts_dir / "questionnaire-step.png"), full_page=True)

    # One screen at a time: htmx swaps in the next statement without a page load.
    for item in ITEMS[:10]:
        expect(page.locator(".q-number")).to_have_text(f"Statement {item.number} of 20")
        page.locator(".likert-option").nth(0 if item.reverse else 3).click()
        page.click("button:has-text('Next')")
    expect(page.locator(".q-number")).to_have_text("Statement 11 of 20")
    assert QuestionnaireAnswer.objects.filter(person=personas.member.person).count() == 10

    # Leave and come back: it resumes at statement 11; finish the rest all at once.
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/questionnaire/")
    expect(page.locator(".q-number")).to_have_text("Statement 11 of 20")
    page.click("nav.tabs >> text=All at once")
    expect(page.locator("progress")).to_have_attribute("value", "10")
    for item in ITEMS[10:]:
        value = "2" if item.reverse else "5"
        page.check(f"#statement-{item.number} input[value='{value}']")
    page.screenshot(path=str(artifacts_dir / "questionnaire-all.png"), full_page=True)
    page.click("button:has-text('See my result')")

    page.wait_for_selector(".js-plotly-plot")
    expect(page.locator("h1")).to_have_text("Your result")
    assert page.locator("#profile-radar .main-svg").count() > 0  # plotly drew it
    assert "Turns ideas into reality" in page.content()
    page.screenshot(path=str(artifacts_dir / "questionnaire-result.png"), full_page=True)
    self_assessment = Assessment.objects.get(person=personas.member.person, source="self")
    assert min(self_assessment.scores) >= 75
    assert not page.console_errors

    page.click("nav.mainnav >> text=My profile")
    page.wait_for_selector("#profile-radar.js-plotly-plot")
    page.screenshot(path=str(artifacts_dir / "questionnaire-profile.png"), full_page=True)
    assert not page.console_errors
