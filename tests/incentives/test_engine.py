"""DESIGN.md §3 maths, by hand. No Django, no database."""

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction as F

import pytest

from incentives.bonuses.engine import (
    Component,
    MemberInput,
    ObservationInput,
    Plan,
    PodInput,
    Targets,
    active_days,
    aggregate,
    attainment,
    compute_month,
    format_number,
    round_half_up,
    simulate,
    split_cents,
)

from .engine_scenarios import component, example, member, obs, pod, scenario


def only_pod(result: dict) -> dict:
    assert len(result["pods"]) == 1
    return result["pods"][0]


def amounts(pod_json: dict) -> dict:
    return {line["person"]: line["amount"] for line in pod_json["payouts"]}


# --------------------------------------------------------------- the worked example


def test_it_computes_the_worked_example_of_design_section_3():
    # By hand (October 2026 has 31 days):
    #   per-pod targets win: T0=90, T1=140, T2=190; v = 170 (the only observation, "last")
    #   T1 <= 170 < T2  ->  a = 1 + (1.5-1)(170-140)/(190-140) = 1 + 0.5*30/50 = 1.3;  A = 1 * 1.3
    #   ana: start 2026-09-01, no end -> 31/31 active; H = 1 * 1 = 1; K = 9000 * 1 * 1 = 9000
    #   E = 1.3 * 12 * 12000 = 187200; D = max(0, 187200 - 9000) = 178200
    #   efficiency ratio = 1.3 * 12 / 1 = 15.6
    #   A = 1.3 >= 0.5: P = min(0.20 * 178200, 0.50 * 9000) = min(35640, 4500) = 4500.00
    #   one member, weight 1 * 1 -> ana gets the whole pool.
    assert simulate(example()) == {
        "month": "2026-10",
        "currency": "EUR",
        "pods": [
            {
                "id": "p1",
                "attainment": "1.3",
                "components": [{"metric": "activation", "value": "170", "attainment": "1.3"}],
                "fte": "1",
                "actual_cost": "9000",
                "equivalent_cost": "187200",
                "dividend": "178200",
                "efficiency_ratio": "15.6",
                "pool": "4500.00",
                "payouts": [{"person": "ana", "amount": "4500.00"}],
            }
        ],
    }


def test_it_keeps_the_pod_output_keys_exactly_as_specified():
    out = only_pod(simulate(example()))
    assert list(out) == [
        "id",
        "attainment",
        "components",
        "fte",
        "actual_cost",
        "equivalent_cost",
        "dividend",
        "efficiency_ratio",
        "pool",
        "payouts",
    ]
    assert list(out["components"][0]) == ["metric", "value", "attainment"]
    assert list(out["payouts"][0]) == ["person", "amount"]


def test_it_gives_the_same_result_from_data_classes_built_with_decimals():
    plan = Plan(
        standard_cost_per_fte=Decimal("12000"),
        share=Decimal("0.20"),
        pool_cap=Decimal("0.50"),
        min_attainment=Decimal("0.5"),
        components=[
            Component(
                metric="activation",
                kind="outcome",
                weight=Decimal("1"),
                direction="higher",
                threshold=Decimal("100"),
                target=Decimal("150"),
                stretch=Decimal("200"),
                aggregate="last",
            )
        ],
    )
    pods = [
        PodInput(
            id="p1",
            baseline_headcount=12,
            targets={"activation": (Decimal(90), Decimal(140), Decimal(190))},
            members=[
                MemberInput(
                    id="ana", base_pay=Decimal("9000"), allocation=1, start=date(2026, 9, 1)
                )
            ],
            observations=[
                ObservationInput(metric="activation", date=date(2026, 10, 31), value=170)
            ],
        )
    ]
    result = compute_month((2026, 10), plan, pods, currency="EUR")
    assert result.to_json() == simulate(example())

    pod_result = result.pods[0]
    assert pod_result.attainment == F(13, 10)
    assert pod_result.pool_before_rounding == F(4500)
    assert pod_result.pool_uncapped == F(35640)
    assert pod_result.pool_limit == F(4500)
    assert pod_result.attainment_met is True
    comp = pod_result.components[0]
    assert (comp.threshold, comp.target, comp.stretch) == (90, 140, 190)
    assert comp.value == 170 and comp.observations == 1 and comp.used_empty_value is False

    line = pod_result.payouts[0]
    assert line.amount == Decimal("4500.00")
    assert str(line.amount) == "4500.00"
    assert (line.active_days, line.days_in_month, line.active_fraction) == (31, 31, 1)
    assert (line.allocation, line.weight, line.share_exact, line.extra_cent) == (1, 1, 4500, False)


