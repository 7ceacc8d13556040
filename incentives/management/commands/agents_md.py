"""``python manage.py agents_md --pod ID [--output AGENTS.md]``: a pod's AGENTS.md, the same
bytes as the pod page's link and ``GET /api/pods/<id>/agents.md``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incentives.reports.agents_md import agents_md
from teams.models import Pod


class Command(BaseCommand):
    help = "Print a pod's AGENTS.md (its context file for AI coding agents)."

    def add_arguments(self, parser):
        parser.add_argument("--pod", type=int, required=True, help="the pod's id")
        parser.add_argument("--output", type=Path, help="write to this file instead of stdout")

    def handle(self, *args, pod: int, output: Path | None = None, **options) -> None:
        found = Pod.objects.select_related("org_unit").filter(pk=pod).first()
        if found is None:
            raise CommandError(f"There is no pod {pod}.")
        text = agents_md(found)
        if output is not None:
            output.write_bytes(text.encode("utf-8"))
            return
        self.stdout.write(text, ending="")
