"""A proven upper bound on F (DESIGN §2's `proven_bound`): the best any partition could score.

Two proofs, the stronger one when the run has the time and the pool is small enough:

* **Per-trait bound** (any pool, microseconds). DESIGN §2's `2·UB_sum(k)` assumes the weakest
  pod is as good as the average one. It cannot be better than each trait allows on its own: the
  j pods weakest in trait t hold at most the j smallest of t's k best values, and in every other
  trait at most the j best, so `j·min_g C(g)` is at most that sum, for every t and j. With
  `Σ_g C(g) ≤ UB_sum(k)`, `F ≤ UB_sum(k) + k·min(UB_sum(k)/k, those caps)`. On pools with a
  scarce trait this is the exact optimum or close to it; it is never looser than `2·UB_sum(k)`.
* **Per-pod cap** (any pool, milliseconds per k; `SlotCap`). A pod's coverage is at most the 5
  largest of its members' sorted capped scores (each trait is covered by one member, and a
  member covering j traits gives at most their j best). So for any λ in [0, 1],
  `C(g) ≤ 5λ + Σ_{p∈g} h_p(λ)` with `h_p(λ) = Σ_i (d_p(i) − λ)⁺`. For every pod to reach m,
  each needs `u = m − 5λ` of that excess, and no one person's excess counts beyond u. People
  with h ≥ u carry a pod alone, but that pod still takes a − 1 others whose excess is wasted.
  When the rest cannot cover the other pods, no partition reaches m. This sees what the
  per-trait bound cannot: someone strong in every trait counts in every trait's top k, yet
  leads only one pod.
* **Pod-level linear programme** (pools of up to about 25 people; HiGHS through `highspy`). Every
  possible pod that keeps the hard constraints is a column worth its coverage C(S); for a weakest-
  pod level m, only pods with C(S) ≥ m may be used, and the linear relaxation of "pick k disjoint
  pods covering everyone" bounds Σ_g C(g). F is at most the best over m of that plus k·m. A
  person strong in every trait can lead only one pod, which the per-trait bound cannot see and
  this one does: on the benchmark pools it lands within 0.3 % of the exact optimum. Its value is
  certified from the LP's duals (weak duality), so solver tolerances can only loosen it.

All of them ignore the stability penalty and soft wishes (μ·moved ≥ 0 only lowers F), so the bound holds
for every run. Missions' required trait levels are ignored too, which can only loosen it.
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import comb

from teams.formation.engine.problem import TRAITS, Problem, build_blocks

NT = len(TRAITS)
# Every possible pod is one column: about 55,000 for 24 people in pods of 3-5, 91,000 for 40
# people in pods of 3-4 (13 pods). Past this many the relaxation would cost more than the
# search, so the per-trait bound and the per-pod cap stand alone.
MAX_COLUMNS = 150_000
# Bounds are certified with a small allowance for float rounding in the certificate itself.
SLACK = 1e-7
# LP solves per pod count; each raises the weakest-pod level past the last solution's weakest
# pod. Past this many, the levels left are bounded at once (still valid, a little looser).
MAX_LEVELS = 80

PER_TRAIT_NOTE = (
    "Per-trait bound: for each possible number of pods k, no arrangement can use more than the k "
    "best people of each trait, and the weakest pod cannot beat what each trait's weakest holders "
    "leave it, nor what the people left can give it once those strong in many traits each lead "
    "one pod."
)
LP_NOTE = (
    "Pod-level linear programme (HiGHS) over every pod the constraints allow, for each level of "
    "the weakest pod; certified from its duals."
)
OPTIMAL_NOTE = "Proven optimal: the bound equals F, so no arrangement scores higher."


@dataclass(frozen=True)
class ProvenBound:
    """`value` ≥ F of every partition the run may choose; `kind` is "optimal", "lp" or
    "per-trait" (what proved it), `method` the sentence shown as "how it was proven"."""

    value: float
    kind: str
    method: str
    per_k: dict[int, float] = field(default_factory=dict)


class TraitTops:
    """Each trait's capped scores, best first, with prefix sums: `UB_sum(k)` and the weakest-pod
    caps for any k in O(log k)."""

    def __init__(self, cap: Sequence[Sequence[float]]) -> None:
        self.n = len(cap)
        self.rows = cap
        self.sorted = [sorted((row[t] for row in cap), reverse=True) for t in range(NT)]
        self.prefix = [list(itertools.accumulate(col, initial=0.0)) for col in self.sorted]

    def ub_sum(self, k: int) -> float:
        k = min(k, self.n)
        return sum(p[k] for p in self.prefix)

    def weakest_cap(self, k: int) -> float:
        """An upper bound on min_g C(g) over partitions into k pods."""
        k = min(k, self.n)
        if k <= 0:
            return 0.0
        best = self.ub_sum(k) / k
        tops = [self.prefix[t] for t in range(NT)]
        for j in _levels(k):
            top_j = sum(p[j] for p in tops)
            for t in range(NT):
                p = tops[t]
                # the j smallest of t's k best values, instead of its j best
                best = min(best, (top_j - p[j] + p[k] - p[k - j]) / j)
        return best

    def bound(self, k: int) -> float:
        """F ≤ UB_sum(k) + k·weakest_cap(k), never above 2·UB_sum(k)."""
        return self.ub_sum(k) + k * self.weakest_cap(k)


def _levels(k: int) -> list[int]:
    """The j (number of weakest pods) to try: every small one, then a geometric ladder up to k.
    Any j gives a valid cap, so a sparse ladder only loosens it slightly on huge pools."""
    out = set(range(1, min(k, 16) + 1))
    j = 16.0
    while j < k:
        out.add(int(j))
        j *= 1.25
    out.add(k)
    return sorted(out)


def per_trait_bounds(tops: TraitTops, ks: Sequence[int]) -> dict[int, float]:
    return {k: tops.bound(k) for k in ks}


class SlotCap:
    """The per-pod cap on min_g C(g) (see the module docstring), for any k."""

    LAMBDAS = tuple(i / 20 for i in range(21))

    def __init__(self, cap: Sequence[Sequence[float]], min_size: int) -> None:
        import numpy as np

        self.n = len(cap)
        self.a = max(1, min_size)
        marginals = np.sort(np.asarray(cap, dtype=np.float64), axis=1)
        # per λ: h_p(λ) best first (as negatives, for bisect) and prefix sums of h
        self.levels = []
        for lam in self.LAMBDAS:
            h = -np.sort(-np.maximum(marginals - lam, 0.0).sum(axis=1))
            self.levels.append((lam, (-h).tolist(), np.concatenate(([0.0], np.cumsum(h))).tolist()))

    def weakest_cap(self, k: int, start: float) -> float:
        """A level no partition into k pods can reach in every pod, at most `start`: bisects
        for the lowest level this argument refutes (any refuted level is a valid cap)."""
        if not self._refutes(k, start):
            return start
        lo, hi = 0.0, start
        for _ in range(18):
            mid = (lo + hi) / 2
            if self._refutes(k, mid):
                hi = mid
            else:
                lo = mid
        return hi

    def _refutes(self, k: int, m: float) -> bool:
        return any(self._short(k, m, lam, neg, prefix) for lam, neg, prefix in self.levels)

    def _short(self, k: int, m: float, lam: float, neg: list, prefix: list) -> bool:
        """True when, at this λ, the pool cannot give every one of k pods u = m − 5λ."""
        u = m - 5 * lam
        if u <= 1e-12:
            return False
        n, a = self.n, self.a
        t = bisect_right(neg, -u)  # people who carry a pod alone (h ≥ u), best first
        q_max = min(t, k)

        def slack(q: int) -> float:
            # q pods carried alone take a·q people, t of them the carriers: the other pods
            # get what is left of the rest, the least useful taken first.
            wasted = max(0, a * q - t)
            kept = max(0, n - t - wasted)
            return prefix[t + kept] - prefix[t] - (k - q) * u

        # slack grows with q until carried pods start wasting people, then is concave until
        # nobody is left, then grows again: its maximum is at one of these.
        lo = min(q_max, t // a)
        hi = min(q_max, max(lo, n // a))
        while lo < hi:
            mid = (lo + hi) // 2
            if slack(mid + 1) >= slack(mid):
                lo = mid + 1
            else:
                hi = mid
        return max(slack(lo), slack(q_max), slack(min(q_max, t // a))) < -1e-9


def proven_bound(
    problem: Problem,
    tops: TraitTops,
    ks: Sequence[int],
    incumbent: float,
    deadline: float | None,
) -> ProvenBound:
    """The tightest bound on F over every k in `ks` this run can prove by `deadline`.

    `incumbent` is F (without the stability penalty) of a partition the run found, so any region
    of the search space whose bound falls below it cannot raise the maximum.
    """
    per_k = per_trait_bounds(tops, ks)
    best = incumbent
    kind = "per-trait"
    lp_ready = _lp_available()  # numpy (for the per-pod cap too) and highspy
    slots = SlotCap(tops.rows, problem.min_size) if lp_ready else None
    for k in sorted(ks, key=lambda k: (-per_k[k], k)):
        if per_k[k] <= best + SLACK:
            continue  # already below a value some partition reaches
        if slots is not None and (deadline is None or time.monotonic() < deadline):
            m = slots.weakest_cap(k, tops.weakest_cap(k))
            per_k[k] = min(per_k[k], tops.ub_sum(k) + k * m)
            if per_k[k] <= best + SLACK:
                continue
        if (
            lp_ready
            and _column_count(problem, k) <= MAX_COLUMNS
            and (deadline is None or time.monotonic() < deadline)
        ):
            value = _PodLP(problem, k).bound(per_k[k], best, deadline)
            if value < per_k[k] - SLACK:
                per_k[k] = value
                kind = "lp"
        best = max(best, per_k[k])
    if best - incumbent <= SLACK * max(1.0, abs(incumbent)):
        return ProvenBound(best, "optimal", OPTIMAL_NOTE, per_k)
    return ProvenBound(best, kind, LP_NOTE if kind == "lp" else PER_TRAIT_NOTE, per_k)


def _lp_available() -> bool:
    try:
        import highspy  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:  # both are runtime dependencies; without them the per-trait bound stands
        return False
    return True


def _solver():
    """A silent HiGHS instance. The core class, because the wrapper's constructor prints a banner
    on stdout before any option can be set, which would corrupt the command's JSON output."""
    import highspy

    core = getattr(highspy, "_Highs", None) or highspy.Highs
    h = core()
    h.setOptionValue("output_flag", False)
    return h


