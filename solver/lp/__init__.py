"""The exact linear-programming layer: a float solver proposes, exact arithmetic certifies."""

from solver.lp.solve import (
    LinearProgram,
    LPSolution,
    LPStatus,
    Row,
    check_infeasibility,
    check_optimality,
    check_unboundedness,
    check_upper_bound,
    solve_lp,
)

__all__ = [
    "LPSolution",
    "LPStatus",
    "LinearProgram",
    "Row",
    "check_infeasibility",
    "check_optimality",
    "check_unboundedness",
    "check_upper_bound",
    "solve_lp",
]
