"""The demo org has outcome metrics, 12 months of targets and observations; it resets cleanly."""

import pytest

from incentives.demo import demo_reset, demo_seed
from incentives.metrics.services import metric_ensure_pay_eligible
from incentives.models import Metric, MetricTarget, Observation

pytestmark = pytest.mark.django_db


def test_it_seeds_metrics_targets_and_observations():
    demo_seed(people=30)
    metrics = Metric.objects.filter(org_unit__parent__slug="demo")
    assert metrics.count() == 15  # five per unit
    assert metrics.filter(kind="process").count() == 3
    incidents = metrics.filter(key="incidents").first()
    assert (incidents.direction, incidents.empty_value) == ("lower", 0)
    for metric in metrics.filter(kind="outcome"):
        metric_ensure_pay_eligible(metric)
    assert MetricTarget.objects.count() == 6 * 4 * 12  # 6 pods × 4 outcome metrics × 12 months
    # Weekly activation since the first of 12 months: eleven whole months (47 weeks at least)
    # plus however much of this month has passed, so the count holds on the 1st too.
    assert Observation.objects.filter(metric__key="activation").count() >= 6 * 47
    for t in MetricTarget.objects.select_related("metric"):
        if t.metric.direction == "higher":
            assert t.threshold < t.target < t.stretch
        else:
            assert t.threshold > t.target > t.stretch


def test_it_resets_the_metrics_with_the_demo():
    demo_seed(people=30)
    demo_seed(people=30)  # a second seed resets instead of duplicating
    assert Metric.objects.count() == 15
    demo_reset()
    assert (
        not Metric.objects.exists()
        and not Observation.objects.exists()
        and not MetricTarget.objects.exists()
    )
