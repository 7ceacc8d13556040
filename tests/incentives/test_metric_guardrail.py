"""A process metric can be recorded for diagnosis but never reaches a plan or a payout."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.metrics.services import (
    metric_ensure_pay_eligible,
    observation_rows_resolve,
    observations_upsert,
)
from incentives.models import IncentivePlan, Observation, PlanComponent
from tests.conftest import login
from tests.incentives.metric_factories import make_metric

pytestmark = pytest.mark.django_db


def _component(plan, metric):
    return PlanComponent(
        plan=plan,
        metric=metric,
        weight=Decimal("1"),
        threshold=Decimal("10"),
        target=Decimal("20"),
        stretch=Decimal("30"),
    )


def _plan(unit):
    return IncentivePlan.objects.create(
        org_unit=unit,
        name="Plan",
        effective_from=date(2026, 1, 1),
        standard_cost_per_fte=Decimal("9000"),
    )


def test_it_refuses_a_process_metric_with_the_reason(personas):
    metric = make_metric(personas.unit_a, "story-points", kind="process", name="Story points")
    with pytest.raises(ValidationError) as exc:
        metric_ensure_pay_eligible(metric)
    assert exc.value.code == "process_metric"
    message = exc.value.messages[0]
    assert "“Story points” is a process metric" in message
    assert "Pay follows outcomes, not effort" in message


def test_it_accepts_an_outcome_metric(personas):
    metric_ensure_pay_eligible(make_metric(personas.unit_a, "activation"))


def test_it_keeps_a_process_metric_out_of_a_plan(personas):
    plan = _plan(personas.unit_a)
    component = _component(
        plan, make_metric(personas.unit_a, "hours", kind="process", name="Hours")
    )
    with pytest.raises(ValidationError) as exc:
        component.full_clean()
    assert "Pay follows outcomes, not effort" in exc.value.message_dict["metric"][0]


def test_it_lets_an_outcome_metric_into_a_plan(personas):
    plan = _plan(personas.unit_a)
    component = _component(plan, make_metric(personas.unit_a, "activation"))
    component.full_clean()
    component.save()
    assert PlanComponent.objects.count() == 1


def test_it_still_records_a_process_metric_for_diagnosis(personas):
    make_metric(personas.unit_a, "hours", kind="process")
    res = observation_rows_resolve(
        user=personas.pod_lead,
        source="api",
        today=date(2026, 5, 1),
        raw_rows=[
            {"pod": personas.pod_a.pk, "metric": "hours", "date": "2026-04-30", "value": "38"}
        ],
    )
    assert not res.problems
    observations_upsert(rows=res.rows, source="api", user=personas.pod_lead)
    assert Observation.objects.get().value == Decimal("38")


def test_it_shows_the_lead_the_examples_and_the_refusal(client, personas):
    login(client, personas.org_lead)
    html = client.get("/metrics/definitions/").content.decode()
    for example in (
        "Revenue",
        "Activation rate",
        "NPS",
        "Customer-facing incidents",
        "Time-to-value",
        "Hours worked",
        "Lines of code",
        "Story points",
        "Meetings",
    ):
        assert example in html
    assert "Pay follows outcomes, not effort" in html
