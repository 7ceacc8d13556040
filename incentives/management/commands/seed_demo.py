import time

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from incentives.demo import demo_seed


class Command(BaseCommand):
    help = "Create (or reset and recreate) the demo organisation and print one login per role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--people", type=int, default=60, help="number of people (default 60)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same org)")

    def handle(self, *args, people: int, seed: int, **options) -> None:
        started = time.monotonic()
        try:
            # The demo closes a few months: its statement emails (one per person and month)
            # go nowhere rather than flood the console the logins are printed on.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                result = demo_seed(people=people, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Reset and recreated" if result.reset else "Created"
        self.stdout.write(
            f"{verb} the demo organisation: {result.people} people, {result.pods} pods in "
            f"{result.units} org units ({time.monotonic() - started:.1f}s)."
        )
        if result.invitation:
            name, email, url = result.invitation
            self.stdout.write(
                f"Pending invitation for {name} ({email}), valid 7 days; open it logged out "
                f"to set their password: {url}"
            )
        self.stdout.write("Logins (ROLE USERNAME PASSWORD):")
        for role, username, password in result.logins:
            self.stdout.write(f"{role} {username} {password}")
