"""The formation workspace from the outside: start, review, edit, accept; bad input; permissions."""

from datetime import date, timedelta

import pytest

from teams.formation import services
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
    assert "F is this much of the best possible" in page
    bound = run.result["proposal"].get("proven_bound") or run.upper_bound
    assert f"{100 * run.objective / bound:.1f}%" in page
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


def _assess(*people, s=(80, 80, 80, 80, 80)):
    for p in people:
        Assessment.objects.create(
            person=p,
            source="lead",
            builder=s[0],
            architect=s[1],
            taste_maker=s[2],
            signal_reader=s[3],
            decision_maker=s[4],
        )
    profiles_recompute(person_ids=[p.pk for p in people])


def test_it_reforms_everyone_continuing_the_pod_most_of_its_members_stay_in(client, lead):
    _pool(lead.unit_a, 8)
    _assess(lead.pod_lead.person, lead.member.person, lead.org_lead.person)
    paula = PodMembership.objects.get(person=lead.pod_lead.person)
    mo = PodMembership.objects.get(person=lead.member.person)
    _start(client, lead.unit_a, pool="everyone", stability="0.5")
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    assert len([p for pod in run.arrangement for p in pod]) == 11
    continuing = services.continuing_pods(run, run.arrangement)
    page = client.get(f"/formation/{run.pk}/").content.decode()
    client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "10"})
    current = PodMembership.objects.current()
    assert current.filter(person__in=[int(p) for pod in run.arrangement for p in pod]).count() == 11
    lead.pod_a.refresh_from_db()
    if lead.pod_a.pk in continuing:
        g = continuing.index(lead.pod_a.pk)
        assert "Continues <strong>Onboarding</strong>" in page
        assert lead.pod_a.status == "active"
        assert set(current.filter(pod=lead.pod_a).values_list("person_id", flat=True)) == {
            int(p) for p in run.arrangement[g]
        }
        # Paula stays and still leads: her row is the one she had.
        if str(paula.person_id) in run.arrangement[g]:
            paula.refresh_from_db()
            assert paula.end is None and current.get(person_id=paula.person_id).pk == paula.pk
    else:
        assert lead.pod_a.status == "dissolved"
        mo.refresh_from_db()
        assert mo.end == date.today() - timedelta(days=1)


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


# --------------------------------------------------------------------------- missions


def _missions(*rows):
    data = {}
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"missions-{n}-{key}"] = value
    return data


def test_it_runs_one_pod_per_mission_and_accepts_their_charters(client, lead):
    _pool(lead.unit_a, 12)
    r = _start(
        client,
        lead.unit_a,
        **_missions(
            {"name": "Payments", "goal": "Get paid", "baseline": "9.5"},
            {"name": "Search", "goal": "Find things", "baseline": "6"},
            {"name": "Onboard", "goal": "", "baseline": ""},
        ),
    )
    assert r.status_code == 302
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    assert len(run.arrangement) == 3  # 12 people would otherwise make more, smaller pods
    assert sorted(run.review["missions"]) == [0, 1, 2]
    page = client.get(f"/formation/{run.pk}/").content.decode()
    for name in ("Payments", "Search", "Onboard"):
        assert f"· {name}</h2>" in page
    assert "(one per mission)" in page
    r = client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "4"}, follow=True)
    assert "pods are now active" in r.content.decode()
    pods = {p.name: p for p in Pod.objects.filter(formation_run=run)}
    assert set(pods) == {"Payments", "Search", "Onboard"}
    assert (
        pods["Payments"].goal == "Get paid" and str(pods["Payments"].baseline_headcount) == "9.50"
    )
    assert pods["Search"].baseline_headcount == 6
    assert pods["Onboard"].baseline_headcount == 4  # no baseline of its own: the default
    assert pods["Payments"].baselines.get().effective_from is None  # the opening value


