"""The optimiser: a scarcity-first construction followed by targeted local search.

Why this shape: coverage of a trait only depends on a pod's best holder of it, so what matters
is where the few strong holders of each trait sit; everyone else is filler. The construction
hands out holders of the scarcest trait first (the weakest pods pick first), then fills. The
local search then repeatedly takes a weak pod (often the weakest: the k·min term of F weighs it
as much as all pods together), looks at the traits it lacks, samples people elsewhere who would
raise them, and applies the best move or swap, scoring only the two pods involved. Stalls are
escaped by small random kicks (iterated local search), keeping the best partition seen.

Determinism: all randomness comes from `random.Random(f"{seed}:{k}")` and the search stops on
its own budget (attempts without improvement, kicks without improvement); the time limit only
cuts a run short, and `FormationResult.stopped_early` says when it did. Progress reports (an
optional callback) only read the search, never steer it.
"""

from __future__ import annotations

import heapq
import random
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from teams.formation.engine.bound import TraitTops, per_trait_bounds, proven_bound
from teams.formation.engine.objective import Evaluation, capped, evaluate, shared_hours
from teams.formation.engine.problem import (
    TRAITS,
    FormationInfeasible,
    Mission,
    Problem,
    apart_sets,
    build_blocks,
    check_problem,
    current_pairs,
    previous_pairs,
)

EPS = 1e-9
NT = len(TRAITS)
NO_COVERAGE = (0.0,) * NT
# Soft wishes only break ties in the search: one coverage point is worth far more.
SOFT_WEIGHT = 0.01


@dataclass
class FormationResult(Evaluation):
    seconds: float = 0.0
    seed: int = 1
    stopped_early: bool = False  # the time limit cut the search short
    pod_counts_tried: list[int] = field(default_factory=list)
    # The tightest upper bound on F the run proved, over every pod count it could choose (or
    # the one asked for); F / proven_bound is "% of the best possible". `bound_method` says how
    # it was proven (a sentence for the lead), `bound_kind` the same as a key: "optimal", "lp"
    # or "per-trait".
    proven_bound: float = 0.0
    bound_method: str = ""
    bound_kind: str = ""
    missions: list[Mission] = field(default_factory=list)  # as asked; pod i is mission i


class _Model:
    """The problem compiled to indices and tuples for fast scoring."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        people = problem.people
        self.n = len(people)
        self.a, self.b = problem.min_size, problem.max_size
        self.idx = problem.index()
        self.cap = capped(problem)
        c = problem.constraints
        blocks = build_blocks(problem, self.idx)
        self.blocks = blocks
        self.movable = [
            len(blocks.groups[blocks.group_of[i]]) == 1 and people[i].id not in c.pinned
            for i in range(self.n)
        ]
        self.apart = apart_sets(problem, self.idx)
        self.has_apart = any(self.apart)
        self.lead = [c.one_lead_per_pod and p.is_pod_lead for p in people]
        self.has_lead = any(self.lead)
        units = sorted({p.org_unit for p in people if p.org_unit})
        unit_id = {u: i for i, u in enumerate(units)}
        self.m = c.max_per_unit
        self.unit = [unit_id[p.org_unit] if p.org_unit else -1 for p in people]
        self.has_unit = self.m is not None and bool(units)
        # Pod g is mission g's; a required level is a hard constraint on that pod.
        self.req: list[tuple[int, float] | None] = [
            (TRAITS.index(m.trait), m.min_score) if m.requirement() else None  # type: ignore[arg-type]
            for m in problem.missions
        ]
        self.qualifiers: list[list[int]] = [
            [i for i in range(self.n) if r is not None and people[i].scores[r[0]] >= r[1]]
            for r in self.req
        ]
        self.has_req = any(r is not None for r in self.req)
        self.has_hard = self.has_apart or self.has_lead or self.has_unit or self.has_req
        labels = sorted({p.current_pod for p in people if p.current_pod})
        label_id = {x: i for i, x in enumerate(labels)}
        self.cur = [label_id[p.current_pod] if p.current_pod else -1 for p in people]
        self.mu = c.stability
        self.use_stability = self.mu > 0 and bool(labels)
        self.n_labels = len(labels)
        w = problem.wishes
        self.requested: list[set[int]] = [set() for _ in people]
        for x, y in w.requested:
            if x in self.idx and y in self.idx:
                self.requested[self.idx[x]].add(self.idx[y])
                self.requested[self.idx[y]].add(self.idx[x])
        prev = previous_pairs(problem, self.idx)
        now = current_pairs(problem, self.idx)
        # Both wishes weigh the same: one pairing kept from before, one unit of penalty.
        self.prev: list[set[int]] = [prev.get(i, set()) | now.get(i, set()) for i in range(self.n)]
        self.min_hours = w.min_shared_hours or 0.0
        self.offsets = [p.utc_offset_hours for p in people]
        self.has_soft = bool(any(self.requested) or any(self.prev) or self.min_hours)
        # Without hard constraints or wishes, improve_pod's screened delta is exact (stability
        # included), so nothing needs scoring in full.
        self.screen_is_exact = not (self.has_hard or self.has_soft)
        # People per trait, best first; `neg` is the same order as negative values for bisect.
        self.by_trait = [
            sorted(range(self.n), key=lambda i, t=t: (-self.cap[i][t], i)) for t in range(NT)
        ]
        self.neg = [[-self.cap[i][t] for i in order] for t, order in enumerate(self.by_trait)]

    def pod_eval(self, members: list[int], g: int) -> tuple[float, int, float]:
        """(C, hard violations, soft penalty) of pod g with these members."""
        cap = self.cap
        cov = sum(map(max, zip(*[cap[i] for i in members], strict=True))) if members else 0.0
        size = len(members)
        viol = max(0, self.a - size, size - self.b)
        if self.has_hard:
            viol += self._mission_unmet(members, g)
            if self.has_apart:
                # each apart pair inside is seen from both ends
                twice = 0
                for i in members:
                    ap = self.apart[i]
                    if ap:
                        twice += sum(1 for j in members if j in ap)
                viol += twice // 2
            if self.has_lead:
                leads = sum(1 for i in members if self.lead[i])
                if leads > 1:
                    viol += leads - 1
            if self.has_unit:
                counts = Counter(self.unit[i] for i in members if self.unit[i] >= 0)
                viol += sum(c - self.m for c in counts.values() if c > self.m)
        soft = 0.0
        if self.has_soft:
            for i in members:
                if self.requested[i]:
                    soft -= sum(1 for j in members if j in self.requested[i]) / 2
                if self.prev[i]:
                    soft += sum(1 for j in members if j in self.prev[i]) / 2
            if (
                self.min_hours
                and shared_hours([self.offsets[i] for i in members if self.offsets[i] is not None])
                < self.min_hours
            ):
                soft += 1
        return cov, viol, soft

    def _mission_unmet(self, members: list[int], g: int) -> int:
        """1 when pod g's mission requires a level nobody in it reaches."""
        if not self.has_req or g >= len(self.req) or self.req[g] is None:
            return 0
        t, level = self.req[g]  # type: ignore[misc]
        people = self.problem.people
        return 0 if any(people[i].scores[t] >= level for i in members) else 1

    def allowed(self, i: int, members: list[int]) -> bool:
        """Would adding person i to this pod keep the hard constraints?"""
        if self.has_apart and self.apart[i] and any(j in self.apart[i] for j in members):
            return False
        if self.has_lead and self.lead[i] and any(self.lead[j] for j in members):
            return False
        if self.has_unit and self.unit[i] >= 0:
            u = self.unit[i]
            if sum(1 for j in members if self.unit[j] == u) >= self.m:
                return False
        return True