def test_it_stores_every_intermediate_on_the_payout_breakdown():
    # the worked example's numbers, built from data classes with plain strings
    result = compute_month(
        "2026-10",
        Plan(
            standard_cost_per_fte="12000",
            components=[
                Component(**{**component(), "threshold": "90", "target": "140", "stretch": "190"})
            ],
        ),
        [
            PodInput(
                id="p1",
                baseline_headcount="12",
                members=[MemberInput(id="ana", base_pay="9000", allocation="1")],
                observations=[
                    ObservationInput(metric="activation", date="2026-10-31", value="170")
                ],
            )
        ],
        currency="EUR",
    )
    breakdown = result.pods[0].payouts[0].breakdown
    json.dumps(breakdown)  # storable as JSON as is
    assert breakdown["month"] == "2026-10"
    assert breakdown["currency"] == "EUR"
    assert breakdown["pod"] == "p1"
    assert breakdown["person"] == "ana"
    assert breakdown["components"] == [
        {
            "metric": "activation",
            "direction": "higher",
            "aggregate": "last",
            "weight": "1",
            "threshold": "90",
            "target": "140",
            "stretch": "190",
            "floor": "0.5",
            "attainment_cap": "1.5",
            "observations": 1,
            "used_empty_value": False,
            "value": "170",
            "attainment": "1.3",
        }
    ]
    expected = {
        "attainment": "1.3",
        "min_attainment": "0.5",
        "attainment_met": True,
        "baseline_headcount": "12",
        "plan": {
            "standard_cost_per_fte": "12000",
            "share": "0.2",
            "pool_cap": "0.5",
            "min_attainment": "0.5",
            "split": "allocation",
        },
        "fte": "1",
        "actual_cost": "9000",
        "equivalent_cost": "187200",
        "dividend": "178200",
        "efficiency_ratio": "15.6",
        "pool_uncapped": "35640",
        "pool_limit": "4500",
        "pool_before_rounding": "4500",
        "pool": "4500.00",
        "total_weight": "1",
        "base_pay": "9000",
        "allocation": "1",
        "start": None,
        "end": None,
        "active_days": "31",
        "days_in_month": "31",
        "active_fraction": "1",
        "weight": "1",
        "share_exact": "4500",
        "share_floored": "4500.00",
        "extra_cent": False,
        "amount": "4500.00",
    }
    assert {key: breakdown[key] for key in expected} == expected


# --------------------------------------------------------------------- the curves

HIGHER = {"direction": "higher", "threshold": F(100), "target": F(150), "stretch": F(200)}
LOWER = {"direction": "lower", "threshold": F(10), "target": F(5), "stretch": F(2)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (F(50), F(0)),  # v < T0
        (F(9999, 100), F(0)),  # just below T0
        (F(100), F(1, 2)),  # v = T0: the floor
        (F(125), F(3, 4)),  # T0 <= v < T1: 0.5 + 0.5 * 25/50
        (F(14999, 100), F(1, 2) + F(1, 2) * F(4999, 100) / 50),  # just below T1
        (F(150), F(1)),  # v = T1
        (F(175), F(5, 4)),  # T1 <= v < T2: 1 + 0.5 * 25/50
        (F(200), F(3, 2)),  # v = T2: the cap
        (F(1000), F(3, 2)),  # v > T2
    ],
)
def test_it_follows_the_higher_is_better_curve(value, expected):
    assert attainment(value, **HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (F(11), F(0)),  # v > T0
        (F(1001, 100), F(0)),  # just above T0
        (F(10), F(1, 2)),  # v = T0: the floor
        (F(15, 2), F(3, 4)),  # T1 < v <= T0: 0.5 + 0.5 * 2.5/5
        (F(5), F(1)),  # v = T1
        (F(7, 2), F(5, 4)),  # T2 < v <= T1: 1 + 0.5 * 1.5/3
        (F(2), F(3, 2)),  # v = T2: the cap
        (F(0), F(3, 2)),  # v < T2
        (F(-3), F(3, 2)),
    ],
)
def test_it_follows_the_lower_is_better_curve(value, expected):
    assert attainment(value, **LOWER) == expected


