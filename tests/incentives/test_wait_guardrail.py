"""Wait figures are diagnosis, a process measure: a metric built on them is never paid on, and
a plan using one is refused with the same message as any process metric."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.bonuses import engine, inputs, services
from incentives.metrics.services import (
    PROCESS_METRIC_REFUSAL,
    metric_create,
    metric_ensure_pay_eligible,
)
from incentives.models import IncentivePlan, Metric, PlanComponent
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _create(unit, key, kind):
    return metric_create(
        org_unit_id=unit.pk,
        key=key,
        name="Security review wait",
        kind=kind,
        direction="lower",
        aggregation="mean",
    )


@pytest.mark.parametrize("key", ["wait-p90-hours", "review-median-hours", "pod-days-lost"])
def test_it_refuses_an_outcome_metric_built_on_wait_figures(personas, key):
    with pytest.raises(ValidationError) as exc:
        _create(personas.unit_a, key, "outcome")
    message = exc.value.message_dict["kind"][0]
    assert f"The key “{key}” names a wait figure" in message
    assert PROCESS_METRIC_REFUSAL.format(name="Security review wait") in message
    assert not Metric.objects.exists()


def test_it_records_a_wait_figure_as_a_process_metric(personas):
    metric = _create(personas.unit_a, "wait-p90-hours", "process")
    with pytest.raises(ValidationError) as exc:
        metric_ensure_pay_eligible(metric)
    assert exc.value.messages == [PROCESS_METRIC_REFUSAL.format(name="Security review wait")]


def _wait_metric_marked_outcome(unit):
    # As if made before the rule, or in the admin: the key still says what it is.
    return Metric.objects.create(
        org_unit=unit, key="security-waiting-share", name="Security waiting share", kind="outcome"
    )


def test_it_refuses_a_plan_component_on_a_wait_figure_with_the_process_message(personas):
    metric = _wait_metric_marked_outcome(personas.unit_a)
    plan = IncentivePlan.objects.create(
        org_unit=personas.unit_a,
        name="Plan",
        effective_from=date(2026, 1, 1),
        standard_cost_per_fte=Decimal("9000"),
    )
    component = PlanComponent(
        plan=plan,
        metric=metric,
        weight=Decimal("1"),
        threshold=Decimal("0.5"),
        target=Decimal("0.3"),
        stretch=Decimal("0.1"),
    )
    with pytest.raises(ValidationError) as exc:
        component.full_clean()
    assert exc.value.message_dict["metric"] == [
        PROCESS_METRIC_REFUSAL.format(name="Security waiting share")
    ]


def test_it_refuses_a_plan_built_on_a_wait_figure(personas):
    metric = _wait_metric_marked_outcome(personas.unit_a)
    spec = services.ComponentSpec(
        metric=metric,
        weight=Decimal("1"),
        threshold=Decimal("0.5"),
        target=Decimal("0.3"),
        stretch=Decimal("0.1"),
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            user=personas.org_lead,
            org_unit=personas.unit_a,
            name="Pay on waits",
            effective_from=date(2026, 12, 1),
            currency="EUR",
            standard_cost_per_fte=Decimal("9000"),
            share=Decimal("0.2"),
            pool_cap=Decimal("0.5"),
            min_attainment=Decimal("0.5"),
            split="allocation",
            components=[spec],
        )
    assert "security-waiting-share is a process metric (effort or activity)" in " ".join(
        exc.value.messages
    )
    assert not IncentivePlan.objects.exists()
    # The engine sees it as a process metric too, whatever the database row says.
    plan = inputs.engine_plan_from(
        params={
            "standard_cost_per_fte": Decimal("9000"),
            "share": Decimal("0.2"),
            "pool_cap": Decimal("0.5"),
            "min_attainment": Decimal("0.5"),
            "split": "allocation",
        },
        components=[spec],
    )
    assert plan.components[0].kind == "process"
    assert any("cannot be part of an incentive plan" in p for p in engine.validate_plan(plan))


def test_it_says_a_wait_figure_is_not_pay_eligible_in_the_api(client, personas):
    _wait_metric_marked_outcome(personas.unit_a)
    login(client, personas.org_lead)
    [metric] = client.get("/api/metrics/").json()["results"]
    assert metric["pay_eligible"] is False


def test_it_refuses_it_on_the_definitions_page_naming_the_field(client, personas):
    login(client, personas.org_lead)
    r = client.post(
        "/metrics/definitions/",
        {
            "org_unit": personas.unit_a.pk,
            "name": "Review wait",
            "key": "wait-median-hours",
            "kind": "outcome",
            "direction": "lower",
            "aggregation": "mean",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "names a wait figure" in html and "Pay follows outcomes, not effort" in html
    assert not Metric.objects.exists()
