"""Observations are upserted by (pod, external_id); rejected ones do not count."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from incentives.metrics import services as metrics
from incentives.metrics.services import (
    ObservationRow,
    observation_review,
    observations_that_count,
    observations_upsert,
)
from incentives.models import AuditEntry, Observation
from tests.incentives.metric_factories import make_history, make_metric

pytestmark = pytest.mark.django_db


def _row(personas, metric, value, key="crm-1", day=date(2026, 4, 14)):
    return ObservationRow(personas.pod_a.pk, metric.pk, day, Decimal(value), key)


def test_it_updates_instead_of_duplicating_on_the_same_key(personas):
    metric = make_metric(personas.unit_a)
    first = observations_upsert(
        rows=[_row(personas, metric, "40")], source="api", user=personas.pod_lead
    )
    again = observations_upsert(
        rows=[_row(personas, metric, "42.5", day=date(2026, 4, 15))],
        source="csv",
        user=personas.org_lead,
    )
    assert (first.created, first.updated) == (1, 0)
    assert (again.created, again.updated) == (0, 1)
    obs = Observation.objects.get()
    assert (obs.value, obs.date, obs.source, obs.recorded_by) == (
        Decimal("42.5"),
        date(2026, 4, 15),
        "csv",
        personas.org_lead,
    )


def test_it_keeps_the_same_key_apart_in_two_pods(personas):
    metric_a = make_metric(personas.unit_a)
    metric_b = make_metric(personas.unit_b)
    observations_upsert(rows=[_row(personas, metric_a, "1")], source="api", user=None)
    observations_upsert(
        rows=[
            ObservationRow(personas.pod_b.pk, metric_b.pk, date(2026, 4, 14), Decimal("2"), "crm-1")
        ],
        source="api",
        user=None,
    )
    assert Observation.objects.count() == 2


def test_it_flags_an_outlier_with_the_reason(personas):
    metric = make_metric(personas.unit_a)
    make_history(metric, personas.pod_a, date(2026, 1, 5), [40, 41, 39, 42, 40, 41, 43, 40])
    result = observations_upsert(
        rows=[_row(personas, metric, "90", day=date(2026, 3, 10))], source="api", user=None
    )
    assert result.flagged == 1
    obs = Observation.objects.get(external_id="crm-1")
    assert obs.flag == "flagged"
    assert "far above this pod's history" in obs.flag_reason


def test_it_judges_a_bulk_against_earlier_rows_of_the_same_bulk(personas):
    metric = make_metric(personas.unit_a)
    start = date(2026, 1, 5)
    rows = [
        _row(personas, metric, v, key=f"k{i}", day=start + timedelta(days=7 * i))
        for i, v in enumerate([40, 41, 39, 42, 40, 41, 43, 95])
    ]
    result = observations_upsert(rows=rows, source="api", user=None)
    assert result.flagged == 1
    assert Observation.objects.get(external_id="k7").flag == "flagged"


def test_it_keeps_a_leads_decision_when_the_same_value_is_sent_again(personas):
    metric = make_metric(personas.unit_a)
    make_history(metric, personas.pod_a, date(2026, 1, 5), [40, 41, 39, 42, 40, 41, 43, 40])
    observations_upsert(
        rows=[_row(personas, metric, "90", day=date(2026, 3, 10))], source="api", user=None
    )
    obs = Observation.objects.get(external_id="crm-1")
    observation_review(observation=obs, decision="confirm", user=personas.org_lead)
    observations_upsert(
        rows=[_row(personas, metric, "90", day=date(2026, 3, 10))], source="api", user=None
    )
    assert Observation.objects.get(external_id="crm-1").flag == "confirmed"
    # A changed value is judged afresh.
    observations_upsert(
        rows=[_row(personas, metric, "91", day=date(2026, 3, 10))], source="api", user=None
    )
    assert Observation.objects.get(external_id="crm-1").flag == "flagged"


def test_it_counts_a_flagged_observation_only_once_confirmed(personas):
    metric = make_metric(personas.unit_a)
    make_history(metric, personas.pod_a, date(2026, 1, 5), [40, 41, 39, 42, 40, 41, 43, 40])
    observations_upsert(
        rows=[_row(personas, metric, "90", day=date(2026, 3, 10))], source="api", user=None
    )
    obs = Observation.objects.get(external_id="crm-1")
    assert not observations_that_count().filter(pk=obs.pk).exists()  # awaiting a decision
    observation_review(observation=obs, decision="confirm", user=personas.org_lead)
    assert observations_that_count().filter(pk=obs.pk).exists()


def test_it_leaves_rejected_observations_out_of_what_counts(personas):
    metric = make_metric(personas.unit_a)
    make_history(metric, personas.pod_a, date(2026, 1, 5), [40, 41, 39, 42, 40, 41, 43, 40])
    observations_upsert(
        rows=[_row(personas, metric, "90", day=date(2026, 3, 10))], source="api", user=None
    )
    obs = Observation.objects.get(external_id="crm-1")
    observation_review(observation=obs, decision="reject", user=personas.org_lead)
    assert not observations_that_count().filter(pk=obs.pk).exists()
    assert observations_that_count().count() == 8
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.data["before"]) == (
        "observation_rejected",
        personas.org_lead,
        "flagged",
    )


def test_it_refuses_to_confirm_an_unflagged_observation(personas):
    metric = make_metric(personas.unit_a)
    observations_upsert(rows=[_row(personas, metric, "40")], source="api", user=None)
    with pytest.raises(metrics.ValidationError):
        observation_review(
            observation=Observation.objects.get(), decision="confirm", user=personas.org_lead
        )


def test_it_aggregates_the_month_with_the_engine(personas):
    metric = make_metric(
        personas.unit_a, "incidents", direction="lower", aggregation="sum", empty_value=Decimal("0")
    )
    target = metrics.MetricTarget(threshold=Decimal("3"), target=Decimal("1"), stretch=Decimal("0"))
    none = metrics.metric_month(metric, target, [])
    assert (none.value, none.used_empty_value, none.attainment, none.status) == (
        Decimal("0"),
        True,
        Decimal("1.5"),
        "stretch",
    )
    two = metrics.metric_month(
        metric, target, [(date(2026, 4, 2), Decimal("1")), (date(2026, 4, 9), Decimal("1"))]
    )
    assert (two.value, two.attainment, two.status) == (Decimal("2"), Decimal("0.75"), "partial")
