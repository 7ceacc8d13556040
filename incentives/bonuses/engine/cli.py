"""The command-line edge: JSON scenario in, JSON result out (``python -m incentives.bonuses.engine``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO

from incentives.bonuses.engine.maths import compute_month
from incentives.bonuses.engine.scenario import ScenarioRefused, parse_scenario

# ---------------------------------------------------------------- simulator entry points


def simulate(scenario: Any) -> dict[str, Any]:
    """§3's ``simulate_month``: scenario dict in, output dict out, or ``ScenarioRefused``."""
    parsed = parse_scenario(scenario)
    return compute_month(parsed.month, parsed.plan, parsed.pods, currency=parsed.currency).to_json()


def run_simulation(path: str, stdout: TextIO, stderr: TextIO) -> int:
    """Read a scenario file (``-`` = stdin) and write the JSON result.

    Returns the exit status: 0, or 1 when the scenario is refused or unreadable.
    """
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        stderr.write(f"{path}: cannot read the scenario ({exc.strerror or exc})\n")
        return 1
    try:
        # JSON numbers become Decimal, never float, so "12000.10" and 12000.10 mean the same.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        stderr.write(f"{path}: not valid JSON ({exc})\n")
        return 1
    try:
        result = simulate(data)
    except ScenarioRefused as refused:
        for problem in refused.problems:
            stderr.write(f"{problem}\n")
        return 1
    stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m incentives.bonuses.engine scenario.json\n")
        return 2
    return run_simulation(args[0], sys.stdout, sys.stderr)