def test_it_uses_the_components_floor_and_cap():
    kwargs = {**HIGHER, "floor": F(1, 5), "cap": F(2)}
    assert attainment(F(100), **kwargs) == F(1, 5)
    assert attainment(F(125), **kwargs) == F(1, 5) + F(4, 5) * F(1, 2)
    assert attainment(F(175), **kwargs) == F(3, 2)
    assert attainment(F(200), **kwargs) == F(2)
    assert attainment(F(6), **{**LOWER, "floor": F(0), "cap": F(1)}) == F(4, 5)
    assert attainment(F(1), **{**LOWER, "floor": F(0), "cap": F(1)}) == F(1)


def test_it_gives_no_attainment_without_a_value():
    assert attainment(None, **HIGHER) == 0
    assert attainment(None, **LOWER) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("99", "0"), ("100", "0.5"), ("150", "1"), ("200", "1.5"), ("120", "0.7"), ("160", "1.1")],
)
def test_it_applies_the_curve_in_a_scenario_at_each_boundary(value, expected):
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs(value)])])))
    assert out["components"] == [{"metric": "activation", "value": value, "attainment": expected}]
    assert out["attainment"] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("11", "0"), ("10", "0.5"), ("7.5", "0.75"), ("5", "1"), ("3.5", "1.25"), ("2", "1.5")],
)
def test_it_applies_a_lower_is_better_component_in_a_scenario(value, expected):
    comp = component("incidents", direction="lower", threshold="10", target="5", stretch="2")
    out = only_pod(
        simulate(
            scenario(components=[comp], pods=[pod(observations=[obs(value, metric="incidents")])])
        )
    )
    assert out["components"][0]["attainment"] == expected


# -------------------------------------------------------------------- weights, A


def test_it_weights_the_components():
    comps = [
        component("activation", weight="0.25"),  # v = 150 -> a = 1
        component("retention", weight="0.75", threshold="0.5", target="0.6", stretch="0.8"),
    ]
    observations = [obs("150"), obs("0.7", metric="retention")]  # a = 1 + 0.5 * 0.1/0.2 = 1.25
    out = only_pod(simulate(scenario(components=comps, pods=[pod(observations=observations)])))
    assert [c["attainment"] for c in out["components"]] == ["1", "1.25"]
    # A = 0.25 * 1 + 0.75 * 1.25 = 1.1875
    assert out["attainment"] == "1.1875"
    # E = 1.1875 * 12 * 12000 = 171000
    assert out["equivalent_cost"] == "171000"


def test_it_counts_a_component_without_a_value_as_zero_attainment():
    comps = [component("activation", weight="0.6"), component("nps", weight="0.4")]
    out = only_pod(simulate(scenario(components=comps)))
    assert out["components"][1] == {"metric": "nps", "value": None, "attainment": "0"}
    assert out["attainment"] == "0.6"


# -------------------------------------------------------------------- aggregation


def test_it_takes_the_latest_observation_for_last():
    observations = [obs("180", "2026-10-20"), obs("120", "2026-10-25"), obs("170", "2026-10-02")]
    out = only_pod(simulate(scenario(pods=[pod(observations=observations)])))
    assert out["components"][0]["value"] == "120"


def test_it_breaks_a_same_date_tie_for_last_by_input_order():
    observations = [obs("180", "2026-10-25"), obs("120", "2026-10-25"), obs("170", "2026-10-02")]
    out = only_pod(simulate(scenario(pods=[pod(observations=observations)])))
    assert out["components"][0]["value"] == "120"
    assert aggregate([(date(2026, 10, 1), F(1)), (date(2026, 10, 1), F(2))], "last") == 2