def _sizes_for(n: int, a: int, b: int, k: int) -> range:
    """Pod sizes one pod can have when n people form k pods of a..b."""
    lo = max(a, n - (k - 1) * b)
    hi = min(b, n - (k - 1) * a)
    return range(lo, hi + 1)


def _column_count(problem: Problem, k: int) -> int:
    """How many pods the relaxation for k would enumerate (before the constraints filter)."""
    n = len(problem.people)
    return sum(comb(n, s) for s in _sizes_for(n, problem.min_size, problem.max_size, k))


class _PodLP:
    """The relaxation for one k: columns are pods, rows are people (each in exactly one pod) and
    the pod count. Raising the weakest-pod level m only removes columns, so one model is solved
    again after each removal, warm-started."""

    def __init__(self, problem: Problem, k: int) -> None:
        import numpy as np

        self.np = np
        self.problem = problem
        self.k = k
        self.n = len(problem.people)
        tau = problem.threshold
        self.cap = np.array(
            [[min(s, tau) / tau for s in p.scores] for p in problem.people], dtype=np.float64
        )

    def _columns(self):
        """(members as an index matrix padded with -1, C(S) per column) of every allowed pod."""
        np = self.np
        members, covers = [], []
        sizes = _sizes_for(self.n, self.problem.min_size, self.problem.max_size, self.k)
        keep = _ColumnFilter(self.problem)
        for s in sizes:
            combos = np.array(list(itertools.combinations(range(self.n), s)), dtype=np.int32)
            if not len(combos):
                continue
            combos = combos[keep.mask(combos)]
            cov = self.cap[combos].max(axis=1).sum(axis=1)
            pad = np.full((len(combos), self.problem.max_size), -1, dtype=np.int32)
            pad[:, :s] = combos
            members.append(pad)
            covers.append(cov)
        if not members:
            return None, None
        return np.concatenate(members), np.concatenate(covers)

    def bound(self, cap_k: float, floor: float, deadline: float | None) -> float:
        """The LP bound on F for this k, at most `cap_k`; regions bounded below `floor` (a value
        the run already proved reachable) are skipped. If the deadline cuts the sweep short,
        the levels left are bounded by the last one solved, so the answer stays valid."""
        import highspy

        np, k = self.np, self.k
        members, covers = self._columns()
        if members is None:
            return floor  # no pod keeps the hard constraints: no partition for this k
        ub = float((-np.sort(-self.cap, axis=0))[:k].sum())
        # Below this weakest-pod level, Σ C ≤ UB_sum keeps F under the floor.
        alive = covers >= (floor - ub) / k - 1e-9
        members, covers = members[alive], covers[alive]
        if not len(covers):
            return floor
        order = np.argsort(covers, kind="stable")
        members, covers = members[order], covers[order]
        c_max = float(covers[-1])
        h = _solver()
        # Default options otherwise: the dual simplex is serial, so the answer does not depend
        # on threads (and setting them clashes with a HiGHS already running in the process).
        h.setOptionValue("random_seed", 0)
        self._load(h, members, covers)
        best = floor
        # What the levels not yet solved could reach: W only falls as the level rises (columns
        # are only removed), and the weakest pod is at most the best column.
        rest = ub + k * c_max
        start = 0  # columns [0, start) are switched off: C(S) below the current level
        for _level in range(MAX_LEVELS):
            if start >= len(covers):
                return min(cap_k, best)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                h.setOptionValue("time_limit", left)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible:
                return min(cap_k, best)
            if status != highspy.HighsModelStatus.kOptimal:
                break
            w = self._certified(h, members, covers, start)
            x = np.asarray(h.getSolution().col_value)
            used = np.nonzero(x[start:] > 1e-9)[0]
            weakest = float(covers[start + used[0]]) if len(used) else c_max
            # Every level from here up to `weakest` has this same optimum W.
            best = max(best, w + k * weakest)
            rest = w + k * c_max
            if rest <= best + SLACK:
                return min(cap_k, best)
            nxt = max(int(np.searchsorted(covers, weakest, side="right")), start + 1)
            off = np.arange(start, nxt, dtype=np.int32)
            h.changeColsBounds(len(off), off, np.zeros(len(off)), np.zeros(len(off)))
            start = nxt
        return min(cap_k, max(best, rest))

    def _load(self, h, members, covers) -> None:
        np, n = self.np, self.n
        lower = np.ones(n + 1)
        upper = np.ones(n + 1)
        lower[n] = upper[n] = self.k
        h.addRows(n + 1, lower, upper, 0, np.zeros(1, dtype=np.int32), [], [])
        # Column-wise: each pod's members' rows, then the pod-count row.
        rows = np.concatenate([members, np.full((len(members), 1), n, dtype=np.int32)], axis=1)
        present = rows >= 0
        index = rows[present].astype(np.int32)
        per_col = present.sum(axis=1)
        starts = np.zeros(len(covers), dtype=np.int32)
        starts[1:] = np.cumsum(per_col)[:-1]
        count = len(covers)
        h.addCols(
            count,
            -covers,  # HiGHS minimises
            np.zeros(count),
            np.ones(count),
            len(index),
            starts,
            index,
            np.ones(len(index)),
        )

    def _certified(self, h, members, covers, start: int) -> float:
        """max Σ C(S)x_S ≤ Σ_r y_r·b_r + Σ_S max(0, C(S) − y(S)) for any row prices y (x in
        [0, 1], equality rows), so the bound rests on arithmetic here, not on the solver's
        tolerances."""
        np, n = self.np, self.n
        y = -np.asarray(h.getSolution().row_dual)  # duals of the maximisation
        prices = np.append(y[:n], 0.0)  # index -1 (padding) reads the 0 at the end
        reduced = covers[start:] - prices[members[start:]].sum(axis=1) - y[n]
        return float(y[:n].sum() + self.k * y[n] + np.maximum(reduced, 0.0).sum()) + SLACK


