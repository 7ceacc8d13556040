"""Targets: threshold/target/stretch in the order the direction needs; copyable month to month."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.metrics.services import target_problems, target_set, targets_copy
from incentives.models import MetricTarget, TargetProposal
from tests.conftest import login
from tests.incentives.metric_factories import make_metric, make_target

D = Decimal


def test_it_wants_rising_targets_when_higher_is_better():
    assert target_problems("higher", D(10), D(20), D(30)) == []
    for bad in (
        (D(20), D(10), D(30)),
        (D(10), D(30), D(20)),
        (D(10), D(10), D(30)),
        (D(30), D(20), D(10)),
    ):
        assert "threshold < target < stretch" in target_problems("higher", *bad)[0]


def test_it_wants_falling_targets_when_lower_is_better():
    assert target_problems("lower", D(3), D(1), D(0)) == []
    for bad in ((D(0), D(1), D(3)), (D(3), D(3), D(0)), (D(3), D(0), D(1))):
        assert "threshold > target > stretch" in target_problems("lower", *bad)[0]


@pytest.mark.django_db
def test_it_refuses_to_save_a_wrong_order(personas):
    metric = make_metric(personas.unit_a)
    with pytest.raises(ValidationError):
        target_set(
            metric=metric,
            pod=personas.pod_a,
            month=date(2026, 4, 1),
            threshold=D(30),
            target=D(20),
            stretch=D(10),
        )
    assert not MetricTarget.objects.exists()


@pytest.mark.django_db
def test_it_replaces_a_months_target(personas):
    metric = make_metric(personas.unit_a)
    target_set(
        metric=metric,
        pod=personas.pod_a,
        month=date(2026, 4, 9),
        threshold=D(1),
        target=D(2),
        stretch=D(3),
    )
    target_set(
        metric=metric,
        pod=personas.pod_a,
        month=date(2026, 4, 1),
        threshold=D(2),
        target=D(3),
        stretch=D(4),
    )
    row = MetricTarget.objects.get()
    assert (row.month, row.threshold) == (date(2026, 4, 1), D(2))


@pytest.mark.django_db
def test_it_copies_targets_to_the_next_month_without_overwriting(personas):
    a = make_metric(personas.unit_a, "activation")
    r = make_metric(personas.unit_a, "revenue")
    make_target(a, personas.pod_a, date(2026, 4, 1), 10, 20, 30)
    make_target(r, personas.pod_a, date(2026, 4, 1), 100, 200, 300)
    make_target(r, personas.pod_a, date(2026, 5, 1), 1, 2, 3)
    assert (
        targets_copy(pod=personas.pod_a, from_month=date(2026, 4, 1), to_month=date(2026, 5, 1))
        == 1
    )
    assert MetricTarget.objects.get(metric=r, month=date(2026, 5, 1)).target == D(2)
    assert MetricTarget.objects.get(metric=a, month=date(2026, 5, 1)).target == D(20)
    assert (
        targets_copy(
            pod=personas.pod_a,
            from_month=date(2026, 4, 1),
            to_month=date(2026, 5, 1),
            overwrite=True,
        )
        == 2
    )
    assert MetricTarget.objects.get(metric=r, month=date(2026, 5, 1)).target == D(200)


@pytest.mark.django_db
def test_it_shows_the_pod_lead_why_a_target_is_refused(client, personas):
    metric = make_metric(personas.unit_a, "incidents", direction="lower", name="Incidents")
    login(client, personas.pod_lead)
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/",
        {"metric": metric.pk, "month": "2026-04", "threshold": "0", "target": "1", "stretch": "3"},
    )
    assert r.status_code == 422
    assert (
        "Incidents: Lower is better, so threshold &gt; target &gt; stretch is needed"
        in r.content.decode()
    )
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/",
        {"metric": metric.pk, "month": "April", "threshold": "x", "target": "1", "stretch": "0"},
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "is not a month in the form YYYY-MM" in html and "&#x27;x&#x27; is not a number" in html
    assert not MetricTarget.objects.exists()
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/",
        {"metric": metric.pk, "month": "2026-04", "threshold": "3", "target": "1", "stretch": "0"},
    )
    assert r.status_code == 302
    # A Pod Lead proposes; the targets apply once an Org Lead accepts them.
    assert not MetricTarget.objects.exists()
    assert TargetProposal.objects.get().month == date(2026, 4, 1)


@pytest.mark.django_db
def test_it_copies_targets_from_the_page(client, personas):
    metric = make_metric(personas.unit_a)
    make_target(metric, personas.pod_a, date(2026, 4, 1), 10, 20, 30)
    login(client, personas.org_lead)
    r = client.post(
        f"/pods/{personas.pod_a.pk}/metrics/targets/copy/",
        {"from_month": "2026-04", "to_month": "2026-05"},
    )
    assert r.status_code == 302 and r.url == f"/pods/{personas.pod_a.pk}/metrics/?month=2026-05"
    assert MetricTarget.objects.filter(month=date(2026, 5, 1)).count() == 1


@pytest.mark.django_db
def test_it_lets_no_one_else_set_a_pods_targets(client, personas):
    metric = make_metric(personas.unit_a)
    data = {
        "metric": metric.pk,
        "month": "2026-04",
        "threshold": "1",
        "target": "2",
        "stretch": "3",
    }
    login(client, personas.member)
    assert client.post(f"/pods/{personas.pod_a.pk}/metrics/targets/", data).status_code == 403
    login(client, personas.outsider)
    assert client.post(f"/pods/{personas.pod_a.pk}/metrics/targets/", data).status_code == 404
    assert (
        client.post(
            f"/pods/{personas.pod_a.pk}/metrics/targets/copy/",
            {"from_month": "2026-04", "to_month": "2026-05"},
        ).status_code
        == 404
    )
    assert not MetricTarget.objects.exists()


@pytest.mark.django_db
def test_it_refuses_to_copy_a_month_onto_itself(client, personas):
    metric = make_metric(personas.unit_a)
    make_target(metric, personas.pod_a, date(2026, 4, 1), 10, 20, 30)
    login(client, personas.org_lead)
    url = f"/pods/{personas.pod_a.pk}/metrics/targets/copy/"
    r = client.post(url, {"from_month": "2026-04", "to_month": "2026-04"}, follow=True)
    assert "Pick a different month to copy to." in r.content.decode()
    r = client.post(url, {"from_month": "2026-4-x", "to_month": "2026-05"}, follow=True)
    assert "is not a month in the form YYYY-MM" in r.content.decode()
    assert MetricTarget.objects.count() == 1