def test_it_sums_observations():
    comp = component(aggregate="sum")
    observations = [obs("40.5", "2026-10-01"), obs("60", "2026-10-31"), obs("9.5", "2026-10-09")]
    out = only_pod(simulate(scenario(components=[comp], pods=[pod(observations=observations)])))
    assert out["components"][0]["value"] == "110"


def test_it_averages_observations_exactly():
    comp = component(aggregate="mean")
    observations = [obs("100"), obs("150"), obs("151")]
    out = only_pod(simulate(scenario(components=[comp], pods=[pod(observations=observations)])))
    # 401 / 3 does not terminate: 28 significant digits.
    assert out["components"][0]["value"] == "133.6666666666666666666666667"
    # a = 0.5 + 0.5 * (401/3 - 100) / 50 = 0.5 + 101/300 = 251/300
    assert out["components"][0]["attainment"] == "0.8366666666666666666666666667"


def test_it_counts_only_observations_dated_in_the_month():
    for rule, expected in [("last", "110"), ("sum", "110"), ("mean", "110")]:
        observations = [
            obs("500", "2026-09-30"),
            obs("110", "2026-10-01"),
            obs("900", "2026-11-01"),
        ]
        comp = component(aggregate=rule)
        out = only_pod(simulate(scenario(components=[comp], pods=[pod(observations=observations)])))
        assert out["components"][0]["value"] == expected


def test_it_ignores_observations_of_metrics_not_in_the_plan():
    observations = [obs("150"), {"metric": "hours", "date": "nonsense", "value": "lots"}]
    out = only_pod(simulate(scenario(pods=[pod(observations=observations)])))
    assert out["components"] == [{"metric": "activation", "value": "150", "attainment": "1"}]


def test_it_uses_the_empty_value_when_there_is_no_observation():
    comp = component(
        "incidents", direction="lower", threshold="3", target="1", stretch="0", empty_value="0"
    )
    out = only_pod(simulate(scenario(components=[comp], pods=[pod(observations=[])])))
    assert out["components"] == [{"metric": "incidents", "value": "0", "attainment": "1.5"}]


def test_it_ignores_the_empty_value_when_there_is_an_observation():
    comp = component(
        "incidents", direction="lower", threshold="3", target="1", stretch="0", empty_value="0"
    )
    observations = [obs("2", metric="incidents"), obs("0", "2026-09-30", metric="incidents")]
    out = only_pod(simulate(scenario(components=[comp], pods=[pod(observations=observations)])))
    # a = 0.5 + 0.5 * (3 - 2)/(3 - 1) = 0.75
    assert out["components"] == [{"metric": "incidents", "value": "2", "attainment": "0.75"}]


def test_it_reports_null_without_observation_or_empty_value():
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("170", "2026-09-30")])])))
    assert out["components"] == [{"metric": "activation", "value": None, "attainment": "0"}]
    assert out["attainment"] == "0"
    assert out["pool"] == "0.00"
    assert out["payouts"] == [{"person": "ana", "amount": "0.00"}]


# ------------------------------------------------------------------- per-pod targets


def test_it_lets_per_pod_targets_override_the_plans():
    targets = {"activation": {"threshold": "50", "target": "100", "stretch": "150"}}
    pods = [
        pod("p1", observations=[obs("125")]),
        pod("p2", observations=[obs("125")], targets=targets),
    ]
    result = simulate(scenario(pods=pods))
    assert [p["attainment"] for p in result["pods"]] == ["0.75", "1.25"]


def test_it_falls_back_to_the_plans_targets_for_a_partial_override():
    targets = {"activation": {"target": "125"}}  # T0 = 100, T1 = 125, T2 = 200
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("125")], targets=targets)])))
    assert out["attainment"] == "1"


def test_it_ignores_targets_of_metrics_not_in_the_plan():
    targets = {"nps": {"threshold": "x"}}
    out = only_pod(simulate(scenario(pods=[pod(targets=targets)])))
    assert out["attainment"] == "1"