class _Progress:
    """The share of the search done so far, reported to `on_progress` (0 ≤ fraction ≤ 1, never
    going back): the pod counts searched out of those planned, or the share of the time limit
    used, whichever is further. A callback may raise to stop the search."""

    def __init__(
        self, callback: Callable[[float], None] | None, started: float, time_limit: float | None
    ) -> None:
        self.callback = callback
        self.started = started
        self.time_limit = time_limit
        self.planned = 1
        self.done = 0
        self.last = 0.0

    def plan(self, phases: int) -> None:
        self.planned += phases

    def phase_done(self) -> None:
        self.done += 1
        self.tick()

    def tick(self, final: bool = False) -> None:
        if self.callback is None:
            return
        fraction = 1.0 if final else min(0.99, self.done / self.planned)
        if self.time_limit and not final:
            fraction = max(fraction, min(0.99, (time.monotonic() - self.started) / self.time_limit))
        self.last = max(self.last, fraction)
        self.callback(self.last)


class _PodAfter(NamedTuple):
    """One pod as a move would leave it, already scored."""

    pod: int
    members: list[int]
    cover: float
    violations: int
    soft: float


@dataclass(slots=True)
class _Move:
    """A change to two pods, fully scored against the current partition."""

    violations_delta: int  # change in hard-constraint violations (negative is better)
    score_delta: float  # change in the search objective (positive is better)
    first: _PodAfter
    second: _PodAfter
    changes: list[tuple[int, int, int]]  # (person, from pod, to pod)


class _Exchange(NamedTuple):
    """`joiner` moves from pod `src` into the target pod and/or `leaver` goes the other way."""

    joiner: int | None
    src: int
    leaver: int | None


@dataclass(slots=True)
class _Build:
    """The partition while `construct` fills it: coverage so far and the seats still owed.

    `members` and `pod_of` are the search's own lists, filled in place.
    """

    model: _Model
    members: list[list[int]]
    pod_of: list[int]
    cover: list[list[float]]  # per pod and trait: the best capped score placed so far
    limit: int  # size a pod may reach while others still need people (pods as even as possible)
    unplaced: int
    seats_needed: int  # seats still needed to bring every pod up to the min size

    def place(self, i: int, g: int) -> None:
        if len(self.members[g]) < self.model.a:
            self.seats_needed -= 1
        self.members[g].append(i)
        self.pod_of[i] = g
        row = self.model.cap[i]
        cg = self.cover[g]
        for t in range(NT):
            if row[t] > cg[t]:
                cg[t] = row[t]
        self.unplaced -= 1

    def has_room(self, g: int) -> bool:
        # Growing a pod past the min size must leave enough people for the others.
        size = len(self.members[g])
        return size < self.model.a or (size < self.limit and self.unplaced - 1 >= self.seats_needed)

    def gain(self, i: int, g: int) -> float:
        """Coverage person i would add to pod g."""
        row, cg = self.model.cap[i], self.cover[g]
        return sum(row[t] - cg[t] for t in range(NT) if row[t] > cg[t])


