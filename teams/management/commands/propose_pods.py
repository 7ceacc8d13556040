"""`python manage.py propose_pods --input pool.csv|pool.json`: DESIGN §2's CLI.

A thin wrapper: parsing, optimising and rendering live in `teams.formation.engine.io`, so the same
code is tested without Django. Infeasible or malformed input exits with status 1 and the causes
on stderr.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from teams.formation.engine import FormationInfeasible
from teams.formation.engine.io import PoolFormatError, run
from teams.traits import COVERAGE_THRESHOLD


class Command(BaseCommand):
    help = "Propose pods for a pool of people (CSV or JSON) and print JSON or a table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="pool.csv or pool.json")
        parser.add_argument("--min-size", type=int, default=None, help="default 3")
        parser.add_argument("--max-size", type=int, default=None, help="default 5")
        parser.add_argument(
            "--threshold", type=float, default=None, help=f"τ, default {COVERAGE_THRESHOLD}"
        )
        parser.add_argument("--max-per-unit", type=int, default=None)
        parser.add_argument("--stability", type=float, default=None, help="μ, default 0")
        parser.add_argument(
            "--pods",
            type=int,
            default=None,
            help="fix the number of pods (a JSON pool's missions fix it to one per mission)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--time-limit", type=float, default=10.0, help="seconds")
        parser.add_argument("--format", choices=["json", "table"], default="json")

    def handle(self, *args: object, **opts: object) -> None:
        try:
            out = run(
                opts["input"],
                fmt=opts["format"],
                seed=opts["seed"],
                time_limit=opts["time_limit"],
                min_size=opts["min_size"],
                max_size=opts["max_size"],
                threshold=opts["threshold"],
                max_per_unit=opts["max_per_unit"],
                stability=opts["stability"],
                pods=opts["pods"],
            )
        except (FormationInfeasible, PoolFormatError) as exc:
            raise CommandError("\n".join(exc.problems), returncode=1) from exc
        self.stdout.write(out, ending="")