def test_it_takes_per_pod_targets_as_tuples_from_the_database_layer():
    pod_input = PodInput(
        id="p1",
        baseline_headcount=1,
        targets={"activation": (None, 125, None)},
        members=[],
        observations=[ObservationInput(metric="activation", date=date(2026, 10, 1), value=125)],
    )
    assert pod_input.targets["activation"] == Targets(threshold=None, target=F(125), stretch=None)
    as_dict = PodInput(id="p1", baseline_headcount=1, targets={"activation": {"target": "125"}})
    assert as_dict.targets == pod_input.targets
    plan = Plan(standard_cost_per_fte=1, components=[Component(**component())])
    assert compute_month((2026, 10), plan, [pod_input]).pods[0].attainment == 1


# ----------------------------------------------------------- active fraction, H and K


def test_it_counts_calendar_days_inclusively():
    assert active_days(None, None, 2026, 10) == 31
    assert active_days(date(2026, 10, 16), None, 2026, 10) == 16
    assert active_days(None, date(2026, 10, 10), 2026, 10) == 10
    assert active_days(date(2026, 10, 5), date(2026, 10, 5), 2026, 10) == 1
    assert active_days(date(2025, 1, 1), date(2030, 1, 1), 2026, 10) == 31
    assert active_days(None, date(2026, 9, 30), 2026, 10) == 0
    assert active_days(date(2026, 11, 1), None, 2026, 10) == 0
    assert active_days(None, None, 2028, 2) == 29
    assert active_days(None, None, 2026, 2) == 28


def test_it_prorates_mid_month_joins_and_leaves():
    members = [
        member("ana", base_pay="3100", start="2026-10-16"),  # 16/31
        member("ben", base_pay="6200", end="2026-10-10"),  # 10/31
        member("cy", base_pay="3100", start="2026-10-05", end="2026-10-05"),  # 1/31
    ]
    out = only_pod(simulate(scenario(pods=[pod(members=members)])))
    # H = (16 + 10 + 1)/31 = 27/31 (does not terminate)
    assert out["fte"] == "0.8709677419354838709677419355"
    # K = 3100*16/31 + 6200*10/31 + 3100*1/31 = 1600 + 2000 + 100 = 3700
    assert out["actual_cost"] == "3700"
    # A = 1: E = 144000, D = 140300; P = min(28060, 1850) = 1850.00
    assert out["pool"] == "1850.00"
    # split by allocation x active fraction: 16 : 10 : 1 of 1850.00
    #   in cents: ana 185000*16/27 = 109629.63, ben 68518.52, cy 6851.85
    #   floors 109629 + 68518 + 6851 = 184998: two cents left, remainders .85 (cy) and .63 (ana)
    assert amounts(out) == {"ana": "1096.30", "ben": "685.18", "cy": "68.52"}


def test_it_prorates_part_time_allocation():
    members = [member("ana", base_pay="8000", allocation="0.5"), member("ben", base_pay="4000")]
    out = only_pod(simulate(scenario(pods=[pod(members=members)])))
    assert out["fte"] == "1.5"
    assert out["actual_cost"] == "8000"  # 8000 * 0.5 + 4000 * 1
    # A = 1; E = 144000; D = 136000; P = min(27200, 4000) = 4000 split 0.5 : 1
    assert out["pool"] == "4000.00"
    assert amounts(out) == {"ana": "1333.33", "ben": "2666.67"}
    assert out["efficiency_ratio"] == "8"  # 1 * 12 / 1.5


def test_it_leaves_out_members_with_no_active_day():
    members = [
        member("ana"),
        member("gone", base_pay="100000", end="2026-09-30"),
        member("later", base_pay="100000", start="2026-11-01"),
    ]
    out = only_pod(simulate(scenario(pods=[pod(members=members)])))
    assert out["fte"] == "1"
    assert out["actual_cost"] == "9000"
    assert [line["person"] for line in out["payouts"]] == ["ana"]