class _ColumnFilter:
    """Which candidate pods keep the hard constraints: together and pinned groups whole,
    different pinned pods apart, apart pairs, one Pod Lead, at most m per org unit."""

    def __init__(self, problem: Problem) -> None:
        idx = problem.index()
        c = problem.constraints
        blocks = build_blocks(problem, idx)
        self.groups = [g for g in blocks.groups if len(g) > 1]
        # one person stands for each pinned pod: its group travels whole
        self.labelled = [blocks.groups[gi][0] for gi in sorted(blocks.label_of_group)]
        self.apart = [(idx[x], idx[y]) for x, y in c.apart if x in idx and y in idx]
        self.leads = [
            i for i, p in enumerate(problem.people) if c.one_lead_per_pod and p.is_pod_lead
        ]
        self.units: list[list[int]] = []
        if c.max_per_unit is not None:
            by_unit: dict[str, list[int]] = {}
            for i, p in enumerate(problem.people):
                if p.org_unit:
                    by_unit.setdefault(p.org_unit, []).append(i)
            self.units = [m for m in by_unit.values() if len(m) > c.max_per_unit]
        self.m = c.max_per_unit

    def mask(self, combos):
        import numpy as np

        keep = np.ones(len(combos), dtype=bool)

        def has(i):
            return (combos == i).any(axis=1)

        for group in self.groups:
            inside = [has(i) for i in group]
            for other in inside[1:]:
                keep &= inside[0] == other
        if len(self.labelled) > 1:
            count = sum(has(i).astype(int) for i in self.labelled)
            keep &= count <= 1
        for x, y in self.apart:
            keep &= ~(has(x) & has(y))
        if len(self.leads) > 1:
            keep &= sum(has(i).astype(int) for i in self.leads) <= 1
        for members in self.units:
            keep &= sum(has(i).astype(int) for i in members) <= self.m
        return keep


__all__ = ["ProvenBound", "TraitTops", "per_trait_bounds", "proven_bound"]
