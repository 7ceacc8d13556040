"""Pod formation (DESIGN §2): a pure-Python optimiser with no Django import.

Build a `Problem`, call `propose_pods()` for a proposal or `evaluate()` to score a partition a
lead edited by hand. `io` turns CSV/JSON pools into problems and results into JSON or a table.
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
    Person,
    Problem,
    Wishes,
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
    "Person",
    "PodScore",
    "Problem",
    "Wishes",
    "count_moved",
    "evaluate",
    "feasible_pod_counts",
    "propose_pods",
    "upper_bound_sum",
]