def test_it_gives_a_person_in_two_pods_a_line_per_pod():
    pods = [
        pod("p1", members=[member("ana", allocation="0.5"), member("ben")]),
        pod("p2", members=[member("ana", allocation="0.5")]),
    ]
    result = simulate(scenario(pods=pods))
    assert [[line["person"] for line in p["payouts"]] for p in result["pods"]] == [
        ["ana", "ben"],
        ["ana"],
    ]
    # p2: K = 4500, P = min(0.2 * (144000 - 4500), 0.5 * 4500) = 2250.00
    assert result["pods"][1]["payouts"] == [{"person": "ana", "amount": "2250.00"}]


# -------------------------------------------------------------------------- pool


def test_it_caps_the_pool_at_kappa_times_k():
    # σ·D = 0.2 * (144000 - 9000) = 27000 > κ·K = 4500
    out = only_pod(simulate(scenario()))
    assert out["dividend"] == "135000"
    assert out["pool"] == "4500.00"


def test_it_pays_sigma_times_d_when_that_is_smaller():
    # E = 1 * 1 * 12000; K = 9000; D = 3000; σ·D = 600 < κ·K = 4500
    out = only_pod(simulate(scenario(pods=[pod(baseline="1")])))
    assert out["dividend"] == "3000"
    assert out["pool"] == "600.00"


def test_it_uses_the_plans_share_and_cap():
    out = only_pod(simulate(scenario(pods=[pod(baseline="1")], share="0.5", pool_cap="0.1")))
    # σ·D = 1500, κ·K = 900
    assert out["pool"] == "900.00"


def test_it_clamps_the_dividend_at_zero():
    out = only_pod(simulate(scenario(pods=[pod(baseline="0.5")])))
    # E = 6000 < K = 9000
    assert out["equivalent_cost"] == "6000"
    assert out["dividend"] == "0"
    assert out["pool"] == "0.00"
    assert out["payouts"] == [{"person": "ana", "amount": "0.00"}]


def test_it_pays_nothing_below_the_minimum_attainment():
    # v = 120: A = 0.5 + 0.5 * 20/50 = 0.7 < 0.8
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("120")])], min_attainment="0.8")))
    assert out["attainment"] == "0.7"
    assert out["dividend"] != "0"
    assert out["pool"] == "0.00"
    assert out["payouts"] == [{"person": "ana", "amount": "0.00"}]


def test_it_pays_at_exactly_the_minimum_attainment():
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("120")])], min_attainment="0.7")))
    assert out["pool"] == "4500.00"


def test_it_uses_the_default_minimum_attainment_of_one_half():
    below = obs("99.99")  # a = 0 (below T0)
    assert only_pod(simulate(scenario(pods=[pod(observations=[below])])))["pool"] == "0.00"
    at = obs("100")  # a = 0.5, the floor
    assert only_pod(simulate(scenario(pods=[pod(observations=[at])])))["pool"] == "4500.00"


def test_it_rounds_the_pool_half_up_once():
    # A = 1, baseline 1, standard cost 1000.125: E = 1000.125; K = 500; D = 500.125
    # σ·D = 100.025 (κ·K = 250): half up -> 100.03 (banker's rounding would give 100.02)
    out = only_pod(
        simulate(
            scenario(
                pods=[pod(baseline="1", members=[member(base_pay="500")])],
                standard_cost_per_fte="1000.125",
            )
        )
    )
    assert out["dividend"] == "500.125"
    assert out["pool"] == "100.03"
    assert out["payouts"] == [{"person": "ana", "amount": "100.03"}]


def test_it_rounds_the_pool_down_below_the_half():
    out = only_pod(
        simulate(
            scenario(
                pods=[pod(baseline="1", members=[member(base_pay="500")])],
                standard_cost_per_fte="1000.1245",
            )
        )
    )
    assert out["pool"] == "100.02"  # 100.0249


def test_it_rounds_half_up():
    assert round_half_up(F(5, 10)) == 1
    assert round_half_up(F(25, 10)) == 3
    assert round_half_up(F(249, 100)) == 2
    assert round_half_up(F(0)) == 0
    assert round_half_up(F(-5, 10)) == -1


# ------------------------------------------------------------------------- split


