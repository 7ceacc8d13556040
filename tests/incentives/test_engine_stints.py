"""DESIGN §3 items 10–11: several stints per member, a baseline that changes mid-month."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from incentives.bonuses.engine import (
    Component,
    MemberInput,
    ObservationInput,
    Plan,
    PodInput,
    ScenarioRefused,
    Stint,
    compute_month,
    parse_scenario,
    scenario_to_json,
    simulate,
)
from tests.incentives.engine_scenarios import example

OCTOBER = date(2026, 10, 1)


def plan(split="allocation") -> Plan:
    return Plan(
        standard_cost_per_fte="12000",
        split=split,
        components=[
            Component(
                metric="activation",
                kind="outcome",
                weight="1",
                direction="higher",
                threshold="100",
                target="150",
                stretch="200",
                aggregate="last",
            )
        ],
    )


def pod(members, baseline="12") -> PodInput:
    return PodInput(
        id="p1",
        baseline_headcount=baseline,
        members=members,
        observations=[ObservationInput(metric="activation", date="2026-10-31", value="170")],
    )


def payouts(result) -> dict[str, Decimal]:
    return {line.person: line.amount for line in result.pods[0].payouts}


def problems(data) -> list[str]:
    try:
        parse_scenario(data)
    except ScenarioRefused as refused:
        return refused.problems
    return []


def test_it_pays_a_member_with_two_stints_once():
    result = compute_month(
        "2026-10",
        plan(),
        [
            pod(
                [
                    MemberInput(
                        id="ana",
                        stints=[
                            Stint(
                                start="2026-09-01",
                                end="2026-10-14",
                                allocation="1",
                                base_pay="9000",
                            ),
                            Stint(start="2026-10-15", end=None, allocation="0.5", base_pay="9900"),
                        ],
                    ),
                    MemberInput(id="bo", base_pay="8000", allocation="1", start="2026-01-01"),
                ]
            )
        ],
    )
    pod_result = result.pods[0]
    assert [line.person for line in pod_result.payouts] == ["ana", "bo"]
    ana = pod_result.payouts[0]
    # H: 14/31 × 1 + 17/31 × 0.5; K: 9000 × 14/31 + 9900 × 0.5 × 17/31
    assert ana.breakdown["active_days"] == "31"
    assert [s["active_days"] for s in ana.breakdown["stints"]] == ["14", "17"]
    assert pod_result.fte == 1 + Fraction(14, 31) + Fraction(17, 62)
    assert pod_result.actual_cost == 8000 + Fraction(9000 * 14, 31) + Fraction(9900 * 17, 62)


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(min_value=-40, max_value=25),
    length=st.integers(min_value=1, max_value=80),
    cuts=st.lists(st.integers(min_value=1, max_value=79), max_size=4, unique=True),
    allocation=st.sampled_from(["1", "0.5", "0.25", "0.8"]),
    pay=st.sampled_from(["9000", "7350.50", "12000", "0"]),
    split=st.sampled_from(["allocation", "equal"]),
)
def test_it_never_changes_a_cent_when_a_membership_is_split_into_contiguous_stints(
    start, length, cuts, allocation, pay, split
):
    first = OCTOBER + timedelta(days=start)
    last = first + timedelta(days=length - 1)
    whole = MemberInput(id="ana", base_pay=pay, allocation=allocation, start=first, end=last)
    bounds = sorted(c for c in cuts if c < length)
    edges = [first] + [first + timedelta(days=c) for c in bounds] + [last + timedelta(days=1)]
    stints = [
        Stint(start=a, end=b - timedelta(days=1), allocation=allocation, base_pay=pay)
        for a, b in zip(edges, edges[1:], strict=False)
    ]
    split_member = MemberInput(id="ana", stints=stints)
    other = MemberInput(id="bo", base_pay="8000", allocation="1", start="2026-01-01")
    one = compute_month("2026-10", plan(split), [pod([whole, other])])
    many = compute_month("2026-10", plan(split), [pod([split_member, other])])
    assert payouts(one) == payouts(many)
    assert one.pods[0].pool == many.pods[0].pool
    assert one.pods[0].actual_cost == many.pods[0].actual_cost


def test_it_averages_a_baseline_schedule_over_the_month():
    data = example()
    data["pods"][0]["baseline_headcount"] = [
        {"from": None, "value": "8"},
        {"from": "2026-10-16", "value": "9"},
    ]
    out = simulate(data)["pods"][0]
    # 15 days at 8 and 16 at 9: mean 264/31
    parsed = parse_scenario(data)
    result = compute_month(parsed.month, parsed.plan, parsed.pods)
    assert result.pods[0].baseline_headcount == Fraction(15 * 8 + 16 * 9, 31)
    assert out["pool"] == str(result.pods[0].pool)


def test_it_refuses_misused_stints_one_line_per_problem():
    data = example()
    data["pods"][0]["members"] = [
        {
            "id": "ana",
            "base_pay": "9000",
            "stints": [
                {"start": "2026-10-01", "end": "2026-10-20", "allocation": "1", "base_pay": "9000"},
                {"start": "2026-10-15", "end": None, "allocation": "2", "base_pay": "-1"},
            ],
        }
    ]
    assert problems(data) == [
        "pods[0] (p1).members[0] (ana): gives both stints and base_pay/allocation/start/end; "
        "give one or the other",
        "pods[0] (p1).members[0] (ana).stints[1]: base_pay -1 is negative",
        "pods[0] (p1).members[0] (ana).stints[1]: allocation 2 is outside 0..1",
        "pods[0] (p1).members[0] (ana): stints[0] and stints[1] share days "
        "(from 2026-10-15 to 2026-10-20)",
    ]


def test_it_refuses_a_stint_that_ends_before_it_starts_and_an_empty_list():
    data = example()
    data["pods"][0]["members"] = [
        {"id": "ana", "stints": []},
        {
            "id": "bo",
            "stints": [
                {"start": "2026-10-20", "end": "2026-10-10", "allocation": "1", "base_pay": "1"}
            ],
        },
    ]
    assert problems(data) == [
        "pods[0] (p1).members[0] (ana): stints is empty",
        "pods[0] (p1).members[1] (bo).stints[0]: end 2026-10-10 is before start 2026-10-20",
    ]


def test_it_refuses_baseline_dates_out_of_order_and_a_day_without_one():
    data = example()
    data["pods"][0]["baseline_headcount"] = [
        {"from": "2026-10-10", "value": "8"},
        {"from": "2026-10-05", "value": "9"},
        {"from": None, "value": "-1"},
    ]
    assert problems(data) == [
        "pods[0] (p1).baseline_headcount[1]: from 2026-10-05 is not after 2026-10-10 "
        "(dates out of order)",
        "pods[0] (p1).baseline_headcount[2]: value -1 is negative",
        "pods[0] (p1).baseline_headcount[2]: from may be null only in the first entry",
    ]
    data["pods"][0]["baseline_headcount"] = [{"from": "2026-10-10", "value": "8"}]
    try:
        simulate(data)
    except ScenarioRefused as refused:
        assert refused.problems == [
            "pods[0] (p1): no baseline_headcount is in force from 2026-10-01 to 2026-10-09"
        ]
    else:
        raise AssertionError("a day with no baseline must be refused")


def test_it_writes_a_scenario_that_reads_back_to_the_same_payouts():
    pods = [
        pod(
            [
                MemberInput(
                    id="ana",
                    stints=[
                        Stint(
                            start="2026-09-01", end="2026-10-14", allocation="1", base_pay="9000"
                        ),
                        Stint(start="2026-10-15", end=None, allocation="1", base_pay="9900"),
                    ],
                ),
                MemberInput(id="bo", base_pay="8000.55", allocation="0.5", start="2026-10-03"),
            ],
            baseline=[{"from": None, "value": "8"}, {"from": "2026-10-16", "value": "9.5"}],
        )
    ]
    direct = compute_month("2026-10", plan(), pods, currency="EUR").to_json()
    written = scenario_to_json("2026-10", plan(), pods, currency="EUR")
    assert simulate(written) == direct
