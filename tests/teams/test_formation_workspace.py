"""The formation workspace from the outside: start, review, edit, accept; bad input; permissions."""

from datetime import date, timedelta

import pytest

from teams.models import Assessment, FormationRun, Pod, PodMembership
from teams.profiles.services import profiles_recompute
from tests.conftest import count_queries, login, make_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

# Five specialists per trait pattern: a pool of 10 that forms two full-coverage pods.
PATTERNS = [
    (90, 30, 30, 30, 30),
    (30, 90, 30, 30, 30),
    (30, 30, 90, 30, 30),
    (30, 30, 30, 90, 30),
    (30, 30, 30, 30, 90),
]


def _pool(unit, n=10, prefix="pool"):
    people = []
    for i in range(n):
        p = make_person(unit, f"{prefix} {i}")
        s = PATTERNS[i % 5]
        Assessment.objects.create(
            person=p,
            source="lead",
            builder=s[0],
            architect=s[1],
            taste_maker=s[2],
            signal_reader=s[3],
            decision_maker=s[4],
        )
        people.append(p)
    profiles_recompute(person_ids=[p.pk for p in people])
    return people


def _start(client, unit, **extra):
    from django.test import TestCase

    data = {
        "org_unit": unit.pk,
        "pool": "unpodded",
        "min_size": 3,
        "max_size": 5,
        "threshold": 70,
        "stability": 0,
        "one_lead_per_pod": "on",
        "seed": 1,
        "time_limit": 5,
        **extra,
    }
    # The optimiser runs on commit (a Celery task); run the callbacks here, in-process.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/formation/new/", data)


@pytest.fixture
def lead(client, personas):
    login(client, personas.org_lead)
    return personas


def test_it_runs_a_formation_and_shows_the_proposal(client, lead):
    people = _pool(lead.unit_a)
    r = _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/formation/{run.pk}/"
    assert run.status == "done"
    members = sorted(pid for pod in run.arrangement for pid in pod)
    assert members == sorted(str(p.pk) for p in people)  # only the unpodded, assessed people
    assert all(3 <= len(pod) <= 5 for pod in run.arrangement)
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "F as % of the upper bound" in page
    assert f"{100 * run.objective / run.upper_bound:.1f}%" in page
    assert "Why this pod" in page


def test_it_notes_people_left_out_without_assessment(client, lead):
    _pool(lead.unit_a, 9)
    make_person(lead.unit_a, "No Profile")
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    # "No Profile", and the org lead (not in a pod, never assessed)
    assert "2 people have no assessment yet" in run.result["notes"][0]


def test_it_reports_an_infeasible_pool(client, lead):
    _pool(lead.unit_a, 2)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    assert run.status == "failed"
    assert "2" in run.error and "3" in run.error
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "cannot be formed as asked" in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("together", "a@example.com", "line 1: expected two emails"),
        (
            "apart",
            "nobody@example.com, mo@example.com",
            "no one in Growth has the email nobody@example.com",
        ),
        (
            "pins",
            "mo@example.com, Atlantis",
            "line 1: Mo Member is not in this pool (no assessment",
        ),
        ("max_size", "2", "smaller than the smallest"),
        ("threshold", "101", "less than or equal to 100"),
        ("time_limit", "abc", "Enter a whole number"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(client, lead, field, value, message):
    r = _start(client, lead.unit_a, **{field: value})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not FormationRun.objects.exists()


def test_it_refuses_a_pair_both_together_and_apart(client, lead):
    _pool(lead.unit_a)
    r = _start(
        client,
        lead.unit_a,
        together="pool.1@example.com, pool.2@example.com",
        apart="pool.2@example.com, pool.1@example.com",
    )
    assert "pool 1 and pool 2 are both kept together and kept apart" in r.content.decode()
    assert not FormationRun.objects.exists()


def test_it_refuses_a_unit_the_lead_does_not_lead(client, lead):
    r = _start(client, lead.unit_b)
    assert "Select a valid choice" in r.content.decode()
    assert not FormationRun.objects.exists()


def _done_run(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    return FormationRun.objects.get()


def test_it_swaps_two_members_and_undoes(client, lead):
    run = _done_run(client, lead)
    a, b = run.arrangement[0][0], run.arrangement[1][0]
    r = client.post(
        f"/formation/{run.pk}/edit/",
        {"action": "swap", "person": a, "other": b},
        headers={"HX-Request": "true", "HX-Target": "workspace"},
    )
    assert r.status_code == 200 and b"<html" not in r.content
    run.refresh_from_db()
    assert b in run.arrangement[0] and a in run.arrangement[1]
    assert len(run.history) == 1
    client.post(f"/formation/{run.pk}/edit/", {"action": "undo"})
    run.refresh_from_db()
    assert a in run.arrangement[0] and run.history == []


def test_it_warns_when_an_edit_breaks_a_constraint(client, lead):
    run = _done_run(client, lead)
    # Move people out of pod 0 until it is below the minimum size.
    victims = run.arrangement[0][:3]
    for pid in victims:
        client.post(f"/formation/{run.pk}/edit/", {"action": "move", "person": pid, "pod": 1})
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "This arrangement breaks a constraint" in page
    r = client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "8"}, follow=True)
    assert "Fix these before accepting" in r.content.decode()
    assert not Pod.objects.filter(formation_run=run).exists()


