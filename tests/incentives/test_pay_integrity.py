"""Pay through the org's real life: re-formations, raises, baselines, self-set numbers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.bonuses import changes, services
from incentives.models import IncentivePeriod, MetricTarget, Observation, Payout, PodResult
from teams.models import PayRate, PodMembership
from tests.conftest import TODAY, login
from tests.incentives.bonus_factories import bonus_world

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)


def compute(personas, month=SEPTEMBER, unit=None):
    return services.period_compute(
        user=personas.org_lead, org_unit=unit or personas.unit_a, month=month
    )


def lines(period, pod):
    return {
        p.person_id: p for p in Payout.objects.filter(period=period, pod=pod, is_adjustment=False)
    }


def test_it_closes_a_month_with_a_reformation_on_the_15th(personas):
    """Re-forming ends every membership on the 14th and opens a new one on the 15th, also for
    people who stay: they are one member with two stints, paid exactly as if nothing moved."""
    bonus_world(personas)
    before = {k: v.amount for k, v in lines(compute(personas), personas.pod_a).items()}
    for m in PodMembership.objects.filter(pod=personas.pod_a):
        m.end = date(2026, 9, 14)
        m.save()
        PodMembership.objects.create(
            pod=m.pod,
            person=m.person,
            start=date(2026, 9, 15),
            allocation=m.allocation,
            is_pod_lead=m.is_pod_lead,
        )
    period = compute(personas)
    after = lines(period, personas.pod_a)
    assert set(after) == set(before) and len(after) == 2  # one line per stayer
    assert {k: v.amount for k, v in after.items()} == before
    stints = after[personas.member.person.pk].breakdown["stints"]
    assert [(s["start"], s["end"]) for s in stints] == [
        ("2026-01-01", "2026-09-14"),
        ("2026-09-15", None),
    ]


def test_it_pays_a_raise_half_each_way(personas):
    """30 days in September: the old pay for the 1st–15th, the new one from the 16th."""
    bonus_world(personas)
    member = personas.member.person
    changes.pay_rate_change(
        user=personas.org_lead,
        person=member,
        effective_from=date(2026, 9, 16),
        base_pay=Decimal("8000"),
    )
    period = compute(personas)
    line = lines(period, personas.pod_a)[member.pk]
    assert [(s["active_days"], s["base_pay"]) for s in line.breakdown["stints"]] == [
        ("15", "7000"),
        ("15", "8000"),
    ]
    assert line.breakdown["base_pay"] == "7500"  # the month's effective rate
    result = PodResult.objects.get(period=period, pod=personas.pod_a)
    assert result.actual_cost == Decimal("15500.00")  # 8,000 (Pod Lead) + 7,500
    history = list(member.pay_rates.values_list("effective_from", "base_pay"))
    assert history == [(None, Decimal("7000.00")), (date(2026, 9, 16), Decimal("8000.00"))]
    # An October recompute pays the new rate all month; September keeps its split.
    october = lines(compute(personas, date(2026, 10, 1)), personas.pod_a)[member.pk]
    assert october.breakdown["base_pay"] == "8000"


def test_it_averages_a_baseline_change_on_the_16th(personas):
    bonus_world(personas)
    changes.baseline_change(
        user=personas.org_lead,
        pod=personas.pod_a,
        effective_from=date(2026, 9, 16),
        value=Decimal("13"),
    )
    result = PodResult.objects.get(period=compute(personas), pod=personas.pod_a)
    assert result.breakdown["baseline_headcount"] == "11.5"  # (15 × 10 + 15 × 13) / 30
    assert result.breakdown["baseline_schedule"] == [
        {"from": None, "value": "10"},
        {"from": "2026-09-16", "value": "13"},
    ]
    # E = A × 11.5 × 6,000 with A = 1.2
    assert result.equivalent_cost == Decimal("82800.00")


def test_it_refuses_a_change_into_an_approved_month_and_saves_nothing(personas):
    bonus_world(personas)
    services.period_approve(user=personas.org_lead, period=compute(personas))
    with pytest.raises(ValidationError) as raised:
        changes.pay_rate_change(
            user=personas.org_lead,
            person=personas.member.person,
            effective_from=date(2026, 9, 10),
            base_pay=Decimal("9000"),
        )
    message = raised.value.message_dict["effective_from"][0]
    assert "September 2026 is already approved" in message and "2026-10-01" in message
    assert "adjustment" in message
    with pytest.raises(ValidationError) as raised:
        changes.baseline_change(
            user=personas.org_lead,
            pod=personas.pod_a,
            effective_from=date(2026, 9, 30),
            value=Decimal("20"),
        )
    assert "2026-10-01" in raised.value.message_dict["baseline_from"][0]
    assert not PayRate.objects.exists() and not personas.pod_a.baselines.exists()


def test_it_recomputes_an_open_month_a_change_reaches(personas):
    bonus_world(personas)
    services.period_approve(user=personas.org_lead, period=compute(personas))
    october = compute(personas, date(2026, 10, 1))
    pool_before = PodResult.objects.get(period=october, pod=personas.pod_a).actual_cost
    result = changes.pay_rate_change(
        user=personas.org_lead,
        person=personas.member.person,
        effective_from=date(2026, 10, 1),
        base_pay=Decimal("9000"),
    )
    assert [p.month for p in result.recomputed] == [date(2026, 10, 1)]
    after = PodResult.objects.get(period=october, pod=personas.pod_a).actual_cost
    assert after == pool_before + Decimal("2000")


def test_it_refuses_a_change_without_a_date_from_the_person_page(client, personas):
    login(client, personas.org_lead)
    url = f"/people/{personas.member.person.pk}/pay/"
    page = client.post(url, {"base_pay": "9000"}, follow=True).content.decode()
    assert "From: Say from which day the new pay applies." in page
    page = client.post(
        url, {"base_pay": "-1", "effective_from": "2026-10-01"}, follow=True
    ).content.decode()
    assert "greater than or equal to 0" in page
    assert not PayRate.objects.exists()
    client.post(url, {"base_pay": "9000", "effective_from": "2026-12-01"})
    assert personas.member.person.pay_rates.count() == 2
    page = client.get(f"/people/{personas.member.person.pk}/").content.decode()
    assert 'id="pay-history"' in page and "2026-12-01" in page


def test_it_lets_only_an_org_lead_change_pay(client, personas):
    url = f"/people/{personas.member.person.pk}/pay/"
    data = {"base_pay": "99999", "effective_from": "2026-10-01"}
    login(client, personas.member)  # their own pay: visible, not theirs to set
    assert client.post(url, data).status_code == 403
    login(client, personas.pod_lead)
    assert client.post(url, data).status_code == 404
    login(client, personas.other_lead)
    assert client.post(url, data).status_code == 404
    assert not PayRate.objects.exists()
    login(client, personas.member)
    assert (
        'id="pay-form"' not in client.get(f"/people/{personas.member.person.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    "metric_key,values",
    [("activation", ("0", "0.001", "0.002")), ("incidents", ("0.002", "0.001", "0"))],
)
def test_it_refuses_a_pod_leads_own_targets(client, personas, metric_key, values):
    """The Pod Lead is paid from these targets: the POST is a proposal, nothing pays on it."""
    world = bonus_world(personas)
    pool = PodResult.objects.get(period=compute(personas), pod=personas.pod_a).pool
    metric = world["metrics_a"][metric_key]
    login(client, personas.pod_lead)
    threshold, target, stretch = values
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/",
        {
            "metric": metric.pk,
            "month": "2026-09",
            "threshold": threshold,
            "target": target,
            "stretch": stretch,
        },
        follow=True,
    )
    assert "apply once an Org Lead accepts them" in r.content.decode()
    assert not MetricTarget.objects.exists()
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/copy/",
        {"from_month": "2026-09", "to_month": "2026-10"},
    )
    assert r.status_code == 403
    assert PodResult.objects.get(period=compute(personas), pod=personas.pod_a).pool == pool
    # The Org Lead decides.
    proposal = metric.target_proposals.get()
    login(client, personas.org_lead)
    page = client.get(f"/pods/{personas.pod_a.pk}/metrics/?month=2026-09").content.decode()
    assert 'id="target-proposals"' in page and 'value="accept"' in page
    client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/proposals/{proposal.pk}/",
        {"decision": "decline"},
    )
    proposal.refresh_from_db()
    assert proposal.status == "declined" and not MetricTarget.objects.exists()


def test_it_applies_an_accepted_proposal(client, personas):
    world = bonus_world(personas)
    metric = world["metrics_a"]["activation"]
    login(client, personas.pod_lead)
    client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/",
        {
            "metric": metric.pk,
            "month": "2026-09",
            "threshold": "35",
            "target": "45",
            "stretch": "55",
        },
    )
    proposal = metric.target_proposals.get()
    login(client, personas.pod_lead)  # the proposer cannot decide
    url = f"/pods/{personas.pod_a.pk}/metrics/targets/proposals/{proposal.pk}/"
    assert client.post(url, {"decision": "accept"}).status_code == 403
    login(client, personas.org_lead)
    client.post(url, {"decision": "accept"})
    target = MetricTarget.objects.get()
    assert (target.threshold, target.target, target.stretch) == (35, 45, 55)


def test_it_counts_a_self_reported_value_once_an_org_lead_confirms_it(client, personas):
    world = bonus_world(personas)
    metric = world["metrics_a"]["activation"]
    login(client, personas.pod_lead)  # paid from pod A's pool
    client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/",
        {"metric": metric.pk, "date": "2026-09-29", "value": "50"},
    )
    typed = Observation.objects.get(value=50)
    assert typed.flag == "self"
    period = compute(personas)
    result = PodResult.objects.get(period=period, pod=personas.pod_a)
    assert result.breakdown["components"][0]["value"] == "40"  # the 50 does not count yet
    assert period.totals["self_reported_observations"] == 1
    with pytest.raises(ValidationError, match="await a lead's decision"):
        services.period_approve(user=personas.org_lead, period=period)
    login(client, personas.org_lead)
    page = client.get(f"/close/{period.pk}/").content.decode()
    assert "self-reported, awaiting confirmation" in page
    client.post(
        f"/pods/{personas.pod_a.pk}/metrics/observations/{typed.pk}/review/",
        {"decision": "confirm", "month": "2026-09"},
    )
    period = compute(personas)
    result = PodResult.objects.get(period=period, pod=personas.pod_a)
    assert result.breakdown["components"][0]["value"] == "50"
    services.period_approve(user=personas.org_lead, period=period)


def test_it_takes_values_from_a_token_as_a_system_of_record(client, personas):
    from rest_framework.authtoken.models import Token

    world = bonus_world(personas)
    token = Token.objects.create(user=personas.pod_lead)
    r = client.post(
        "/api/observations/",
        {
            "pod": personas.pod_a.pk,
            "metric": world["metrics_a"]["activation"].key,
            "date": "2026-09-28",
            "value": "44",
        },
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert r.status_code in (200, 201), r.content
    assert Observation.objects.get(value=44).flag == ""


def test_it_refuses_to_approve_a_month_that_has_not_ended(client, personas):
    bonus_world(personas)
    this_month = TODAY.replace(day=1)  # the suite's frozen today
    november = compute(personas, this_month)
    with pytest.raises(ValidationError, match="has not ended"):
        services.period_approve(user=personas.org_lead, period=november)
    login(client, personas.org_lead)
    page = client.get(f"/close/{november.pk}/").content.decode()
    following = (this_month + timedelta(days=32)).replace(day=1)
    assert 'id="projection-note"' in page and f"{following.day} {following:%B %Y}" in page
    assert 'id="approve"' not in page
    assert client.post(f"/close/{november.pk}/approve/").status_code in (200, 302, 400)
    november.refresh_from_db()
    assert november.status == IncentivePeriod.Status.COMPUTED


def test_it_refuses_an_adjustment_for_someone_never_in_the_pod(personas):
    bonus_world(personas)
    september = services.period_approve(user=personas.org_lead, period=compute(personas))
    with pytest.raises(ValidationError) as raised:
        services.adjustment_create(
            user=personas.org_lead,
            period=september,
            person=personas.outsider.person,
            pod=personas.pod_a,
            amount=Decimal("10"),
            note="typo",
        )
    assert "had no stint in Onboarding in September 2026" in str(raised.value)
    assert not Payout.objects.filter(is_adjustment=True).exists()
