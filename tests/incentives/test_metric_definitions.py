"""Defining a metric on the page goes through metrics.metric_create, the one way a metric is
created; its refusals come back on the form, field by field."""

import pytest
from django.core.exceptions import ValidationError

from incentives.metrics import services
from incentives.metrics.forms import MetricForm
from incentives.models import Metric
from teams.models import OrgUnit, Pod
from tests.conftest import login

pytestmark = pytest.mark.django_db

DEFINITION = {
    "name": "Paid conversions",
    "key": "paid-conversions",
    "kind": "outcome",
    "direction": "higher",
    "aggregation": "sum",
    "unit": "accounts",
    "empty_value": "0",
}


def test_it_creates_the_metric_through_the_service(client, personas, monkeypatch):
    calls = []
    real = services.metric_create

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "metric_create", spy)
    login(client, personas.org_lead)
    data = {**DEFINITION, "org_unit": personas.unit_a.pk, "owner_pod": personas.pod_a.pk}
    r = client.post("/metrics/definitions/", data)
    assert r.status_code == 302
    assert len(calls) == 1 and calls[0]["org_unit_id"] == personas.unit_a.pk
    metric = Metric.objects.get()
    assert (metric.key, metric.owner_pod, str(metric.empty_value)) == (
        "paid-conversions",
        personas.pod_a,
        "0.000000",
    )


def test_it_shows_the_services_refusal_on_the_form_and_saves_nothing(client, personas, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"key": "Someone defined this key a moment ago."})

    monkeypatch.setattr(services, "metric_create", refuse)
    login(client, personas.org_lead)
    r = client.post("/metrics/definitions/", {**DEFINITION, "org_unit": personas.unit_a.pk})
    assert r.status_code == 422
    assert "Someone defined this key a moment ago." in r.content.decode()
    assert not Metric.objects.exists()


def test_it_refuses_an_owner_pod_of_another_unit(personas):
    units = OrgUnit.objects.all()
    form = MetricForm(
        {**DEFINITION, "org_unit": personas.unit_a.pk, "owner_pod": personas.pod_b.pk},
        units=units,
        pods=Pod.objects.all(),
    )
    assert not form.is_valid()
    assert form.errors["owner_pod"] == ["Billing is not in Growth."]


def test_it_never_saves_through_the_form(personas):
    form = MetricForm(
        {**DEFINITION, "org_unit": personas.unit_a.pk},
        units=OrgUnit.objects.all(),
        pods=Pod.objects.all(),
    )
    assert form.is_valid(), form.errors
    with pytest.raises(TypeError, match="metric_create"):
        form.save()
    assert not Metric.objects.exists()
