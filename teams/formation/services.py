"""The formation workspace's workflows: start a run, optimise it, edit it, accept it.

The optimiser itself (`teams.formation`) knows nothing of the database. These functions take a
snapshot of the pool when a run starts (so a review, an edit and an acceptance all see the same
people and scores, whatever changes meanwhile), hand plain data to the optimiser, and write the
accepted pods and memberships in one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from teams import clock
from teams.background import enqueue_on_commit
from teams.formation import engine as formation
from teams.formation.engine.io import result_to_dict
from teams.formation.engine.problem import check_problem
from teams.models import FormationRun, OrgUnit, Person, Pod, PodMembership, units_below
from teams.traits import TRAIT_LABELS, TRAITS

log = logging.getLogger(__name__)

POOL_UNPODDED = "unpodded"
POOL_EVERYONE = "everyone"
MAX_UNDO = 50
# A running run writes its progress about once a second; one silent for longer than its time
# limit plus this margin has lost its worker. A queued run waits for a worker at most this long.
HEARTBEAT_EVERY = 1.0
SILENCE_MARGIN = 60
QUEUE_PATIENCE = 600


def unit_tree_ids(unit: OrgUnit) -> list[int]:
    """The unit and every unit below it."""
    return sorted(units_below([unit.pk]))


def pool_people(*, org_unit: OrgUnit, pool: str):
    """The people a run of this unit and pool mode forms pods from: active and assessed, and for
    `unpodded` not in an active pod today (the pickers search these; the snapshot takes them)."""
    people = Person.objects.filter(
        org_unit_id__in=unit_tree_ids(org_unit), is_active=True, profile__isnull=False
    )
    if pool == POOL_UNPODDED:
        people = people.exclude(
            pk__in=PodMembership.objects.current(clock.today())
            .filter(pod__status=Pod.Status.ACTIVE)
            .values("person_id")
        )
    return people


def _utc_offset(tz_name: str, now: datetime) -> float | None:
    try:
        offset = now.astimezone(ZoneInfo(tz_name)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


def pool_snapshot(*, org_unit: OrgUnit, pool: str) -> tuple[list[dict], list[str]]:
    """The people a run forms pods from, as plain dicts, and notes on who was left out.

    `unpodded`: active people of the unit tree not currently in a pod. `everyone`: all active
    people of the unit tree, with their current pod (for the stability weight μ).
    A constant number of queries whatever the size of the pool.
    """
    today = clock.today()
    unit_ids = unit_tree_ids(org_unit)
    people = (
        Person.objects.filter(org_unit_id__in=unit_ids, is_active=True)
        .select_related("profile", "org_unit")
        .order_by("id")
    )
    # Someone in several pods belongs, for stability, to the one they give most of their time.
    current: dict[int, int] = {}
    leading: dict[int, int] = {}
    rows = (
        PodMembership.objects.current(today)
        .filter(person__org_unit_id__in=unit_ids, pod__status=Pod.Status.ACTIVE)
        .order_by("person_id", "-allocation", "id")
        .values_list("person_id", "pod_id", "is_pod_lead")
    )
    for person_id, pod_id, is_lead in rows:
        current.setdefault(person_id, pod_id)
        if is_lead:
            leading.setdefault(person_id, pod_id)
    now = timezone.now()
    snapshot, unassessed = [], 0
    for person in people:
        if pool == POOL_UNPODDED and person.pk in current:
            continue
        profile = getattr(person, "profile", None)
        if profile is None:
            unassessed += 1
            continue
        snapshot.append(
            {
                "id": str(person.pk),
                "name": person.name,
                "email": person.email,
                "unit_name": person.org_unit.name,
                "scores": [round(getattr(profile, t), 2) for t in TRAITS],
                "org_unit": person.org_unit.slug,
                "current_pod": str(current[person.pk]) if person.pk in current else None,
                "leads_pod": str(leading[person.pk]) if person.pk in leading else None,
                "is_pod_lead": person.role == Person.Role.POD_LEAD,
                "utc_offset": _utc_offset(person.time_zone, now),
            }
        )
    notes = []
    if unassessed:
        notes.append(
            f"{unassessed} {'person has' if unassessed == 1 else 'people have'} no assessment "
            "yet and were left out of the pool."
        )
    return snapshot, notes


def problem_for_run(run: FormationRun) -> formation.Problem:
    """Rebuild the optimiser's problem from the run's stored inputs and pool snapshot."""
    p = run.params
    people = [
        formation.Person(
            id=row["id"],
            scores=tuple(row["scores"]),
            org_unit=row["org_unit"],
            current_pod=row["current_pod"],
            is_pod_lead=row["is_pod_lead"],
            utc_offset_hours=row["utc_offset"],
        )
        for row in run.result["pool"]
    ]
    missions = p.get("missions") or []
    return formation.Problem(
        people=people,
        min_size=p["min_size"],
        max_size=p["max_size"],
        threshold=p["threshold"],
        # One pod per mission, in order (the i-th pod is the i-th mission's): missions fix k.
        k=None if missions else p.get("pods"),
        missions=[
            formation.Mission(
                name=m["name"], trait=m.get("trait") or None, min_score=m.get("level")
            )
            for m in missions
        ],
        constraints=formation.Constraints(
            together=[tuple(pair) for pair in p.get("together", [])],
            apart=[tuple(pair) for pair in p.get("apart", [])],
            pinned=dict(p.get("pinned", {})),
            one_lead_per_pod=p.get("one_lead_per_pod", True),
            max_per_unit=p.get("max_per_unit"),
            stability=p.get("stability", 0.0),
        ),
        wishes=formation.Wishes(
            requested=[tuple(pair) for pair in p.get("requested", [])],
            previous_pods=run.result.get("previous_pods", []) if p.get("avoid_repeats") else [],
            min_shared_hours=p.get("min_shared_hours"),
            new_teammates=bool(p.get("new_teammates")),
        ),
    )


# --------------------------------------------------------------------------- names
#
# The optimiser speaks in ids (they are what a machine reads back: arrangements, JSON, the API).
# Sentences a lead reads name people, pods and units instead: the workspace hands the optimiser
# the same problem with every id replaced by its label, so each sentence it writes (coverage,
# wishes, broken constraints, why a pool cannot be formed) reads with names, and maps the
# structured parts (members, who covers what) back to ids.


@dataclass
class Names:
    """How one run's people, pods and org units read in a sentence (unique labels)."""

    people: dict[str, str]  # person id -> name ("Name (email)" for namesakes)
    pods: dict[str, str]  # pin label "pod:12" and current pod "12" -> pod name
    units: dict[str, str]  # org unit slug -> unit name
    # The existing pods the run names, as they are now: pk -> (name, goal, baseline headcount).
    charters: dict[int, tuple[str, str, Decimal]] = dataclasses.field(default_factory=dict)

    def person(self, pid: str) -> str:
        return self.people.get(pid, pid)


