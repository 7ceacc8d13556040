"""Every refusal of DESIGN.md §3, with the message it gives; the pure CLI. No Django."""

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from incentives.bonuses.engine import (
    Component,
    MemberInput,
    Plan,
    PodInput,
    ScenarioRefused,
    compute_month,
    parse_scenario,
    run_simulation,
    simulate,
    validate_scenario,
)

from .engine_scenarios import component, example, member, obs, pod, scenario

REPO = Path(__file__).resolve().parents[2]
C0 = "plan.components[0] (activation)"


def problems(data) -> list[str]:
    with pytest.raises(ScenarioRefused) as refused:
        simulate(data)
    assert str(refused.value) == "\n".join(refused.value.problems)
    return refused.value.problems


# ------------------------------------------------------------------------ weights


def test_it_refuses_weights_that_do_not_sum_to_one():
    comps = [component("activation", weight="0.5"), component("nps", weight="0.4")]
    assert problems(scenario(components=comps)) == [
        "plan.components: weights sum to 0.9, not exactly 1"
    ]


def test_it_refuses_weights_that_sum_to_more_than_one():
    comps = [component("activation", weight="0.5"), component("nps", weight="0.5000000001")]
    assert problems(scenario(components=comps)) == [
        "plan.components: weights sum to 1.0000000001, not exactly 1"
    ]


def test_it_accepts_weights_that_sum_to_exactly_one():
    comps = [component(m, weight="0.1") for m in "abcdefghij"]  # 0.1 is exact here, not a float
    assert simulate(scenario(components=comps))["pods"][0]["attainment"] == "0"


def test_it_refuses_a_negative_weight():
    comps = [component("activation", weight="-0.5"), component("nps", weight="1.5")]
    assert problems(scenario(components=comps)) == [f"{C0}: weight -0.5 is negative"]


def test_it_refuses_an_empty_component_list():
    data = scenario()
    data["plan"]["components"] = []
    assert problems(data) == ["plan.components: weights sum to 0, not exactly 1"]


# ------------------------------------------------------------------ process metrics


def test_it_refuses_a_process_metric_and_says_why():
    comp = component("hours", kind="process")
    assert problems(scenario(components=[comp])) == [
        "plan.components[0] (hours): hours is a process metric (effort or activity); pay follows"
        " outcomes that users and the business feel, not effort, so a process metric cannot be"
        " part of an incentive plan"
    ]


def test_it_refuses_a_process_metric_built_by_the_database_layer():
    plan = Plan(
        standard_cost_per_fte=1,
        components=[Component(**component("story_points", kind="process"))],
    )
    with pytest.raises(ScenarioRefused) as refused:
        compute_month("2026-10", plan, [])
    assert len(refused.value.problems) == 1
    assert "story_points is a process metric" in refused.value.problems[0]
    assert "not effort" in refused.value.problems[0]


# --------------------------------------------------------------------- money


def test_it_refuses_negative_base_pay():
    data = scenario(pods=[pod(members=[member("ana", base_pay="-0.01")])])
    assert problems(data) == ["pods[0] (p1).members[0] (ana): base_pay -0.01 is negative"]


def test_it_refuses_a_negative_standard_cost():
    assert problems(scenario(standard_cost_per_fte="-12000")) == [
        "plan: standard_cost_per_fte -12000 is negative"
    ]


def test_it_accepts_zero_money():
    data = scenario(pods=[pod(members=[member(base_pay="0")])], standard_cost_per_fte="0")
    assert simulate(data)["pods"][0]["pool"] == "0.00"


def test_it_refuses_a_negative_share_pool_cap_or_baseline():
    data = scenario(pods=[pod(baseline="-1")], share="-0.2", pool_cap="-0.5")
    assert problems(data) == [
        "plan: share -0.2 is negative",
        "plan: pool_cap -0.5 is negative",
        "pods[0] (p1): baseline_headcount -1 is negative",
    ]


# ---------------------------------------------------------------- allocation


@pytest.mark.parametrize("allocation", ["1.5", "-0.1", "1.0000001"])
def test_it_refuses_an_allocation_outside_zero_to_one(allocation):
    data = scenario(pods=[pod("p1"), pod("p2", members=[member("ana", allocation=allocation)])])
    shown = str(Decimal(allocation).normalize())
    assert problems(data) == [f"pods[1] (p2).members[0] (ana): allocation {shown} is outside 0..1"]


@pytest.mark.parametrize("allocation", ["0", "1", "0.0", "1.00"])
def test_it_accepts_allocations_at_the_bounds(allocation):
    assert simulate(scenario(pods=[pod(members=[member(allocation=allocation)])]))


