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

from teams.formation.engine.objective import Evaluation, capped, evaluate, shared_hours
from teams.formation.engine.problem import (
    TRAITS,
    FormationInfeasible,
    Problem,
    apart_sets,
    build_blocks,
    check_problem,
    previous_pairs,
)

EPS = 1e-9
NT = len(TRAITS)
# Soft wishes only break ties in the search: one coverage point is worth far more.
SOFT_WEIGHT = 0.01


@dataclass
class FormationResult(Evaluation):
    seconds: float = 0.0
    seed: int = 1
    stopped_early: bool = False  # the time limit cut the search short
    pod_counts_tried: list[int] = field(default_factory=list)


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
        self.has_hard = self.has_apart or self.has_lead or self.has_unit
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
        self.prev: list[set[int]] = [prev.get(i, set()) for i in range(self.n)]
        self.min_hours = w.min_shared_hours or 0.0
        self.offsets = [p.utc_offset_hours for p in people]
        self.has_soft = bool(any(self.requested) or any(self.prev) or self.min_hours)
        # People per trait, best first; `neg` is the same order as negative values for bisect.
        self.by_trait = [
            sorted(range(self.n), key=lambda i, t=t: (-self.cap[i][t], i)) for t in range(NT)
        ]
        self.neg = [[-self.cap[i][t] for i in order] for t, order in enumerate(self.by_trait)]

    def pod_eval(self, members: list[int]) -> tuple[float, int, float]:
        """(C, hard violations, soft penalty) of one pod."""
        cap = self.cap
        cov = sum(map(max, zip(*[cap[i] for i in members], strict=True))) if members else 0.0
        size = len(members)
        viol = max(0, self.a - size, size - self.b)
        if self.has_hard:
            if self.has_apart:
                for i in members:
                    ap = self.apart[i]
                    if ap:
                        viol += sum(1 for j in members if j in ap)
                viol //= 2
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


