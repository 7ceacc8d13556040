"""An Org Lead runs a formation, swaps two members, sees the scores change and accepts."""

import pytest

from incentives.demo import demo_seed
from teams.models import FormationRun, Pod
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scores(page) -> list[str]:
    return [page.locator("#score-f").inner_text(), *page.locator(".pod-cov").all_inner_texts()]


def test_it_forms_edits_and_accepts_pods(
    offline_page, live_server, artifacts_dir, celery_worker_process
):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    page.click("nav.mainnav >> text=Formation")
    page.click("text=New formation run")
    page.check("input[name=pool][value=everyone]")
    page.fill("input[name=stability]", "0.2")
    page.fill("input[name=time_limit]", "3")
    page.screenshot(
        path=str(artifacts_dir / "formation-new.png")
    )  # full_page here upsets the next click
    page.click("button:has-text('Run the optimiser')")
    # With a real worker the progress bar polls until the run is done; eagerly it is done at once.
    page.wait_for_selector("#workspace", timeout=90_000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".pod-proposal").count() >= 6
    assert page.locator(".pod-proposal.weakest").count() >= 1

    before = _scores(page)
    changed = False
    for other in range(1, 4):
        page.locator(".pod-proposal").nth(0).locator(".chip a:has-text('Pick')").first.click()
        page.wait_for_selector(".picked-banner")
        page.locator(".pod-proposal").nth(other).locator(
            ".chip button:has-text('Swap')"
        ).first.click()
        page.wait_for_selector("button:has-text('Undo (')")
        if _scores(page) != before:
            changed = True
            break
        page.click("button:has-text('Undo')")
        page.wait_for_selector("button:has-text('Undo'):disabled")
    assert changed, "no swap changed any score"
    page.screenshot(path=str(artifacts_dir / "formation-workspace.png"), full_page=True)

    page.fill("input[name=baseline_headcount]", "10")
    page.fill("input[name=name_prefix]", "Spring")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Accept and create pods')")
    page.wait_for_selector("text=pods are now active")
    run = FormationRun.objects.get()
    assert run.status == "accepted"
    assert Pod.objects.filter(formation_run=run, name__startswith="Spring").count() == len(
        run.arrangement
    )
    page.screenshot(path=str(artifacts_dir / "formation-accepted.png"), full_page=True)
    assert not page.console_errors
