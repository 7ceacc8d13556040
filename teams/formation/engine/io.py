"""Pools in (CSV or JSON), results out (JSON or a table): the `propose_pods` command's core.

Kept free of Django so the command stays a thin wrapper and the round trip is tested without a
database. Input errors raise `PoolFormatError` with one line per bad row or field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from teams.formation.engine.objective import Evaluation
from teams.formation.engine.problem import (
    TRAIT_LABELS,
    TRAITS,
    Constraints,
    Mission,
    Person,
    Problem,
    Wishes,
)
from teams.formation.engine.search import FormationResult, propose_pods

TRUE = {"1", "true", "yes", "y", "t", "x"}
FALSE = {"", "0", "false", "no", "n", "f"}


class PoolFormatError(ValueError):
    """The input file is malformed; `problems` names each bad row and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _number(value: Any, where: str, problems: list[str]) -> float:
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a number")
        return 0.0
    if x != x or not 0 <= x <= 100:
        problems.append(f"{where}: {value!r} is outside 0..100")
    return int(x) if x == int(x) else x


def _flag(value: Any, where: str, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        problems.append(f"{where}: {value!r} is not yes/no")
    return False


def _offset(value: Any, where: str, problems: list[str]) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a number of hours")
        return None


def _person(row: Mapping[str, Any], where: str, problems: list[str]) -> Person | None:
    pid = str(row.get("id") or "").strip()
    if not pid:
        problems.append(f"{where}: id is missing")
        return None
    scores_src = row.get("scores") if isinstance(row.get("scores"), Mapping) else row
    scores = []
    for t in TRAITS:
        if scores_src.get(t) in (None, ""):
            problems.append(f"{where} ({pid}): {t} is missing")
            scores.append(0.0)
        else:
            scores.append(_number(scores_src[t], f"{where} ({pid}) {t}", problems))
    lead = row.get("pod_lead", row.get("is_pod_lead"))
    return Person(
        id=pid,
        scores=tuple(scores),  # type: ignore[arg-type]
        org_unit=str(row["org_unit"]).strip() or None if row.get("org_unit") else None,
        current_pod=str(row["current_pod"]).strip() or None if row.get("current_pod") else None,
        is_pod_lead=_flag(lead, f"{where} ({pid}) pod_lead", problems),
        utc_offset_hours=_offset(
            row.get("utc_offset_hours"), f"{where} ({pid}) utc_offset_hours", problems
        ),
    )


def parse_csv(text: str) -> list[Person]:
    """`id,builder,architect,taste_maker,signal_reader,decision_maker` plus optional
    `org_unit,current_pod,pod_lead,utc_offset_hours` columns; rows are numbered as in a
    spreadsheet (header = row 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in ("id", *TRAITS) if c not in header]
    if missing:
        raise PoolFormatError([f"header: missing column(s) {', '.join(missing)}"])
    problems: list[str] = []
    people = []
    for n, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        person = _person(row, f"row {n}", problems)
        if person:
            people.append(person)
    if problems:
        raise PoolFormatError(problems)
    return people


def _pairs(value: Any, where: str, problems: list[str]) -> list[tuple[str, str]]:
    out = []
    for j, pair in enumerate(value or []):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            problems.append(f"{where}[{j}]: expected a pair of ids, got {pair!r}")
        else:
            out.append((str(pair[0]), str(pair[1])))
    return out


def parse_json(data: Mapping[str, Any] | str) -> Problem:
    """The JSON pool of DESIGN §2, plus optional `max_per_unit`, `stability`,
    `one_lead_per_pod` in `constraints`, a `wishes` object (`requested`, `previous_pods`,
    `min_shared_hours`, `new_teammates`), `pods` (a fixed number of pods) and `missions`
    (`[{"name", "trait", "min"}]`, one pod each, in order)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise PoolFormatError([f"not valid JSON: {exc}"]) from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("people"), list):
        raise PoolFormatError(['expected an object with a "people" list'])
    problems: list[str] = []
    people = []
    for j, row in enumerate(data["people"]):
        if not isinstance(row, Mapping):
            problems.append(f"people[{j}]: expected an object")
            continue
        person = _person(row, f"people[{j}]", problems)
        if person:
            people.append(person)
    c = data.get("constraints") or {}
    pinned = c.get("pinned") or {}
    if not isinstance(pinned, Mapping):
        problems.append("constraints.pinned: expected an object {id: pod}")
        pinned = {}
    w = data.get("wishes") or {}
    problem = Problem(
        people=people,
        constraints=Constraints(
            together=_pairs(c.get("together"), "constraints.together", problems),
            apart=_pairs(c.get("apart"), "constraints.apart", problems),
            pinned={str(k): str(v) for k, v in pinned.items()},
            one_lead_per_pod=bool(c.get("one_lead_per_pod", True)),
            max_per_unit=_int_or_none(c.get("max_per_unit"), "constraints.max_per_unit", problems),
            stability=float(c.get("stability") or 0),
        ),
        wishes=Wishes(
            requested=_pairs(w.get("requested"), "wishes.requested", problems),
            previous_pods=[[str(p) for p in pod] for pod in w.get("previous_pods") or []],
            min_shared_hours=w.get("min_shared_hours"),
            new_teammates=_flag(w.get("new_teammates"), "wishes.new_teammates", problems),
        ),
        missions=_missions(data.get("missions"), problems),
        k=_int_or_none(data.get("pods"), "pods", problems),
    )
    for key in ("min_size", "max_size"):
        if data.get(key) is not None:
            value = _int_or_none(data[key], key, problems)
            if value is not None:
                setattr(problem, key, value)
    if data.get("threshold") is not None:
        problem.threshold = _number(data["threshold"], "threshold", problems)
    if problems:
        raise PoolFormatError(problems)
    return problem


