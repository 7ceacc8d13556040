"""Pod formation (DESIGN §2): a pure-Python optimiser with no Django import.

Build a `Problem`, call `propose_pods()` for a proposal or `evaluate()` to score a partition a
lead edited by hand. `io` turns CSV/JSON pools into problems and results into JSON or a table.

What a caller can set and read:
- `Problem(k=...)` fixes the number of pods; `Problem(missions=[Mission(name, trait, min_score)])`
  fixes one pod per mission, in order (`Mission.from_dict({"name", "trait", "min" or "level"})`);
  a mission's required level is a hard constraint, and `check_problem`/`propose_pods` name the
  missions nobody can staff. `PodScore.mission` is each pod's mission name (also from
  `evaluate()` on an edited arrangement, pods given in mission order).
- `Wishes(new_teammates=True)`: pairs who share a current pod would rather not share the new one.
- `FormationResult.proven_bound` ≥ F of every partition the run could choose;
  F / proven_bound is "% of the best possible", `bound_method` the sentence saying how it was
  proven, `bound_kind` "optimal" | "lp" | "per-trait".
"""

from teams.formation.engine.objective import (
    Evaluation,
    PodScore,
    count_moved,
    evaluate,
    upper_bound_sum,
)
from teams.formation.engine.problem import (
    TRAIT_LABELS,
    TRAITS,
    Constraints,
    FormationInfeasible,
    Mission,
    Person,
    Problem,
    Wishes,
    check_problem,
    feasible_pod_counts,
)
from teams.formation.engine.search import FormationResult, propose_pods

__all__ = [
    "TRAITS",
    "TRAIT_LABELS",
    "Constraints",
    "Evaluation",
    "FormationInfeasible",
    "FormationResult",
    "Mission",
    "Person",
    "PodScore",
    "Problem",
    "Wishes",
    "check_problem",
    "count_moved",
    "evaluate",
    "feasible_pod_counts",
    "propose_pods",
    "upper_bound_sum",
]