def _unique(labels: dict[str, str], fallback: dict[str, str]) -> dict[str, str]:
    """Labels that stay unique: a label two keys share gets the key's fallback added."""
    seen = Counter(labels.values())
    out = {}
    for key, label in labels.items():
        out[key] = f"{label} ({fallback.get(key) or key})" if seen[label] > 1 else label
    taken = Counter(out.values())
    return {key: f"{label} #{key}" if taken[label] > 1 else label for key, label in out.items()}


def run_names(run: FormationRun) -> Names:
    """The labels of a run's pool (from its snapshot) and of the pods it names (one query)."""
    pool = (run.result or {}).get("pool", [])
    people = _unique(
        {row["id"]: row["name"] for row in pool},
        {row["id"]: row.get("email", "") for row in pool},
    )
    units = _unique(
        {
            row["org_unit"]: row.get("unit_name") or row["org_unit"]
            for row in pool
            if row["org_unit"]
        },
        {},
    )
    pinned = (run.params or {}).get("pinned", {}).values()
    pod_ids = {
        int(label[4:]) for label in pinned if label.startswith("pod:") and label[4:].isdigit()
    }
    pod_ids |= {int(row["current_pod"]) for row in pool if (row.get("current_pod") or "").isdigit()}
    pods: dict[str, str] = {}
    charters: dict[int, tuple[str, str, Decimal]] = {}
    if pod_ids:
        rows = Pod.objects.filter(pk__in=pod_ids).values_list(
            "pk", "name", "goal", "baseline_headcount"
        )
        charters = {pk: (name, goal, baseline) for pk, name, goal, baseline in rows}
        names = _unique({str(pk): c[0] for pk, c in charters.items()}, {})
        for pk, name in names.items():
            pods[pk] = pods[f"pod:{pk}"] = name
    return Names(people=people, pods=pods, units=units, charters=charters)


def named_problem(problem: formation.Problem, names: Names) -> formation.Problem:
    """The same problem with people, pinned pods and org units under their labels."""
    label = names.person
    c, w = problem.constraints, problem.wishes
    return dataclasses.replace(
        problem,
        people=[
            dataclasses.replace(p, id=label(p.id), org_unit=names.units.get(p.org_unit, p.org_unit))
            for p in problem.people
        ],
        constraints=dataclasses.replace(
            c,
            together=[(label(x), label(y)) for x, y in c.together],
            apart=[(label(x), label(y)) for x, y in c.apart],
            pinned={label(pid): names.pods.get(pod, pod) for pid, pod in c.pinned.items()},
        ),
        wishes=dataclasses.replace(
            w,
            requested=[(label(x), label(y)) for x, y in w.requested],
            previous_pods=[[label(pid) for pid in pod] for pod in w.previous_pods],
        ),
    )


_QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


class _Tidy:
    """Sentences of the named problem as a lead reads them: labels unquoted, pairs as
    "Ana Lima and Bo Chen"."""

    def __init__(self, named: formation.Problem, names: Names) -> None:
        self.known = (
            set(names.people.values()) | set(names.pods.values()) | set(names.units.values())
        )
        c = named.constraints
        self.pairs = {f"({x}, {y})": f"{x} and {y}" for x, y in [*c.together, *c.apart]}

    def __call__(self, text: str, pairs: bool = False) -> str:
        if "'" in text or '"' in text:
            text = _QUOTED.sub(self._unquote, text)
        if pairs and "(" in text:
            for raw, nice in self.pairs.items():
                text = text.replace(raw, nice)
        return text

    def _unquote(self, m: re.Match) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        return inner if inner in self.known else m.group(0)