def test_it_gives_a_mission_needing_a_trait_level_a_pod_that_has_it(client, lead):
    people = _pool(lead.unit_a, 12)
    star = people[1]  # an Architect pattern: raise one to 95
    Assessment.objects.create(
        person=star,
        source="self",
        builder=30,
        architect=100,
        taste_maker=30,
        signal_reader=30,
        decision_maker=30,
    )
    profiles_recompute(person_ids=[star.pk])
    _start(
        client,
        lead.unit_a,
        **_missions(
            {"name": "Core"},
            {"name": "Scale", "trait": "architect", "level": "95"},
            {"name": "Growth"},
        ),
    )
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    g = run.review["missions"].index(1)
    assert str(star.pk) in run.arrangement[g]
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "✓ Scale asks for Architect ≥ 95: pool 1 (" in page


def test_it_makes_the_number_of_pods_asked_for(client, lead):
    _pool(lead.unit_a, 12)
    _start(client, lead.unit_a, pods="3")
    run = FormationRun.objects.get()
    assert run.status == "done" and len(run.arrangement) == 3


@pytest.mark.parametrize(
    "extra,message",
    [
        (_missions({"goal": "No name"}), "Mission 1: give it a name."),
        (_missions({"name": "A"}, {"name": "a"}), "“a” is listed twice (mission 1)"),
        (_missions({"name": "A", "baseline": "-1"}), "Mission 1 (A): baseline headcount"),
        (_missions({"name": "A", "baseline": "9,5"}), "Mission 1 (A): baseline headcount"),
        (_missions({"name": "A", "trait": "architect"}), "give the level (1–100) Architect"),
        (_missions({"name": "A", "level": "80"}), "say which trait must reach 80"),
        (_missions({"name": "A", "trait": "wizard", "level": "80"}), "there is no trait “wizard”"),
        (_missions({"name": "A", "trait": "builder", "level": "101"}), "a whole number 1–100"),
        (
            _missions({"name": "A", "trait": "builder", "level": "99"}),
            "A asks for Builder ≥ 99, but no one in the pool scores that.",
        ),
        (
            _missions(
                {"name": "A", "trait": "builder", "level": "90"},
                {"name": "B", "trait": "builder", "level": "90"},
                {"name": "C", "trait": "builder", "level": "90"},
            ),
            "3 missions ask for it and only 2 people in the pool score that.",
        ),
        (_missions(*[{"name": f"M{i}"} for i in range(5)]), "so 5 missions cannot each have a pod"),
        ({"pods": "1"}, "so 1 pod cannot each have a pod"),
        (
            {"pods": "2", **_missions({"name": "A"}, {"name": "B"}, {"name": "C"})},
            "2 pods but 3 missions",
        ),
    ],
)
def test_it_refuses_bad_missions_naming_the_row(client, lead, extra, message):
    _pool(lead.unit_a, 10)
    r = _start(client, lead.unit_a, **extra)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not FormationRun.objects.exists()


