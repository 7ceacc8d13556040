"""export_scenario: any month, audited outside the app, reproduces the stored payouts."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from incentives.bonuses.engine import simulate
from incentives.demo import demo_seed
from incentives.models import IncentivePeriod, Payout

pytestmark = pytest.mark.django_db


def export(**options) -> dict:
    out = io.StringIO()
    call_command("export_scenario", stdout=out, **options)
    return json.loads(out.getvalue(), parse_float=Decimal)


def test_it_reproduces_every_demo_period_to_the_cent():
    demo_seed(people=40)
    periods = list(IncentivePeriod.objects.select_related("org_unit"))
    assert len(periods) >= 6
    with_stints = 0
    for period in periods:
        scenario = export(period=period.pk)
        with_stints += sum("stints" in m for pod in scenario["pods"] for m in pod["members"])
        result = simulate(scenario)
        simulated = {
            (pod["id"], line["person"]): Decimal(line["amount"])
            for pod in result["pods"]
            for line in pod["payouts"]
        }
        stored = {
            (str(p.pod_id), str(p.person_id)): p.amount
            for p in Payout.objects.filter(period=period, is_adjustment=False)
        }
        assert simulated == stored, f"{period.org_unit.slug} {period.month:%Y-%m}"
        # The same month by unit and month gives the same scenario.
        assert export(unit=period.org_unit.slug, month=f"{period.month:%Y-%m}") == scenario
    assert with_stints >= 3  # the demo's re-formation, raise and allocation change


def test_it_names_what_is_wrong_with_its_arguments(personas):
    with pytest.raises(CommandError, match="There is no incentive period 999"):
        export(period=999)
    with pytest.raises(CommandError, match="no org unit with the slug 'nope'"):
        export(unit="nope", month="2026-09")
    with pytest.raises(CommandError, match="is not a month in the form YYYY-MM"):
        export(unit="growth", month="2026-13")
    with pytest.raises(CommandError, match="has no incentive plan in force"):
        export(unit="growth", month="2026-09")
    with pytest.raises(CommandError, match="not both"):
        export(period=1, unit="growth", month="2026-09")
    with pytest.raises(CommandError, match="Give --period ID"):
        export()
