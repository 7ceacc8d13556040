"""Convert saved GitHub webhook deliveries into waits for Podwright.

    python tools/github_waits.py deliveries.json --pod 12 [--members teams.json] [--csv]
        > waits.json
    curl -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" \\
        --data @waits.json https://podwright.example.com/api/waits/bulk/

Each ``pull_request`` ``review_requested`` event naming a team opens a wait (node = the team,
requested_at = the event's time); the first ``pull_request_review`` ``submitted`` by a member
of that team after it resolves it (``--members``: ``{"team-slug": ["login", …]}``; without it,
the review after which GitHub stops listing the team as requested). The keys are stable, so
converting the same file again and sending it updates the same waits. See
``teams/friction/github.py`` for the exact mapping.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from teams.friction.github import PayloadError, read_deliveries, waits_from_deliveries  # noqa: E402

COLUMNS = ("pod", "node", "kind", "requested_at", "resolved_at", "url", "external_id")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "deliveries", type=Path, help="saved deliveries: a JSON array or JSON Lines"
    )
    parser.add_argument("--pod", type=int, required=True, help="the Podwright pod's id")
    parser.add_argument("--members", type=Path, help='team members: {"team-slug": ["login", …]}')
    parser.add_argument("--csv", action="store_true", help="write CSV for /friction/import/")
    args = parser.parse_args(argv)
    try:
        deliveries = read_deliveries(args.deliveries.read_text(encoding="utf-8"))
        members = json.loads(args.members.read_text(encoding="utf-8")) if args.members else None
        waits = waits_from_deliveries(deliveries, pod=args.pod, members=members)
    except (OSError, PayloadError, json.JSONDecodeError) as exc:
        print(f"github_waits: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**w, "resolved_at": w["resolved_at"] or ""} for w in waits)
    else:
        json.dump({"waits": waits}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