def test_it_splits_equally_when_the_plan_says_so():
    members = [member("ana", allocation="0.5"), member("ben"), member("cy", start="2026-10-31")]
    out = only_pod(simulate(scenario(pods=[pod(members=members)], split="equal")))
    # K = 4500 + 9000 + 9000/31; P = κ·K = 6750 + 4500/31 = 6895.161290... -> 6895.16
    assert out["pool"] == "6895.16"
    # 689516 cents / 3 = 229838.67 -> floors 229838 each (2 left): ana and ben (remainders tie,
    # ascending id), cy gets the floor
    assert amounts(out) == {"ana": "2298.39", "ben": "2298.39", "cy": "2298.38"}


def test_it_gives_leftover_cents_to_the_largest_remainders():
    # 7 cents at 0.5 : 0.3 : 0.2 -> 3.5, 2.1, 1.4 -> floors 3, 2, 1; one left -> the 0.5 remainder
    weights = [("ana", F(1, 2)), ("ben", F(3, 10)), ("cy", F(1, 5))]
    assert split_cents(7, weights) == [4, 2, 1]
    # 8 cents -> 4, 2.4, 1.6: floors 4, 2, 1; one left -> cy (0.6 beats 0.4)
    assert split_cents(8, weights) == [4, 2, 2]
    # 9 cents -> 4.5, 2.7, 1.8: floors 4, 2, 1; two left -> cy (0.8), ben (0.7), not ana (0.5)
    assert split_cents(9, weights) == [4, 3, 2]


def test_it_breaks_remainder_ties_by_ascending_person_id_in_string_order():
    # 100 cents in three: 33.33 each, one cent left, exact tie
    assert split_cents(100, [("b", F(1)), ("a", F(1)), ("c", F(1))]) == [33, 34, 33]
    # string order: "10" < "9"
    assert split_cents(100, [("9", F(1)), ("10", F(1)), ("11", F(1))]) == [33, 34, 33]
    # two cents left over four ties
    assert split_cents(102, [("d", F(1)), ("c", F(1)), ("b", F(1)), ("a", F(1))]) == [
        25,
        25,
        26,
        26,
    ]


def test_it_breaks_ties_by_person_id_in_a_scenario():
    members = [
        member("zoe", base_pay="1"),
        member("amy", base_pay="1"),
        member("kim", base_pay="1"),
    ]
    # K = 3, P = min(σ·D, 1.5) = 1.50 -> 0.50 each, no tie; make it 1.00 with κ = 1/3
    out = only_pod(simulate(scenario(pods=[pod(members=members)], pool_cap="0.3333333333333333")))
    # κ·K = 0.9999999999999999 -> 1.00 after rounding: 33 cents each, the cent goes to amy
    assert out["pool"] == "1.00"
    assert out["payouts"] == [
        {"person": "zoe", "amount": "0.33"},
        {"person": "amy", "amount": "0.34"},
        {"person": "kim", "amount": "0.33"},
    ]


def test_it_reports_shares_and_extra_cents_on_the_payout_lines():
    plan = Plan(standard_cost_per_fte=1, pool_cap=F(1, 3), components=[Component(**component())])
    pods = [
        PodInput(
            id="p1",
            baseline_headcount=100,
            members=[MemberInput(id=name, base_pay=1, allocation=1) for name in ("b", "a", "c")],
            observations=[ObservationInput(metric="activation", date=date(2026, 10, 1), value=150)],
        )
    ]
    lines = compute_month("2026-10", plan, pods).pods[0].payouts
    assert [(line.person, line.amount, line.extra_cent) for line in lines] == [
        ("b", Decimal("0.33"), False),
        ("a", Decimal("0.34"), True),
        ("c", Decimal("0.33"), False),
    ]
    assert all(line.share_exact == F(1, 3) for line in lines)
    assert lines[1].breakdown["share_exact"] == "0.3333333333333333333333333333"
    assert lines[1].breakdown["share_floored"] == "0.33"


def test_it_gives_every_active_member_a_zero_line_when_the_pool_is_zero():
    members = [member("ana"), member("ben", start="2026-10-31")]
    out = only_pod(simulate(scenario(pods=[pod(members=members, observations=[])])))
    assert out["pool"] == "0.00"
    assert out["payouts"] == [
        {"person": "ana", "amount": "0.00"},
        {"person": "ben", "amount": "0.00"},
    ]