# ------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("t0", "t1", "t2", "got"),
    [
        ("150", "100", "200", "threshold 150, target 100, stretch 200"),
        ("100", "100", "200", "threshold 100, target 100, stretch 200"),
        ("100", "200", "200", "threshold 100, target 200, stretch 200"),
        ("200", "150", "100", "threshold 200, target 150, stretch 100"),
    ],
)
def test_it_refuses_higher_is_better_targets_not_strictly_increasing(t0, t1, t2, got):
    comp = component(threshold=t0, target=t1, stretch=t2)
    assert problems(scenario(components=[comp])) == [
        f"{C0}: targets are not strictly ordered for direction higher: need threshold < target"
        f" < stretch, got {got}"
    ]


@pytest.mark.parametrize(
    ("t0", "t1", "t2"), [("2", "5", "10"), ("10", "10", "2"), ("10", "5", "5"), ("5", "10", "2")]
)
def test_it_refuses_lower_is_better_targets_not_strictly_decreasing(t0, t1, t2):
    comp = component("incidents", direction="lower", threshold=t0, target=t1, stretch=t2)
    assert problems(scenario(components=[comp])) == [
        "plan.components[0] (incidents): targets are not strictly ordered for direction lower:"
        f" need threshold > target > stretch, got threshold {t0}, target {t1}, stretch {t2}"
    ]


def test_it_refuses_per_pod_targets_not_ordered_for_the_direction():
    targets = {"activation": {"threshold": "190", "target": "140", "stretch": "90"}}
    data = scenario(pods=[pod("p1"), pod("p2", targets=targets)])
    assert problems(data) == [
        "pods[1] (p2).targets.activation: targets are not strictly ordered for direction higher:"
        " need threshold < target < stretch, got threshold 190, target 140, stretch 90"
    ]


def test_it_checks_a_partial_per_pod_override_against_the_plans_other_targets():
    targets = {"activation": {"target": "250"}}  # plan: 100 < 250 but 250 > stretch 200
    assert problems(scenario(pods=[pod(targets=targets)])) == [
        "pods[0] (p1).targets.activation: targets are not strictly ordered for direction higher:"
        " need threshold < target < stretch, got threshold 100, target 250, stretch 200"
    ]


def test_it_refuses_per_pod_targets_that_are_not_numbers():
    targets = {"activation": {"threshold": "ninety"}}
    assert problems(scenario(pods=[pod(targets=targets)])) == [
        "pods[0] (p1).targets.activation: threshold 'ninety' is not a number"
    ]


# ---------------------------------------------------------------- floor and cap


@pytest.mark.parametrize("floor", ["-0.1", "1.01", "2"])
def test_it_refuses_a_floor_outside_zero_to_one(floor):
    assert problems(scenario(components=[component(floor=floor)])) == [
        f"{C0}: floor {floor} is outside 0..1"
    ]


@pytest.mark.parametrize("floor", ["0", "1"])
def test_it_accepts_a_floor_at_the_bounds(floor):
    assert simulate(scenario(components=[component(floor=floor)]))


def test_it_refuses_an_attainment_cap_below_one():
    assert problems(scenario(components=[component(attainment_cap="0.99")])) == [
        f"{C0}: attainment_cap 0.99 is below 1"
    ]


def test_it_accepts_an_attainment_cap_of_one():
    out = simulate(
        scenario(components=[component(attainment_cap="1")], pods=[pod(observations=[obs("999")])])
    )
    assert out["pods"][0]["attainment"] == "1"


# ------------------------------------------------------------------ memberships


def test_it_refuses_an_end_before_the_start():
    data = scenario(pods=[pod(members=[member(start="2026-10-05", end="2026-10-04")])])
    assert problems(data) == [
        "pods[0] (p1).members[0] (ana): end 2026-10-04 is before start 2026-10-05"
    ]


def test_it_accepts_an_end_on_the_start_day():
    data = scenario(pods=[pod(members=[member(start="2026-10-05", end="2026-10-05")])])
    assert simulate(data)["pods"][0]["fte"] == "0.03225806451612903225806451613"


def test_it_refuses_a_person_listed_twice_in_one_pod():
    members = [member("ana"), member("ben"), member("ana", start="2026-11-01")]
    assert problems(scenario(pods=[pod(members=members)])) == [
        "pods[0] (p1): person ana is listed more than once in the pod (members[0] and members[2])"
    ]


def test_it_refuses_a_pod_listed_twice():
    assert problems(scenario(pods=[pod("p1"), pod("p1")])) == [
        "pods: pod p1 is listed more than once (pods[0] and pods[1])"
    ]


# -------------------------------------------------------------- unknown choices


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "kpi", "kind 'kpi' is unknown (expected outcome or process)"),
        ("direction", "up", "direction 'up' is unknown (expected higher or lower)"),
        ("aggregate", "median", "aggregate 'median' is unknown (expected last, sum or mean)"),
    ],
)
def test_it_refuses_an_unknown_choice(field, value, message):
    assert problems(scenario(components=[component(**{field: value})])) == [f"{C0}: {message}"]


