"""Infeasibility proved through the elastic phase-1 program (SPEC.md §9).

When HiGHS finds a program infeasible, its verdict is a float's. The elastic program
(:func:`elastic_program`) is always feasible and bounded; its exact optimal dual, once solved and
certified like any other program, is a Farkas certificate of the original program whenever the
optimum is negative (:func:`infeasibility_from_elastic`).
"""

from __future__ import annotations

from fractions import Fraction

from solver.core.numbers import ZERO
from solver.lp.checks import check_infeasibility
from solver.lp.program import LinearProgram, LPSolution, LPStatus


def elastic_program(lp: LinearProgram) -> LinearProgram:
    """Phase 1 as a program of its own: maximize −(total violation), always feasible and bounded.

    Each upper row gets ``− a_r`` and each equal row ``+ p_r − q_r``, all new variables ≥ 0 with
    cost −1. An optimal dual ``y`` satisfies ``A^T y ≥ 0`` (``= 0`` on free variables) and
    ``y_ub ≥ 0``, and ``b·y`` is the optimum: when it is negative, y is a Farkas certificate of
    the original program.

    Parameters
    ----------
    lp : LinearProgram
        The original program.

    Returns
    -------
    LinearProgram
        Its elastic program: the original variables first, then one or two per row.
    """
    n = lp.variable_count
    extra = n
    upper = []
    for row in lp.upper_rows:
        upper.append((*row, (extra, Fraction(-1))))
        extra += 1
    equal = []
    for row in lp.equal_rows:
        equal.append((*row, (extra, Fraction(1)), (extra + 1, Fraction(-1))))
        extra += 2
    return LinearProgram(
        objective=(*(ZERO,) * n, *(Fraction(-1),) * (extra - n)),
        upper_rows=tuple(upper),
        upper_rhs=lp.upper_rhs,
        equal_rows=tuple(equal),
        equal_rhs=lp.equal_rhs,
        free=(*lp.free, *(False,) * (extra - n)) if lp.free else (),
    )


def infeasibility_from_elastic(lp: LinearProgram, phase_one: LPSolution) -> LPSolution | None:
    """A Farkas certificate from the exact optimal dual of the elastic program.

    Parameters
    ----------
    lp : LinearProgram
        The original program.
    phase_one : LPSolution
        The solution of ``elastic_program(lp)``.

    Returns
    -------
    LPSolution or None
        ``lp`` proved infeasible (its method is the phase-1 solve's, marked ``elastic phase 1``);
        None when the elastic optimum is not negative or its dual is not a Farkas certificate.
    """
    if phase_one.status is not LPStatus.OPTIMAL or phase_one.value is None or phase_one.value >= 0:
        return None
    if check_infeasibility(lp, phase_one.dual_upper, phase_one.dual_equal) is not None:
        return None
    return LPSolution(
        LPStatus.INFEASIBLE,
        None,
        (),
        phase_one.dual_upper,
        phase_one.dual_equal,
        True,
        f"{phase_one.method} (elastic phase 1)",
    )


__all__ = ["elastic_program", "infeasibility_from_elastic"]
