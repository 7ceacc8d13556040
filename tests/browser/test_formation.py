"""An Org Lead forms pods in the browser: picks people by name, runs with missions, reads the
proposal in names, edits it (each edit announced), compares two runs and accepts with per-pod
baselines and leads."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from incentives.demo import demo_seed
from teams import clock
from teams.formation import services
from teams.models import FormationRun, Person, Pod, PodMembership
from teams.pods.services import baseline_in_force
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSIONS = [
    ("Payments", "Get paid on time", "9.5"),
    ("Search", "Find anything in a second", "6"),
    ("Onboarding flow", "", "8"),
    ("Pricing", "", "5"),
    ("Mobile", "", "7"),
    ("Data", "", "4"),
]


def _scores(page) -> list[str]:
    return [page.locator("#score-f").inner_text(), *page.locator(".pod-cov").all_inner_texts()]


def _new_run(page, live_server, *, seed: int = 1) -> None:
    page.goto(f"{live_server.url}/formation/new/")
    page.check("input[name=pool][value=everyone]")
    page.fill("input[name=time_limit]", "3")
    page.fill("input[name=seed]", str(seed))


def _pick(page, picker: str, text: str) -> None:
    """Type into a picker's search as a person would, and choose the first match."""
    box = page.locator(f"#{picker}-q")
    box.press_sequentially(text, delay=40)
    page.locator(f"#{picker}-results .pick-result").first.wait_for()
    page.locator(f"#{picker}-results .pick-result").first.click()


def _run_and_wait(page) -> FormationRun:
    page.click("button:has-text('Run the optimiser')")
    # The page answers at once; the run reports its progress until the workspace replaces it.
    page.wait_for_url(re.compile(r"/formation/\d+/$"))
    assert page.locator("#run-progress, #workspace").count() == 1
    page.wait_for_selector("#workspace", timeout=90_000)
    page.wait_for_load_state("networkidle")
    return FormationRun.objects.latest("id")


def test_it_picks_a_pair_by_name_and_runs_with_missions(
    offline_page, live_server, artifacts_dir, celery_worker_process
):
    page = offline_page
    demo_seed(people=30)
    ana = Person.objects.get(name="Ana Almeida")
    arjun = Person.objects.get(name="Arjun Almeida")
    browser_login(page, live_server, "orglead", "podwright-orglead")
    _new_run(page, live_server)

    _pick(page, "together", "Ana Al")
    expect(page.locator("[data-picker=together] .pick-pending")).to_contain_text("Ana Almeida and")
    _pick(page, "together", "arjun")
    chip = page.locator("[data-picker=together] .pick-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("Ana Almeida and Arjun Almeida")
    expect(page.locator("#pick-status")).to_have_text("Added Ana Almeida and Arjun Almeida.")
    # A second pair, removed again from the keyboard.
    _pick(page, "apart", "ana al")
    _pick(page, "apart", "ben")
    expect(page.locator("[data-picker=apart] .pick-chip")).to_have_count(1)
    page.locator("[data-picker=apart] .chip-remove").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-picker=apart] .pick-chip")).to_have_count(0)
    expect(page.locator("#pick-status")).to_contain_text("Removed Ana Almeida and")

    for i, (name, goal, baseline) in enumerate(MISSIONS):
        if i >= 3:
            page.click("#mission-add")
        page.fill(f"#missions-{i}-name", name)
        page.fill(f"#missions-{i}-goal", goal)
        page.fill(f"#missions-{i}-baseline", baseline)
    page.select_option("#missions-1-trait", "architect")
    page.fill("#missions-1-level", "70")
    page.screenshot(path=str(artifacts_dir / "formation-new-pickers.png"))
    run = _run_and_wait(page)
    assert run.status == "done", run.error
    assert run.params["together"] == [[str(ana.pk), str(arjun.pk)]]
    assert len(run.arrangement) == len(MISSIONS)
    assert any(str(ana.pk) in pod and str(arjun.pk) in pod for pod in run.arrangement)

    titles = page.locator(".pod-proposal h2").all_inner_texts()
    assert sorted(t.split(" · ", 1)[1] for t in titles) == sorted(m[0] for m in MISSIONS)
    # Names, not ids, in what a lead reads.
    first = page.locator(".pod-proposal").first
    first.locator("details.explain summary").click()
    explanation = first.locator("details.explain p").inner_text()
    assert "Covered — " in explanation
    members = first.locator(".chip-name").all_inner_texts()
    assert any(f": {name} (" in explanation for name in members), explanation
    assert not re.search(r": \d+ \(", explanation), explanation
    page.screenshot(path=str(artifacts_dir / "formation-missions.png"), full_page=True)
    assert not page.console_errors