def test_it_refuses_an_unknown_split():
    assert problems(scenario(split="seniority")) == [
        "plan: split 'seniority' is unknown (expected allocation or equal)"
    ]


# ------------------------------------------------------------ missing fields


@pytest.mark.parametrize(
    "field",
    ["kind", "direction", "weight", "threshold", "target", "stretch", "aggregate"],
)
def test_it_refuses_a_component_missing_a_required_field(field):
    comp = component()
    del comp[field]
    assert problems(scenario(components=[comp])) == [f"{C0}: {field} is missing"]


@pytest.mark.parametrize("empty", [None, ""])
def test_it_treats_null_and_empty_fields_as_missing(empty):
    assert problems(scenario(components=[component(weight=empty)])) == [f"{C0}: weight is missing"]


def test_it_refuses_a_component_without_a_metric():
    comp = component()
    del comp["metric"]
    assert problems(scenario(components=[comp])) == ["plan.components[0]: metric is missing"]


def test_it_refuses_a_scenario_missing_its_parts():
    assert problems({}) == [
        "scenario: month is missing",
        "scenario: plan is missing",
        "scenario: pods is missing",
    ]


def test_it_refuses_a_plan_without_components_once():
    data = scenario()
    del data["plan"]["components"]
    assert problems(data) == ["plan: components is missing"]


def test_it_lists_problems_without_raising_for_forms():
    assert validate_scenario(example()) == []
    assert validate_scenario(scenario(share="-1")) == ["plan: share -1 is negative"]


def test_it_refuses_members_and_observations_missing_fields():
    data = scenario(
        pods=[
            pod(
                members=[{"id": "ana"}, {"base_pay": "1", "allocation": "1"}],
                observations=[{"metric": "activation"}, {"date": "2026-10-01", "value": "1"}],
            )
        ]
    )
    del data["pods"][0]["baseline_headcount"]
    assert problems(data) == [
        "pods[0] (p1): baseline_headcount is missing",
        "pods[0] (p1).members[0] (ana): base_pay is missing",
        "pods[0] (p1).members[0] (ana): allocation is missing",
        "pods[0] (p1).members[1]: id is missing",
        "pods[0] (p1).observations[0] (activation): date is missing",
        "pods[0] (p1).observations[0] (activation): value is missing",
        "pods[0] (p1).observations[1]: metric is missing",
    ]


def test_it_refuses_data_classes_with_a_missing_field():
    plan = Plan(standard_cost_per_fte=1, components=[Component(**component(weight=None))])
    pods = [
        PodInput(
            id="p1",
            baseline_headcount=1,
            members=[MemberInput(id="a", base_pay=None, allocation=1)],
        )
    ]
    with pytest.raises(ScenarioRefused) as refused:
        compute_month((2026, 10), plan, pods)
    assert refused.value.problems == [
        f"{C0}: weight is missing",
        "pods[0] (p1).members[0]: base_pay is missing",
    ]


# -------------------------------------------------------- bad numbers and dates


@pytest.mark.parametrize(
    "value", ["abc", "1,5", "12 000", "NaN", "Infinity", "0x10", "1/2", "€9000"]
)
def test_it_refuses_a_number_that_is_not_a_decimal(value):
    data = scenario(pods=[pod(members=[member(base_pay=value)])])
    [problem] = problems(data)
    assert problem.startswith(f"pods[0] (p1).members[0] (ana): base_pay {value!r} is not a ")
    if value in ("1,5", "12 000"):
        assert problem.endswith("use a dot for decimals and no thousands separators (1234.5)")


def test_it_refuses_floats_because_money_must_be_exact():
    assert problems(scenario(share=0.2)) == [
        'plan: share 0.2 is a float; send numbers as decimal strings such as "0.2"'
    ]


def test_it_refuses_a_boolean_number():
    assert problems(scenario(components=[component(weight=True)])) == [
        f"{C0}: weight True is not a number"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "'2026-13-01' is not a valid date (month must be in 1..12)"),
        ("2026-02-30", "'2026-02-30' is not a valid date (day is out of range for month)"),
        ("01/10/2026", "'01/10/2026' is not a date in the form YYYY-MM-DD"),
        ("20261001", "'20261001' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_it_refuses_a_bad_date(value, message):
    data = scenario(pods=[pod(members=[member(start=value)])])
    assert problems(data) == [f"pods[0] (p1).members[0] (ana): start {message}"]


def test_it_refuses_a_bad_observation_date_and_value():
    data = scenario(pods=[pod(observations=[obs("lots", "2026-10-32")])])
    assert problems(data) == [
        "pods[0] (p1).observations[0] (activation): date '2026-10-32' is not a valid date"
        " (day is out of range for month)",
        "pods[0] (p1).observations[0] (activation): value 'lots' is not a number",
    ]


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-1", "Oct 2026", "2026-10-01", 202610]
)
def test_it_refuses_a_month_not_in_the_form_yyyy_mm(month):
    assert problems(scenario(month=month)) == [
        f"scenario: month {month!r} is not a month in the form YYYY-MM"
    ]