def test_it_takes_missions_through_the_api(client, lead):
    _pool(lead.unit_a, 8)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(
            "/api/formation-runs/",
            {
                "org_unit": lead.unit_a.pk,
                "pool": "unpodded",
                "time_limit": 5,
                "missions": [{"name": "Payments", "baseline": "9.5"}, {"name": "Search"}],
            },
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    run = FormationRun.objects.get()
    assert run.params["missions"][0] == {
        "name": "Payments",
        "goal": "",
        "baseline": "9.5",
        "trait": "",
        "level": None,
    }
    assert len(run.arrangement) == 2
    r = client.post(
        "/api/formation-runs/",
        {"org_unit": lead.unit_a.pk, "pool": "unpodded", "missions": [{"goal": "x"}]},
        content_type="application/json",
    )
    assert r.status_code == 400 and "Mission 1: give it a name." in r.content.decode()


def test_it_lets_the_lead_choose_each_pods_lead_and_charter_before_accepting(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    members = run.arrangement[0]
    chosen = members[-1]
    r = client.post(
        f"/formation/{run.pk}/pods/0/",
        {"lead": chosen, "name": "Alpha", "goal": "Ship", "baseline": "7.5"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and b"<html" not in r.content
    page = r.content.decode()
    assert 'id="pod-0"' in page and "Pod 1 saved: Alpha, led by" in page
    # Bad input is named, nothing saved.
    for data, message in [
        ({"lead": run.arrangement[1][0]}, "Pod Lead: pool"),
        ({"lead": chosen, "baseline": "-2"}, "greater than or equal to 0"),
        ({"lead": chosen, "baseline": "abc"}, "<p>Baseline headcount: "),
        ({"lead": chosen, "name": "x" * 121}, "at most 120 characters"),
    ]:
        r = client.post(f"/formation/{run.pk}/pods/0/", data, headers={"HX-Request": "true"})
        assert message in r.content.decode(), data
    run.refresh_from_db()
    assert run.review["pods"]["0"] == {
        "name": "Alpha",
        "goal": "Ship",
        "baseline": "7.5",
        "lead": chosen,
    }
    assert client.post(f"/formation/{run.pk}/pods/99/", {"lead": chosen}).status_code == 302
    client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "3"})
    alpha = Pod.objects.get(formation_run=run, name="Alpha")
    assert alpha.goal == "Ship" and str(alpha.baseline_headcount) == "7.50"
    lead_row = PodMembership.objects.current().get(pod=alpha, is_pod_lead=True)
    assert str(lead_row.person_id) == chosen


def test_it_warns_when_the_unit_has_no_incentive_plan(client, lead):
    run = _done_run(client, lead)
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "Growth has no incentive plan in force for November 2026" in page
    r = client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "3"}, follow=True)
    assert "earn no gain-share bonus until an Org Lead sets one" in r.content.decode()


def test_it_keeps_a_stayers_membership_row(client, lead):
    people = _pool(lead.unit_a, 8)
    _assess(lead.pod_lead.person, lead.member.person)
    paula = PodMembership.objects.get(person=lead.pod_lead.person)
    mo = PodMembership.objects.get(person=lead.member.person)
    # Pin both to their pod: the proposed pod holding them continues Onboarding.
    _start(
        client,
        lead.unit_a,
        pool="everyone",
        pins="paula@example.com, Onboarding\nmo@example.com, Onboarding",
    )
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    g = next(g for g, pod in enumerate(run.arrangement) if str(paula.person_id) in pod)
    client.post(
        f"/formation/{run.pk}/pods/{g}/", {"lead": str(paula.person_id), "name": "Onboarding"}
    )
    client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "3"})
    paula.refresh_from_db()
    mo.refresh_from_db()
    # Same pod, same allocation, same lead flag: the same rows, untouched.
    assert paula.end is None and paula.is_pod_lead and paula.start == date(2026, 1, 1)
    assert mo.end is None and mo.start == date(2026, 1, 1)
    current = PodMembership.objects.current().filter(pod=lead.pod_a)
    assert set(current.values_list("person_id", flat=True)) == {int(p) for p in run.arrangement[g]}
    assert current.filter(is_pod_lead=True).count() == 1
    lead.pod_a.refresh_from_db()
    assert lead.pod_a.status == "active" and lead.pod_a.baseline_headcount == 10
    assert len(people) == 8


# --------------------------------------------------------------------------- compare


def test_it_compares_two_runs_of_the_same_pool(client, lead):
    _pool(lead.unit_a, 12)
    _start(client, lead.unit_a, seed=1)
    _start(client, lead.unit_a, seed=2, pods="3")
    first, second = FormationRun.objects.order_by("id")
    listing = client.get("/formation/").content.decode()
    assert 'action="/formation/compare/"' in listing and 'name="a"' in listing
    r = client.get(f"/formation/compare/?a={first.pk}&b={second.pk}")
    assert r.status_code == 200
    page = r.content.decode()
    for label in ("F is this much of the best possible", "Weakest pod", "Trait gaps", "Wishes met"):
        assert label in page
    assert "Number of pods" in page and "Seed" in page  # the inputs that differ
    assert f"{first.objective:.2f}" in page


