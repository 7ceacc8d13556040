"""Scenario builders shared by the engine tests (plain dicts in §3's simulate_month format)."""

import copy

# DESIGN.md §3's example, verbatim.
WORKED_EXAMPLE = {
    "month": "2026-10",
    "currency": "EUR",
    "plan": {
        "standard_cost_per_fte": "12000",
        "share": "0.20",
        "pool_cap": "0.50",
        "min_attainment": "0.5",
        "split": "allocation",
        "components": [
            {
                "metric": "activation",
                "kind": "outcome",
                "weight": "1",
                "direction": "higher",
                "threshold": "100",
                "target": "150",
                "stretch": "200",
                "floor": "0.5",
                "attainment_cap": "1.5",
                "aggregate": "last",
            }
        ],
    },
    "pods": [
        {
            "id": "p1",
            "baseline_headcount": "12",
            "targets": {"activation": {"threshold": "90", "target": "140", "stretch": "190"}},
            "members": [
                {
                    "id": "ana",
                    "base_pay": "9000",
                    "allocation": "1",
                    "start": "2026-09-01",
                    "end": None,
                }
            ],
            "observations": [{"metric": "activation", "date": "2026-10-31", "value": "170"}],
        }
    ],
}


def example() -> dict:
    return copy.deepcopy(WORKED_EXAMPLE)


def component(metric="activation", **fields) -> dict:
    data = {
        "metric": metric,
        "kind": "outcome",
        "weight": "1",
        "direction": "higher",
        "threshold": "100",
        "target": "150",
        "stretch": "200",
        "aggregate": "last",
    }
    data.update(fields)
    return data


def member(person="ana", **fields) -> dict:
    data = {"id": person, "base_pay": "9000", "allocation": "1", "start": None, "end": None}
    data.update(fields)
    return data


def obs(value, day="2026-10-15", metric="activation") -> dict:
    return {"metric": metric, "date": day, "value": value}


def pod(pod_id="p1", members=None, observations=None, baseline="12", **fields) -> dict:
    data = {
        "id": pod_id,
        "baseline_headcount": baseline,
        "members": [member()] if members is None else members,
        "observations": [obs("150")] if observations is None else observations,
    }
    data.update(fields)
    return data


def scenario(components=None, pods=None, month="2026-10", **plan_fields) -> dict:
    """A one-pod, one-component scenario; plan defaults from §3 unless given."""
    plan = {"standard_cost_per_fte": "12000", "components": components or [component()]}
    plan.update(plan_fields)
    return {"month": month, "currency": "EUR", "plan": plan, "pods": pods or [pod()]}
