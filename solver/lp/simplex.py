"""An exact revised simplex in python-flint rationals (SPEC.md §9): the fallback that never fails.

When the float basis is not exactly optimal (degeneracy, rounding), exact pivots start from it
(:func:`solve_from_basis`): primal simplex from a primal feasible basis, dual simplex from a dual
feasible one, cost shifting otherwise. Bland's smallest-index rule takes over on degenerate
stretches, so it never cycles. When there is no usable basis, the simplex starts from a phase-1
basis of slack and artificial columns (:func:`solve_from_scratch`). Every answer is checked by
:mod:`solver.lp.checks` before it is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.core.numbers import ZERO
from solver.lp.checks import check_infeasibility, check_optimality, check_unboundedness, dot
from solver.lp.program import LinearProgram, LPSolution, LPStatus
from solver.lp.rationals import to_fmpq, to_fraction


class StandardForm:
    """The program as ``max cost·z  s.t.  M z = rhs,  z ≥ 0`` in python-flint rationals.

    Columns, in this order (the order Bland's rule uses): ``x_k`` (``x⁺_k`` for a free k), then
    ``x⁻_k = −x_k`` for each free k, then a slack per row (``s_r ≥ 0`` for an upper row; for an
    equal row a *fixed* slack that must stay 0), then, for a phase-1 start, one artificial column
    ``±e_r`` per row signed so that ``|b_r|`` is feasible. A fixed column never enters the basis.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    artificial : bool
        Whether to add the artificial columns of a phase-1 start.

    Attributes
    ----------
    m : int
        Number of rows.
    size : int
        Number of columns.
    columns, cost : list
        Each column of ``M`` (dense, length m) and its cost.
    fixed : list of bool
        Which columns must stay at 0 (the slacks of equal rows).
    origin : list of (str, int, int)
        Each column's kind (``"x"``, ``"slack"``, ``"artificial"``), its variable or row, and its sign.
    slack_start, artificial_start : int
        The first slack and the first artificial column.
    x_column : dict
        The column of ``(k, sign)``: ``x⁺_k`` for sign 1, ``x⁻_k`` for sign −1.
    """

    def __init__(self, lp: LinearProgram, artificial: bool) -> None:
        from flint import fmpq, fmpq_mat

        n, m1, m = lp.variable_count, len(lp.upper_rows), lp.row_count
        zero, one = fmpq(0), fmpq(1)
        self.m = m
        self.upper_count = m1
        self.rhs = [to_fmpq(b) for b in (*lp.upper_rhs, *lp.equal_rhs)]
        self.rhs_matrix = fmpq_mat(m, 1, self.rhs)
        dense = [[zero] * m for _ in range(n)]
        for r, row in enumerate((*lp.upper_rows, *lp.equal_rows)):
            for k, a in row:
                dense[k][r] = fmpq(a.numerator, a.denominator)
        columns: list[list[Any]] = []
        cost: list[Any] = []
        fixed: list[bool] = []
        origin: list[tuple[str, int, int]] = []
        for k in range(n):
            columns.append(dense[k])
            cost.append(to_fmpq(lp.objective[k]))
            fixed.append(False)
            origin.append(("x", k, 1))
        for k in range(n):
            if lp.is_free(k):
                columns.append([-v for v in dense[k]])
                cost.append(-to_fmpq(lp.objective[k]))
                fixed.append(False)
                origin.append(("x", k, -1))
        self.slack_start = len(columns)
        for r in range(m):
            unit = [zero] * m
            unit[r] = one
            columns.append(unit)
            cost.append(zero)
            fixed.append(r >= m1)
            origin.append(("slack", r, 1))
        self.artificial_start = len(columns)
        if artificial:
            for r in range(m):
                sign = 1 if self.rhs[r] >= 0 else -1
                unit = [zero] * m
                unit[r] = fmpq(sign)
                columns.append(unit)
                cost.append(zero)
                fixed.append(False)
                origin.append(("artificial", r, sign))
        self.columns = columns
        self.cost = cost
        self.fixed = fixed
        self.origin = origin
        self.size = len(columns)
        structural = self.slack_start
        self.structural = fmpq_mat(
            m, structural, [columns[j][i] for i in range(m) for j in range(structural)]
        )
        self.artificial_signs = [origin[j][2] for j in range(self.artificial_start, self.size)]
        self.x_column = {(k, sign): j for j, (kind, k, sign) in enumerate(origin) if kind == "x"}

    def basis_from(self, basic_columns: Sequence[int], basic_rows: Sequence[int]) -> list[int] | None:
        """The standard-form basis of a HiGHS basis: basic variables and the slacks of basic rows.

        Parameters
        ----------
        basic_columns, basic_rows : sequence of int
            The basis as :class:`~solver.lp.highs.FloatResult` gives it.

        Returns
        -------
        list of int or None
            m distinct columns, or None when the basis does not have m of them.
        """
        basis = [self.x_column[(k, 1)] for k in sorted(basic_columns)]
        basis += [self.slack_start + r for r in sorted(basic_rows)]
        if len(basis) != self.m or len(set(basis)) != self.m:
            return None
        return basis

    def price(self, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``v^T M`` for each vector v of length m (slack and artificial columns are unit vectors).

        Parameters
        ----------
        vectors : sequence of sequence of flint.fmpq
            Row vectors of length m.

        Returns
        -------
        list of list of flint.fmpq
            Per vector, one entry per column.
        """
        from flint import fmpq, fmpq_mat

        if self.m == 0:
            return [[fmpq(0)] * self.size for _ in vectors]
        k, width = len(vectors), self.slack_start
        left = fmpq_mat(k, self.m, [x for v in vectors for x in v])
        product = (left * self.structural).entries() if width else []
        return [
            [
                *product[p * width : (p + 1) * width],
                *vectors[p],
                *(v if sign > 0 else -v for v, sign in zip(vectors[p], self.artificial_signs)),
            ]
            for p in range(k)
        ]


class _Basis:
    """A basis of a standard form with its exact inverse, updated by one eta matrix per pivot.

    Raises ZeroDivisionError when the columns are singular.
    """

    def __init__(self, form: StandardForm, columns: list[int]) -> None:
        from flint import fmpq_mat

        self.form = form
        self.columns = columns
        m = form.m
        self.inverse = fmpq_mat(m, m, [form.columns[j][i] for i in range(m) for j in columns])
        if m:
            self.inverse = self.inverse.inv()

    def values(self) -> list[Any]:
        """The basic solution ``B⁻¹ b``, in basis order."""
        return list((self.inverse * self.form.rhs_matrix).entries())

    def prices(self, cost: Sequence[Any]) -> list[Any]:
        """The simplex multipliers ``c_B^T B⁻¹``."""
        from flint import fmpq_mat

        m = self.form.m
        return list((fmpq_mat(1, m, [cost[j] for j in self.columns]) * self.inverse).entries())

    def direction(self, column: int) -> list[Any]:
        """``B⁻¹ a_j``: how the basic variables move per unit of column j."""
        from flint import fmpq_mat

        m = self.form.m
        return list((self.inverse * fmpq_mat(m, 1, self.form.columns[column])).entries())

    def row(self, position: int) -> list[Any]:
        """Row ``position`` of ``B⁻¹``."""
        return [self.inverse[position, i] for i in range(self.form.m)]

    def replace(self, position: int, column: int, direction: Sequence[Any]) -> None:
        """Pivot: column j (with ``direction = B⁻¹ a_j``) replaces the basic column at ``position``."""
        from flint import fmpq_mat

        m = self.form.m
        pivot = direction[position]
        eta = [-a / pivot for a in direction]
        eta[position] = 1 / pivot - 1
        self.inverse = self.inverse + fmpq_mat(m, 1, eta) * fmpq_mat(1, m, self.row(position))
        self.columns[position] = column


@dataclass
class _Outcome:
    """Where a simplex run stopped: optimal (with prices), unbounded (with a ray) or infeasible."""

    status: LPStatus
    prices: list[Any]
    values: list[Any]
    ray: dict[int, Any] | None = None


_DEGENERATE_STREAK = 8
"""Consecutive degenerate pivots after which the smallest-index rule takes over (no cycling)."""


def _primal_simplex(
    form: StandardForm, basis: _Basis, cost: Sequence[Any], fixed: Sequence[bool]
) -> _Outcome:
    """Primal simplex from a primal feasible basis (changed in place).

    Entering: the largest reduced cost; after a run of degenerate pivots, Bland's rule (the first
    improving column) until the objective moves again, so no basis can repeat. Leaving: the
    smallest ratio, ties to the smallest column index; a fixed basic variable blocks at ratio 0
    whenever it would move.
    """
    from flint import fmpq

    zero = fmpq(0)
    streak = 0
    while True:
        prices = basis.prices(cost)
        (priced,) = form.price([prices])
        in_basis = set(basis.columns)
        entering: int | None = None
        gain: Any = zero
        for j in range(form.size):
            if j in in_basis or fixed[j]:
                continue
            reduced = cost[j] - priced[j]
            if reduced > gain:
                entering, gain = j, reduced
                if streak >= _DEGENERATE_STREAK:
                    break
        values = basis.values()
        if entering is None:
            return _Outcome(LPStatus.OPTIMAL, prices, values)
        direction = basis.direction(entering)
        leaving: int | None = None
        best: Any = None
        for i, (value, alpha) in enumerate(zip(values, direction)):
            if fixed[basis.columns[i]]:
                if alpha == 0:
                    continue
                ratio = zero
            elif alpha > 0:
                ratio = value / alpha
            else:
                continue
            if (
                leaving is None
                or ratio < best
                or (ratio == best and basis.columns[i] < basis.columns[leaving])
            ):
                leaving, best = i, ratio
        if leaving is None:
            ray = {entering: fmpq(1)}
            for i, alpha in enumerate(direction):
                ray[basis.columns[i]] = -alpha
            return _Outcome(LPStatus.UNBOUNDED, prices, values, ray)
        streak = streak + 1 if best == 0 else 0
        basis.replace(leaving, entering, direction)


def _dual_simplex(
    form: StandardForm, basis: _Basis, cost: Sequence[Any], fixed: Sequence[bool], limit: int
) -> _Outcome | None:
    """Dual simplex from a dual feasible basis (changed in place).

    Leaving: the most infeasible basic variable; after a run of degenerate pivots, the infeasible
    one of smallest column index until the dual objective moves again. Entering: the smallest
    ratio, ties to the smallest column index. Returns a primal feasible basis (status OPTIMAL for
    ``cost``), a Farkas vector (status INFEASIBLE, in ``prices``), or None after ``limit`` pivots.
    """
    streak = 0
    for _ in range(limit):
        values = basis.values()
        columns = basis.columns
        wrong = [i for i, v in enumerate(values) if v < 0 or (v != 0 and fixed[columns[i]])]
        if not wrong:
            return _Outcome(LPStatus.OPTIMAL, basis.prices(cost), values)
        if streak >= _DEGENERATE_STREAK:
            r = min(wrong, key=lambda i: columns[i])
        else:
            r = min(wrong, key=lambda i: (-abs(values[i]), columns[i]))
        sign = 1 if values[r] < 0 else -1
        row = basis.row(r)
        priced, pivot_row = form.price([basis.prices(cost), row])
        in_basis = set(columns)
        entering: int | None = None
        best: Any = None
        for j in range(form.size):
            if j in in_basis or fixed[j]:
                continue
            alpha = sign * pivot_row[j]
            if alpha < 0:
                ratio = (cost[j] - priced[j]) / alpha
                if entering is None or ratio < best:
                    entering, best = j, ratio
        if entering is None:
            return _Outcome(LPStatus.INFEASIBLE, [sign * v for v in row], values)
        streak = streak + 1 if best == 0 else 0
        basis.replace(r, entering, basis.direction(entering))
    return None


def _solution_from(
    lp: LinearProgram, form: StandardForm, basis: _Basis, outcome: _Outcome, method: str
) -> LPSolution:
    """Turn a finished simplex run into an :class:`LPSolution`, checked exactly."""
    m1 = form.upper_count
    y = [to_fraction(v) for v in outcome.prices]
    if outcome.status is LPStatus.INFEASIBLE:
        certified = check_infeasibility(lp, y[:m1], y[m1:]) is None
        return LPSolution(LPStatus.INFEASIBLE, None, (), tuple(y[:m1]), tuple(y[m1:]), certified, method)
    point = _original_vector(lp, form, dict(zip(basis.columns, outcome.values)))
    if outcome.status is LPStatus.UNBOUNDED:
        assert outcome.ray is not None
        ray = _original_vector(lp, form, outcome.ray)
        certified = check_unboundedness(lp, point, ray) is None
        return LPSolution(LPStatus.UNBOUNDED, None, (), (), (), certified, method)
    certified = check_optimality(lp, point, y[:m1], y[m1:]) is None
    return LPSolution(
        LPStatus.OPTIMAL,
        dot(lp.objective, point),
        tuple(point),
        tuple(y[:m1]),
        tuple(y[m1:]),
        certified,
        method,
    )


def _original_vector(lp: LinearProgram, form: StandardForm, values: dict[int, Any]) -> list[Fraction]:
    x = [ZERO] * lp.variable_count
    for j, v in values.items():
        kind, k, sign = form.origin[j]
        if kind == "x" and v != 0:
            x[k] += sign * to_fraction(v)
    return x


def _pivot_limit(form: StandardForm) -> int:
    return 50 * (form.m + form.size) + 100


def solve_from_basis(lp: LinearProgram, form: StandardForm, columns: list[int]) -> LPSolution | None:
    """Repair a float basis by exact pivots (SPEC.md §9).

    A free variable basic at a negative value is swapped for its negative part; a basis that is
    still not primal feasible is made dual feasible by lowering its positive reduced costs and
    repaired by the dual simplex; the primal simplex then finishes with the true costs.

    Parameters
    ----------
    lp : LinearProgram
        The program.
    form : StandardForm
        Its standard form, without artificial columns.
    columns : list of int
        m columns of ``form`` to start from (changed in place).

    Returns
    -------
    LPSolution or None
        The answer, checked exactly (method ``"highs+exact-repair"``); None when the columns are
        singular or the dual simplex stalls.
    """
    try:
        basis = _Basis(form, columns)
    except ZeroDivisionError:
        return None
    # A free variable basic at a negative value: use its negative part instead.
    for i, v in enumerate(basis.values()):
        kind, k, sign = form.origin[basis.columns[i]]
        if kind == "x" and v < 0 and (k, -sign) in form.x_column:
            other = form.x_column[(k, -sign)]
            basis.replace(i, other, basis.direction(other))
    fixed = form.fixed
    values = basis.values()
    if any(v < 0 or (v != 0 and fixed[basis.columns[i]]) for i, v in enumerate(values)):
        (priced,) = form.price([basis.prices(form.cost)])
        in_basis = set(basis.columns)
        # Lower every positive reduced cost to 0: the basis becomes dual feasible for shifted costs.
        shifted = [
            c - d if j not in in_basis and not fixed[j] and c - d > 0 else c
            for j, (c, d) in enumerate(zip(form.cost, priced))
        ]
        outcome = _dual_simplex(form, basis, shifted, fixed, _pivot_limit(form))
        if outcome is None:
            return None
        if outcome.status is LPStatus.INFEASIBLE:
            return _solution_from(lp, form, basis, outcome, "highs+exact-repair")
    outcome = _primal_simplex(form, basis, form.cost, fixed)
    return _solution_from(lp, form, basis, outcome, "highs+exact-repair")


def solve_from_scratch(lp: LinearProgram) -> LPSolution:
    """The exact simplex alone: phase 1 from slack and artificial columns, then phase 2 (SPEC.md §9).

    Parameters
    ----------
    lp : LinearProgram
        The program.

    Returns
    -------
    LPSolution
        The answer, checked exactly (method ``"exact-simplex"``).
    """
    from flint import fmpq

    form = StandardForm(lp, artificial=True)
    fixed = list(form.fixed)
    columns = []
    for r in range(form.m):
        if r < form.upper_count and form.rhs[r] >= 0:
            columns.append(form.slack_start + r)
            fixed[form.artificial_start + r] = True
        else:
            columns.append(form.artificial_start + r)
    basis = _Basis(form, columns)
    phase_one = [fmpq(0)] * form.artificial_start + [fmpq(-1)] * form.m
    outcome = _primal_simplex(form, basis, phase_one, fixed)
    shortfall = sum((phase_one[j] * v for j, v in zip(basis.columns, outcome.values)), fmpq(0))
    if shortfall < 0:
        infeasible = _Outcome(LPStatus.INFEASIBLE, outcome.prices, outcome.values)
        return _solution_from(lp, form, basis, infeasible, "exact-simplex")
    for j in range(form.artificial_start, form.size):
        fixed[j] = True
    outcome = _primal_simplex(form, basis, form.cost, fixed)
    return _solution_from(lp, form, basis, outcome, "exact-simplex")


__all__ = ["StandardForm", "solve_from_basis", "solve_from_scratch"]
