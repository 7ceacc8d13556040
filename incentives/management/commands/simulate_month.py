"""``python manage.py simulate_month scenario.json``: DESIGN.md §3's what-if, nothing saved.

JSON out on stdout; a refused scenario prints one problem per line on stderr and exits 1.
"""

import sys

from django.core.management.base import BaseCommand

from incentives.bonuses.engine import run_simulation


class Command(BaseCommand):
    help = (
        "Compute a month's gain-share payouts for a JSON scenario (DESIGN.md §3), saving nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to the scenario JSON file, or - for stdin")

    def handle(self, *args, scenario: str, **options) -> None:
        status = run_simulation(scenario, stdout=self.stdout, stderr=self.stderr)
        if status:
            # Not CommandError: its prefix would spoil the one-problem-per-line output.
            sys.exit(status)
