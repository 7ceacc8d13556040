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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from teams import clock
from teams.background import enqueue_on_commit
from teams.formation import engine as formation
from teams.formation.engine.io import result_to_dict
from teams.formation.engine.problem import check_problem
from teams.models import FormationRun, OrgUnit, Person, Pod, PodMembership, units_below
from teams.traits import TRAITS

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
    current = dict(
        PodMembership.objects.current(today)
        .filter(person__org_unit_id__in=unit_ids, pod__status=Pod.Status.ACTIVE)
        .order_by("person_id", "-allocation", "id")
        .values_list("person_id", "pod_id")
    )
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
    return formation.Problem(
        people=people,
        min_size=p["min_size"],
        max_size=p["max_size"],
        threshold=p["threshold"],
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
    if pod_ids:
        names = _unique(
            {
                str(pk): name
                for pk, name in Pod.objects.filter(pk__in=pod_ids).values_list("pk", "name")
            },
            {},
        )
        for pk, name in names.items():
            pods[pk] = pods[f"pod:{pk}"] = name
    return Names(people=people, pods=pods, units=units)


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
        formation_optimise(run_id=run_id)
    except Exception:
        log.exception("formation run %s failed in its thread", run_id)
    finally:
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
        if not self.mine.update(progress=5 + int(90 * fraction), heartbeat_at=timezone.now()):
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
        mine.update(
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
    mine.update(
        result={**run.result, "proposal": proposal},
        arrangement=[pod["members"] for pod in proposal["pods"]],
        history=[],
        objective=result.objective,
        upper_bound=result.upper_bound,
        status=FormationRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


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
    )


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


def _pod_lead_for(members: list[str], pool: dict[str, dict]) -> str | None:
    """The pod's Pod Lead: someone who already is one, else the strongest Decision Maker."""
    leads = [m for m in members if pool[m]["is_pod_lead"]]
    if leads:
        return leads[0]
    decision = TRAITS.index("decision_maker")
    return max(members, key=lambda m: (pool[m]["scores"][decision], -int(m)), default=None)


@transaction.atomic
def formation_accept(
    *, run: FormationRun, user: User, baseline_headcount=0, name_prefix: str = ""
) -> list[Pod]:
    """Create the pods and memberships of the arrangement in one transaction.

    Current memberships of the people in the pool end the day before (re-forming), pods left
    without members are dissolved, and the run records who accepted it and when.
    """
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
    pool = {row["id"]: row for row in run.result["pool"]}
    person_ids = [int(pid) for pid in pool]
    unit_ids = unit_tree_ids(run.org_unit)

    current = list(
        PodMembership.objects.select_for_update()
        .filter(person_id__in=person_ids, pod__org_unit_id__in=unit_ids)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
    )
    touched_pods = {m.pod_id for m in current}
    starts_today = [m.pk for m in current if m.start >= today]
    PodMembership.objects.filter(pk__in=starts_today).delete()
    PodMembership.objects.filter(pk__in=[m.pk for m in current if m.start < today]).update(
        end=today - timedelta(days=1)
    )

    # A proposed pod holding people pinned to an existing pod continues that pod.
    pinned = run.params.get("pinned", {})
    existing_ids = {
        int(label.split(":", 1)[1])
        for label in pinned.values()
        if label.startswith("pod:") and label.split(":", 1)[1].isdigit()
    }
    existing = {
        pod.pk: pod for pod in Pod.objects.filter(pk__in=existing_ids, org_unit_id__in=unit_ids)
    }
    prefix = name_prefix.strip() or f"{run.org_unit.name} · run {run.pk}"
    pods: list[Pod] = []
    new_pods: list[Pod] = []
    for i, members in enumerate(run.arrangement):
        labels = {pinned[m] for m in members if m in pinned}
        reuse = next(
            (
                existing[int(lb[4:])]
                for lb in sorted(labels)
                if lb.startswith("pod:") and lb[4:].isdigit() and int(lb[4:]) in existing
            ),
            None,
        )
        if reuse is not None:
            pods.append(reuse)
            continue
        pod = Pod(
            name=f"{prefix} · pod {i + 1}",
            org_unit=run.org_unit,
            goal="",
            baseline_headcount=baseline_headcount,
            status=Pod.Status.ACTIVE,
            formation_run=run,
        )
        pods.append(pod)
        new_pods.append(pod)
    Pod.objects.bulk_create(new_pods)
    if new_pods and new_pods[0].pk is None:  # backends without RETURNING on bulk insert
        created = list(Pod.objects.filter(formation_run=run).order_by("pk"))
        for pod, saved in zip(new_pods, created, strict=True):
            pod.pk = pod.id = saved.pk
    Pod.objects.filter(pk__in=[p.pk for p in pods if p.status != Pod.Status.ACTIVE]).update(
        status=Pod.Status.ACTIVE
    )
    led_already = set(
        PodMembership.objects.current(today)
        .filter(pod_id__in=[p.pk for p in pods], is_pod_lead=True, end__isnull=True)
        .values_list("pod_id", flat=True)
    )

    memberships = []
    for pod, members in zip(pods, run.arrangement, strict=True):
        lead = None if pod.pk in led_already else _pod_lead_for(members, pool)
        for pid in members:
            memberships.append(
                PodMembership(
                    pod=pod, person_id=int(pid), start=today, allocation=1, is_pod_lead=pid == lead
                )
            )
    PodMembership.objects.bulk_create(memberships, batch_size=5000)

    still_staffed = set(
        PodMembership.objects.current(today)
        .filter(pod_id__in=touched_pods)
        .values_list("pod_id", flat=True)
    )
    Pod.objects.filter(pk__in=touched_pods - still_staffed).update(status=Pod.Status.DISSOLVED)

    run.status = FormationRun.Status.ACCEPTED
    run.accepted_by = user
    run.accepted_at = timezone.now()
    run.save(update_fields=["status", "accepted_by", "accepted_at"])
    return pods