def test_it_refuses_an_unknown_edit(client, lead):
    run = _done_run(client, lead)
    r = client.post(f"/formation/{run.pk}/edit/", {"action": "explode"}, follow=True)
    assert "Unknown edit" in r.content.decode()


def test_it_accepts_a_run_into_pods_and_memberships(client, lead):
    run = _done_run(client, lead)
    r = client.post(
        f"/formation/{run.pk}/accept/", {"baseline_headcount": "12", "name_prefix": "Q1"}
    )
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == "accepted" and run.accepted_by == lead.org_lead
    pods = list(Pod.objects.filter(formation_run=run).order_by("name"))
    k = len(run.arrangement)
    assert [p.name for p in pods] == [f"Q1 · pod {i + 1}" for i in range(k)]
    assert all(p.baseline_headcount == 12 for p in pods)
    current = PodMembership.objects.current().filter(pod__in=pods)
    assert current.count() == 10
    assert current.filter(is_pod_lead=True).count() == k  # one lead per pod
    # accepting twice is refused
    r = client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "12"}, follow=True)
    assert "already accepted" in r.content.decode()
    assert Pod.objects.filter(formation_run=run).count() == k


def test_it_reforms_everyone_ending_current_memberships(client, lead):
    _pool(lead.unit_a, 8)
    for user in (lead.pod_lead, lead.member, lead.org_lead):
        s = (80, 80, 80, 80, 80)
        Assessment.objects.create(
            person=user.person,
            source="lead",
            builder=s[0],
            architect=s[1],
            taste_maker=s[2],
            signal_reader=s[3],
            decision_maker=s[4],
        )
    profiles_recompute(
        person_ids=[u.person.pk for u in (lead.pod_lead, lead.member, lead.org_lead)]
    )
    old = PodMembership.objects.get(person=lead.member.person)
    _start(client, lead.unit_a, pool="everyone", stability="0.5")
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    assert len([p for pod in run.arrangement for p in pod]) == 11
    client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "10"})
    old.refresh_from_db()
    assert old.end == date.today() - timedelta(days=1)
    assert (
        PodMembership.objects.current().filter(person=lead.member.person).get().pod.formation_run
        == run
    )
    lead.pod_a.refresh_from_db()
    assert lead.pod_a.status == "dissolved"


def test_it_forbids_members_and_hides_other_units_runs(client, personas):
    login(client, personas.org_lead)
    _pool(personas.unit_a)
    _start(client, personas.unit_a)
    run = FormationRun.objects.get()
    login(client, personas.member)
    assert client.get("/formation/").status_code == 403
    assert client.get(f"/formation/{run.pk}/").status_code == 403
    login(client, personas.other_lead)
    assert client.get(f"/formation/{run.pk}/").status_code == 404
    assert (
        client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "1"}).status_code == 404
    )
    assert client.get(f"/api/formation-runs/{run.pk}/").status_code == 404