# ------------------------------------------------------------------------ H = 0


def test_it_reports_no_efficiency_ratio_when_h_is_zero():
    members = [member("ana", allocation="0"), member("ben", allocation="0")]
    out = only_pod(simulate(scenario(pods=[pod(members=members)])))
    assert out["fte"] == "0"
    assert out["efficiency_ratio"] is None
    assert out["actual_cost"] == "0"
    # K = 0, so κ·K = 0 and the pool is 0 even though E - K > 0; all weights are 0 too
    assert out["dividend"] == "144000"
    assert out["pool"] == "0.00"
    assert out["payouts"] == [
        {"person": "ana", "amount": "0.00"},
        {"person": "ben", "amount": "0.00"},
    ]


def test_it_handles_a_pod_with_no_active_member():
    out = only_pod(simulate(scenario(pods=[pod(members=[member(end="2026-01-01")])])))
    assert out["fte"] == "0"
    assert out["efficiency_ratio"] is None
    assert out["pool"] == "0.00"
    assert out["payouts"] == []


def test_it_still_splits_equally_over_zero_allocation_members():
    members = [member("ana", allocation="0"), member("ben")]
    out = only_pod(simulate(scenario(pods=[pod(members=members)], split="equal")))
    assert out["fte"] == "1"
    assert out["pool"] == "4500.00"
    assert amounts(out) == {"ana": "2250.00", "ben": "2250.00"}


def test_it_refuses_to_split_a_positive_pool_over_zero_weights():
    assert split_cents(0, [("a", F(0)), ("b", F(0))]) == [0, 0]
    with pytest.raises(ValueError):
        split_cents(1, [("a", F(0))])
    with pytest.raises(ValueError):
        split_cents(-1, [("a", F(1))])


# ------------------------------------------------------------------- numbers out


def test_it_formats_numbers_exactly_or_to_28_significant_digits():
    assert format_number(None) is None
    assert format_number(F(0)) == "0"
    assert format_number(F(9000)) == "9000"
    assert format_number(F(13, 10)) == "1.3"
    assert format_number(F(-1, 8)) == "-0.125"
    assert format_number(F(1, 3)) == "0.3333333333333333333333333333"
    assert format_number(F(2, 3)) == "0.6666666666666666666666666667"
    assert format_number(F(10**40 + 1, 3)) == "3333333333333333333333333333000000000000"
    assert format_number(F(2 * 10**40, 3)) == "6666666666666666666666666667000000000000"
    assert format_number(F(123456789012345678901234567890123, 100)) == (
        "1234567890123456789012345678901.23"
    )


def test_it_formats_money_with_two_decimals():
    out = only_pod(simulate(scenario(pods=[pod(baseline="0.5")])))
    assert out["pool"] == "0.00"
    out = only_pod(simulate(scenario(pods=[pod(baseline="1")], share="0.1")))
    assert out["pool"] == "300.00"
    assert out["payouts"] == [{"person": "ana", "amount": "300.00"}]


def test_it_accepts_json_numbers_read_as_decimals_and_integers():
    data = scenario(pods=[pod(members=[member(base_pay=Decimal("9000.00"), allocation=1)])])
    data["plan"]["standard_cost_per_fte"] = 12000
    assert simulate(data) == simulate(scenario())


def test_it_echoes_a_missing_currency_as_null():
    data = scenario()
    del data["currency"]
    assert simulate(data)["currency"] is None


def test_it_applies_the_plan_defaults():
    # no share, pool_cap, min_attainment, split, floor or cap in the plan
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("100")])])))
    assert out["attainment"] == "0.5"  # floor 0.5, and 0.5 >= A_min 0.5
    out = only_pod(simulate(scenario(pods=[pod(observations=[obs("500")])])))
    assert out["attainment"] == "1.5"  # cap 1.5
    out = only_pod(simulate(scenario(pods=[pod(baseline="1")])))
    assert out["pool"] == "600.00"  # σ = 0.20 of D = 3000 (κ·K = 4500 with κ = 0.50)