def evaluate_named(
    problem: formation.Problem, names: Names, arrangement: list[list[str]]
) -> formation.Evaluation:
    """`evaluate()` with every sentence naming people, and members/coverers as ids."""
    named = named_problem(problem, names)
    ev = formation.evaluate(named, [[names.person(pid) for pid in pod] for pod in arrangement])
    back = {label: pid for pid, label in names.people.items()}
    tidy = _Tidy(named, names)
    for pod in ev.pods:
        pod.members = [back.get(m, m) for m in pod.members]
        pod.coverers = {t: back.get(m, m) if m else m for t, m in pod.coverers.items()}
        pod.explanation = tidy(pod.explanation)
        pod.wishes_met = [tidy(w) for w in pod.wishes_met]
        pod.wishes_missed = [tidy(w) for w in pod.wishes_missed]
    ev.violations = [tidy(v, pairs=True) for v in ev.violations]
    ev.notes = [tidy(n) for n in ev.notes]
    return ev


_ID_PAIR = re.compile(r"\((\w+), (\w+)\)")
_ID_QUOTED = re.compile(r"'(\w+)'")
_ID_LIST = re.compile(r"(Pod Leads: |not in any pod: )([\w, ]+)")


def _name_ids(text: str, names: Names) -> str:
    """Ids in an optimiser sentence that was not written from the named problem."""
    people = names.people

    def pair(m: re.Match) -> str:
        x, y = m.groups()
        return f"{people[x]} and {people[y]}" if x in people and y in people else m.group(0)

    def listed(m: re.Match) -> str:
        ids = m.group(2).split(", ")
        if not all(pid in people for pid in ids):
            return m.group(0)
        return m.group(1) + ", ".join(people[pid] for pid in ids)

    text = _ID_PAIR.sub(pair, text)
    text = _ID_QUOTED.sub(
        lambda m: people.get(m.group(1), names.pods.get(m.group(1), m.group(0))), text
    )
    return _ID_LIST.sub(listed, text)


def named_problems(problem: formation.Problem, names: Names, lines: list[str]) -> list[str]:
    """Why a pool cannot be formed, naming people: the same checks run on the named problem;
    what only the search found (no valid arrangement) has its ids replaced."""
    named = named_problem(problem, names)
    tidy = _Tidy(named, names)
    try:
        check_problem(named)
    except formation.FormationInfeasible as exc:
        return [tidy(line, pairs=True) for line in exc.problems]
    return [_name_ids(line, names) for line in lines]


@transaction.atomic
def formation_start(*, user: User, org_unit: OrgUnit, params: dict) -> FormationRun:
    """Record a run with its inputs and pool snapshot, and queue the optimiser after commit.

    Raises BackgroundUnavailable (from the commit) when the broker does not take the task; the
    run is removed again, so no run waits forever for a task that was never queued.
    """
    from teams.formation.tasks import run_formation

    pool, notes = pool_snapshot(org_unit=org_unit, pool=params["pool"])
    previous: dict[str, list[str]] = {}
    for row in pool:
        if row["current_pod"]:
            previous.setdefault(row["current_pod"], []).append(row["id"])
    run = FormationRun.objects.create(
        org_unit=org_unit,
        created_by=user,
        params=params,
        result={"pool": pool, "notes": notes, "previous_pods": list(previous.values())},
    )
    if run_formation.app.conf.task_always_eager:
        # No broker: optimise in this process, but after the response, so the page answers
        # at once and polls the run's stored progress as it would with a worker.
        transaction.on_commit(lambda: _optimise_soon(run.pk))
    else:
        enqueue_on_commit(
            [(run_formation, (run.pk,))], undo=FormationRun.objects.filter(pk=run.pk).delete
        )
    return run


def _optimise_soon(run_id: int) -> None:
    """Optimise in a thread of this process. A thread sees only committed rows: when the
    callback runs inside a transaction that is still open (a test capturing on-commit
    callbacks inside its own), the run is optimised here and now instead."""
    if transaction.get_connection().in_atomic_block:
        formation_optimise(run_id=run_id)
        return
    threading.Thread(
        target=_optimise_in_thread, args=(run_id,), name=f"formation-run-{run_id}", daemon=True
    ).start()


def _optimise_in_thread(run_id: int) -> None:
    # A thread that dies with its process leaves the run silent: the heartbeat check marks it
    # failed and its page offers "Run again", as for a lost worker.
    try:
        for attempt in range(1, 31):
            try:
                formation_optimise(run_id=run_id)
                break
            except OperationalError as exc:
                # SQLite's shared in-memory database (the test run) locks whole tables and has
                # no busy timeout: try again shortly; the run is safe to repeat.
                if "locked" not in str(exc) or attempt == 30:
                    raise
                time.sleep(0.1 * attempt)
    except Exception:
        log.exception("formation run %s failed in its thread", run_id)
    finally:
        for connection in connections.all(initialized_only=True):
            # Django keeps an in-memory SQLite connection open on close(); left to the garbage
            # collector it would be closed from another thread, which SQLite's shared cache
            # can deadlock on. This thread's goes with it.
            if connection.vendor == "sqlite" and connection.is_in_memory_db():
                if connection.connection is not None:
                    connection.connection.close()
                    connection.connection = None
        connections.close_all()


class _Heartbeat:
    """The optimiser's progress, written to the run row about once a second (5–95 %)."""

    def __init__(self, mine) -> None:
        self.mine = mine
        self.last = float("-inf")

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < HEARTBEAT_EVERY:
            return
        self.last = now
        try:
            owned = self.mine.update(progress=5 + int(90 * fraction), heartbeat_at=timezone.now())
        except OperationalError:
            # The database is busy (SQLite under a writer): skip this beat, the next one comes
            # in a second and the silence limit allows a minute.
            log.warning("formation heartbeat skipped: the database is busy")
            return
        if not owned:
            raise RunSuperseded