def test_it_renders_the_workspace_with_constant_queries(client, lead, django_assert_num_queries):
    _pool(lead.unit_a, 10, "small")
    _start(client, lead.unit_a)
    small = FormationRun.objects.latest("id")
    n = count_queries(lambda: client.get(f"/formation/{small.pk}/"))
    _pool(lead.unit_a, 40, "big")
    _start(client, lead.unit_a)
    big = FormationRun.objects.latest("id")
    assert len(big.arrangement) > len(small.arrangement)
    with django_assert_num_queries(n):
        client.get(f"/formation/{big.pk}/")


def test_it_polls_progress_until_done(client, lead):
    run = FormationRun.objects.create(
        org_unit=lead.unit_a, params={"time_limit": 10, "min_size": 3}, result={"pool": []}
    )
    r = client.get(
        f"/formation/{run.pk}/", headers={"HX-Request": "true", "HX-Target": "run-progress"}
    )
    assert b"<progress" in r.content and b"every 1s" in r.content
    run.status = "failed"
    run.save()
    r = client.get(
        f"/formation/{run.pk}/", headers={"HX-Request": "true", "HX-Target": "run-progress"}
    )
    assert r.headers.get("HX-Refresh") == "true"


def test_it_works_through_the_api(client, lead):
    people = _pool(lead.unit_a)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(
            "/api/formation-runs/",
            {"org_unit": lead.unit_a.pk, "pool": "unpodded", "time_limit": 5},
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    run_id = r.json()["id"]
    assert client.get(f"/api/formation-runs/{run_id}/").json()["status"] == "done"
    result = client.get(f"/api/formation-runs/{run_id}/result/").json()
    assert sorted(p for pod in result["pods"] for p in pod["members"]) == sorted(
        str(p.pk) for p in people
    )
    assert result["objective"] <= result["upper_bound"] + 1e-9
    r = client.post(
        f"/api/formation-runs/{run_id}/accept/",
        {"baseline_headcount": "9"},
        content_type="application/json",
    )
    assert r.status_code == 201 and len(r.json()["pods"]) == len(result["pods"])


def test_it_refuses_bad_api_input(client, lead):
    r = client.post(
        "/api/formation-runs/",
        {"org_unit": lead.unit_a.pk, "pool": "unpodded", "min_size": 6, "max_size": 4},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert "smaller than the smallest" in r.json()["errors"]["max_size"][0]["message"]
    assert not FormationRun.objects.exists()


def test_it_forbids_the_api_to_members(client, personas):
    login(client, personas.member)
    r = client.post(
        "/api/formation-runs/",
        {"org_unit": personas.unit_a.pk, "pool": "unpodded"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_it_says_when_the_time_limit_cut_the_search_short(client, lead):
    run = _done_run(client, lead)
    assert "stopped-early" not in client.get(f"/formation/{run.pk}/").content.decode()
    run.result = {**run.result, "proposal": {**run.result["proposal"], "stopped_early": True}}
    run.save()
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "cut the search short" in page


# --------------------------------------------------------------------------- names


def test_it_names_people_in_explanations_wishes_and_warnings(client, lead):
    people = _pool(lead.unit_a)
    _start(
        client,
        lead.unit_a,
        together="pool.0@example.com, pool.1@example.com",
        requested="pool.2@example.com, pool.3@example.com",
    )
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "Covered — Builder: pool 0 (90)" in page or "Covered — Builder: pool 5 (90)" in page
    assert (
        "pool 2 and pool 3 asked to work together" in page
        or "pool 2 asked to work with pool 3" in page
    )
    # Split the together pair: the warning names both, the ids stay in the form fields only.
    a, b = str(people[0].pk), str(people[1].pk)
    target = next(g for g, pod in enumerate(run.arrangement) if a not in pod)
    client.post(f"/formation/{run.pk}/edit/", {"action": "move", "person": a, "pod": target})
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "together pair pool 0 and pool 1 is split across pods" in page
    assert f"({a}, {b})" not in page
    # A machine reads ids: the API's members and coverers are ids, its sentences name people.
    result = client.get(f"/api/formation-runs/{run.pk}/result/").json()
    assert a in [m for pod in result["pods"] for m in pod["members"]]
    assert any("pool 0 and pool 1" in v for v in result["violations"])


def test_it_names_people_when_a_pool_cannot_be_formed(client, lead):
    _pool(lead.unit_a, 8)
    ana = make_person(lead.unit_a, "Ana Lima", role="pod_lead")
    bo = make_person(lead.unit_a, "Bo Chen", role="pod_lead")
    for p in (ana, bo):
        Assessment.objects.create(
            person=p,
            source="lead",
            builder=50,
            architect=50,
            taste_maker=50,
            signal_reader=50,
            decision_maker=50,
        )
    profiles_recompute(person_ids=[ana.pk, bo.pk])
    _start(client, lead.unit_a, together="ana.lima@example.com, bo.chen@example.com")
    run = FormationRun.objects.get()
    assert run.status == "failed"
    assert "2 Pod Leads in one pod (at most one per pod): Ana Lima, Bo Chen" in run.error
    assert f": {ana.pk}, {bo.pk}" not in run.error
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "Ana Lima, Bo Chen" in page


# --------------------------------------------------------------------------- pickers


def test_it_searches_the_pool_by_name_or_email(client, lead):
    _pool(lead.unit_a, 6)
    url = f"/formation/people/?org_unit={lead.unit_a.pk}&pool=unpodded"
    htmx = {"HX-Request": "true"}
    r = client.get(url + "&q=POOL 3", headers=htmx)
    assert r.status_code == 200 and b"<html" not in r.content
    assert 'data-name="pool 3"' in r.content.decode()
    assert 'data-name="pool 4"' not in r.content.decode()
    r = client.get(url + "&q=pool.4@", headers=htmx)
    assert 'data-name="pool 4"' in r.content.decode()
    # Only the pool: Mo is in a pod (and unassessed), Xena is another unit's.
    assert "No one in this pool matches" in client.get(url + "&q=mo", headers=htmx).content.decode()
    assert (
        "No one in this pool matches" in client.get(url + "&q=xena", headers=htmx).content.decode()
    )
    # Without htmx it is a page of the pool's people and emails (the pickers' real link).
    page = client.get(url).content.decode()
    assert "pool.5@example.com" in page and "<html" in page


def test_it_keeps_the_search_to_units_the_lead_leads(client, personas):
    login(client, personas.org_lead)
    r = client.get(f"/formation/people/?org_unit={personas.unit_b.pk}&q=x")
    assert r.status_code == 404
    login(client, personas.member)
    assert client.get("/formation/people/?q=x").status_code == 403


def test_it_searches_with_constant_queries(client, lead, django_assert_num_queries):
    _pool(lead.unit_a, 4, "few")
    url = f"/formation/people/?org_unit={lead.unit_a.pk}&q=o"
    n = count_queries(lambda: client.get(url, headers={"HX-Request": "true"}))
    _pool(lead.unit_a, 30, "many")
    with django_assert_num_queries(n):
        client.get(url, headers={"HX-Request": "true"})


def test_it_runs_with_picked_pairs_and_pins(client, lead):
    people = _pool(lead.unit_a)
    a, b, c, d = (str(p.pk) for p in people[:4])
    r = _start(
        client,
        lead.unit_a,
        together_pick=[f"{a},{b}"],
        apart_pick=[f"{a},{c}"],
        requested_pick=[f"{c},{d}"],
    )
    assert r.status_code == 302
    run = FormationRun.objects.get()
    assert run.params["together"] == [[a, b]]
    assert run.params["apart"] == [[a, c]]
    assert run.params["requested"] == [[c, d]]
    pod_of = {pid: g for g, pod in enumerate(run.arrangement) for pid in pod}
    assert pod_of[a] == pod_of[b] != pod_of[c]


def test_it_pins_a_picked_person_to_a_pod(client, lead):
    people = _pool(lead.unit_a)
    r = _start(client, lead.unit_a, pool="everyone", pins_pick=[f"{people[0].pk},{lead.pod_a.pk}"])
    assert r.status_code == 302
    assert FormationRun.objects.get().params["pinned"] == {
        str(people[0].pk): f"pod:{lead.pod_a.pk}"
    }


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("together_pick", "{a},99999", "no one in Growth has the number 99999"),
        ("apart_pick", "{a},{a}", "pool 0 is paired with themselves"),
        ("requested_pick", "{a},{mo}", "Mo Member is not in this pool"),
        ("together_pick", "{a}", "is not a pair of people"),
        ("pins_pick", "{a},99999", "no active pod with number 99999 in Growth"),
        ("pins_pick", "{xena},{pod_b}", "no one in Growth has the number"),
    ],
)
def test_it_refuses_bad_picks_naming_the_person(client, lead, field, value, message):
    people = _pool(lead.unit_a)
    value = value.format(
        a=people[0].pk,
        mo=lead.member.person.pk,
        xena=lead.outsider.person.pk,
        pod_b=lead.pod_b.pk,
    )
    r = _start(client, lead.unit_a, **{field: [value]})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not FormationRun.objects.exists()


def test_it_refuses_a_picked_pair_both_together_and_apart(client, lead):
    people = _pool(lead.unit_a)
    a, b = people[0].pk, people[1].pk
    r = _start(client, lead.unit_a, together_pick=[f"{a},{b}"], apart_pick=[f"{b},{a}"])
    page = r.content.decode()
    assert "pool 0 and pool 1 are both kept together and kept apart" in page
    # The picks come back as chips, with names, to fix in place.
    assert f'name="together_pick" value="{a},{b}"' in page and "pool 0 and pool 1" in page
    assert not FormationRun.objects.exists()


def test_it_pins_one_person_to_one_pod_only(client, lead):
    people = _pool(lead.unit_a)
    other = Pod.objects.create(name="Search", org_unit=lead.unit_a)
    pk = people[0].pk
    r = _start(
        client,
        lead.unit_a,
        pool="everyone",
        pins_pick=[f"{pk},{lead.pod_a.pk}", f"{pk},{other.pk}"],
    )
    assert "pool 0 is pinned to both Onboarding and Search" in r.content.decode()
    assert not FormationRun.objects.exists()


# --------------------------------------------------------------------------- progress


@pytest.mark.django_db(transaction=True)
def test_it_answers_at_once_and_optimises_in_the_background_without_a_broker(client, personas):
    import threading
    import time

    from django.utils import timezone

    login(client, personas.org_lead)
    _pool(personas.unit_a, 40)
    r = client.post(
        "/formation/new/",
        {
            "org_unit": personas.unit_a.pk,
            "pool": "unpodded",
            "min_size": 3,
            "max_size": 5,
            "threshold": 70,
            "stability": 0,
            "one_lead_per_pod": "on",
            "seed": 1,
            "time_limit": 5,
        },
    )
    answered = timezone.now()
    assert r.status_code == 302
    run = FormationRun.objects.get()
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert 'id="run-progress"' in page and 'hx-trigger="every 1s"' in page
    deadline = time.monotonic() + 30
    while run.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    for thread in threading.enumerate():
        if thread.name.startswith("formation-run-"):
            thread.join(30)
    assert run.status == "done", run.error
    # The page answered before the optimiser finished: it did not wait for it.
    assert run.finished_at > answered
    assert run.progress == 100 and run.heartbeat_at is not None
    r = client.get(
        f"/formation/{run.pk}/", headers={"HX-Request": "true", "HX-Target": "run-progress"}
    )
    assert r.headers.get("HX-Refresh") == "true"