def test_it_refuses_the_wrong_shapes():
    assert problems([]) == ["scenario: must be a JSON object"]
    data = example()
    data["pods"] = [3]
    data["plan"]["components"] = {"metric": "activation"}
    assert problems(data) == ["plan: components must be a list", "pods[0]: must be an object"]


# ----------------------------------------------------------- many problems at once


def test_it_lists_every_problem_one_line_each():
    data = scenario(
        components=[
            component(weight=None, threshold="x", kind="magic", floor="2", attainment_cap="0.5"),
            component("hours", kind="process", weight="0.5"),
        ],
        pods=[
            pod(
                "p1",
                members=[
                    member(
                        "ana", allocation="1.5", base_pay="-1", start="2026-10-05", end="2026-10-01"
                    ),
                    member("ana"),
                ],
            )
        ],
        split="random",
        standard_cost_per_fte="-1",
    )
    lines = problems(data)
    assert len(lines) == len(set(lines)) == 12
    assert all("\n" not in line for line in lines)
    assert sorted(lines) == sorted(
        [
            f"{C0}: weight is missing",
            f"{C0}: threshold 'x' is not a number",
            "plan: standard_cost_per_fte -1 is negative",
            "plan: split 'random' is unknown (expected allocation or equal)",
            f"{C0}: kind 'magic' is unknown (expected outcome or process)",
            f"{C0}: floor 2 is outside 0..1",
            f"{C0}: attainment_cap 0.5 is below 1",
            "plan.components[1] (hours): hours is a process metric (effort or activity); pay"
            " follows outcomes that users and the business feel, not effort, so a process metric"
            " cannot be part of an incentive plan",
            "pods[0] (p1).members[0] (ana): base_pay -1 is negative",
            "pods[0] (p1).members[0] (ana): allocation 1.5 is outside 0..1",
            "pods[0] (p1).members[0] (ana): end 2026-10-01 is before start 2026-10-05",
            "pods[0] (p1): person ana is listed more than once in the pod"
            " (members[0] and members[1])",
        ]
    )


def test_it_parses_a_valid_scenario_into_data_classes():
    parsed = parse_scenario(example())
    assert parsed.month == (2026, 10)
    assert parsed.currency == "EUR"
    assert parsed.plan.components[0].floor == Decimal("0.5")
    assert parsed.pods[0].members[0].start.isoformat() == "2026-09-01"


# ------------------------------------------------------------------- the CLI


def write(tmp_path, data) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_it_prints_the_result_as_json_and_exits_zero(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert run_simulation(write(tmp_path, example()), out, err) == 0
    assert err.getvalue() == ""
    assert json.loads(out.getvalue()) == simulate(example())


def test_it_reads_json_numbers_exactly(tmp_path):
    text = json.dumps(example()).replace('"base_pay": "9000"', '"base_pay": 9000.10')
    out, err = io.StringIO(), io.StringIO()
    assert run_simulation(write(tmp_path, text), out, err) == 0
    assert json.loads(out.getvalue())["pods"][0]["actual_cost"] == "9000.1"


def test_it_writes_one_problem_per_line_and_exits_one(tmp_path):
    data = scenario(components=[component(weight="0.5", floor="3")])
    out, err = io.StringIO(), io.StringIO()
    assert run_simulation(write(tmp_path, data), out, err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        f"{C0}: floor 3 is outside 0..1",
        "plan.components: weights sum to 0.5, not exactly 1",
    ]


def test_it_exits_one_for_unreadable_or_invalid_json(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert run_simulation(str(tmp_path / "nope.json"), out, err) == 1
    assert err.getvalue().startswith(f"{tmp_path / 'nope.json'}: cannot read the scenario")
    err = io.StringIO()
    assert run_simulation(write(tmp_path, "{not json"), out, err) == 1
    assert "not valid JSON" in err.getvalue()
    assert len(err.getvalue().splitlines()) == 1


def test_it_runs_as_a_module_without_django(tmp_path):
    bad = scenario(
        components=[component(kind="process")], pods=[pod(members=[member(allocation="2")])]
    )
    done = subprocess.run(
        [sys.executable, "-m", "incentives.bonuses.engine", write(tmp_path, bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{C0}: activation is a process metric")
    assert lines[1] == "pods[0] (p1).members[0] (ana): allocation 2 is outside 0..1"


def test_it_imports_without_django():
    code = "import sys, incentives.bonuses.engine; assert not any(m.startswith('django') for m in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
