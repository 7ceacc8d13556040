"""/org/: the tree, and creating, renaming, moving and archiving units and naming their leads."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from teams.models import OrgUnit, Pod
from teams.org import services
from tests.conftest import count_queries, login, make_person

pytestmark = pytest.mark.django_db


def _child(parent, name, slug=None):
    return OrgUnit.objects.create(name=name, slug=slug or name.lower(), parent=parent)


def test_it_shows_the_units_a_lead_leads_with_headcount_pods_and_plan(client, personas):
    from tests.incentives.bonus_factories import make_plan, unit_metrics

    activation = _child(personas.unit_a, "Activation")
    make_person(activation, "Ada Active")
    Pod.objects.create(name="Trials", org_unit=activation, status=Pod.Status.PROPOSED)
    make_plan(personas.unit_a, unit_metrics(personas.unit_a))
    login(client, personas.org_lead)
    r = client.get("/org/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "Growth" in page and "Activation" in page
    assert "Platform" not in page  # another lead's unit
    assert "Growth bonus" in page and "from Jan 2026" in page
    nodes = {n.unit.name: n for n in r.context["nodes"]}
    assert (nodes["Growth"].headcount, nodes["Growth"].headcount_below) == (3, 4)
    assert (nodes["Growth"].pods_active, nodes["Activation"].pods_proposed) == (1, 1)
    assert nodes["Activation"].depth == 1 and nodes["Activation"].plan is None
    assert [p.name for p in nodes["Growth"].leads] == ["Olga Lead"]


def _grow(parent, n, tag):
    from tests.incentives.bonus_factories import make_plan, unit_metrics

    for i in range(n):
        unit = _child(parent, f"Unit {tag}{i}", f"unit-{tag}{i}")
        unit.leads.add(make_person(unit, f"Lead {tag}{i}"))
        make_person(unit, f"Member {tag}{i}")
        Pod.objects.create(name=f"Pod {tag}{i}", org_unit=unit)
        if i % 2 == 0:
            make_plan(unit, unit_metrics(unit))


def test_it_draws_the_tree_in_the_same_number_of_queries_for_5_and_50_units(
    client, personas, django_assert_num_queries
):
    _grow(personas.unit_a, 5, "a")
    login(client, personas.org_lead)
    n = count_queries(lambda: client.get("/org/"))
    with django_assert_num_queries(n):
        assert len(client.get("/org/").context["nodes"]) == 6
    _grow(personas.unit_a, 45, "b")
    with django_assert_num_queries(n):
        r = client.get("/org/")
    assert len(r.context["nodes"]) == 51
    assert n <= 12, n


def test_it_is_for_org_leads_and_hides_other_units(client, personas):
    for user in (personas.member, personas.pod_lead):
        login(client, user)
        assert client.get("/org/").status_code == 403
        assert client.get(f"/org/{personas.unit_a.pk}/").status_code == 403
        assert (
            client.post("/org/", {"new-name": "X", "new-parent": personas.unit_a.pk}).status_code
            == 403
        )
    login(client, personas.other_lead)
    unit = personas.unit_a.pk
    assert client.get(f"/org/{unit}/").status_code == 404
    for url, data in [
        (f"/org/{unit}/rename/", {"rename-name": "Mine"}),
        (f"/org/{unit}/move/", {"move-parent": personas.unit_b.pk}),
        (f"/org/{unit}/archive/", {"archived": "1"}),
        (f"/org/{unit}/leads/", {"lead-person": 1}),
    ]:
        assert client.post(url, data).status_code == 404
    personas.unit_a.refresh_from_db()
    assert personas.unit_a.name == "Growth" and personas.unit_a.parent_id is None


def test_it_creates_a_unit_under_one_the_lead_leads(client, personas):
    login(client, personas.org_lead)
    r = client.post("/org/", {"new-name": "  Retention ", "new-parent": personas.unit_a.pk})
    unit = OrgUnit.objects.get(name="Retention")
    assert r.status_code == 302 and r["Location"] == f"/org/{unit.pk}/"
    assert unit.parent == personas.unit_a and unit.slug == "retention"
    assert client.get(f"/org/{unit.pk}/").status_code == 200


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"new-name": "", "new-parent": "A"}, "name", "This field is required"),
        ({"new-name": "x" * 121, "new-parent": "A"}, "name", "at most 120"),
        ({"new-name": "Retention"}, "parent", "This field is required"),
        ({"new-name": "Retention", "new-parent": "B"}, "parent", "Select a valid choice"),
        ({"new-name": "Retention", "new-parent": "999999"}, "parent", "Select a valid choice"),
        ({"new-name": "growth", "new-parent": "ROOT"}, "name", None),
    ],
)
def test_it_refuses_a_bad_new_unit_naming_the_field(client, personas, data, field, message):
    if data.get("new-parent") == "ROOT":
        # A sibling of the same name (any case) under one parent is refused.
        _child(personas.unit_a, "Growth", "growth-2")
        data = {**data, "new-parent": personas.unit_a.pk}
        message = "exists already"
    data = {
        k: {"A": personas.unit_a.pk, "B": personas.unit_b.pk}.get(v, v) for k, v in data.items()
    }
    before = OrgUnit.objects.count()
    login(client, personas.org_lead)
    r = client.post("/org/", data)
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert OrgUnit.objects.count() == before


def test_it_lets_only_an_admin_add_a_top_level_unit(client, personas):
    with pytest.raises(ValidationError, match="only an Admin"):
        services.unit_create(user=personas.org_lead, name="Top", parent=None)
    unit = services.unit_create(user=personas.admin, name="Top", parent=None)
    assert unit.parent is None


def test_it_renames_a_unit_and_refuses_a_blank_name(client, personas):
    login(client, personas.org_lead)
    url = f"/org/{personas.unit_a.pk}/rename/"
    r = client.post(url, {"rename-name": "   "})
    assert r.status_code == 400 and "name" in r.context["rename_form"].errors
    assert client.post(url, {"rename-name": "Growth & Retention"}).status_code == 302
    personas.unit_a.refresh_from_db()
    assert personas.unit_a.name == "Growth & Retention" and personas.unit_a.slug == "growth"


def test_it_moves_a_unit_and_refuses_cycles(client, personas):
    a1 = _child(personas.unit_a, "Activation")
    a2 = _child(a1, "Trials")
    login(client, personas.org_lead)
    r = client.post(f"/org/{a1.pk}/move/", {"move-parent": a2.pk})
    assert r.status_code == 400
    assert "inside Activation" in " ".join(r.context["move_form"].errors["parent"])
    with pytest.raises(ValidationError, match="cannot go under itself"):
        services.unit_move(user=personas.org_lead, unit=a1, parent=a1)
    with pytest.raises(ValidationError, match="inside Growth"):
        services.unit_move(user=personas.org_lead, unit=personas.unit_a, parent=a2)
    # Not a unit the lead leads: the same answer as a unit that does not exist.
    r = client.post(f"/org/{a2.pk}/move/", {"move-parent": personas.unit_b.pk})
    assert r.status_code == 400 and "parent" in r.context["move_form"].errors
    assert (
        client.post(f"/org/{a2.pk}/move/", {"move-parent": personas.unit_a.pk}).status_code == 302
    )
    a2.refresh_from_db()
    a1.refresh_from_db()
    assert a2.parent == personas.unit_a and a1.parent == personas.unit_a


def test_moving_a_unit_never_moves_approved_money(personas):
    from incentives.bonuses import services as bonuses
    from incentives.models import AuditEntry, IncentivePeriod, Payout
    from tests.incentives.bonus_factories import MONTH, make_plan, observe, unit_metrics

    team = _child(personas.unit_b, "Billing Ops", "billing-ops")
    metrics = unit_metrics(team)
    make_plan(team, metrics)
    personas.pod_b.org_unit = team
    personas.pod_b.save(update_fields=["org_unit"])
    personas.outsider.person.org_unit = team
    personas.outsider.person.save(update_fields=["org_unit"])
    observe(metrics["activation"], personas.pod_b, date(2026, 9, 20), 45)
    period = bonuses.period_compute(user=personas.other_lead, org_unit=team, month=MONTH)
    period = bonuses.period_approve(user=personas.other_lead, period=period)
    totals = dict(period.totals)
    payouts = list(Payout.objects.filter(period=period).values_list("person_id", "amount"))
    assert payouts and totals

    # The admin moves the team from Platform to Growth.
    services.unit_move(user=personas.admin, unit=team, parent=personas.unit_a)
    period = IncentivePeriod.objects.get(pk=period.pk)
    assert period.org_unit_id == team.pk and period.status == "approved"
    assert period.totals == totals
    assert list(Payout.objects.filter(period=period).values_list("person_id", "amount")) == payouts
    assert AuditEntry.objects.filter(period=period, action="period.approve").count() == 1
    # The month belongs to the unit it was closed for: the leads of its new place see it now.
    from teams import permissions

    assert permissions.can_manage_pay(personas.org_lead, team.pk)
    assert not permissions.can_manage_pay(personas.other_lead, team.pk)


def test_it_archives_only_a_unit_nothing_uses(client, personas):
    old = _child(personas.unit_a, "Old team", "old-team")
    below = _child(old, "Older team", "older-team")
    person = make_person(old, "Still Here")
    pod = Pod.objects.create(name="Still going", org_unit=old)
    login(client, personas.org_lead)
    r = client.post(f"/org/{old.pk}/archive/", {"archived": "1"})
    assert r.status_code == 400
    problems = " ".join(r.context["action_errors"])
    assert "Older team" in problems and "1 active person" in problems and "1 pod is" in problems
    old.refresh_from_db()
    assert not old.is_archived

    services.unit_archive(user=personas.org_lead, unit=below)
    person.is_active = False
    person.save(update_fields=["is_active"])
    pod.status = Pod.Status.DISSOLVED
    pod.save(update_fields=["status"])
    assert client.post(f"/org/{old.pk}/archive/", {"archived": "1"}).status_code == 302
    old.refresh_from_db()
    assert old.is_archived
    # Gone from the tree's default view and from the pickers; there with ?archived=1.
    tree = client.get("/org/")
    assert old not in [n.unit for n in tree.context["nodes"]]
    assert old not in tree.context["form"].fields["parent"].queryset
    assert old in [n.unit for n in client.get("/org/?archived=1").context["nodes"]]
    # Still reachable, and restored (its parent first).
    r = client.post(f"/org/{below.pk}/archive/", {"archived": "0"})
    assert r.status_code == 400 and "restore that first" in " ".join(r.context["action_errors"])
    assert client.post(f"/org/{old.pk}/archive/", {"archived": "0"}).status_code == 302
    old.refresh_from_db()
    assert not old.is_archived


def test_an_archived_unit_is_no_parent_and_changes_nothing_until_restored(personas):
    old = _child(personas.unit_a, "Old team", "old-team")
    services.unit_archive(user=personas.org_lead, unit=old)
    with pytest.raises(ValidationError, match="archived"):
        services.unit_create(user=personas.org_lead, name="New", parent=old)
    with pytest.raises(ValidationError, match="restore it to rename"):
        services.unit_rename(user=personas.org_lead, unit=old, name="Older")


def test_it_names_org_leads_from_the_unit_or_above(client, personas):
    team = _child(personas.unit_a, "Activation")
    newcomer = make_person(team, "Nia New", username="nia")
    below = _child(team, "Trials")
    deep = make_person(below, "Dee Deep")
    login(client, personas.org_lead)
    page = client.get(f"/org/{team.pk}/")
    choices = list(page.context["lead_form"].fields["person"].queryset)
    assert newcomer in choices and personas.member.person in choices  # Growth is above
    assert deep not in choices and personas.outsider.person not in choices
    r = client.post(f"/org/{team.pk}/leads/", {"lead-person": deep.pk})
    assert r.status_code == 400 and "person" in r.context["lead_form"].errors
    with pytest.raises(ValidationError, match="comes from Activation or a unit above it"):
        services.unit_lead_add(user=personas.org_lead, unit=team, person=deep)
    with pytest.raises(ValidationError, match="not one of your people"):
        services.unit_lead_add(user=personas.org_lead, unit=team, person=personas.outsider.person)
    assert client.post(f"/org/{team.pk}/leads/", {"lead-person": newcomer.pk}).status_code == 302
    assert list(team.leads.all()) == [newcomer]
    # Nia now manages Activation and Trials, not Growth.
    login(client, newcomer.user)
    assert client.get(f"/org/{below.pk}/").status_code == 200
    assert client.get(f"/org/{personas.unit_a.pk}/").status_code == 404


def test_it_removes_a_lead_but_never_the_last_one_up_the_tree(client, personas):
    team = _child(personas.unit_a, "Activation")
    nia = make_person(team, "Nia New", username="nia")
    team.leads.add(nia)
    login(client, personas.org_lead)
    r = client.post(f"/org/{personas.unit_a.pk}/leads/{personas.org_lead.person.pk}/remove/")
    assert r.status_code == 400 and "only Org Lead" in " ".join(r.context["action_errors"])
    assert personas.unit_a.leads.count() == 1
    # Activation keeps Olga above it.
    assert client.post(f"/org/{team.pk}/leads/{nia.pk}/remove/").status_code == 302
    assert team.leads.count() == 0
    # Someone who does not lead the unit: 404.
    assert client.post(f"/org/{team.pk}/leads/{nia.pk}/remove/").status_code == 404


def test_the_nav_links_to_org_and_integrations_for_org_leads_only(client, personas):
    login(client, personas.org_lead)
    page = client.get("/").content.decode()
    assert 'href="/org/"' in page and 'href="/integrations/"' in page
    login(client, personas.member)
    page = client.get("/").content.decode()
    assert 'href="/org/"' not in page and 'href="/integrations/"' not in page


def test_an_archived_unit_leaves_the_pickers_for_new_runs_and_plans(client, personas):
    old = _child(personas.unit_a, "Old team", "old-team")
    login(client, personas.org_lead)
    assert old in client.get("/formation/new/").context["form"].fields["org_unit"].queryset
    services.unit_archive(user=personas.org_lead, unit=old)
    for url in ("/formation/new/", "/plans/new/"):
        choices = client.get(url).context["form"].fields["org_unit"].queryset
        assert old not in choices and personas.unit_a in choices, url
