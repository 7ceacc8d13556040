"""Stints, Pod Leads, moves, off-boarding and dissolving, from the pod and person pages, each
a dated change guarded like pay (refused into approved months, open months recomputed)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.bonuses import changes, services
from incentives.models import PodResult
from teams.models import CharterChange, Person, Pod, PodMembership, UnitMove
from teams.people import services as people_services
from teams.pods import services as pods_services
from tests.conftest import login, make_person
from tests.incentives.bonus_factories import bonus_world

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SEPTEMBER = date(2026, 9, 1)


def stints(person, pod=None):
    rows = PodMembership.objects.filter(person=person)
    if pod is not None:
        rows = rows.filter(pod=pod)
    return [
        (m.pod.name, m.start, m.end, m.allocation, m.is_pod_lead)
        for m in rows.order_by("start", "id")
    ]


def fill(pod, n, start=date(2026, 1, 1)):
    people = [make_person(pod.org_unit, f"Filler {pod.pk}-{i}") for i in range(n)]
    for p in people:
        PodMembership.objects.create(pod=pod, person=p, start=start)
    return people


# --------------------------------------------------------------------------- adding members


def test_it_warns_before_adding_a_member_and_saves_anyway(client, personas):
    nina = make_person(personas.unit_a, "Nina New")
    PodMembership.objects.filter(person=personas.member.person).delete()  # one left
    login(client, personas.org_lead)
    url = f"/pods/{personas.pod_a.pk}/members/new/"
    form = {"person": nina.pk, "start": "2026-11-15", "allocation": "0.5"}
    r = client.post(url, form, headers=HTMX)
    html = r.content.decode()
    assert r.status_code == 200 and 'id="membership-warnings"' in html
    assert "Onboarding would have 2 people on 2026-11-15: pods are 3–5 people." in html
    assert "Save anyway" in html
    assert not PodMembership.objects.filter(person=nina).exists()  # nothing saved yet
    r = client.post(url, {**form, "confirm": "1"}, headers=HTMX)
    assert r.status_code == 200 and r["HX-Redirect"] == f"/pods/{personas.pod_a.pk}/"
    assert stints(nina) == [("Onboarding", date(2026, 11, 15), None, Decimal("0.50"), False)]


def test_it_adds_a_member_without_warning_when_the_pod_stays_in_bounds(client, personas):
    fill(personas.pod_a, 1)  # three people
    nina = make_person(personas.unit_a, "Nina New")
    login(client, personas.org_lead)
    r = client.post(
        f"/pods/{personas.pod_a.pk}/members/new/",
        {"person": nina.pk, "start": "2026-11-15", "allocation": "0.5"},
    )
    assert r.status_code == 302
    assert stints(nina) == [("Onboarding", date(2026, 11, 15), None, Decimal("0.50"), False)]


def test_it_warns_over_one_fte_and_about_two_pod_leads(client, personas):
    fill(personas.pod_a, 1)
    member = personas.member.person
    other = Pod.objects.create(name="Pricing", org_unit=personas.unit_a, baseline_headcount=5)
    fill(other, 3)
    login(client, personas.org_lead)
    r = client.post(
        f"/people/{member.pk}/memberships/new/",
        {"pod": other.pk, "start": "2026-11-20", "allocation": "0.5", "is_pod_lead": "on"},
        headers=HTMX,
    )
    html = r.content.decode()
    assert "1.5 FTE across pods" in html
    assert "Pod Lead" not in html or "two Pod Leads" not in html  # Pricing has no lead
    r = client.post(
        f"/pods/{personas.pod_a.pk}/members/new/",
        {
            "person": make_person(personas.unit_a, "Lee Lead").pk,
            "start": "2026-11-20",
            "allocation": "1",
            "is_pod_lead": "on",
        },
        headers=HTMX,
    )
    assert "two Pod Leads" in r.content.decode() and "Paula Podlead" in r.content.decode()


def test_it_names_the_field_of_a_bad_member_and_saves_nothing(client, personas):
    nina = make_person(personas.unit_a, "Nina New")
    login(client, personas.org_lead)
    url = f"/pods/{personas.pod_a.pk}/members/new/"
    for form, field in [
        ({"person": nina.pk, "start": "2026-13-01", "allocation": "0.5"}, "start"),
        ({"person": nina.pk, "start": "2026-11-15", "allocation": "1.5"}, "allocation"),
        ({"person": nina.pk, "start": "2026-11-15", "allocation": "0,5"}, "allocation"),
        (
            {"person": personas.outsider.person.pk, "start": "2026-11-15", "allocation": "1"},
            "person",
        ),
        (
            {
                "person": personas.member.person.pk,
                "start": "2026-11-15",
                "allocation": "1",
                "confirm": "1",
            },
            "start",
        ),  # already a member: overlapping stints refused
    ]:
        r = client.post(url, form)
        assert r.status_code == 400, form
        assert field in r.context["form"].errors, (form, r.context["form"].errors)
    assert not PodMembership.objects.filter(person=nina).exists()
    assert len(stints(personas.member.person)) == 1


# --------------------------------------------------------------------------- changing stints


def test_it_changes_an_allocation_from_a_day_as_a_new_stint(client, personas):
    fill(personas.pod_a, 1)
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    r = client.post(
        f"/memberships/{m.pk}/", {"action": "allocation", "on": "2026-11-15", "allocation": "0.5"}
    )
    assert r.status_code == 302
    assert stints(personas.member.person) == [
        ("Onboarding", date(2026, 1, 1), date(2026, 11, 14), Decimal("1.00"), False),
        ("Onboarding", date(2026, 11, 15), None, Decimal("0.50"), False),
    ]


def test_it_moves_a_person_to_another_pod_from_a_day(client, personas):
    fill(personas.pod_a, 2)
    other = Pod.objects.create(name="Pricing", org_unit=personas.unit_a, baseline_headcount=5)
    fill(other, 2)
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    r = client.post(
        f"/memberships/{m.pk}/", {"action": "move", "on": "2026-12-01", "to_pod": other.pk}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert stints(personas.member.person) == [
        ("Onboarding", date(2026, 1, 1), date(2026, 11, 30), Decimal("1.00"), False),
        ("Pricing", date(2026, 12, 1), None, Decimal("1.00"), False),
    ]


def test_it_switches_the_pod_lead_with_new_stints(client, personas):
    fill(personas.pod_a, 1)
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    r = client.post(f"/memberships/{m.pk}/", {"action": "lead", "on": "2026-11-20"}, headers=HTMX)
    assert "two Pod Leads" in r.content.decode()
    r = client.post(f"/memberships/{m.pk}/", {"action": "lead", "on": "2026-11-20", "confirm": "1"})
    assert r.status_code == 302
    assert stints(personas.pod_lead.person) == [
        ("Onboarding", date(2026, 1, 1), date(2026, 11, 19), Decimal("1.00"), True),
        ("Onboarding", date(2026, 11, 20), None, Decimal("1.00"), False),
    ]
    assert stints(personas.member.person) == [
        ("Onboarding", date(2026, 1, 1), date(2026, 11, 19), Decimal("1.00"), False),
        ("Onboarding", date(2026, 11, 20), None, Decimal("1.00"), True),
    ]
    assert PodMembership.objects.filter(pod=personas.pod_a, is_pod_lead=True, end=None).count() == 1


def test_it_ends_a_membership_on_its_last_day(client, personas):
    fill(personas.pod_a, 2)
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    r = client.post(f"/memberships/{m.pk}/", {"action": "end", "on": "2026-11-30"})
    assert r.status_code == 302
    assert stints(personas.member.person)[0][2] == date(2026, 11, 30)
    r = client.post(f"/memberships/{m.pk}/", {"action": "end", "on": "2025-01-01"})
    assert r.status_code == 400 and "starts on 2026-01-01" in r.context["form"].errors["on"][0]
    r = client.post(f"/memberships/{m.pk}/", {"action": "end", "on": "2026-12-31"})
    assert r.status_code == 400 and "ends on 2026-11-30" in r.context["form"].errors["on"][0]


def test_it_refuses_a_stint_change_into_an_approved_month(client, personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=SEPTEMBER
    )
    services.period_approve(user=personas.org_lead, period=period)
    m = PodMembership.objects.get(person=personas.member.person)
    login(client, personas.org_lead)
    r = client.post(
        f"/memberships/{m.pk}/",
        {"action": "end", "on": "2026-09-20", "confirm": "1"},
    )
    assert r.status_code == 400
    error = " ".join(r.context["form"].errors["on"])
    assert "September 2026 is already approved" in error and "2026-10-01" in error
    assert PodMembership.objects.get(pk=m.pk).end is None


def test_it_recomputes_an_open_month_a_stint_change_reaches(personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=SEPTEMBER
    )
    before = PodResult.objects.get(period=period, pod=personas.pod_a).fte
    m = PodMembership.objects.get(person=personas.member.person)
    result = changes.membership_end(user=personas.org_lead, membership=m, on=date(2026, 9, 15))
    assert [p.month for p in result.recomputed] == [SEPTEMBER]
    after = PodResult.objects.get(period=period, pod=personas.pod_a).fte
    assert after == before - Decimal("0.5")  # 15 of 30 days gone


def test_it_keeps_membership_pages_to_the_leads_of_the_unit(client, personas):
    m = PodMembership.objects.get(person=personas.member.person)
    for user, code in [
        (personas.member, 403),
        (personas.pod_lead, 403),
        (personas.other_lead, 404),
    ]:
        login(client, user)
        assert client.get(f"/memberships/{m.pk}/").status_code == code
        assert client.post(f"/pods/{personas.pod_a.pk}/members/new/", {}).status_code == code
        assert client.post(f"/pods/{personas.pod_a.pk}/dissolve/", {}).status_code == code
        assert client.post(f"/people/{personas.member.person.pk}/offboard/", {}).status_code == code


def test_it_shows_the_member_controls_only_to_org_leads(client, personas):
    login(client, personas.org_lead)
    html = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert 'id="add-member"' in html and "data-change=" in html and 'id="settings"' in html
    fragment = client.get(f"/pods/{personas.pod_a.pk}/members/new/", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    login(client, personas.pod_lead)
    html = client.get(f"/pods/{personas.pod_a.pk}/").content.decode()
    assert 'id="add-member"' not in html and 'id="settings"' not in html


# --------------------------------------------------------------------------- pods


def test_it_creates_renames_and_keeps_the_charter_history(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/pods/new/",
        {
            "name": "Pricing",
            "org_unit": personas.unit_a.pk,
            "goal": "Lift conversion",
            "product_area": "Checkout",
            "baseline_headcount": "7",
        },
    )
    pod = Pod.objects.get(name="Pricing")
    assert r.status_code == 302 and r["Location"] == f"/pods/{pod.pk}/#members"
    assert list(pod.baselines.values_list("effective_from", "value")) == [(None, Decimal("7.00"))]
    client.post(f"/pods/{pod.pk}/rename/", {"name": "Pricing & plans"})
    client.post(
        f"/pods/{pod.pk}/charter/",
        {"goal": "Double conversion", "product_area": "Checkout", "baseline_headcount": "7"},
    )
    history = list(CharterChange.objects.filter(pod=pod).values_list("name", "goal"))
    assert history == [
        ("Pricing & plans", "Double conversion"),
        ("Pricing & plans", "Lift conversion"),
        ("Pricing", "Lift conversion"),
    ]
    html = client.get(f"/pods/{pod.pk}/").content.decode()
    assert 'id="charter-history"' in html and "Double conversion" in html


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("baseline_headcount", "-1"), ("baseline_headcount", "1,5"), ("org_unit", "0")],
)
def test_it_refuses_a_bad_pod_naming_the_field(client, personas, field, value):
    login(client, personas.org_lead)
    form = {"name": "Pricing", "org_unit": personas.unit_a.pk, "baseline_headcount": "7"}
    r = client.post("/pods/new/", {**form, field: value})
    assert r.status_code == 400 and field in r.context["form"].errors
    assert not Pod.objects.filter(name="Pricing").exists()
    login(client, personas.pod_lead)
    assert client.post("/pods/new/", form).status_code == 403


def test_it_dissolves_a_pod_from_a_day(client, personas):
    login(client, personas.org_lead)
    r = client.post(f"/pods/{personas.pod_a.pk}/dissolve/", {"dissolved_on": "2026-11-18"})
    assert r.status_code == 302
    pod = Pod.objects.get(pk=personas.pod_a.pk)
    assert pod.status == Pod.Status.DISSOLVED and pod.dissolved_on == date(2026, 11, 18)
    assert set(PodMembership.objects.filter(pod=pod).values_list("end", flat=True)) == {
        date(2026, 11, 17)
    }
    r = client.post(f"/pods/{pod.pk}/dissolve/", {"dissolved_on": "2026-11-20"}, follow=True)
    assert "dissolved already" in r.content.decode()


def test_it_dissolves_on_a_later_day_when_it_comes(personas):
    pods_services.pod_dissolve(pod=personas.pod_a, on=date(2026, 12, 1))
    pod = Pod.objects.get(pk=personas.pod_a.pk)
    assert pod.status == Pod.Status.ACTIVE
    people_services.people_changes_due(today=date(2026, 12, 1))
    assert Pod.objects.get(pk=pod.pk).status == Pod.Status.DISSOLVED


# --------------------------------------------------------------------------- people


def test_it_moves_a_person_to_another_unit_ending_old_memberships(client, personas):
    from teams.models import OrgUnit

    sales = OrgUnit.objects.create(name="Sales", slug="sales", parent=personas.unit_a)
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(
        f"/people/{member.pk}/move/",
        {"org_unit": sales.pk, "effective_from": "2026-11-16", "end_memberships": "on"},
    )
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.org_unit == sales
    assert stints(member)[0][2] == date(2026, 11, 15)
    move = UnitMove.objects.get(person=member)
    assert (move.from_unit, move.to_unit, move.effective_from) == (
        personas.unit_a,
        sales,
        date(2026, 11, 16),
    )


def test_it_moves_on_a_later_day_when_it_comes(client, personas):
    from teams.models import OrgUnit

    sales = OrgUnit.objects.create(name="Sales", slug="sales", parent=personas.unit_a)
    member = personas.member.person
    login(client, personas.org_lead)
    client.post(
        f"/people/{member.pk}/move/", {"org_unit": sales.pk, "effective_from": "2026-12-01"}
    )
    member.refresh_from_db()
    assert member.org_unit == personas.unit_a  # until its day
    assert stints(member)[0][2] is None  # memberships left as they were
    assert people_services.people_changes_due(today=date(2026, 12, 1)) == 1
    member.refresh_from_db()
    assert member.org_unit == sales


def test_it_refuses_a_move_to_a_unit_the_lead_does_not_lead(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(
        f"/people/{member.pk}/move/",
        {"org_unit": personas.unit_b.pk, "effective_from": "2026-12-01"},
        follow=True,
    )
    assert "Move to" in r.content.decode() and not UnitMove.objects.exists()


def test_it_offboards_ending_memberships_and_disabling_the_login(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(f"/people/{member.pk}/offboard/", {"effective_from": "2026-11-18"})
    assert r.status_code == 302
    member = Person.objects.select_related("user").get(pk=member.pk)
    assert not member.is_active and not member.user.is_active
    assert member.left_on == date(2026, 11, 18)
    assert stints(member)[0][2] == date(2026, 11, 17)  # history kept
    client.logout()
    assert not client.login(username="mo", password="correct-horse-battery")
    login(client, personas.org_lead)
    r = client.post(f"/people/{member.pk}/offboard/", {"effective_from": "2026-11-20"}, follow=True)
    assert "off-boarded from 2026-11-18" in r.content.decode()


def test_it_offboards_on_a_later_day_when_it_comes(personas):
    member = personas.member.person
    changes.person_offboard(user=None, person=member, effective_from=date(2026, 12, 1))
    member.refresh_from_db()
    assert member.is_active and member.user.is_active
    assert stints(member)[0][2] == date(2026, 11, 30)
    people_services.people_changes_due(today=date(2026, 12, 1))
    member = Person.objects.select_related("user").get(pk=member.pk)
    assert not member.is_active and not member.user.is_active


def test_it_refuses_offboarding_into_an_approved_month(personas):
    bonus_world(personas)
    period = services.period_compute(
        user=personas.org_lead, org_unit=personas.unit_a, month=SEPTEMBER
    )
    services.period_approve(user=personas.org_lead, period=period)
    member = personas.member.person
    with pytest.raises(ValidationError) as raised:
        changes.person_offboard(user=None, person=member, effective_from=date(2026, 9, 10))
    assert "2026-10-01" in raised.value.message_dict["effective_from"][0]
    member.refresh_from_db()
    assert member.left_on is None and stints(member)[0][2] is None


def test_it_refuses_bad_dates_for_moves_and_offboarding(client, personas):
    member = personas.member.person
    login(client, personas.org_lead)
    r = client.post(f"/people/{member.pk}/offboard/", {"effective_from": "18/11/2026"}, follow=True)
    assert "Left from: Enter a day as YYYY-MM-DD." in r.content.decode()
    r = client.post(
        f"/pods/{personas.pod_a.pk}/dissolve/", {"dissolved_on": "3000-01-01"}, follow=True
    )
    assert "out of range" in r.content.decode()
    member.refresh_from_db()
    assert member.left_on is None and Pod.objects.get(pk=personas.pod_a.pk).dissolved_on is None
