"""HiGHS proposes, python-flint makes exact (SPEC.md §9): a float solve and the certification of its basis.

HiGHS solves a :class:`~solver.lp.program.LinearProgram` in floating point only to *choose a
basis* (:func:`solve_float`). The basic solution and its duals are then recomputed from that basis
in exact rational arithmetic and accepted once :func:`~solver.lp.checks.check_optimality` has
verified them (:func:`certify_basis`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solver.core.numbers import ZERO
from solver.lp.checks import check_optimality, dot
from solver.lp.program import LinearProgram, LPSolution, LPStatus
from solver.lp.rationals import to_fmpq, to_fraction


@dataclass(frozen=True)
class FloatResult:
    """What HiGHS found: a candidate, never a proof.

    Attributes
    ----------
    status : LPStatus or None
        HiGHS' verdict; None when it reached none of optimal, infeasible or unbounded, or gave no
        valid basis.
    basic_columns, basic_rows : tuple of int
        The basic variables and the basic (not necessarily tight) rows, upper rows first; empty
        unless optimal.
    value : float or None
        HiGHS' optimum in floating point, when optimal.
    dual_ray : tuple of float
        HiGHS' dual ray (one entry per row, upper rows first) when infeasible and asked for; a
        candidate Farkas vector up to sign and scale (:mod:`solver.lp.farkas`), empty otherwise.
    """

    status: LPStatus | None
    basic_columns: tuple[int, ...] = ()
    basic_rows: tuple[int, ...] = ()
    value: float | None = None
    dual_ray: tuple[float, ...] = ()


def _new_highs() -> Any:
    """A silent HiGHS instance (the bare binding: the Python wrapper prints a banner when built)."""
    import highspy

    base = next((k for k in type.mro(highspy.Highs) if k.__name__ == "_Highs"), highspy.Highs)
    highs = base()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("log_to_console", False)
    return highs


def solve_float(lp: LinearProgram, *, presolve: bool = True, dual_ray: bool = False) -> FloatResult:
    """Solve a linear program in floating point with HiGHS' simplex; the result is only a candidate basis.

    Parameters
    ----------
    lp : LinearProgram
        The program; its fractions are rounded to floats.
    presolve : bool
        Whether HiGHS presolves (its default). Without presolve, an infeasible verdict comes from
        the dual simplex itself, which holds a dual ray at no extra cost; after a presolve that
        found the program infeasible, HiGHS solves it again to produce one.
    dual_ray : bool
        Whether an infeasible verdict should carry HiGHS' dual ray (:attr:`FloatResult.dual_ray`).

    Returns
    -------
    FloatResult
        HiGHS' status and, when optimal, its basis and float optimum; when infeasible and asked
        for, its dual ray.

    Raises
    ------
    OverflowError, RuntimeError, ValueError
        When a number does not fit a float or HiGHS fails.
    """
    import highspy

    n, m1 = lp.variable_count, len(lp.upper_rows)
    rows = (*lp.upper_rows, *lp.equal_rows)
    columns: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for r, row in enumerate(rows):
        for k, a in row:
            columns[k].append((r, a.numerator / a.denominator))
    inf = highspy.kHighsInf
    model = highspy.HighsLp()
    model.num_col_ = n
    model.num_row_ = len(rows)
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = [c.numerator / c.denominator for c in lp.objective]
    model.col_lower_ = [-inf if lp.is_free(k) else 0.0 for k in range(n)]
    model.col_upper_ = [inf] * n
    model.row_lower_ = [-inf] * m1 + [b.numerator / b.denominator for b in lp.equal_rhs]
    model.row_upper_ = [b.numerator / b.denominator for b in (*lp.upper_rhs, *lp.equal_rhs)]
    starts = [0]
    for column in columns:
        starts.append(starts[-1] + len(column))
    matrix = model.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.num_col_ = n
    matrix.num_row_ = len(rows)
    matrix.start_ = starts
    matrix.index_ = [r for column in columns for r, _ in column]
    matrix.value_ = [a for column in columns for _, a in column]
    highs = _new_highs()
    highs.setOptionValue("solver", "simplex")
    if not presolve:
        highs.setOptionValue("presolve", "off")
    highs.passModel(model)
    highs.run()
    status = highs.getModelStatus()
    statuses = {
        highspy.HighsModelStatus.kOptimal: LPStatus.OPTIMAL,
        highspy.HighsModelStatus.kInfeasible: LPStatus.INFEASIBLE,
        highspy.HighsModelStatus.kUnbounded: LPStatus.UNBOUNDED,
    }
    found = statuses.get(status)
    if found is LPStatus.INFEASIBLE and dual_ray:
        _, has_ray, ray = highs.getDualRay()
        return FloatResult(found, dual_ray=tuple(ray.tolist()) if has_ray else ())
    if found is not LPStatus.OPTIMAL:
        return FloatResult(found)
    basis = highs.getBasis()
    if not basis.valid:
        return FloatResult(None)
    basic = highspy.HighsBasisStatus.kBasic
    return FloatResult(
        found,
        tuple(k for k, s in enumerate(basis.col_status) if s == basic),
        tuple(r for r, s in enumerate(basis.row_status) if s == basic),
        float(highs.getInfo().objective_function_value),
    )


def certify_basis(
    lp: LinearProgram, basic_columns: Sequence[int], basic_rows: Sequence[int]
) -> LPSolution | None:
    """The basic solution of a basis, recomputed exactly and certified.

    Nonbasic variables are 0 and nonbasic rows are tight. With S the basic columns and R the tight
    rows, ``A[R, S] x_S = b_R`` and ``A[R, S]^T y_R = c_S`` (other duals 0): complementary slackness
    then makes ``c·x == b·y``, and :func:`~solver.lp.checks.check_optimality` checks the rest.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    basic_columns, basic_rows : sequence of int
        A basis, as :class:`FloatResult` gives it.

    Returns
    -------
    LPSolution or None
        The certified optimum (method ``"highs+exact-basis"``); None when the basis is singular,
        its size does not match, or its basic solution is not exactly optimal.
    """
    from flint import fmpq, fmpq_mat

    n, m = lp.variable_count, lp.row_count
    basic_set = set(basic_rows)
    tight = [r for r in range(m) if r not in basic_set]
    columns = sorted(basic_columns)
    if len(tight) != len(columns):
        return None
    rows = (*lp.upper_rows, *lp.equal_rows)
    rhs = (*lp.upper_rhs, *lp.equal_rhs)
    position = {k: p for p, k in enumerate(columns)}
    size = len(columns)
    entries: list[Any] = [0] * (size * size)
    for p, r in enumerate(tight):
        for k, a in rows[r]:
            q = position.get(k)
            if q is not None:
                entries[p * size + q] = fmpq(a.numerator, a.denominator)
    x = [ZERO] * n
    y = [ZERO] * m
    if size:
        kernel = fmpq_mat(size, size, entries)
        try:
            x_basic = kernel.solve(fmpq_mat(size, 1, [to_fmpq(rhs[r]) for r in tight]))
            y_tight = kernel.transpose().solve(fmpq_mat(size, 1, [to_fmpq(lp.objective[k]) for k in columns]))
        except ZeroDivisionError:
            return None
        for k, v in zip(columns, x_basic.entries()):
            x[k] = to_fraction(v)
        for r, v in zip(tight, y_tight.entries()):
            y[r] = to_fraction(v)
    m1 = len(lp.upper_rows)
    if check_optimality(lp, x, y[:m1], y[m1:]) is not None:
        return None
    return LPSolution(
        LPStatus.OPTIMAL,
        dot(lp.objective, x),
        tuple(x),
        tuple(y[:m1]),
        tuple(y[m1:]),
        True,
        "highs+exact-basis",
    )


__all__ = ["FloatResult", "certify_basis", "solve_float"]
