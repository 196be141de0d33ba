"""Exact checks of a linear program's certificates (SPEC.md §9), with integers and fractions only.

An optimum is proved by a primal and a dual solution of equal value (:func:`check_optimality`), an
upper bound by a dual solution alone (:func:`check_upper_bound`), infeasibility by a Farkas
certificate (:func:`check_infeasibility`) and unboundedness by a feasible point and an improving
ray (:func:`check_unboundedness`). Nothing here calls a solver or python-flint, so that an
independent verifier may rely on these checks. Each returns None when the certificate holds, else a
one-line reason naming the failing row or column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from solver.core.numbers import ZERO
from solver.lp.program import LinearProgram, Row


def check_optimality(
    lp: LinearProgram,
    primal: Sequence[Fraction],
    dual_upper: Sequence[Fraction],
    dual_equal: Sequence[Fraction],
) -> str | None:
    """Check an exact optimality certificate ``(x, y)`` of a linear program (SPEC.md §9).

    ``x`` must be primal feasible, ``y`` dual feasible (``y_ub ≥ 0``,
    ``A_ub^T y_ub + A_eq^T y_eq ≥ c`` with equality on free variables), and ``c·x == b·y``; weak
    duality then proves both optimal.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    primal : sequence of Fraction
        The candidate x.
    dual_upper, dual_equal : sequence of Fraction
        The candidate y.

    Returns
    -------
    str or None
        None when the certificate holds, else a one-line reason naming the failing row or column.
    """
    reason = _check_lengths(lp, primal=primal, dual_upper=dual_upper, dual_equal=dual_equal)
    if reason is None:
        rows = _integer_rows(lp)
        support = _support(dual_upper, dual_equal)
        reason = _primal_reason(lp, rows, primal) or _dual_reason(lp, rows, dual_upper, support, lp.objective)
    if reason is not None:
        return reason
    primal_value = dot(lp.objective, primal)
    dual_value = _dual_value(lp, support)
    if primal_value != dual_value:
        return f"duality gap: c·x = {primal_value} but b·y = {dual_value}"
    return None


def check_upper_bound(
    lp: LinearProgram, dual_upper: Sequence[Fraction], dual_equal: Sequence[Fraction], bound: Fraction
) -> str | None:
    """Check that a dual solution proves ``max c·x ≤ bound`` by weak duality.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    dual_upper, dual_equal : sequence of Fraction
        The candidate y.
    bound : Fraction
        The claimed upper bound.

    Returns
    -------
    str or None
        None when y is dual feasible and ``b·y ≤ bound``, else a one-line reason.
    """
    reason = _check_lengths(lp, dual_upper=dual_upper, dual_equal=dual_equal) or _exact_reason(
        (bound,), "bound"
    )
    if reason is None:
        support = _support(dual_upper, dual_equal)
        reason = _dual_reason(lp, _integer_rows(lp), dual_upper, support, lp.objective)
    if reason is not None:
        return reason
    value = _dual_value(lp, support)
    if value > bound:
        return f"b·y = {value} exceeds the bound {bound}"
    return None


def check_infeasibility(
    lp: LinearProgram, dual_upper: Sequence[Fraction], dual_equal: Sequence[Fraction]
) -> str | None:
    """Check a Farkas certificate that a linear program has no feasible point.

    ``y_ub ≥ 0``, ``A^T y ≥ 0`` (``= 0`` on free variables) and ``b·y < 0``: for a feasible x,
    ``0 ≤ (A^T y)·x = y·(A x) ≤ b·y < 0``, a contradiction.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    dual_upper, dual_equal : sequence of Fraction
        The candidate y.

    Returns
    -------
    str or None
        None when y is a Farkas certificate, else a one-line reason.
    """
    reason = _check_lengths(lp, dual_upper=dual_upper, dual_equal=dual_equal)
    if reason is None:
        support = _support(dual_upper, dual_equal)
        # Only the rows with a nonzero multiplier enter A^T y.
        m1 = len(lp.upper_rows)
        rows = {r: _integer_row(lp.upper_rows[r] if r < m1 else lp.equal_rows[r - m1]) for r, _ in support}
        reason = _dual_reason(lp, rows, dual_upper, support, (ZERO,) * lp.variable_count)
    if reason is not None:
        return reason
    value = _dual_value(lp, support)
    if value >= 0:
        return f"b·y = {value} is not negative"
    return None


def check_unboundedness(lp: LinearProgram, point: Sequence[Fraction], ray: Sequence[Fraction]) -> str | None:
    """Check that a linear program is unbounded: a feasible point and an improving ray.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    point : sequence of Fraction
        A feasible x.
    ray : sequence of Fraction
        r with ``A_ub r ≤ 0``, ``A_eq r = 0``, ``r_k ≥ 0`` unless free, and ``c·r > 0``.

    Returns
    -------
    str or None
        None when both hold, else a one-line reason.
    """
    reason = _check_lengths(lp, primal=point) or _check_lengths(lp, primal=ray)
    if reason is None:
        rows = _integer_rows(lp)
        reason = _primal_reason(lp, rows, point)
    if reason is not None:
        return reason
    zero_upper = (ZERO,) * len(lp.upper_rows)
    zero_equal = (ZERO,) * len(lp.equal_rows)
    reason = _primal_reason(lp, rows, ray, zero_upper, zero_equal)
    if reason is not None:
        return f"not a ray: {reason}"
    gain = dot(lp.objective, ray)
    if gain <= 0:
        return f"the ray does not improve the objective: c·r = {gain}"
    return None


def _exact_reason(values: Sequence[Any], what: str) -> str | None:
    for k, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (Fraction, int)):
            return f"{what}[{k}] = {v!r} is not an exact number (int or Fraction)"
    return None


def _check_lengths(lp: LinearProgram, **vectors: Sequence[Fraction]) -> str | None:
    expected = {
        "primal": lp.variable_count,
        "dual_upper": len(lp.upper_rows),
        "dual_equal": len(lp.equal_rows),
    }
    for what, vector in vectors.items():
        if len(vector) != expected[what]:
            return f"{what} has {len(vector)} entries, expected {expected[what]}"
        reason = _exact_reason(vector, what)
        if reason is not None:
            return reason
    return None


def _common_denominator(values: Sequence[Fraction]) -> tuple[list[int], int]:
    """Write exact numbers over one denominator: ``values[k] == numerators[k] / denominator``."""
    denominator = math.lcm(*(v.denominator for v in values)) if values else 1
    return [v.numerator * (denominator // v.denominator) for v in values], denominator


_IntegerRow = tuple[list[tuple[int, int]], int]


def _integer_row(row: Row) -> _IntegerRow:
    """A row scaled to integers: ``coefficient == integer / scale``."""
    scale = 1
    for _, a in row:
        d = a.denominator
        if scale % d:
            scale = scale // math.gcd(scale, d) * d
    if scale == 1:
        return [(k, a.numerator) for k, a in row], 1
    return [(k, a.numerator * (scale // a.denominator)) for k, a in row], scale


def _integer_rows(lp: LinearProgram) -> list[_IntegerRow]:
    """Every row of ``A`` (upper rows, then equal rows) scaled to integers."""
    return [_integer_row(row) for row in (*lp.upper_rows, *lp.equal_rows)]


def _row_activities(rows: Sequence[_IntegerRow], x: Sequence[Fraction]) -> list[tuple[int, int]]:
    """``A x`` row by row, exactly: each activity as ``(numerator, positive denominator)``."""
    numerators, denominator = _common_denominator(x)
    return [
        (sum(a * numerators[k] for k, a in coefficients), scale * denominator) for coefficients, scale in rows
    ]


def _support(y_upper: Sequence[Fraction], y_equal: Sequence[Fraction]) -> list[tuple[int, Fraction]]:
    """The nonzero multipliers with their rows (upper rows first): ``[(r, y_r), ...]``."""
    return [(r, y) for r, y in enumerate((*y_upper, *y_equal)) if y]


def _column_activities(
    rows: Mapping[int, _IntegerRow] | Sequence[_IntegerRow], n: int, support: Sequence[tuple[int, Fraction]]
) -> tuple[list[int], int]:
    """``A_ub^T y_ub + A_eq^T y_eq`` exactly, as integer numerators over one positive denominator.

    Only the rows of the support (:func:`_support`) are read.
    """
    used = [(rows[r][0], y.numerator, rows[r][1] * y.denominator) for r, y in support]
    denominator = math.lcm(*(d for _, _, d in used)) if used else 1
    totals = [0] * n
    for coefficients, numerator, d in used:
        g = numerator * (denominator // d)
        for k, a in coefficients:
            totals[k] += a * g
    return totals, denominator


def _sign_against(numerator: int, denominator: int, value: Fraction) -> int:
    """The sign of ``numerator / denominator − value``, for a positive denominator, in integers."""
    difference = numerator * value.denominator - value.numerator * denominator
    return (difference > 0) - (difference < 0)


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    """The inner product of two exact vectors, accumulated in integers over common denominators.

    Parameters
    ----------
    a, b : sequence of Fraction
        Vectors of the same length.

    Returns
    -------
    Fraction
        ``Σ_k a_k b_k``, exactly.
    """
    pairs = [(p, q) for p, q in zip(a, b) if p and q]
    numerators_a, denominator_a = _common_denominator([p for p, _ in pairs])
    numerators_b, denominator_b = _common_denominator([q for _, q in pairs])
    return Fraction(sum(p * q for p, q in zip(numerators_a, numerators_b)), denominator_a * denominator_b)


def _dual_value(lp: LinearProgram, support: Sequence[tuple[int, Fraction]]) -> Fraction:
    """``b·y`` over the support of y, accumulated in integers over one denominator."""
    rhs = (*lp.upper_rhs, *lp.equal_rhs)
    terms = [(rhs[r].numerator * y.numerator, rhs[r].denominator * y.denominator) for r, y in support]
    denominator = math.lcm(*(d for _, d in terms)) if terms else 1
    return Fraction(sum(p * (denominator // d) for p, d in terms), denominator)


def _primal_reason(
    lp: LinearProgram,
    rows: Sequence[_IntegerRow],
    x: Sequence[Fraction],
    upper_rhs: Sequence[Fraction] | None = None,
    equal_rhs: Sequence[Fraction] | None = None,
) -> str | None:
    """Why x breaks ``A_ub x ≤ b_ub``, ``A_eq x = b_eq``, ``x ≥ 0`` off free variables (None if not)."""
    for k, v in enumerate(x):
        if v < 0 and not lp.is_free(k):
            return f"{lp.variable_label(k)} = {v} is negative but not free"
    upper = lp.upper_rhs if upper_rhs is None else upper_rhs
    equal = lp.equal_rhs if equal_rhs is None else equal_rhs
    m1 = len(lp.upper_rows)
    activities = _row_activities(rows, x)
    for r, ((numerator, denominator), b) in enumerate(zip(activities[:m1], upper)):
        if _sign_against(numerator, denominator, b) > 0:
            return f"{lp.row_label(r)}: A x = {Fraction(numerator, denominator)} exceeds b = {b}"
    for r, ((numerator, denominator), b) in enumerate(zip(activities[m1:], equal)):
        if _sign_against(numerator, denominator, b) != 0:
            return f"{lp.row_label(m1 + r)}: A x = {Fraction(numerator, denominator)} differs from b = {b}"
    return None


def _dual_reason(
    lp: LinearProgram,
    rows: Mapping[int, _IntegerRow] | Sequence[_IntegerRow],
    y_upper: Sequence[Fraction],
    support: Sequence[tuple[int, Fraction]],
    costs: Sequence[Fraction],
) -> str | None:
    """Why y breaks ``y_ub ≥ 0``, ``A^T y ≥ costs`` (``=`` on free variables) (None if not).

    ``support`` is y's (:func:`_support`); ``rows`` holds at least the integer rows of its rows.
    """
    m1 = len(y_upper)
    for r, v in support:
        if r < m1 and v < 0:
            return f"dual of {lp.row_label(r)} is {v}, negative"
    totals, denominator = _column_activities(rows, lp.variable_count, support)
    for k, (numerator, c) in enumerate(zip(totals, costs)):
        sign = _sign_against(numerator, denominator, c)
        if lp.is_free(k):
            if sign != 0:
                activity = Fraction(numerator, denominator)
                return f"column {lp.variable_label(k)} (free): A^T y = {activity} differs from {c}"
        elif sign < 0:
            return f"column {lp.variable_label(k)}: A^T y = {Fraction(numerator, denominator)} is below {c}"
    return None


__all__ = ["check_infeasibility", "check_optimality", "check_unboundedness", "check_upper_bound", "dot"]
