"""Benchmark of the pod formation optimiser against the bound, the exact optimum and baselines.

    python bench/formation.py [--quick] [--sizes 12,24,1000] [--dists uniform,scarce]

Per pool size and score distribution it prints F, F/bound (2·UB_sum for the chosen k),
F/maxUB (max over every feasible k of 2·UB_sum(k)), F/pbound (the run's proven bound) and how it
was proven (pkind: optimal, lp or per-trait), F/optimum and pbound/optimum (exact MILP with
HiGHS, pools ≤ 24; max over every feasible k), F/greedy (snake draft with the same k), F/random
(mean of 5 random partitions with the same k) and the optimiser's seconds (bound included).
The optimiser runs without a time limit so the figures show its natural budget. A MILP that
hits its time limit reports its dual bound instead of the optimum: F/opt and pb/opt are then
shown as "≥" (both are at least that).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from teams.formation.engine import Person, Problem, evaluate, feasible_pod_counts, propose_pods
from teams.formation.engine.baselines import random_partition, snake_draft
from teams.formation.engine.bound import TraitTops
from teams.formation.engine.objective import capped

DISTS = ("uniform", "specialists", "scarce", "generalists")
SIZES = (12, 18, 24, 100, 1000, 10000)
QUICK_SIZES = (12, 24, 100, 1000)
SCARCE = 3  # signal_reader


def make_pool(n: int, dist: str, seed: int = 0) -> Problem:
    """Synthetic pools: uniform scores; specialists (one strong trait each); one scarce trait
    (about 1 in 12 score ≥ 70 as Signal Reader); mostly specialists plus 10% generalists."""
    r = random.Random(f"{dist}:{n}:{seed}")
    people = []
    for i in range(n):
        if dist == "uniform":
            s = [r.randint(0, 100) for _ in range(5)]
        elif dist == "specialists":
            s = [r.randint(10, 55) for _ in range(5)]
            s[r.randrange(5)] = r.randint(72, 100)
        elif dist == "scarce":
            s = [r.randint(0, 100) for _ in range(5)]
            s[SCARCE] = r.randint(70, 100) if r.random() < 1 / 12 else r.randint(0, 65)
        elif dist == "generalists":
            if r.random() < 0.1:
                s = [r.randint(68, 95) for _ in range(5)]
            else:
                s = [r.randint(5, 50) for _ in range(5)]
                s[r.randrange(5)] = r.randint(70, 100)
        else:
            raise ValueError(dist)
        people.append(Person(id=f"p{i:05d}", scores=tuple(s)))
    return Problem(people=people)


def exact_optimum(problem: Problem, time_limit: float = 120.0) -> tuple[float, bool] | None:
    """max over feasible k of the MILP optimum of F (μ = 0, no constraints).

    x[p,g] binary; y[p,g,t] ∈ [0,1] picks the coverer of t in g (y ≤ x, Σ_p y ≤ 1, so at
    the optimum it selects the max); z ≤ C(g) for every g; maximise Σ cap·y + k·z.
    Person p may only join pods 0..p, which removes the pod-relabelling symmetry.
    Returns (value, proven): when a k's MILP hits the time limit its dual bound is used, so
    F/value is then a lower bound on F/optimum.
    """
    try:
        import highspy
    except ImportError:
        return None
    cap = capped(problem)
    n, a, b = len(problem.people), problem.min_size, problem.max_size
    best, proven = None, True
    for k in feasible_pod_counts(n, a, b):
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("time_limit", time_limit)
        h.setOptionValue("mip_rel_gap", 1e-7)
        x = {(p, g): h.addBinary() for p in range(n) for g in range(min(k, p + 1))}
        y = {(p, g, t): h.addVariable(0, 1) for (p, g) in x for t in range(5) if cap[p][t] > 0}
        z = h.addVariable(0, 5)
        for p in range(n):
            h.addConstr(sum(x[p, g] for g in range(min(k, p + 1))) == 1)
        for g in range(k):
            size = sum(x[p, g] for p in range(n) if (p, g) in x)
            h.addConstr(size >= a)
            h.addConstr(size <= b)
            for t in range(5):
                terms = [y[p, g, t] for p in range(n) if (p, g, t) in y]
                if terms:
                    h.addConstr(sum(terms) <= 1)
            cov = [cap[p][t] * y[p, g, t] for p in range(n) for t in range(5) if (p, g, t) in y]
            h.addConstr(z <= sum(cov))
        for (p, g, _t), var in y.items():
            h.addConstr(var <= x[p, g])
        h.maximize(sum(cap[p][t] * var for (p, g, t), var in y.items()) + k * z)
        info = h.getInfo()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            value = info.objective_function_value
        else:
            value, proven = info.mip_dual_bound, False
        best = value if best is None else max(best, value)
    return (best, proven) if best is not None else None


def bench_row(
    n: int, dist: str, seed: int, with_optimum: bool, milp_limit: float = 120.0
) -> dict[str, object]:
    problem = make_pool(n, dist)
    t0 = time.monotonic()
    result = propose_pods(problem, seed=seed, time_limit=None)
    seconds = time.monotonic() - t0
    f = result.objective
    greedy = evaluate(problem, snake_draft(problem, result.k)).objective
    rand = (
        sum(
            evaluate(problem, random_partition(problem, result.k, seed=s)).objective
            for s in range(5)
        )
        / 5
    )
    opt = exact_optimum(problem, milp_limit) if with_optimum and n <= 24 else None
    pb = result.proven_bound
    tops = TraitTops(capped(problem))
    max_ub = max(2 * tops.ub_sum(k) for k in feasible_pod_counts(n, 3, 5))
    return {
        "n": n,
        "dist": dist,
        "k": result.k,
        "F": f,
        "bound": result.upper_bound,
        "F/bound": f / result.upper_bound if result.upper_bound else 0.0,
        "F/maxUB": f / max_ub if max_ub else 0.0,
        "F/pbound": f / pb if pb else 0.0,
        "pkind": result.bound_kind,
        "F/opt": _ratio(f, opt),
        "pb/opt": _ratio(pb, opt),
        "F/greedy": f / greedy if greedy > 0 else float("inf"),
        "F/random": f / rand if rand > 0 else float("inf"),
        "gaps": f"{result.trait_gaps}/{result.trait_gaps_lower_bound}",
        "seconds": seconds,
    }


def _ratio(x: float, opt: tuple[float, bool] | None) -> str | None:
    """x / optimum; "≥" when the MILP stopped at its time limit (its dual bound is ≥ the
    optimum, so the true ratio is at least the one shown)."""
    if opt is None:
        return None
    return f"{x / opt[0]:.4f}" if opt[1] else f"≥{x / opt[0]:.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} only")
    parser.add_argument("--sizes", help="comma-separated pool sizes")
    parser.add_argument("--dists", help=f"comma-separated, from {','.join(DISTS)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-optimum", action="store_true", help="skip the MILP")
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else QUICK_SIZES
        if args.quick
        else SIZES
    )
    dists = args.dists.split(",") if args.dists else DISTS
    cols = [
        "n",
        "dist",
        "k",
        "F",
        "bound",
        "F/bound",
        "F/maxUB",
        "F/pbound",
        "pkind",
        "F/opt",
        "pb/opt",
        "F/greedy",
        "F/random",
        "gaps",
        "seconds",
    ]
    print(" ".join(f"{c:>11}" for c in cols), flush=True)
    for n in sizes:
        for dist in dists:
            row = bench_row(n, dist, args.seed, not args.no_optimum, 20.0 if args.quick else 120.0)
            cells = []
            for c in cols:
                v = row[c]
                if v is None:
                    cells.append(f"{'-':>11}")
                elif isinstance(v, float):
                    digits = 4 if c.startswith("F/") else 2
                    cells.append(f"{v:>11.{digits}f}")
                else:
                    cells.append(f"{v!s:>11}")
            print(" ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