@pytest.mark.parametrize(
    "query,message",
    [
        ("", "Choose two runs to compare"),
        ("?a=1", "Choose two runs to compare"),
        ("?a=x&b=2", "Runs are chosen by their number"),
    ],
)
def test_it_refuses_a_comparison_without_two_runs(client, lead, query, message):
    r = client.get(f"/formation/compare/{query}")
    assert r.status_code == 400 and message in r.content.decode()


def test_it_refuses_to_compare_runs_of_different_pools(client, lead):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    _start(client, lead.unit_a, pool="everyone")
    a, b = FormationRun.objects.order_by("id")
    r = client.get(f"/formation/compare/?a={a.pk}&b={a.pk}")
    assert r.status_code == 400 and "two different runs" in r.content.decode()
    r = client.get(f"/formation/compare/?a={a.pk}&b={b.pk}")
    assert r.status_code == 400 and "take different pools" in r.content.decode()
    other = FormationRun.objects.create(org_unit=lead.unit_b, params={"pool": "unpodded"})
    assert client.get(f"/formation/compare/?a={a.pk}&b={other.pk}").status_code == 404
    login(client, lead.member)
    assert client.get(f"/formation/compare/?a={a.pk}&b={b.pk}").status_code == 403


def test_it_reports_new_teammates_for_everyone(client, lead):
    _pool(lead.unit_a, 8)
    _assess(lead.pod_lead.person, lead.member.person)
    r = client.get("/formation/new/")
    assert "New teammates for everyone (a wish)" in r.content.decode()
    _start(client, lead.unit_a, pool="everyone", new_teammates="on")
    run = FormationRun.objects.get()
    assert run.status == "done", run.error
    assert run.params["new_teammates"] is True
    assert services.problem_for_run(run).wishes.any()
    # Paula's pod says whether its members meet someone new, by name (whether the optimiser
    # or the workspace reports the wish).
    paula = str(lead.pod_lead.person.pk)
    ev = services.workspace_for_run(run).evaluation
    lines = next(p.wishes_met + p.wishes_missed for p in ev.pods if paula in p.members)
    assert any("new teammate" in w or "share a pod now" in w for w in lines), lines
    assert not any(paula in w for w in lines)


# --------------------------------------------------------------------------- stable review


def _pod_order(html: str) -> list[str]:
    import re

    return re.findall(r'class="card pod-proposal[^"]*" data-pod="(\d+)"', html)


def test_it_keeps_each_pod_in_its_place_after_edits(client, lead):
    _pool(lead.unit_a, 15)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    htmx = {"HX-Request": "true", "HX-Target": "workspace"}
    before = _pod_order(client.get(f"/formation/{run.pk}/").content.decode())
    assert before == [str(g) for g in range(len(run.arrangement))]
    # A move that leaves pod 1 the weakest by far would have re-sorted it last before.
    mover = run.arrangement[0][0]
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "move", "person": mover, "pod": 1}, headers=htmx
    )
    assert _pod_order(r.content.decode()) == before
    # The lead may sort weakest first: that order then holds while they edit.
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "sort", "order": "weakest"}, headers=htmx
    )
    weakest = _pod_order(r.content.decode())
    assert weakest[0] == "0" and sorted(weakest) == sorted(before)
    r = client.post(f"/formation/{run.pk}/edit/", {"action": "undo"}, headers=htmx)
    assert _pod_order(r.content.decode()) == weakest
    assert _pod_order(client.get(f"/formation/{run.pk}/").content.decode()) == weakest
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "sort", "order": "proposal"}, headers=htmx
    )
    assert _pod_order(r.content.decode()) == before
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "sort", "order": "sideways"}, headers=htmx
    )
    assert "Unknown order" in r.content.decode()