def test_it_edits_announcing_each_change_and_accepts_with_per_pod_baselines(
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
    run = _run_and_wait(page)
    assert page.locator(".pod-proposal").count() >= 6
    order = [page.locator(".pod-proposal").nth(i).get_attribute("data-pod") for i in range(3)]

    before = _scores(page)
    changed = False
    for other in range(1, 4):
        picked = page.locator(".pod-proposal").nth(0).locator(".chip-name").first.inner_text()
        page.locator(".pod-proposal").nth(0).locator(".chip a:has-text('Pick')").first.click()
        page.wait_for_selector(".picked-banner")
        page.locator(".pod-proposal").nth(other).locator(
            ".chip button:has-text('Swap')"
        ).first.click()
        page.wait_for_selector("button:has-text('Undo (')")
        expect(page.locator("#workspace-status")).to_contain_text(f"Swapped {picked} and ")
        # The pods keep their place after the edit.
        assert [
            page.locator(".pod-proposal").nth(i).get_attribute("data-pod") for i in range(3)
        ] == order
        if _scores(page) != before:
            changed = True
            break
        page.click("button:has-text('Undo')")
        page.wait_for_selector("button:has-text('Undo'):disabled")
        expect(page.locator("#workspace-status")).to_contain_text("Undone: ")
    assert changed, "no swap changed any score"
    page.click("button:has-text('Undo')")  # back to the proposal, which breaks nothing
    page.wait_for_selector("button:has-text('Undo'):disabled")
    expect(page.locator("#violations")).to_have_count(0)

    # Break a constraint: Accept is disabled, and looks it.
    first = page.locator(".pod-proposal").nth(0)
    for _ in range(3):
        page.locator(".pod-proposal").nth(0).locator(".chip a:has-text('Pick')").first.click()
        page.wait_for_selector(".picked-banner")
        page.locator(".pod-proposal").nth(1).locator("button.move-here").click()
        page.wait_for_selector(".picked-banner", state="detached")
    expect(page.locator("#violations")).to_be_visible()
    accept = page.locator("button:has-text('Accept and create pods')")
    expect(accept).to_be_disabled()
    assert float(accept.evaluate("b => getComputedStyle(b).opacity")) < 0.6
    page.screenshot(path=str(artifacts_dir / "formation-blocked.png"), full_page=True)
    for left in (2, 1, 0):
        page.click("button:has-text('Undo')")
        if left:
            page.wait_for_selector(f"button:has-text('Undo ({left})')")
        else:
            page.wait_for_selector("button:has-text('Undo'):disabled")
    expect(page.locator("#violations")).to_have_count(0)
    expect(accept).to_be_enabled()

    # Per pod: a name, a baseline and the Pod Lead, saved as they change.
    first = page.locator(".pod-proposal").nth(0)
    g = int(first.get_attribute("data-pod"))
    lead_select = first.locator("select[name=lead]")
    options = lead_select.locator("option").all_inner_texts()
    lead_select.select_option(label=options[-1])
    expect(page.locator("#workspace-status")).to_contain_text(f"led by {options[-1]}")
    first = page.locator(".pod-proposal").nth(0)
    first.locator(".pod-charter summary").click()
    first.locator("input[name=name]").fill("Spring Payments")
    first.locator("input[name=baseline]").fill("12.5")
    first.locator("button:has-text('Save pod')").click()
    expect(page.locator("#workspace-status")).to_contain_text("saved: Spring Payments")
    second = page.locator(".pod-proposal").nth(1)
    h = int(second.get_attribute("data-pod"))
    second.locator(".pod-charter summary").click()
    second.locator("input[name=baseline]").fill("abc")
    second.locator("input[name=baseline]").press("Enter")
    expect(page.locator(".pod-proposal").nth(1).locator(".msg-error")).to_contain_text("Baseline")
    page.locator(".pod-proposal").nth(1).locator("input[name=baseline]").fill("7")
    page.locator(".pod-proposal").nth(1).locator("button:has-text('Save pod')").click()
    expect(page.locator("#workspace-status")).to_contain_text(f"Pod {h + 1} saved")
    page.screenshot(path=str(artifacts_dir / "formation-workspace.png"), full_page=True)

    page.fill("input[name=baseline_headcount]", "10")
    page.fill("input[name=name_prefix]", "Spring")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Accept and create pods')")
    page.wait_for_selector("text=pods are now active")
    run.refresh_from_db()
    assert run.status == "accepted"
    proposal = services.proposed_pods(run, services.run_names(run), name_prefix="Spring")
    named = next(p for p in proposal if p.index == g)
    pod = (
        Pod.objects.get(pk=named.continuing)
        if named.continuing
        else Pod.objects.get(formation_run=run, name="Spring Payments")
    )
    assert pod.name == "Spring Payments"
    assert str(baseline_in_force(pod, clock.today())) == "12.50"
    lead = PodMembership.objects.current().get(pod=pod, is_pod_lead=True)
    assert lead.person.name == options[-1]
    other = next(p for p in proposal if p.index == h)
    other_pod = (
        Pod.objects.get(pk=other.continuing)
        if other.continuing
        else Pod.objects.get(formation_run=run, name=f"Spring · pod {h + 1}")
    )
    assert str(baseline_in_force(other_pod, clock.today())) == "7.00"
    page.screenshot(path=str(artifacts_dir / "formation-accepted.png"), full_page=True)
    assert not page.console_errors


def test_it_compares_two_runs(offline_page, live_server, artifacts_dir, celery_worker_process):
    page = offline_page
    demo_seed(people=30)
    browser_login(page, live_server, "orglead", "podwright-orglead")
    for seed in (1, 2):
        _new_run(page, live_server, seed=seed)
        if seed == 2:
            page.fill("input[name=pods]", "6")
        _run_and_wait(page)
    a, b = FormationRun.objects.order_by("id")
    page.goto(f"{live_server.url}/formation/")
    page.check(f"input[name=a][value='{a.pk}']")
    page.check(f"input[name=b][value='{b.pk}']")
    page.click("button:has-text('Compare run A with run B')")
    page.wait_for_load_state("networkidle")
    url = urlparse(page.url)
    assert url.path == "/formation/compare/", page.url
    assert parse_qs(url.query) == {"a": [str(a.pk)], "b": [str(b.pk)]}
    table = page.locator(".compare-table")
    for label in ("F is this much of the best possible", "Weakest pod", "Trait gaps", "Wishes met"):
        expect(table).to_contain_text(label)
    expect(page.locator("h1")).to_have_text(f"Run {a.pk} and run {b.pk} side by side")
    expect(page.locator("text=Inputs that differ")).to_be_visible()
    expect(page.locator("table.compact")).to_contain_text("Number of pods")
    page.screenshot(path=str(artifacts_dir / "formation-compare.png"), full_page=True)
    assert not page.console_errors
