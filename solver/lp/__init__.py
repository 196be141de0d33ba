"""The exact linear-programming layer: a float solver proposes, exact arithmetic certifies (SPEC.md §9).

One idea per module: :mod:`~solver.lp.program` (the program and its answer),
:mod:`~solver.lp.checks` (certificates checked with integers and fractions only),
:mod:`~solver.lp.highs` (the float solve and the exact certification of its basis),
:mod:`~solver.lp.farkas` (infeasibility from HiGHS' dual ray, made exact and checked),
:mod:`~solver.lp.elastic` (infeasibility through the elastic phase-1 program, when the ray fails),
:mod:`~solver.lp.simplex` (the exact revised simplex), :mod:`~solver.lp.solve` (which is tried when),
and :mod:`~solver.lp.rationals` (conversions to and from python-flint).
"""

from solver.lp.checks import (
    check_infeasibility,
    check_optimality,
    check_unboundedness,
    check_upper_bound,
)
from solver.lp.program import LinearProgram, LPSolution, LPStatus, Row
from solver.lp.solve import solve_lp

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
