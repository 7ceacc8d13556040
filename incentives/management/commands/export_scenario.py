"""``python manage.py export_scenario --period ID`` (or ``--unit SLUG --month YYYY-MM``).

Writes the month exactly as the close feeds the payout engine (DESIGN.md §3's scenario format,
database ids as strings), so ``simulate_month`` on the output reproduces the stored payouts to
the cent and any month can be audited outside the app.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from incentives.bonuses import engine, inputs
from incentives.bonuses.services import plan_effective
from incentives.models import IncentivePeriod
from teams.models import OrgUnit


class Command(BaseCommand):
    help = "Print a unit's month as a simulate_month scenario (JSON), built from the records."

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, help="an incentive period id")
        parser.add_argument("--unit", help="an org unit slug (with --month)")
        parser.add_argument("--month", help="YYYY-MM (with --unit)")

    def handle(self, *args, period=None, unit=None, month=None, **options) -> None:
        if period is not None and (unit or month):
            raise CommandError("Give either --period, or --unit and --month, not both.")
        if period is not None:
            found = IncentivePeriod.objects.select_related("plan").filter(pk=period).first()
            if found is None:
                raise CommandError(f"There is no incentive period {period}.")
            org_unit_id, first, plan = found.org_unit_id, found.month, found.plan
        elif unit and month:
            org_unit = OrgUnit.objects.filter(slug=unit).first()
            if org_unit is None:
                raise CommandError(f"There is no org unit with the slug {unit!r}.")
            try:
                first = date.fromisoformat(f"{month}-01")
            except ValueError:
                raise CommandError(
                    f"--month {month!r} is not a month in the form YYYY-MM."
                ) from None
            plan = plan_effective(org_unit_id=org_unit.pk, month=first)
            if plan is None:
                raise CommandError(f"{org_unit.name} has no incentive plan in force for {month}.")
            org_unit_id = org_unit.pk
        else:
            raise CommandError("Give --period ID, or --unit SLUG and --month YYYY-MM.")
        unit_month = inputs.unit_month(plan=plan, org_unit_id=org_unit_id, month=first)
        if unit_month is None:  # a unit without pods that month: the plan, and no pods
            scenario = engine.scenario_to_json(
                (first.year, first.month),
                inputs.engine_plan(plan=plan, components=plan.components.all()),
                [],
                currency=plan.currency,
            )
        else:
            scenario = unit_month.scenario()
        self.stdout.write(json.dumps(scenario, indent=2, ensure_ascii=False))