class _Search:
    def __init__(
        self,
        model: _Model,
        k: int,
        rng: random.Random,
        deadline: float,
        progress: _Progress | None = None,
    ) -> None:
        self.md = model
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
        md, k = self.md, self.k
        n, a, b = md.n, md.a, md.b
        base, extra = divmod(n, k)
        limit = min(b, base + (1 if extra else 0))
        members = self.members
        cov = [[0.0] * NT for _ in range(k)]
        unassigned = n
        need = k * a  # seats still needed to bring every pod up to the min size

        def place(i: int, g: int) -> None:
            nonlocal unassigned, need
            if len(members[g]) < a:
                need -= 1
            members[g].append(i)
            self.pod_of[i] = g
            row = md.cap[i]
            cg = cov[g]
            for t in range(NT):
                if row[t] > cg[t]:
                    cg[t] = row[t]
            unassigned -= 1

        def room(g: int) -> bool:
            # Growing a pod past the min size must leave enough people for the others.
            size = len(members[g])
            return size < a or (size < limit and unassigned - 1 >= need)

        def gain(i: int, g: int) -> float:
            row, cg = md.cap[i], cov[g]
            return sum(row[t] - cg[t] for t in range(NT) if row[t] > cg[t])

        # Pinned labels get pods 0.., then other together-blocks go where they add most.
        label_pod = {
            label: g for g, label in enumerate(sorted(set(md.blocks.label_of_group.values())))
        }
        for gi, label in md.blocks.label_of_group.items():
            for i in md.blocks.groups[gi]:
                place(i, label_pod[label])
        for gi, group in enumerate(md.blocks.groups):
            if gi in md.blocks.label_of_group or len(group) == 1:
                continue
            best = max(
                range(k),
                key=lambda g, group=group: (
                    len(members[g]) + len(group) <= limit,
                    len(members[g]) + len(group) <= b,
                    all(md.allowed(i, members[g]) for i in group),
                    sum(gain(i, g) for i in group),
                    -len(members[g]),
                    -g,
                ),
            )
            for i in group:
                place(i, best)

        if from_current:
            groups: dict[int, list[int]] = {}
            for i in range(n):
                if self.pod_of[i] < 0 and md.movable[i] and md.cur[i] >= 0:
                    groups.setdefault(md.cur[i], []).append(i)
            labels = sorted(groups, key=lambda x: (-len(groups[x]), x))
            free_pods = [g for g in range(k) if not members[g]]
            for x, g in zip(labels, free_pods, strict=False):
                for i in groups[x]:
                    if room(g) and md.allowed(i, members[g]):
                        place(i, g)

        # Scarcest trait first: its holders go one per pod, weakest pods choosing first.
        ub_t = []
        for t in range(NT):
            ub_t.append(sum(-v for v in md.neg[t][:k]))
        order = sorted(range(NT), key=lambda t: (ub_t[t], t))
        window = 12
        for t in order:
            pods = [g for g in range(k) if cov[g][t] < 1 - EPS and len(members[g]) < limit]
            pods.sort(key=lambda g: (sum(cov[g]), len(members[g]), g))
            ptr = 0
            ranked = md.by_trait[t]
            for g in pods:
                while ptr < n and self.pod_of[ranked[ptr]] >= 0:
                    ptr += 1
                if ptr >= n:
                    break
                top = md.cap[ranked[ptr]][t]
                if top <= cov[g][t] + EPS or not room(g):
                    continue
                best_i, best_key, seen = -1, None, 0
                j = ptr
                while j < n and seen < window:
                    i = ranked[j]
                    j += 1
                    if self.pod_of[i] >= 0 or not md.movable[i]:
                        continue
                    if md.cap[i][t] < top - 0.05:
                        break
                    seen += 1
                    if not md.allowed(i, members[g]):
                        continue
                    key = (md.cap[i][t] + 0.5 * gain(i, g), -i)
                    if best_key is None or key > best_key:
                        best_i, best_key = i, key
                if best_i >= 0:
                    place(best_i, g)

        # Fill: each remaining person goes where they add most, among a sample of pods with room.
        rest = [i for i in range(n) if self.pod_of[i] < 0]
        rest.sort(key=lambda i: (-sum(md.cap[i]), i))
        sample = 24
        for i in rest:
            open_pods = [g for g in range(k) if room(g)]
            if not open_pods:
                open_pods = [g for g in range(k) if len(members[g]) < b]
            if len(open_pods) > sample:
                open_pods = self.rng.sample(open_pods, sample)
            best = max(
                open_pods,
                key=lambda g, i=i: (
                    md.allowed(i, members[g]),
                    round(gain(i, g) + (1 - sum(cov[g]) / NT) * 1e-3, 9),
                    -len(members[g]),
                    -g,
                ),
            )
            place(i, best)
        self._init_scores()

    def _init_scores(self) -> None:
        md = self.md
        self.C, self.V, self.S = [], [], []
        for m in self.members:
            c, v, s = md.pod_eval(m)
            self.C.append(c)
            self.V.append(v)
            self.S.append(s)
        self.cnt: list[dict[int, int]] = [dict() for _ in range(md.n_labels)]
        if md.use_stability:
            for i in range(md.n):
                x = md.cur[i]
                if x >= 0:
                    g = self.pod_of[i]
                    self.cnt[x][g] = self.cnt[x].get(g, 0) + 1
        self.moved = sum(sum(c.values()) - max(c.values()) for c in self.cnt if c)
        self._refresh_low()

    def _refresh_low(self) -> None:
        self.low = heapq.nsmallest(3, range(self.k), key=self.C.__getitem__)

    def score(self) -> tuple[int, float]:
        """(violations, search objective) of the whole partition; higher objective is better."""
        md = self.md
        f = sum(self.C) + self.k * min(self.C) - md.mu * self.moved - SOFT_WEIGHT * sum(self.S)
        return sum(self.V), f

    # ---- moves --------------------------------------------------------------------------

    def _min_excluding(self, a: int, b: int) -> float:
        for g in self.low:
            if g != a and g != b:
                return self.C[g]
        return float("inf")

    def _moved_delta(self, changes: list[tuple[int, int, int]]) -> int:
        """Change in `moved` (see objective.count_moved) if these (person, from, to) happen."""
        cur = self.md.cur
        d = 0
        done: set[int] = set()
        for i, _, _ in changes:
            x = cur[i]
            if x < 0 or x in done:
                continue
            done.add(x)
            c = self.cnt[x]
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

    def _delta(
        self,
        a: int,
        new_a: list[int],
        b: int,
        new_b: list[int],
        changes: list[tuple[int, int, int]],
    ) -> tuple[int, float, tuple]:
        md = self.md
        ca, va, sa = md.pod_eval(new_a)
        cb, vb, sb = md.pod_eval(new_b)
        C = self.C
        cur_min = C[self.low[0]]
        new_min = min(self._min_excluding(a, b), ca, cb)
        ds = ca + cb - C[a] - C[b] + self.k * (new_min - cur_min)
        if md.has_soft:
            ds -= SOFT_WEIGHT * (sa + sb - self.S[a] - self.S[b])
        if md.use_stability:
            ds -= md.mu * self._moved_delta(changes)
        dv = va + vb - self.V[a] - self.V[b]
        return dv, ds, (a, new_a, ca, va, sa, b, new_b, cb, vb, sb, changes)

    def _apply(self, payload: tuple) -> None:
        a, new_a, ca, va, sa, b, new_b, cb, vb, sb, changes = payload
        md = self.md
        if md.use_stability:
            self.moved += self._moved_delta(changes)
            for i, src, dst in changes:
                x = md.cur[i]
                if x >= 0:
                    c = self.cnt[x]
                    c[src] -= 1
                    if not c[src]:
                        del c[src]
                    c[dst] = c.get(dst, 0) + 1
        self.members[a], self.members[b] = new_a, new_b
        for i, _, dst in changes:
            self.pod_of[i] = dst
        self.C[a], self.V[a], self.S[a] = ca, va, sa
        self.C[b], self.V[b], self.S[b] = cb, vb, sb
        low = self.low
        if a in low or b in low or ca < self.C[low[-1]] or cb < self.C[low[-1]] or len(low) < 3:
            self._refresh_low()

    def _candidates(self, w: int) -> list[int]:
        md, rng = self.md, self.rng
        members = self.members[w]
        cov = (
            tuple(map(max, zip(*[md.cap[i] for i in members], strict=True)))
            if members
            else (0.0,) * NT
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
        if self.V[w] > 0 or (self.S[w] > 0 and md.has_soft) or not deficits:
            out.extend(rng.randrange(md.n) for _ in range(per_trait))
        return out

    def improve_pod(self, w: int, sideways: bool) -> bool:
        """Try moves and swaps that bring people who would raise pod w's weak traits into it.

        Coverage deltas are screened with per-trait maxima of "pod minus one member" (cheap);
        only options that might win are scored in full (constraints, wishes, stability).
        """
        md = self.md
        a, b, k = md.a, md.b, self.k
        cap, C = md.cap, self.C
        # Without hard constraints or wishes the screened delta is exact (stability included).
        pure = not (md.has_hard or md.has_soft)
        zero = (0.0,) * NT
        cur_min = C[self.low[0]]
        wm = self.members[w]
        cw = tuple(map(max, zip(*[cap[i] for i in wm], strict=True))) if wm else zero
        w_minus = {
            y: tuple(map(max, zip(*[cap[i] for i in wm if i != y], strict=True)))
            if len(wm) > 1
            else zero
            for y in wm
            if md.movable[y]
        }
        best_ds, best_opt = EPS, None
        best_full: tuple | None = None
        flat: list[tuple[int, int, int | None]] = []
        seen = set()
        for x in self._candidates(w):
            if x in seen or not md.movable[x]:
                continue
            seen.add(x)
            src = self.pod_of[x]
            if src == w:
                continue
            sm = self.members[src]
            rest = [cap[i] for i in sm if i != x]
            rest_cov = tuple(map(max, zip(*rest, strict=True))) if rest else zero
            m_ex = self._min_excluding(w, src)
            base = C[w] + C[src]
            exact = pure and not self.V[w] and not self.V[src]
            if exact:
                slack = 0.0
            elif self.V[w] or self.V[src]:
                slack = float("inf")
            else:
                slack = SOFT_WEIGHT * (2 * b + 2)
            capx = cap[x]
            # (screened delta, person joining w or None, person leaving w or None)
            opts: list[tuple[float, int | None, int | None]] = []
            if len(wm) < b and len(sm) > a:
                ca = sum(map(max, cw, capx))
                cb = sum(rest_cov)
                opts.append((ca + cb - base + k * (min(m_ex, ca, cb) - cur_min), x, None))
            for y, wmy in w_minus.items():
                ca = sum(map(max, wmy, capx))
                cb = sum(map(max, rest_cov, cap[y]))
                opts.append((ca + cb - base + k * (min(m_ex, ca, cb) - cur_min), x, y))
            if self.V[w] and len(wm) > a and len(sm) < b:
                # Repair: a pod breaking its size bound may also hand a member over.
                opts.extend((float("inf"), None, y) for y in w_minus)
            for ds, x_, y in opts:
                if md.use_stability and ds != float("inf"):
                    changes = [(x_, src, w)] if x_ is not None else []
                    if y is not None:
                        changes.append((y, w, src))
                    ds -= md.mu * self._moved_delta(changes)
                if exact:
                    if ds > best_ds:
                        best_ds, best_opt = ds, (x_, src, y)
                    elif sideways and ds > -EPS:
                        flat.append((x_, src, y))
                    continue
                if ds + slack <= EPS and not sideways:
                    continue
                dv, fds, payload = self._option(w, x_, src, y)
                if dv < 0 or (dv == 0 and fds > EPS):
                    key = (-dv, fds)
                    if best_full is None or key > best_full[0]:
                        best_full = (key, payload)
                elif sideways and dv == 0 and fds > -EPS:
                    flat.append((x_, src, y))
        if best_full is not None and best_full[0][0] > 0:  # removes a violation: always first
            self._apply(best_full[1])
            return True
        if best_opt is not None:
            self._apply(self._option(w, *best_opt)[2])
            return True
        if best_full is not None:
            self._apply(best_full[1])
            return True
        if flat:
            self._apply(self._option(w, *flat[self.rng.randrange(len(flat))])[2])
        return False

    def _option(self, w: int, x: int | None, src: int, y: int | None) -> tuple[int, float, tuple]:
        """Full delta of moving x from src into w and/or y from w to src."""
        wm, sm = self.members[w], self.members[src]
        if x is None:
            assert y is not None
            return self._delta(w, [i for i in wm if i != y], src, sm + [y], [(y, w, src)])
        rest_src = [i for i in sm if i != x]
        if y is None:
            return self._delta(w, wm + [x], src, rest_src, [(x, src, w)])
        new_w = [i for i in wm if i != y]
        new_w.append(x)
        rest_src.append(y)
        return self._delta(w, new_w, src, rest_src, [(x, src, w), (y, w, src)])

    def pick_target(self) -> int:
        rng = self.rng
        if sum(self.V) > 0:
            bad = [g for g in range(self.k) if self.V[g] > 0]
            return bad[rng.randrange(len(bad))]
        if rng.random() < 0.4:
            return self.low[rng.randrange(len(self.low))]
        g = rng.randrange(self.k)
        for _ in range(4):
            if self.C[g] < NT - EPS or (self.md.has_soft and self.S[g] > 0):
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
            self.C[self.low[0]] >= NT - EPS
            and not self.moved
            and not any(self.V)
            and (not self.md.has_soft or not any(s > 0 for s in self.S))
        )

    def kick(self, strength: int) -> None:
        """Random swaps that keep hard constraints (violations may not rise)."""
        md, rng, k = self.md, self.rng, self.k
        if k < 2:
            return
        for _ in range(strength):
            for _try in range(10):
                g = self.low[0] if rng.random() < 0.5 else rng.randrange(k)
                h = rng.randrange(k)
                if g == h or not self.members[g] or not self.members[h]:
                    continue
                x = self.members[g][rng.randrange(len(self.members[g]))]
                y = self.members[h][rng.randrange(len(self.members[h]))]
                if not (md.movable[x] and md.movable[y]):
                    continue
                new_g = [i for i in self.members[g] if i != x] + [y]
                new_h = [i for i in self.members[h] if i != y] + [x]
                dv, _ds, payload = self._delta(g, new_g, h, new_h, [(x, g, h), (y, h, g)])
                if dv <= 0:
                    self._apply(payload)
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
    """
    patience = int(effort * max(60, min(3 * k, 1500)))
    max_attempts = int(effort * max(4000, 40 * n))
    kicks = int(effort * max(4, min(60, 1500 // max(n, 1))))
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
    """Local search, then kicks + local search until `kicks` rounds bring nothing better."""
    patience, max_attempts, kicks = _budget(s.md.n, s.k, effort)
    s.local_search(patience, max_attempts)
    best = s.snapshot()
    best_score = s.score()
    left = kicks
    while left > 0 and not s.timed_out and not s.score_is_perfect():
        left -= 1
        s.kick(strength=2 + s.rng.randrange(3))
        s.local_search(patience, max_attempts)
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

    def key(s: _Search) -> tuple[int, float]:
        v, f = s.score()
        return -v, f

    tried: list[int] = []
    results: dict[int, _Search] = {}
    # Probe a few pod counts with a short search, walk towards the best, then keep searching
    # the winner with the full budget (continuing from its probe, not starting over).
    probe_effort = 0.25 if len(ks) > 3 else effort
    frontier = _choose_ks(model, ks)
    # The final search of the winner counts as one more step, as long as the probes together.
    progress.plan(len(frontier) * 2 - 1 if probe_effort < effort else len(frontier) - 1)
    while frontier:
        for k in frontier:
            results[k] = _solve_k(model, k, seed, deadline, probe_effort, progress)
            tried.append(k)
        if time.monotonic() > deadline:
            break
        best_k = max(results, key=lambda k: (key(results[k]), -k))
        pos = ks.index(best_k)
        # F usually grows with k; only when the best probe is interior (both neighbours worse)
        # is it worth bisecting the gaps next to it.
        near = []
        for step in (-1, 1) if 0 < pos < len(ks) - 1 else ():
            j = pos + step
            if 0 <= j < len(ks) and ks[j] not in results:
                far = j
                while 0 <= far < len(ks) and ks[far] not in results:
                    far += step
                if 0 <= far < len(ks):
                    near.append(ks[(pos + far) // 2])
        frontier = [k for k in near if k not in results][: max(0, 12 - len(results))]
        progress.plan(len(frontier))
    best_k = max(results, key=lambda k: (key(results[k]), -k))
    if probe_effort < effort and time.monotonic() < deadline:
        _iterate(results[best_k], effort)
    best = results[best_k]
    progress.tick(final=True)
    pods = [[problem.people[i].id for i in m] for m in best.members]
    ev = evaluate(problem, pods)
    if ev.violations:
        raise FormationInfeasible(
            ["no arrangement was found that satisfies all hard constraints; the best one breaks:"]
            + ev.violations
        )
    # Stable output: pods ordered by their first member in pool order.
    order = sorted(range(len(pods)), key=lambda g: min(model.idx[p] for p in pods[g]))
    ev.pods = [ev.pods[g] for g in order]
    for pod in ev.pods:
        pod.members.sort(key=model.idx.__getitem__)
    return FormationResult(
        **vars(ev),
        seconds=round(time.monotonic() - started, 3),
        seed=seed,
        stopped_early=any(r.timed_out for r in results.values()),
        pod_counts_tried=sorted(set(tried)),
    )