@dataclass(slots=True)
class _Target:
    """The pod `improve_pod` works on, with what its screening needs computed once."""

    pod: int
    members: list[int]
    coverage: tuple[float, ...]  # per trait
    without: dict[int, tuple[float, ...]]  # movable member -> the pod's coverage without them
    weakest_cover: float  # min_g C(g) before any change


@dataclass(slots=True)
class _Findings:
    """The options `improve_pod` keeps while it screens candidates."""

    best_gain: float = EPS  # best exact screened delta so far (must beat EPS to count)
    best_exact: _Exchange | None = None  # the option with that delta
    # ((violations removed, score delta), move): the best option scored in full
    best_scored: tuple[tuple[int, float], _Move] | None = None
    # Options that lose nothing: when the search is stuck, one of them is taken at random.
    sideways: list[_Exchange] = field(default_factory=list)


class _Search:
    """One partition into k pods and its per-pod scores, improved in place.

    `cover`, `violations` and `soft` hold each pod's C(g), hard-constraint violations and
    soft-wish penalty; `weakest` the (up to) three pods with the lowest C(g); and for each
    current pod label, `spread` counts its people per proposed pod (which gives `moved`).
    """

    def __init__(
        self,
        model: _Model,
        k: int,
        rng: random.Random,
        deadline: float,
        progress: _Progress | None = None,
    ) -> None:
        self.model = model
        self.k = k
        self.rng = rng
        self.deadline = deadline
        self.progress = progress
        self.timed_out = False
        self.members: list[list[int]] = [[] for _ in range(k)]
        self.pod_of = [-1] * model.n

    # ---- construction -------------------------------------------------------------------

    def construct(self, from_current: bool = False) -> None:
        """Build a first partition; `from_current` seeds pods with current pods (stability)."""
        md, k = self.model, self.k
        base, extra = divmod(md.n, k)
        build = _Build(
            model=md,
            members=self.members,
            pod_of=self.pod_of,
            cover=[[0.0] * NT for _ in range(k)],
            limit=min(md.b, base + (1 if extra else 0)),
            unplaced=md.n,
            seats_needed=k * md.a,
        )
        self._place_blocks(build)
        self._staff_missions(build)
        if from_current:
            self._seed_current_pods(build)
        self._spread_scarce_holders(build)
        self._fill(build)
        self._init_scores()

    def _place_blocks(self, build: _Build) -> None:
        """Pinned labels get pods 0.. (with missions, one whose required level they meet, else
        one without a required level), then other together-blocks go where they add most."""
        md, k = self.model, self.k
        blocks, members = md.blocks, build.members
        label_pod = self._label_pods()
        for gi, label in blocks.label_of_group.items():
            for i in blocks.groups[gi]:
                build.place(i, label_pod[label])
        for gi, group in enumerate(blocks.groups):
            if gi in blocks.label_of_group or len(group) == 1:
                continue
            best = max(
                range(k),
                key=lambda g, group=group: (
                    len(members[g]) + len(group) <= build.limit,
                    len(members[g]) + len(group) <= md.b,
                    all(md.allowed(i, members[g]) for i in group),
                    sum(build.gain(i, g) for i in group),
                    -len(members[g]),
                    -g,
                ),
            )
            for i in group:
                build.place(i, best)

    def _label_pods(self) -> dict[str, int]:
        md = self.model
        blocks = md.blocks
        group_of_label = {label: gi for gi, label in sorted(blocks.label_of_group.items())}
        free = list(range(self.k))
        out: dict[str, int] = {}
        for label in sorted(group_of_label):
            group = blocks.groups[group_of_label[label]]

            def rank(g: int, group: list[int] = group) -> tuple[int, int]:
                if g >= len(md.req) or md.req[g] is None:
                    return 1, g
                return (0 if not md._mission_unmet(group, g) else 2), g

            g = min(free, key=rank)
            free.remove(g)
            out[label] = g
        return out

    def _staff_missions(self, build: _Build) -> None:
        """Give every mission with a required level someone who reaches it, matching missions
        to distinct unplaced people so one scarce person is not spent where another would do."""
        md = self.model
        needing = [g for g in range(self.k) if md._mission_unmet(build.members[g], g)]
        if not needing:
            return
        fits = {
            g: [
                i
                for i in md.qualifiers[g]
                if self.pod_of[i] < 0 and md.movable[i] and md.allowed(i, build.members[g])
            ]
            for g in needing
        }
        holder: dict[int, int] = {}

        def assign(g: int, seen: set[int]) -> bool:
            for i in fits[g]:
                if i not in seen:
                    seen.add(i)
                    if i not in holder or assign(holder[i], seen):
                        holder[i] = g
                        return True
            return False

        for g in sorted(needing, key=lambda g: (len(fits[g]), g)):
            assign(g, set())
        for i, g in sorted(holder.items(), key=lambda x: x[1]):
            if build.has_room(g):
                build.place(i, g)

    def _seed_current_pods(self, build: _Build) -> None:
        """Largest current pods first, each into an empty pod, as far as room and rules allow."""
        md = self.model
        groups: dict[int, list[int]] = {}
        for i in range(md.n):
            if self.pod_of[i] < 0 and md.movable[i] and md.cur[i] >= 0:
                groups.setdefault(md.cur[i], []).append(i)
        labels = sorted(groups, key=lambda x: (-len(groups[x]), x))
        free_pods = [g for g in range(self.k) if not build.members[g]]
        for x, g in zip(labels, free_pods, strict=False):
            for i in groups[x]:
                if build.has_room(g) and md.allowed(i, build.members[g]):
                    build.place(i, g)

    def _spread_scarce_holders(self, build: _Build) -> None:
        """Scarcest trait first: its holders go one per pod, weakest pods choosing first."""
        md, k, n = self.model, self.k, self.model.n
        cover, members = build.cover, build.members
        ub_t = [sum(-v for v in md.neg[t][:k]) for t in range(NT)]
        for t in sorted(range(NT), key=lambda t: (ub_t[t], t)):
            pods = [g for g in range(k) if cover[g][t] < 1 - EPS and len(members[g]) < build.limit]
            pods.sort(key=lambda g: (sum(cover[g]), len(members[g]), g))
            ranked = md.by_trait[t]
            first_free = 0
            for g in pods:
                while first_free < n and self.pod_of[ranked[first_free]] >= 0:
                    first_free += 1
                if first_free >= n:
                    break
                top = md.cap[ranked[first_free]][t]
                if top <= cover[g][t] + EPS or not build.has_room(g):
                    continue
                best_i = self._best_holder(build, t, g, first_free, top)
                if best_i >= 0:
                    build.place(best_i, g)

    def _best_holder(self, build: _Build, t: int, g: int, first_free: int, top: float) -> int:
        """Among the next free holders of t close to the best one (`top`), the one pod g may
        take that adds most besides t; -1 if none may join."""
        md = self.model
        ranked = md.by_trait[t]
        window = 12
        best_i, best_key, seen = -1, None, 0
        j = first_free
        while j < md.n and seen < window:
            i = ranked[j]
            j += 1
            if self.pod_of[i] >= 0 or not md.movable[i]:
                continue
            if md.cap[i][t] < top - 0.05:
                break
            seen += 1
            if not md.allowed(i, build.members[g]):
                continue
            key = (md.cap[i][t] + 0.5 * build.gain(i, g), -i)
            if best_key is None or key > best_key:
                best_i, best_key = i, key
        return best_i

    def _fill(self, build: _Build) -> None:
        """Each remaining person goes where they add most, among a sample of pods with room."""
        md, k = self.model, self.k
        members, cover = build.members, build.cover
        rest = [i for i in range(md.n) if self.pod_of[i] < 0]
        rest.sort(key=lambda i: (-sum(md.cap[i]), i))
        sample = 24
        for i in rest:
            open_pods = [g for g in range(k) if build.has_room(g)]
            if not open_pods:
                open_pods = [g for g in range(k) if len(members[g]) < md.b]
            if len(open_pods) > sample:
                open_pods = self.rng.sample(open_pods, sample)
            best = max(
                open_pods,
                key=lambda g, i=i: (
                    md.allowed(i, members[g]),
                    round(build.gain(i, g) + (1 - sum(cover[g]) / NT) * 1e-3, 9),
                    -len(members[g]),
                    -g,
                ),
            )
            build.place(i, best)

    def _init_scores(self) -> None:
        md = self.model
        self.cover, self.violations, self.soft = [], [], []
        for g, m in enumerate(self.members):
            c, v, s = md.pod_eval(m, g)
            self.cover.append(c)
            self.violations.append(v)
            self.soft.append(s)
        self.spread: list[dict[int, int]] = [dict() for _ in range(md.n_labels)]
        if md.use_stability:
            for i in range(md.n):
                x = md.cur[i]
                if x >= 0:
                    g = self.pod_of[i]
                    self.spread[x][g] = self.spread[x].get(g, 0) + 1
        self.moved = sum(sum(c.values()) - max(c.values()) for c in self.spread if c)
        self._refresh_weakest()

    def _refresh_weakest(self) -> None:
        self.weakest = heapq.nsmallest(3, range(self.k), key=self.cover.__getitem__)

    def score(self) -> tuple[int, float]:
        """(violations, search objective) of the whole partition; higher objective is better."""
        md = self.model
        f = (
            sum(self.cover)
            + self.k * min(self.cover)
            - md.mu * self.moved
            - SOFT_WEIGHT * sum(self.soft)
        )
        return sum(self.violations), f

    # ---- moves --------------------------------------------------------------------------

    def _min_excluding(self, a: int, b: int) -> float:
        for g in self.weakest:
            if g != a and g != b:
                return self.cover[g]
        return float("inf")

    def _moved_delta(self, changes: list[tuple[int, int, int]]) -> int:
        """Change in `moved` (see objective.count_moved) if these (person, from, to) happen."""
        cur = self.model.cur
        d = 0
        done: set[int] = set()
        for i, _, _ in changes:
            x = cur[i]
            if x < 0 or x in done:
                continue
            done.add(x)
            c = self.spread[x]
            shift: dict[int, int] = {}
            for j, src, dst in changes:
                if cur[j] == x:
                    shift[src] = shift.get(src, 0) - 1
                    shift[dst] = shift.get(dst, 0) + 1
            after = max(c.get(g, 0) + v for g, v in shift.items())
            untouched = [v for g, v in c.items() if g not in shift]
            if untouched:
                after = max(after, max(untouched))
            d += max(c.values()) - after
        return d

    def _scored_move(
        self,
        a: int,
        new_a: list[int],
        b: int,
        new_b: list[int],
        changes: list[tuple[int, int, int]],
    ) -> _Move:
        """Score pods a and b with these new members (`changes` lists who moves)."""
        md = self.model
        ca, va, sa = md.pod_eval(new_a, a)
        cb, vb, sb = md.pod_eval(new_b, b)
        C = self.cover
        cur_min = C[self.weakest[0]]
        new_min = min(self._min_excluding(a, b), ca, cb)
        ds = ca + cb - C[a] - C[b] + self.k * (new_min - cur_min)
        if md.has_soft:
            ds -= SOFT_WEIGHT * (sa + sb - self.soft[a] - self.soft[b])
        if md.use_stability:
            ds -= md.mu * self._moved_delta(changes)
        dv = va + vb - self.violations[a] - self.violations[b]
        return _Move(
            dv, ds, _PodAfter(a, new_a, ca, va, sa), _PodAfter(b, new_b, cb, vb, sb), changes
        )

    def _apply(self, move: _Move) -> None:
        md = self.model
        if md.use_stability:
            self.moved += self._moved_delta(move.changes)
            for i, src, dst in move.changes:
                x = md.cur[i]
                if x >= 0:
                    c = self.spread[x]
                    c[src] -= 1
                    if not c[src]:
                        del c[src]
                    c[dst] = c.get(dst, 0) + 1
        first, second = move.first, move.second
        self.members[first.pod], self.members[second.pod] = first.members, second.members
        for i, _, dst in move.changes:
            self.pod_of[i] = dst
        for pod in (first, second):
            self.cover[pod.pod] = pod.cover
            self.violations[pod.pod] = pod.violations
            self.soft[pod.pod] = pod.soft
        weakest, cover = self.weakest, self.cover
        if (
            first.pod in weakest
            or second.pod in weakest
            or first.cover < cover[weakest[-1]]
            or second.cover < cover[weakest[-1]]
            or len(weakest) < 3
        ):
            self._refresh_weakest()

    def _candidates(self, w: int) -> list[int]:
        md, rng = self.model, self.rng
        members = self.members[w]
        cov = (
            tuple(map(max, zip(*[md.cap[i] for i in members], strict=True)))
            if members
            else NO_COVERAGE
        )
        out: list[int] = []
        per_trait = 10
        deficits = sorted((t for t in range(NT) if cov[t] < 1 - EPS), key=lambda t: cov[t])
        for t in deficits:
            # People strictly better than this pod's current best in t.
            d = bisect_left(md.neg[t], -cov[t] - EPS)
            if d == 0:
                continue
            ranked = md.by_trait[t]
            if d <= per_trait * 2:
                out.extend(ranked[:d])
            else:
                out.extend(ranked[rng.randrange(d)] for _ in range(per_trait))
        if self.violations[w] > 0 or (self.soft[w] > 0 and md.has_soft) or not deficits:
            out.extend(rng.randrange(md.n) for _ in range(per_trait))
            if md._mission_unmet(members, w):
                fits = md.qualifiers[w]
                out.extend(fits[rng.randrange(len(fits))] for _ in range(min(per_trait, len(fits))))
        return out

    def improve_pod(self, w: int, sideways: bool) -> bool:
        """Try moves and swaps that bring people who would raise pod w's weak traits into it.

        Coverage deltas are screened with per-trait maxima of "pod minus one member" (cheap);
        only options that might win are scored in full (constraints, wishes, stability).
        """
        target = self._target(w)
        found = _Findings()
        seen = set()
        for x in self._candidates(w):
            if x in seen or not self.model.movable[x]:
                continue
            seen.add(x)
            src = self.pod_of[x]
            if src != w:
                self._weigh(target, x, src, sideways, found)
        return self._take_best(w, found)

    def _target(self, w: int) -> _Target:
        md = self.model
        cap = md.cap
        wm = self.members[w]
        return _Target(
            pod=w,
            members=wm,
            coverage=tuple(map(max, zip(*[cap[i] for i in wm], strict=True)))
            if wm
            else NO_COVERAGE,
            without={
                y: tuple(map(max, zip(*[cap[i] for i in wm if i != y], strict=True)))
                if len(wm) > 1
                else NO_COVERAGE
                for y in wm
                if md.movable[y]
            },
            weakest_cover=self.cover[self.weakest[0]],
        )

    def _weigh(self, target: _Target, x: int, src: int, sideways: bool, found: _Findings) -> None:
        """Screen every exchange of candidate x (in pod src) with the target pod; record in
        `found` the ones that may win, scoring them in full unless the screen is exact."""
        md, w, V = self.model, target.pod, self.violations
        exact = md.screen_is_exact and not V[w] and not V[src]
        if exact:
            slack = 0.0
        elif V[w] or V[src]:
            slack = float("inf")
        else:
            slack = SOFT_WEIGHT * (2 * md.b + 2)
        for ds, joiner, leaver in self._screened(target, x, src):
            if md.use_stability and ds != float("inf"):
                changes = [(joiner, src, w)] if joiner is not None else []
                if leaver is not None:
                    changes.append((leaver, w, src))
                ds -= md.mu * self._moved_delta(changes)
            if exact:
                if ds > found.best_gain:
                    found.best_gain, found.best_exact = ds, _Exchange(joiner, src, leaver)
                elif sideways and ds > -EPS:
                    found.sideways.append(_Exchange(joiner, src, leaver))
                continue
            if ds + slack <= EPS and not sideways:
                continue
            option = _Exchange(joiner, src, leaver)
            move = self._option(w, option)
            dv, fds = move.violations_delta, move.score_delta
            if dv < 0 or (dv == 0 and fds > EPS):
                key = (-dv, fds)
                if found.best_scored is None or key > found.best_scored[0]:
                    found.best_scored = (key, move)
            elif sideways and dv == 0 and fds > -EPS:
                found.sideways.append(option)

    def _screened(
        self, target: _Target, x: int, src: int
    ) -> list[tuple[float, int | None, int | None]]:
        """(coverage delta, person joining the target or None, person leaving it or None) for
        x joining the target pod, x swapping with each movable member, and repair moves."""
        md, k, C = self.model, self.k, self.cover
        cap = md.cap
        w, wm = target.pod, target.members
        sm = self.members[src]
        rest = [cap[i] for i in sm if i != x]
        rest_cov = tuple(map(max, zip(*rest, strict=True))) if rest else NO_COVERAGE
        m_ex = self._min_excluding(w, src)
        base = C[w] + C[src]
        cur_min = target.weakest_cover
        capx = cap[x]
        opts: list[tuple[float, int | None, int | None]] = []
        if len(wm) < md.b and len(sm) > md.a:
            ca = sum(map(max, target.coverage, capx))
            cb = sum(rest_cov)
            opts.append((ca + cb - base + k * (min(m_ex, ca, cb) - cur_min), x, None))
        for y, wmy in target.without.items():
            ca = sum(map(max, wmy, capx))
            cb = sum(map(max, rest_cov, cap[y]))
            opts.append((ca + cb - base + k * (min(m_ex, ca, cb) - cur_min), x, y))
        if self.violations[w] and len(wm) > md.a and len(sm) < md.b:
            # Repair: a pod breaking its size bound may also hand a member over.
            opts.extend((float("inf"), None, y) for y in target.without)
        return opts

    def _take_best(self, w: int, found: _Findings) -> bool:
        """Apply the winner: removing a violation first, then the best gain; else maybe a
        random sideways option (which does not count as an improvement)."""
        if found.best_scored is not None and found.best_scored[0][0] > 0:
            self._apply(found.best_scored[1])
            return True
        if found.best_exact is not None:
            self._apply(self._option(w, found.best_exact))
            return True
        if found.best_scored is not None:
            self._apply(found.best_scored[1])
            return True
        if found.sideways:
            self._apply(self._option(w, found.sideways[self.rng.randrange(len(found.sideways))]))
        return False

    def _option(self, w: int, option: _Exchange) -> _Move:
        """Full delta of moving the joiner from src into w and/or the leaver from w to src."""
        x, src, y = option
        wm, sm = self.members[w], self.members[src]
        if x is None:
            assert y is not None
            return self._scored_move(w, [i for i in wm if i != y], src, sm + [y], [(y, w, src)])
        rest_src = [i for i in sm if i != x]
        if y is None:
            return self._scored_move(w, wm + [x], src, rest_src, [(x, src, w)])
        new_w = [i for i in wm if i != y]
        new_w.append(x)
        rest_src.append(y)
        return self._scored_move(w, new_w, src, rest_src, [(x, src, w), (y, w, src)])

    def pick_target(self) -> int:
        rng = self.rng
        if sum(self.violations) > 0:
            bad = [g for g in range(self.k) if self.violations[g] > 0]
            return bad[rng.randrange(len(bad))]
        if rng.random() < 0.4:
            return self.weakest[rng.randrange(len(self.weakest))]
        g = rng.randrange(self.k)
        for _ in range(4):
            if self.cover[g] < NT - EPS or (self.model.has_soft and self.soft[g] > 0):
                break
            g = rng.randrange(self.k)
        return g

    def local_search(self, patience: int, max_attempts: int) -> None:
        fails = 0
        attempts = 0
        while fails < patience and attempts < max_attempts:
            attempts += 1
            if attempts % 64 == 0:
                if self.progress is not None:
                    self.progress.tick()
                if time.monotonic() > self.deadline:
                    self.timed_out = True
                    return
            if self.score_is_perfect():
                return
            w = self.pick_target()
            if self.improve_pod(w, sideways=fails > patience // 2):
                fails = 0
            else:
                fails += 1

    def score_is_perfect(self) -> bool:
        return (
            self.cover[self.weakest[0]] >= NT - EPS
            and not self.moved
            and not any(self.violations)
            and (not self.model.has_soft or not any(s > 0 for s in self.soft))
        )

    def kick(self, strength: int) -> None:
        """Random swaps that keep hard constraints (violations may not rise)."""
        md, rng, k = self.model, self.rng, self.k
        if k < 2:
            return
        for _ in range(strength):
            for _try in range(10):
                g = self.weakest[0] if rng.random() < 0.5 else rng.randrange(k)
                h = rng.randrange(k)
                if g == h or not self.members[g] or not self.members[h]:
                    continue
                x = self.members[g][rng.randrange(len(self.members[g]))]
                y = self.members[h][rng.randrange(len(self.members[h]))]
                if not (md.movable[x] and md.movable[y]):
                    continue
                new_g = [i for i in self.members[g] if i != x] + [y]
                new_h = [i for i in self.members[h] if i != y] + [x]
                move = self._scored_move(g, new_g, h, new_h, [(x, g, h), (y, h, g)])
                if move.violations_delta <= 0:
                    self._apply(move)
                    break

    def snapshot(self) -> list[list[int]]:
        return [list(m) for m in self.members]

    def restore(self, pods: list[list[int]]) -> None:
        self.members = [list(m) for m in pods]
        for g, m in enumerate(self.members):
            for i in m:
                self.pod_of[i] = g
        self._init_scores()


def _budget(n: int, k: int, effort: float) -> tuple[int, int, int]:
    """(patience, max attempts, kicks without improvement) scaled to the pool.

    Patience is counted in target pods tried without finding an improving move; it grows with
    k (each pod deserves a few looks) but is capped so huge pools stop once progress is rare.
    Kicks fade out past a few thousand people: a kick moves two or three people among thousands
    of pods, and the local search after it costs a full patience for a gain measured at 10⁻⁴
    of F on a 10,000-person pool (it still pays at 1,000: about 10⁻³ there).
    """
    patience = int(effort * max(60, min(3 * k, 1500)))
    max_attempts = int(effort * max(4000, 40 * n))
    kicks = int(effort * (max(4, min(60, 1500 // max(n, 1))) if n <= 1000 else 4000 // n))
    return patience, max_attempts, kicks


def _solve_k(
    model: _Model, k: int, seed: int, deadline: float, effort: float, progress: _Progress
) -> _Search:
    s = _Search(model, k, random.Random(f"{seed}:{k}"), deadline, progress)
    s.construct()
    _iterate(s, effort)
    if model.use_stability:
        # Re-forming: also start from the current pods, which the coverage-first construction
        # would scatter, and keep whichever start ends better.
        alt = _Search(model, k, random.Random(f"{seed}:{k}:current"), deadline, progress)
        alt.construct(from_current=True)
        _iterate(alt, effort)
        sa, sb = s.score(), alt.score()
        if (-sb[0], sb[1]) > (-sa[0], sa[1]):
            progress.phase_done()
            return alt
    progress.phase_done()
    return s


def _iterate(s: _Search, effort: float) -> None:
    """Local search, then kicks + local search until `kicks` rounds bring nothing better.

    A kick disturbs two to five pods, so the search after it gives up four times sooner than
    the first one (which starts from the construction): on 1,000 people that halves the time
    for 10⁻⁴ of F.
    """
    patience, max_attempts, kicks = _budget(s.model.n, s.k, effort)
    after_kick = max(min(patience, 60), patience // 4)
    s.local_search(patience, max_attempts)
    best = s.snapshot()
    best_score = s.score()
    left = kicks
    while left > 0 and not s.timed_out and not s.score_is_perfect():
        left -= 1
        s.kick(strength=2 + s.rng.randrange(3))
        s.local_search(after_kick, max_attempts)
        sc = s.score()
        if (-sc[0], sc[1]) > (-best_score[0], best_score[1] + EPS):
            best, best_score = s.snapshot(), sc
            left = kicks
    s.restore(best)


def _choose_ks(model: _Model, ks: list[int]) -> list[int]:
    """Spread probes over the feasible pod counts (ends included)."""
    if len(ks) <= 5:
        return ks
    picks = {ks[0], ks[-1]}
    for j in range(1, 4):
        picks.add(ks[round(j * (len(ks) - 1) / 4)])
    return sorted(picks)


def _key(s: _Search) -> tuple[int, float]:
    v, f = s.score()
    return -v, f


def _search_pod_counts(
    model: _Model,
    ks: list[int],
    bounds: dict[int, float],
    seed: int,
    deadline: float,
    effort: float,
    progress: _Progress,
) -> tuple[dict[int, _Search], list[int]]:
    """Probe a few pod counts with a short search, walk towards the best, then keep searching
    the winner with the full budget (continuing from its probe, not starting over).

    Pod counts are probed most promising first (by their per-trait bound), and one whose bound
    cannot beat a partition already found is not searched at all: on large pools F grows with
    k, so usually only the largest k is searched.
    """
    results: dict[int, _Search] = {}
    tried: list[int] = []
    probe_effort = 0.25 if len(ks) > 3 else effort
    frontier = _choose_ks(model, ks)
    # The final search of the winner counts as one more step, as long as the probes together.
    progress.plan(len(frontier) * 2 - 1 if probe_effort < effort else len(frontier) - 1)
    visited: set[int] = set()  # searched or ruled out by the bound
    while frontier:
        for k in sorted(frontier, key=lambda k: (-bounds[k], k)):
            visited.add(k)
            if _cannot_win(results, bounds[k]):
                progress.phase_done()
                continue
            results[k] = _solve_k(model, k, seed, deadline, probe_effort, progress)
            tried.append(k)
        if time.monotonic() > deadline:
            break
        frontier = _next_probes(ks, results, visited)
        progress.plan(len(frontier))
    best_k = max(results, key=lambda k: (_key(results[k]), -k))
    if probe_effort < effort and time.monotonic() < deadline:
        _iterate(results[best_k], effort)
    return results, tried


def _cannot_win(results: dict[int, _Search], bound: float) -> bool:
    """No partition with this bound can beat the best valid one found so far."""
    found = [f for v, f in (s.score() for s in results.values()) if v == 0]
    return bool(found) and bound < max(found) - EPS


def _next_probes(ks: list[int], results: dict[int, _Search], visited: set[int]) -> list[int]:
    """F usually grows with k; only when the best probe is interior (both neighbours worse) is
    it worth bisecting the gaps next to it."""
    best_k = max(results, key=lambda k: (_key(results[k]), -k))
    pos = ks.index(best_k)
    near = []
    for step in (-1, 1) if 0 < pos < len(ks) - 1 else ():
        j = pos + step
        if 0 <= j < len(ks) and ks[j] not in visited:
            far = j
            while 0 <= far < len(ks) and ks[far] not in visited:
                far += step
            if 0 <= far < len(ks):
                near.append(ks[(pos + far) // 2])
    return [k for k in near if k not in visited][: max(0, 12 - len(visited))]


def propose_pods(
    problem: Problem,
    *,
    seed: int = 1,
    time_limit: float | None = 10.0,
    effort: float = 1.0,
    on_progress: Callable[[float], None] | None = None,
) -> FormationResult:
    """Partition the pool into pods maximising DESIGN §2's F, choosing the number of pods.

    Raises FormationInfeasible when the sizes cannot partition the pool or the hard constraints
    contradict each other (or no arrangement satisfying them was found), naming the cause.
    `effort` scales the search budget (tests use less; the answer is still seed-deterministic).
    `on_progress(fraction)`, when given, is called every few dozen search steps with the share
    done so far (a worker's heartbeat); the result does not depend on it, and an exception it
    raises stops the search and propagates.
    """
    started = time.monotonic()
    deadline = started + (time_limit if time_limit else 1e9)
    progress = _Progress(on_progress, started, time_limit)
    progress.tick()
    ks = check_problem(problem)
    model = _Model(problem)
    tops = TraitTops(model.cap)
    results, tried = _search_pod_counts(
        model, ks, per_trait_bounds(tops, ks), seed, deadline, effort, progress
    )
    best_k = max(results, key=lambda k: (_key(results[k]), -k))
    best = results[best_k]
    # Stable output: members in pool order; pods in mission order, else by first member.
    pods = [sorted(m) for m in best.members]
    if not problem.missions:
        pods.sort()
    ev = evaluate(problem, [[problem.people[i].id for i in m] for m in pods])
    if ev.violations:
        raise FormationInfeasible(
            ["no arrangement was found that satisfies all hard constraints; the best one breaks:"]
            + ev.violations
        )
    # F without the stability penalty: the bound drops μ·moved, so it is compared with this.
    reached = ev.coverage_sum + ev.k * ev.min_coverage
    bound = proven_bound(problem, tops, ks, reached, deadline if time_limit else None)
    progress.tick(final=True)
    return FormationResult(
        **vars(ev),
        seconds=round(time.monotonic() - started, 3),
        seed=seed,
        stopped_early=any(r.timed_out for r in results.values()),
        pod_counts_tried=sorted(set(tried)),
        proven_bound=bound.value,
        bound_method=bound.method,
        bound_kind=bound.kind,
        missions=list(problem.missions),
    )