def test_it_announces_each_move_swap_and_undo_by_name(client, lead):
    people = _pool(lead.unit_a)
    _start(client, lead.unit_a)
    run = FormationRun.objects.get()
    names = {str(p.pk): p.name for p in people}
    htmx = {"HX-Request": "true", "HX-Target": "workspace"}
    a, b = run.arrangement[0][0], run.arrangement[1][0]
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert 'id="workspace-status"' in page and 'aria-live="polite"' in page
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "swap", "person": a, "other": b}, headers=htmx
    )
    html = r.content.decode()
    assert 'hx-swap-oob="true"' in html
    assert (
        f"Swapped {names[a]} and {names[b]}: {names[a]} is now in pod 2, {names[b]} in pod 1."
        in html
    )
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "move", "person": a, "pod": 0}, headers=htmx
    )
    assert f"Moved {names[a]} to pod 1." in r.content.decode()
    r = client.post(f"/formation/{run.pk}/edit/", {"action": "undo"}, headers=htmx)
    assert f"Undone: {names[a]} back to pod 2." in r.content.decode()
    r = client.post(
        f"/formation/{run.pk}/edit/", {"action": "move", "person": a, "pod": 1}, headers=htmx
    )
    assert "That person is already in this pod." in r.content.decode()


def test_it_disables_accept_while_a_constraint_breaks(client, lead):
    run = _done_run(client, lead)
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert "Accept and create pods" in page and "accept-blocked" not in page
    for pid in run.arrangement[0][:3]:
        client.post(f"/formation/{run.pk}/edit/", {"action": "move", "person": pid, "pod": 1})
    page = client.get(f"/formation/{run.pk}/").content.decode()
    assert 'disabled aria-disabled="true" aria-describedby="accept-blocked"' in page
    assert "Fix the broken constraints above first." in page
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/app.css")).read()
    assert "button:disabled" in css and "cursor: not-allowed" in css


def test_it_links_an_accepted_run_to_the_pods_it_became(client, lead):
    run = _done_run(client, lead)
    client.post(f"/formation/{run.pk}/accept/", {"baseline_headcount": "3", "name_prefix": "Q3"})
    run.refresh_from_db()
    pods = Pod.objects.filter(formation_run=run)
    assert sorted(run.review["accepted"]) == sorted(p.pk for p in pods)
    page = client.get(f"/formation/{run.pk}/").content.decode()
    first = pods.get(pk=run.review["accepted"][0])
    assert f'Became <a href="/pods/{first.pk}/">Q3 · pod 1</a>' in page


def test_it_lists_runs_with_constant_queries(client, lead, django_assert_num_queries):
    _pool(lead.unit_a)
    _start(client, lead.unit_a)
    n = count_queries(lambda: client.get("/formation/"))
    for seed in (2, 3, 4):
        _start(client, lead.unit_a, seed=seed)
    with django_assert_num_queries(n):
        page = client.get("/formation/").content.decode()
    assert page.count('name="a"') == 4


def test_it_compares_with_constant_queries(client, lead, django_assert_num_queries):
    _pool(lead.unit_a, 10, "few")
    _start(client, lead.unit_a)
    _start(client, lead.unit_a, seed=2)
    a, b = FormationRun.objects.order_by("id")
    n = count_queries(lambda: client.get(f"/formation/compare/?a={a.pk}&b={b.pk}"))
    _pool(lead.unit_a, 30, "many")
    _start(client, lead.unit_a, seed=3)
    _start(client, lead.unit_a, seed=4)
    c, d = FormationRun.objects.order_by("-id")[:2]
    with django_assert_num_queries(n):
        client.get(f"/formation/compare/?a={d.pk}&b={c.pk}")