class RunSuperseded(Exception):
    """This delivery of the task no longer owns the run: a later delivery restarted it, or it was
    marked failed meanwhile. The search stops and nothing is written."""


def _run_begin(run_id: int) -> FormationRun | None:
    """Claim the run for this delivery: the next attempt, started now."""
    with transaction.atomic():
        run = FormationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (
            FormationRun.Status.QUEUED,
            FormationRun.Status.RUNNING,
        ):
            return run
        now = timezone.now()
        run.status = FormationRun.Status.RUNNING
        run.attempts += 1
        run.started_at = run.heartbeat_at = now
        run.progress = 5
        run.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress"])
        return run


def formation_optimise(*, run_id: int) -> FormationRun | None:
    """Run the optimiser for a queued run (the Celery task). Safe to repeat.

    A run redelivered because its worker died (status still "running") starts over as a new
    attempt: the optimiser is deterministic for a seed, and nothing of the lost attempt was
    stored. A finished, failed or accepted run is left alone; a run whose start was undone (the
    broker refused the task) no longer exists. Every write is conditional on this attempt still
    owning the run, so an older delivery that wakes up late cannot overwrite a newer one.
    """
    run = _run_begin(run_id)
    if run is None or run.status != FormationRun.Status.RUNNING:
        return run
    mine = FormationRun.objects.filter(
        pk=run.pk, status=FormationRun.Status.RUNNING, attempts=run.attempts
    )
    try:
        problem = problem_for_run(run)
        result = formation.propose_pods(
            problem,
            seed=run.params.get("seed", 1),
            time_limit=run.params.get("time_limit", 10),
            on_progress=_Heartbeat(mine),
        )
    except formation.FormationInfeasible as exc:
        _finish(
            mine,
            status=FormationRun.Status.FAILED,
            error="\n".join(named_problems(problem, run_names(run), exc.problems)),
            progress=100,
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
    except RunSuperseded:
        run.refresh_from_db()
        return run
    proposal = result_to_dict(result)
    arrangement = [pod["members"] for pod in proposal["pods"]]
    _finish(
        mine,
        result={**run.result, "proposal": proposal},
        arrangement=arrangement,
        history=[],
        # Each pod's mission is settled once, so it stays with its pod while the lead edits.
        review={"missions": list(range(len(arrangement))) if run.params.get("missions") else []},
        objective=result.objective,
        upper_bound=result.upper_bound,
        status=FormationRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def _finish(mine, **fields) -> None:
    """Write the run's outcome; a busy database (SQLite under another writer) gets a few
    more tries, since the search behind it took seconds."""
    for attempt in range(4):
        try:
            mine.update(**fields)
            return
        except OperationalError:
            if attempt == 3:
                raise
            time.sleep(0.5 * (attempt + 1))


def run_silence_limit(run: FormationRun) -> timedelta:
    """How long a running run may stay silent before it counts as lost."""
    return timedelta(seconds=(run.params.get("time_limit") or 10) + SILENCE_MARGIN)


def formation_expire(*, run: FormationRun) -> FormationRun:
    """Mark a run failed when its worker has gone silent, so nobody waits on it forever.

    Checked whenever someone looks at a run (page, API) and by a periodic sweep. The update is
    conditional on the row being as it was read: a heartbeat that lands meanwhile wins.
    """
    now = timezone.now()
    if run.status == FormationRun.Status.RUNNING:
        last = run.heartbeat_at or run.started_at or run.created_at
        if now - last <= run_silence_limit(run):
            return run
        error = FormationRun.WORKER_LOST
    elif run.status == FormationRun.Status.QUEUED:
        if now - run.created_at <= timedelta(seconds=QUEUE_PATIENCE):
            return run
        error = FormationRun.NEVER_STARTED
    else:
        return run
    expired = FormationRun.objects.filter(
        pk=run.pk, status=run.status, attempts=run.attempts, heartbeat_at=run.heartbeat_at
    ).update(status=FormationRun.Status.FAILED, error=error, finished_at=now)
    if expired:
        run.status, run.error, run.finished_at = FormationRun.Status.FAILED, error, now
    else:
        run.refresh_from_db()
    return run


def formation_runs_expire() -> int:
    """The periodic sweep: every silent queued or running run marked failed. Returns how many."""
    pending = FormationRun.objects.filter(
        status__in=[FormationRun.Status.QUEUED, FormationRun.Status.RUNNING]
    ).only("status", "params", "attempts", "created_at", "started_at", "heartbeat_at")
    return sum(formation_expire(run=run).status == FormationRun.Status.FAILED for run in pending)


def formation_restart(*, user: User, run: FormationRun) -> FormationRun:
    """Run a failed run again: a new run of its unit with the same inputs (the pool is taken
    afresh, as it is now)."""
    if run.status != FormationRun.Status.FAILED:
        raise ValidationError("Only a failed run can be run again.")
    params = {key: value for key, value in run.params.items() if key != "started_at"}
    return formation_start(user=user, org_unit=run.org_unit, params=params)


@dataclass
class Workspace:
    """What the review screen shows: the current arrangement, scored exactly as DESIGN §2."""

    run: FormationRun
    evaluation: formation.Evaluation
    names: dict[str, str]
    scores: dict[str, list[float]]
    pool_size: int
    labels: Names

    @property
    def ratio(self) -> float:
        ub = self.evaluation.upper_bound
        return self.evaluation.objective / ub if ub else 0.0

    @property
    def ratio_pct(self) -> float:
        return round(100 * self.ratio, 1)


def workspace_for_run(run: FormationRun) -> Workspace:
    problem = problem_for_run(run)
    names = run_names(run)
    evaluation = evaluate_named(problem, names, run.arrangement or [])
    pool = run.result["pool"]
    return Workspace(
        run=run,
        evaluation=evaluation,
        names=names.people,
        scores={row["id"]: row["scores"] for row in pool},
        pool_size=len(pool),
        labels=names,
    )


def best_possible(run: FormationRun, ev: formation.Evaluation) -> dict:
    """F against the best any arrangement could reach: the run's proven bound when the
    optimiser proved one, else 2·UB_sum for this number of pods; with how it was proven."""
    proposal = (run.result or {}).get("proposal") or {}
    bound = proposal.get("proven_bound")
    method = proposal.get("bound_method") or ""
    if not bound:
        bound = ev.upper_bound
        method = (
            f"2·UB_sum for {ev.k} pods: each pod's coverage of a trait comes from a different "
            "person, so no arrangement covers more than the k strongest holders of each trait"
        )
    method = method.strip()
    return {
        "bound": bound,
        "pct": round(100 * ev.objective / bound, 1) if bound else 0.0,
        "method": method if method.endswith(".") else method + ".",
    }


@dataclass
class RunSummary:
    """One run's figures for comparing runs side by side."""

    run: FormationRun
    evaluation: formation.Evaluation | None
    best: dict | None
    pool_ids: set[str]

    @property
    def wishes_met(self) -> int:
        return sum(len(p.wishes_met) for p in self.evaluation.pods) if self.evaluation else 0

    @property
    def wishes_missed(self) -> int:
        return sum(len(p.wishes_missed) for p in self.evaluation.pods) if self.evaluation else 0

    @property
    def weakest(self) -> tuple[int, float] | None:
        """The weakest pod: its number and coverage."""
        if not self.evaluation or not self.evaluation.pods:
            return None
        g = min(range(len(self.evaluation.pods)), key=lambda g: (self.evaluation.pods[g].total, g))
        return g + 1, self.evaluation.pods[g].total


def run_summary(run: FormationRun) -> RunSummary:
    pool = {row["id"] for row in (run.result or {}).get("pool", [])}
    if run.arrangement is None:
        return RunSummary(run, None, None, pool)
    ev = workspace_for_run(run).evaluation
    return RunSummary(run, ev, best_possible(run, ev), pool)


def runs_comparable(a: FormationRun, b: FormationRun) -> str:
    """Why two runs cannot be compared side by side ("" when they can)."""
    if a.pk == b.pk:
        return "Choose two different runs to compare."
    if a.org_unit_id != b.org_unit_id:
        return (
            f"Run {a.pk} is of {a.org_unit.name} and run {b.pk} of {b.org_unit.name}: "
            "compare two runs of the same pool."
        )
    if a.params.get("pool") != b.params.get("pool"):
        return (
            f"Run {a.pk} and run {b.pk} take different pools (people not in a pod, and "
            "everyone): compare two runs of the same pool."
        )
    return ""


def _locate(arrangement: list[list[str]], person: str) -> int:
    for g, members in enumerate(arrangement):
        if person in members:
            return g
    raise ValidationError(f"Person {person} is not in this proposal.")


@transaction.atomic
def formation_edit(
    *, run: FormationRun, action: str, person: str = "", other: str = "", pod: int | None = None
) -> FormationRun:
    """Move a person to another proposed pod, swap two people, or undo the last edit.

    Edits never fail on constraints: the workspace scores the new arrangement and warns about
    whatever it breaks, so a lead can try an idea and undo it.
    """
    run = FormationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != FormationRun.Status.DONE:
        raise ValidationError("Only a finished, not yet accepted run can be edited.")
    arrangement = [list(members) for members in run.arrangement]
    if action == "undo":
        if not run.history:
            raise ValidationError("Nothing to undo.")
        run.arrangement = run.history[-1]
        run.history = run.history[:-1]
        run.save(update_fields=["arrangement", "history"])
        return run
    if action == "move":
        if pod is None or not 0 <= pod < len(arrangement):
            raise ValidationError("Choose a proposed pod to move to.")
        source = _locate(arrangement, person)
        if source == pod:
            raise ValidationError("That person is already in this pod.")
        arrangement[source].remove(person)
        arrangement[pod].append(person)
    elif action == "swap":
        a, b = _locate(arrangement, person), _locate(arrangement, other)
        if a == b:
            raise ValidationError("Swap two people from different pods.")
        i, j = arrangement[a].index(person), arrangement[b].index(other)
        arrangement[a][i], arrangement[b][j] = other, person
    else:
        raise ValidationError(f"Unknown edit {action!r}.")
    run.history = [*run.history, run.arrangement][-MAX_UNDO:]
    run.arrangement = arrangement
    run.save(update_fields=["arrangement", "history"])
    return run


# --------------------------------------------------------------------------- review


def continuing_pods(run: FormationRun, arrangement: list[list[str]]) -> list[int | None]:
    """The existing pod each proposed pod continues, if any (per pod).

    A pod holding people pinned to an existing pod continues it. Otherwise an existing pod
    continues in the proposed pod holding most of its members (as `count_moved` counts who
    moved), the biggest groups first, each proposed pod continuing one pod at most.
    """
    pool = {row["id"]: row for row in run.result["pool"]}
    pinned = run.params.get("pinned", {})
    out: list[int | None] = [None] * len(arrangement)
    for g, members in enumerate(arrangement):
        labels = sorted(
            {pinned[m] for m in members if pinned.get(m, "").startswith("pod:")},
            key=lambda label: int(label[4:]) if label[4:].isdigit() else 0,
        )
        if labels and labels[0][4:].isdigit():
            out[g] = int(labels[0][4:])
    taken = {pod for pod in out if pod is not None}
    where: dict[int, Counter] = {}
    for g, members in enumerate(arrangement):
        for m in members:
            current = (pool.get(m) or {}).get("current_pod")
            if current and current.isdigit() and int(current) not in taken:
                where.setdefault(int(current), Counter())[g] += 1
    candidates = []
    for pod, counts in where.items():
        g, n = min(counts.items(), key=lambda item: (-item[1], item[0]))
        candidates.append((-n, pod, g))
    for _, pod, g in sorted(candidates):
        if out[g] is None and pod not in taken:
            out[g] = pod
            taken.add(pod)
    return out


def _default_lead(members: list[str], pool: dict[str, dict], continuing: int | None) -> str | None:
    """Who leads a proposed pod unless the lead chooses: the continuing pod's Pod Lead if they
    stay, else someone who is a Pod Lead already, else the strongest Decision Maker."""
    if continuing is not None:
        stays = [m for m in members if (pool.get(m) or {}).get("leads_pod") == str(continuing)]
        if stays:
            return stays[0]
    leads = [m for m in members if (pool.get(m) or {}).get("is_pod_lead")]
    if leads:
        return leads[0]
    decision = TRAITS.index("decision_maker")
    return max(
        (m for m in members if m in pool),
        key=lambda m: (pool[m]["scores"][decision], -int(m) if m.isdigit() else 0),
        default=None,
    )


@dataclass
class ProposedPod:
    """One proposed pod as it would be accepted: its place, mission, the pod it continues, its
    charter and its Pod Lead (the lead's choices where made, else the defaults)."""

    index: int
    members: list[str]
    mission: dict | None
    continuing: int | None
    continuing_name: str
    name: str
    goal: str
    baseline: Decimal | None
    lead: str | None
    requirement: str = ""  # the mission's required trait level, and whether the pod meets it
    requirement_met: bool = True
    chosen: dict = dataclasses.field(default_factory=dict)  # what the lead set, as saved
    default_name: str = ""
    default_goal: str = ""
    default_baseline: Decimal | None = None  # None: the accept form's baseline

    @property
    def label(self) -> str:
        return f"Pod {self.index + 1}"


def _requirement(
    mission: dict | None, members: list[str], names: dict, scores: dict
) -> tuple[str, bool]:
    if not mission or not mission.get("trait"):
        return "", True
    trait, level = mission["trait"], mission["level"]
    t = TRAITS.index(trait)
    label = TRAIT_LABELS[trait]
    holders = [m for m in members if m in scores]
    if not holders:
        return f"{mission['name']} asks for {label} ≥ {level}: the pod is empty", False
    best = max(holders, key=lambda m: scores[m][t])
    score = f"{scores[best][t]:g}"
    if scores[best][t] >= level:
        return (
            f"{mission['name']} asks for {label} ≥ {level}: {names.get(best, best)} ({score})",
            True,
        )
    return (
        f"{mission['name']} asks for {label} ≥ {level}: the best here is "
        f"{names.get(best, best)} ({score})",
        False,
    )


def proposed_pods(
    run: FormationRun,
    names: Names,
    *,
    arrangement: list[list[str]] | None = None,
    name_prefix: str = "",
    default_baseline: Decimal | None = None,
) -> list[ProposedPod]:
    """Every proposed pod of the run's current arrangement, ready to show or accept."""
    arrangement = arrangement if arrangement is not None else (run.arrangement or [])
    pool = {row["id"]: row for row in run.result["pool"]}
    scores = {pid: row["scores"] for pid, row in pool.items()}
    missions = run.params.get("missions") or []
    review = run.review or {}
    # The i-th pod is the i-th mission's (the optimiser holds their order and required levels).
    assigned = review.get("missions")
    if not isinstance(assigned, list) or len(assigned) != len(arrangement):
        assigned = list(range(len(arrangement))) if missions else [None] * len(arrangement)
    continues = continuing_pods(run, arrangement)
    prefix = name_prefix.strip() or f"{run.org_unit.name} · run {run.pk}"
    chosen_all = review.get("pods") or {}
    out = []
    for g, members in enumerate(arrangement):
        mission = (
            missions[assigned[g]]
            if assigned[g] is not None and assigned[g] < len(missions)
            else None
        )
        pod = continues[g]
        charter = names.charters.get(pod) if pod is not None else None
        if charter is None:
            pod = None
        chosen = chosen_all.get(str(g)) or {}
        # The defaults: the mission's, else the continuing pod's, else a name from the prefix.
        default_name = (mission or {}).get("name") or (
            charter[0] if charter else f"{prefix} · pod {g + 1}"
        )
        default_goal = (mission or {}).get("goal") or (charter[1] if charter else "")
        own_baseline = _decimal((mission or {}).get("baseline"))
        if own_baseline is None and charter:
            own_baseline = charter[2]
        baseline = _decimal(chosen.get("baseline"))
        if baseline is None:
            baseline = own_baseline if own_baseline is not None else default_baseline
        lead = chosen.get("lead")
        if lead not in members:
            lead = _default_lead(members, pool, pod)
        requirement, met = _requirement(mission, members, names.people, scores)
        out.append(
            ProposedPod(
                index=g,
                members=list(members),
                mission=mission,
                continuing=pod,
                continuing_name=names.pods.get(str(pod), "") if pod is not None else "",
                name=chosen.get("name") or default_name,
                goal=chosen.get("goal") or default_goal,
                baseline=baseline,
                lead=lead,
                default_name=default_name,
                default_goal=default_goal,
                default_baseline=own_baseline,
                requirement=requirement,
                requirement_met=met,
                chosen=chosen,
            )
        )
    return out


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@transaction.atomic
def formation_review_pod(
    *, run: FormationRun, index: int, name: str, goal: str, baseline: Decimal | None, lead: str
) -> FormationRun:
    """Set a proposed pod's charter (name, goal, baseline headcount) and its Pod Lead before
    accepting. Blank name or baseline means the default (mission, continuing pod, prefix)."""
    run = FormationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != FormationRun.Status.DONE:
        raise ValidationError("Only a finished, not yet accepted run can be edited.")
    arrangement = run.arrangement or []
    if not 0 <= index < len(arrangement):
        raise ValidationError(f"There is no proposed pod {index + 1}.")
    errors = {}
    if lead and lead not in arrangement[index]:
        who = run_names(run).person(lead)
        errors["lead"] = [f"{who} is not in pod {index + 1}: choose one of its members."]
    if baseline is not None and baseline < 0:
        errors["baseline"] = ["The baseline headcount cannot be negative."]
    if len(name.strip()) > 120:
        errors["name"] = ["A pod name has at most 120 characters."]
    if errors:
        raise ValidationError(errors)
    review = dict(run.review or {})
    pods = dict(review.get("pods") or {})
    pods[str(index)] = {
        "name": name.strip(),
        "goal": goal.strip(),
        "baseline": str(baseline) if baseline is not None else "",
        "lead": lead,
    }
    review["pods"] = pods
    run.review = review
    run.save(update_fields=["review"])
    return run


@transaction.atomic
def formation_sort(*, run: FormationRun, order: str) -> FormationRun:
    """Show the pods weakest first (as they score now) or in the proposal's order. The order is
    kept until the lead asks again, so pods keep their place while the lead edits them."""
    run = FormationRun.objects.select_for_update().get(pk=run.pk)
    review = dict(run.review or {})
    if order == "weakest":
        ev = workspace_for_run(run).evaluation
        review["order"] = sorted(range(len(ev.pods)), key=lambda g: (ev.pods[g].total, g))
    elif order == "proposal":
        review.pop("order", None)
    else:
        raise ValidationError(f"Unknown order {order!r}: weakest or proposal.")
    run.review = review
    run.save(update_fields=["review"])
    return run


def display_order(run: FormationRun, k: int) -> list[int]:
    """The order the lead chose for the pods, else the proposal's."""
    order = (run.review or {}).get("order")
    if isinstance(order, list) and sorted(order) == list(range(k)):
        return order
    return list(range(k))


def unit_plan_in_force(org_unit: OrgUnit, day) -> bool:
    """Whether the unit has an incentive plan in force on `day`'s month. Plans belong to the
    incentives app, which this one does not import: read through the unit's reverse relation."""
    return OrgUnit.objects.filter(
        pk=org_unit.pk, incentive_plans__effective_from__lte=day.replace(day=1)
    ).exists()


def plan_warning(org_unit: OrgUnit, day) -> str:
    """What a lead should know before creating pods in a unit without a plan in force."""
    if unit_plan_in_force(org_unit, day):
        return ""
    return (
        f"{org_unit.name} has no incentive plan in force for {day:%B %Y}: its pods earn no "
        "gain-share bonus until an Org Lead sets one (Plans)."
    )


@transaction.atomic
def formation_accept(
    *, run: FormationRun, user: User, baseline_headcount=0, name_prefix: str = ""
) -> list[Pod]:
    """Create or continue the pods of the arrangement, with their memberships, in one step.

    Each proposed pod continues its existing pod (renamed, re-chartered and re-baselined from
    today when its mission says so) or becomes a new pod with its mission's name, goal and
    baseline (the opening value). A person staying in the same pod with the same allocation
    and lead flag keeps their membership row; everyone else's current rows end yesterday and
    a new stint starts today. Pods left without members are dissolved.
    """
    from teams.pods import services as pod_services

    run = FormationRun.objects.select_for_update().get(pk=run.pk)
    if run.status == FormationRun.Status.ACCEPTED:
        raise ValidationError("This run was already accepted.")
    if run.status != FormationRun.Status.DONE:
        raise ValidationError("Only a finished run can be accepted.")
    workspace = workspace_for_run(run)
    if workspace.evaluation.violations:
        raise ValidationError(
            ["Fix these before accepting:"] + list(workspace.evaluation.violations)
        )
    today = clock.today()
    default = Decimal(str(baseline_headcount or 0))
    proposal = proposed_pods(
        run, workspace.labels, name_prefix=name_prefix, default_baseline=default
    )
    nameless = [p.label for p in proposal if not p.name.strip()]
    if nameless:
        raise ValidationError(f"Name every pod before accepting: {', '.join(nameless)}.")
    unit_ids = unit_tree_ids(run.org_unit)
    person_ids = [int(row["id"]) for row in run.result["pool"]]
    current = list(
        PodMembership.objects.select_for_update()
        .filter(person_id__in=person_ids, pod__org_unit_id__in=unit_ids)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
    )
    touched_pods = {m.pod_id for m in current}
    existing = {
        pod.pk: pod
        for pod in Pod.objects.select_for_update().filter(
            pk__in=[p.continuing for p in proposal if p.continuing is not None],
            org_unit_id__in=unit_ids,
        )
    }
    pods: list[Pod] = []
    new_pods: list[Pod] = []
    for p in proposal:
        pod = existing.get(p.continuing) if p.continuing is not None else None
        if pod is None:
            pod = Pod(
                name=p.name.strip(),
                org_unit=run.org_unit,
                goal=p.goal.strip(),
                baseline_headcount=p.baseline if p.baseline is not None else default,
                status=Pod.Status.ACTIVE,
                formation_run=run,
            )
            new_pods.append(pod)
        pods.append(pod)
    _create_pods(run, new_pods, user)
    for p, pod in zip(proposal, pods, strict=True):
        if pod.pk in existing:
            _continue_pod(pod, p, user=user, today=today, pod_services=pod_services)

    # Who goes where, and who leads; a stayer whose row already says so keeps it.
    want = {
        int(pid): (pod.pk, pid == p.lead)
        for p, pod in zip(proposal, pods, strict=True)
        for pid in p.members
    }
    kept: set[int] = set()
    staying: set[int] = set()
    for m in current:
        pod_id, lead = want.get(m.person_id, (None, False))
        if (
            m.person_id not in staying
            and m.pod_id == pod_id
            and m.end is None
            and m.start <= today
            and m.allocation == 1
            and m.is_pod_lead == lead
        ):
            kept.add(m.pk)
            staying.add(m.person_id)
    ending = [m for m in current if m.pk not in kept]
    PodMembership.objects.filter(pk__in=[m.pk for m in ending if m.start >= today]).delete()
    PodMembership.objects.filter(pk__in=[m.pk for m in ending if m.start < today]).update(
        end=today - timedelta(days=1)
    )
    # A continuing pod may keep a Pod Lead from outside the pool (not re-formed): then no one
    # else becomes its lead.
    led = set(
        PodMembership.objects.current(today)
        .filter(pod_id__in=[pod.pk for pod in pods], is_pod_lead=True, end__isnull=True)
        .values_list("pod_id", flat=True)
    )
    memberships = [
        PodMembership(
            pod_id=pod_id,
            person_id=pid,
            start=today,
            allocation=1,
            is_pod_lead=lead and pod_id not in led,
        )
        for pid, (pod_id, lead) in want.items()
        if pid not in staying
    ]
    PodMembership.objects.bulk_create(memberships, batch_size=5000)

    still_staffed = set(
        PodMembership.objects.current(today)
        .filter(pod_id__in=touched_pods)
        .values_list("pod_id", flat=True)
    )
    Pod.objects.filter(pk__in=touched_pods - still_staffed).exclude(
        status=Pod.Status.DISSOLVED
    ).update(status=Pod.Status.DISSOLVED, dissolved_on=today)

    run.status = FormationRun.Status.ACCEPTED
    run.accepted_by = user
    run.accepted_at = timezone.now()
    # Which pod each proposed pod became, so the run's page links to them as named.
    run.review = {**(run.review or {}), "accepted": [pod.pk for pod in pods]}
    run.save(update_fields=["status", "accepted_by", "accepted_at", "review"])
    return pods


def _create_pods(run: FormationRun, new_pods: list[Pod], user: User) -> None:
    """New pods with their opening baseline and first charter record (as `pod_create` does)."""
    from teams.models import Baseline, CharterChange

    if not new_pods:
        return
    Pod.objects.bulk_create(new_pods)
    if new_pods[0].pk is None:  # backends without RETURNING on bulk insert
        created = list(Pod.objects.filter(formation_run=run).order_by("pk"))
        for pod, saved in zip(new_pods, created, strict=True):
            pod.pk = pod.id = saved.pk
    Baseline.objects.bulk_create(
        [
            Baseline(pod=pod, effective_from=None, value=pod.baseline_headcount, created_by=user)
            for pod in new_pods
        ]
    )
    CharterChange.objects.bulk_create(
        [
            CharterChange(
                pod=pod,
                name=pod.name,
                goal=pod.goal,
                product_area=pod.product_area,
                changed_by=user,
            )
            for pod in new_pods
        ]
    )


def _continue_pod(pod: Pod, p: ProposedPod, *, user: User, today, pod_services) -> None:
    """An existing pod carried on by a proposed pod: active again, with the proposed name and
    goal, and the proposed baseline from today when it differs (dated, like every change)."""
    if pod.status != Pod.Status.ACTIVE or pod.dissolved_on is not None:
        Pod.objects.filter(pk=pod.pk).update(status=Pod.Status.ACTIVE, dissolved_on=None)
    if p.name.strip() != pod.name:
        pod_services.pod_rename(pod=pod, name=p.name, user=user)
    if p.goal.strip() != pod.goal:
        pod_services.pod_charter_update(
            pod_id=pod.pk, goal=p.goal, product_area=pod.product_area, user=user
        )
    if p.baseline is not None and p.baseline != pod_services.baseline_in_force(pod, today):
        pod_services.baseline_add(pod=pod, effective_from=today, value=p.baseline, user=user)