def _missions(value: Any, problems: list[str]) -> list[Mission]:
    """Missions as given; what is wrong with their names or levels is `check_problem`'s to say
    (it names the mission), only the shape is checked here."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append('missions: expected a list of {"name", "trait", "min"} objects')
        return []
    out = []
    for j, row in enumerate(value):
        if isinstance(row, str):
            row = {"name": row}
        if not isinstance(row, Mapping):
            problems.append(f"missions[{j}]: expected an object with a name, got {row!r}")
            continue
        out.append(Mission.from_dict(row))
    return out


def _int_or_none(value: Any, where: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        problems.append(f"{where}: {value!r} is not a whole number")
        return None


def load_problem(
    path: str | Path,
    *,
    min_size: int | None = None,
    max_size: int | None = None,
    threshold: float | None = None,
    max_per_unit: int | None = None,
    stability: float | None = None,
    pods: int | None = None,
) -> Problem:
    """Read a `.csv` or `.json` pool; options given here override the file's values."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PoolFormatError([f"cannot read {path}: {exc.strerror or exc}"]) from exc
    if path.suffix.lower() == ".json":
        problem = parse_json(text)
    else:
        problem = Problem(people=parse_csv(text))
    return apply_options(
        problem,
        min_size=min_size,
        max_size=max_size,
        threshold=threshold,
        max_per_unit=max_per_unit,
        stability=stability,
        pods=pods,
    )


def apply_options(
    problem: Problem,
    *,
    min_size: int | None = None,
    max_size: int | None = None,
    threshold: float | None = None,
    max_per_unit: int | None = None,
    stability: float | None = None,
    pods: int | None = None,
) -> Problem:
    if min_size is not None:
        problem.min_size = min_size
    if max_size is not None:
        problem.max_size = max_size
    if threshold is not None:
        problem.threshold = threshold
    if max_per_unit is not None:
        problem.constraints.max_per_unit = max_per_unit
    if stability is not None:
        problem.constraints.stability = stability
    if pods is not None:
        problem.k = pods
    return problem


def _r(x: float) -> float:
    return round(x, 6)


