"""τ, the coverage threshold of DESIGN §2, is one constant (teams.traits.COVERAGE_THRESHOLD)."""

import inspect

import pytest

from incentives.reports import charts
from teams.formation.engine.problem import Problem
from teams.formation.forms import FormationRunForm
from teams.traits import COVERAGE_THRESHOLD
from tests.conftest import login


def test_it_defaults_the_optimiser_the_form_and_the_charts_to_one_threshold():
    assert Problem(people=[]).threshold == COVERAGE_THRESHOLD
    assert FormationRunForm.base_fields["threshold"].initial == COVERAGE_THRESHOLD
    for chart in (charts.pod_trait_heatmap, charts.trait_balance):
        assert inspect.signature(chart).parameters["tau"].default == COVERAGE_THRESHOLD


@pytest.mark.django_db
def test_it_names_the_threshold_on_the_dashboard_and_the_pod_page(client, personas):
    login(client, personas.org_lead)
    dashboard = client.get("/").content.decode()
    assert f"pods missing a trait (&lt; {COVERAGE_THRESHOLD})" in dashboard
    assert f"a pod covers a trait at {COVERAGE_THRESHOLD}." in dashboard
    assert client.get(f"/pods/{personas.pod_a.pk}/").context["tau"] == COVERAGE_THRESHOLD