def result_to_dict(result: Evaluation) -> dict[str, Any]:
    """DESIGN §2's JSON output plus per-pod detail and the trait-gap figures."""
    out: dict[str, Any] = {
        "pods": [
            {
                "members": pod.members,
                "coverage": _r(pod.total),
                "traits": {t: _r(v) for t, v in pod.coverage.items()},
                "coverers": pod.coverers,
                "shortfall": {t: _r(v) for t, v in pod.shortfall.items()},
                "explanation": pod.explanation,
                "wishes_met": pod.wishes_met,
                "wishes_missed": pod.wishes_missed,
                "weakest": pod.weakest,
                "mission": pod.mission,
            }
            for pod in result.pods
        ],
        "objective": _r(result.objective),
        "upper_bound": _r(result.upper_bound),
        "min_coverage": _r(result.min_coverage),
        "k": result.k,
        "coverage_sum": _r(result.coverage_sum),
        "moved": result.moved,
        "trait_gaps": result.trait_gaps,
        "trait_gaps_lower_bound": result.trait_gaps_lower_bound,
        "notes": result.notes,
        "violations": result.violations,
    }
    if isinstance(result, FormationResult):
        out.update(
            missions=[
                {"name": m.name, "trait": m.trait, "min": m.min_score} for m in result.missions
            ],
            proven_bound=_r(result.proven_bound),
            bound_method=result.bound_method,
            bound_kind=result.bound_kind,
            seconds=result.seconds,
            seed=result.seed,
            stopped_early=result.stopped_early,
        )
    return out


def result_to_json(result: Evaluation) -> str:
    return json.dumps(result_to_dict(result), indent=2, ensure_ascii=False)


def result_to_table(result: Evaluation) -> str:
    """A readable plain-text report: one row per pod, then each pod's explanation."""
    short = {
        "builder": "Bld",
        "architect": "Arc",
        "taste_maker": "Tst",
        "signal_reader": "Sig",
        "decision_maker": "Dec",
    }
    head = f"{'pod':>4}  {'C':>5}  " + "  ".join(f"{short[t]:>4}" for t in TRAITS) + "  members"
    lines = [head, "-" * len(head)]
    for n, pod in enumerate(result.pods, start=1):
        cells = "  ".join(f"{pod.coverage[t]:>4.2f}" for t in TRAITS)
        mark = " *" if pod.weakest and result.k > 1 else ""
        mission = f"  [{pod.mission}]" if pod.mission else ""
        lines.append(f"{n:>4}  {pod.total:>5.2f}  {cells}  {', '.join(pod.members)}{mark}{mission}")
    ratio = result.objective / result.upper_bound if result.upper_bound else 0.0
    lines += [
        "",
        f"F = {result.objective:.3f}  (upper bound {result.upper_bound:.3f}, {ratio:.1%})",
        f"pods: {result.k}   weakest pod coverage: {result.min_coverage:.3f} (marked *)",
        f"trait gaps: {result.trait_gaps} (at least {result.trait_gaps_lower_bound} unavoidable)",
    ]
    if result.moved:
        lines.append(f"people moved from their current pod: {result.moved}")
    if isinstance(result, FormationResult) and result.proven_bound:
        share = result.objective / result.proven_bound
        lines.append(f"F is {share:.1%} of the best possible ({result.proven_bound:.3f})")
        lines.append(f"how it was proven: {result.bound_method}")
    if isinstance(result, FormationResult):
        cut = ", cut short by the time limit" if result.stopped_early else ""
        lines.append(f"seed {result.seed}, {result.seconds:.2f} s{cut}")
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"VIOLATION: {v}" for v in result.violations]
    lines.append("")
    for n, pod in enumerate(result.pods, start=1):
        lines.append(f"Pod {n}: {pod.explanation}")
        for wish in pod.wishes_met:
            lines.append(f"    wish met: {wish}")
        for wish in pod.wishes_missed:
            lines.append(f"    wish missed: {wish}")
    return "\n".join(lines) + "\n"


def run(
    path: str | Path,
    *,
    fmt: str = "json",
    seed: int = 1,
    time_limit: float | None = 10.0,
    **options: Any,
) -> str:
    """Load, optimise and render: what `manage.py propose_pods` prints.

    Raises PoolFormatError or FormationInfeasible; the command turns both into a CommandError.
    """
    problem = load_problem(path, **options)
    result = propose_pods(problem, seed=seed, time_limit=time_limit)
    return result_to_table(result) if fmt == "table" else result_to_json(result) + "\n"


__all__ = [
    "PoolFormatError",
    "TRAIT_LABELS",
    "apply_options",
    "load_problem",
    "parse_csv",
    "parse_json",
    "result_to_dict",
    "result_to_json",
    "result_to_table",
    "run",
]
