"""Linear programs whose data are functions of the parameter, solved exactly (SPEC.md §7, §9).

:func:`solve_generic_lp` is a two-phase dense simplex with Bland's rule written over any ordered
field, for the programs of :mod:`solver.lp` (``maximize c·x`` s.t. ``A_ub x ≤ b_ub``,
``A_eq x = b_eq``, ``x ≥ 0`` unless free). On :class:`fractions.Fraction` it is an exact simplex; on
:class:`~solver.parametric.values.ParamValue` every pivot decision is a traced comparison, so on
the piece around the trace's point the same pivots are taken and the final basis is the same: the
optimum, the basic solution and the duals are rational functions of the parameter there. The final
basis is certified explicitly, every basic value non-negative (primal feasibility) and every
reduced cost non-positive (dual feasibility), each a recorded sign condition; an infeasible
program is certified by a positive phase-1 optimum and an unbounded one by an improving column
without a positive entry, likewise traced.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.core.numbers import ONE, ZERO
from solver.parametric.values import ParamValue, is_identically_zero

GenericRow = tuple[tuple[int, Any], ...]
"""A sparse row: ``((variable, coefficient), ...)`` with generic numbers."""


class GenericStatus(enum.Enum):
    """The outcome of a generic linear program."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"


@dataclass(frozen=True, eq=False)
class GenericLP:
    """``maximize c·x`` s.t. ``A_ub x ≤ b_ub``, ``A_eq x = b_eq``, ``x_k ≥ 0`` unless ``free[k]``.

    The data of :class:`solver.lp.LinearProgram`, with numbers that may be traced functions.
    """

    objective: tuple[Any, ...]
    upper_rows: tuple[GenericRow, ...] = ()
    upper_rhs: tuple[Any, ...] = ()
    equal_rows: tuple[GenericRow, ...] = ()
    equal_rhs: tuple[Any, ...] = ()
    free: tuple[bool, ...] = ()


@dataclass(frozen=True, eq=False)
class GenericSolution:
    """The exact answer of a generic linear program.

    Attributes
    ----------
    status : GenericStatus
        Optimal, infeasible or unbounded.
    value : number or None
        The optimum when optimal.
    primal : tuple
        An optimal basic solution x (empty unless optimal).
    dual_upper, dual_equal : tuple
        Optimal duals ``y_ub ≥ 0`` and ``y_eq`` (empty unless optimal).
    basis : tuple of int
        The final basis (columns of the standard form), for reference.
    """

    status: GenericStatus
    value: Any
    primal: tuple[Any, ...]
    dual_upper: tuple[Any, ...]
    dual_equal: tuple[Any, ...]
    basis: tuple[int, ...]


def _is_zero(x: Any) -> bool:
    """Whether an entry is zero as a function (structure: nothing is traced)."""
    if x is ZERO:
        return True
    kind = type(x)
    if kind is ParamValue:
        return bool(x.numerator.is_zero())
    if kind is Fraction or kind is int:
        return not x
    return is_identically_zero(x)


class _Tableau:
    """A dense simplex tableau ``[B^-1 A | B^-1 b]`` over generic numbers."""

    def __init__(self, rows: list[list[Any]], basis: list[int]) -> None:
        self.rows = rows
        self.basis = basis

    def pivot(self, r: int, j: int) -> None:
        row = self.rows[r]
        inverse = ONE / row[j]
        row = [x if _is_zero(x) else x * inverse for x in row]
        row[j] = ONE
        self.rows[r] = row
        for i, other in enumerate(self.rows):
            if i == r:
                continue
            factor = other[j]
            if _is_zero(factor):
                continue
            self.rows[i] = [o if _is_zero(p) else o - factor * p for o, p in zip(other, row)]
            self.rows[i][j] = ZERO
        self.basis[r] = j

    def reduced_costs(self, costs: Sequence[Any], columns: int) -> list[Any]:
        result = []
        for j in range(columns):
            d = costs[j]
            for i, b in enumerate(self.basis):
                if not _is_zero(costs[b]) and not _is_zero(self.rows[i][j]):
                    d = d - costs[b] * self.rows[i][j]
            result.append(d)
        return result

    def optimise(self, costs: Sequence[Any], allowed: int) -> int | None:
        """Bland's rule until optimal; returns None when optimal, else an unbounded column."""
        while True:
            reduced = self.reduced_costs(costs, allowed)
            entering = next((j for j in range(allowed) if j not in self.basis and reduced[j] > 0), None)
            if entering is None:
                return None
            best: int | None = None
            best_ratio: Any = None
            for i, row in enumerate(self.rows):
                a = row[entering]
                if _is_zero(a) or not a > 0:
                    continue
                ratio = row[-1] / a
                if (
                    best is None
                    or ratio < best_ratio
                    or (ratio == best_ratio and self.basis[i] < self.basis[best])
                ):
                    best, best_ratio = i, ratio
            if best is None:
                return entering
            self.pivot(best, entering)


def solve_generic_lp(program: GenericLP) -> GenericSolution:
    """Solve a linear program over generic exact numbers by the two-phase simplex (Bland's rule).

    Parameters
    ----------
    program : GenericLP
        The program.

    Returns
    -------
    GenericSolution
        Status, optimum, a basic optimal solution and duals; every decision traced when the
        numbers are ParamValues, and the final basis certified by explicit sign checks.
    """
    n = len(program.objective)
    free = program.free or (False,) * n
    # Columns: each variable (a free one twice: x = x⁺ − x⁻), then one slack per upper row, then
    # one artificial per row that needs one.
    columns: list[tuple[int, int]] = []
    for k in range(n):
        columns.append((k, 1))
        if free[k]:
            columns.append((k, -1))
    width = len(columns)
    position: dict[tuple[int, int], int] = {c: p for p, c in enumerate(columns)}
    m_upper, m_equal = len(program.upper_rows), len(program.equal_rows)
    m = m_upper + m_equal
    slack0 = width
    artificial0 = width + m_upper
    total = artificial0 + m
    rows: list[list[Any]] = []
    signs: list[int] = []
    basis: list[int] = []
    needs_artificial: list[int] = []
    all_rows = [*program.upper_rows, *program.equal_rows]
    all_rhs = [*program.upper_rhs, *program.equal_rhs]
    for r, (sparse, rhs) in enumerate(zip(all_rows, all_rhs)):
        row: list[Any] = [ZERO] * (total + 1)
        for k, a in sparse:
            row[position[(k, 1)]] = a
            if free[k]:
                row[position[(k, -1)]] = -a
        if r < m_upper:
            row[slack0 + r] = ONE
        row[-1] = rhs
        sign = -1 if rhs < 0 else 1
        if sign < 0:
            row = [x if _is_zero(x) else -x for x in row]
        signs.append(sign)
        if r < m_upper and sign > 0:
            basis.append(slack0 + r)
        else:
            row[artificial0 + r] = ONE
            basis.append(artificial0 + r)
            needs_artificial.append(r)
        rows.append(row)
    tableau = _Tableau(rows, basis)
    identity = [slack0 + r if r < m_upper and signs[r] > 0 else artificial0 + r for r in range(m)]

    if needs_artificial:
        phase_one = [ZERO] * total
        for r in needs_artificial:
            phase_one[artificial0 + r] = -ONE
        tableau.optimise(phase_one, artificial0)
        infeasibility = ZERO
        for i, b in enumerate(tableau.basis):
            if b >= artificial0:
                infeasibility = infeasibility + tableau.rows[i][-1]
        if infeasibility > 0:
            return GenericSolution(GenericStatus.INFEASIBLE, None, (), (), (), tuple(tableau.basis))
        # Drive the artificials (at level zero) out of the basis, or drop their redundant rows.
        i = 0
        while i < len(tableau.rows):
            if tableau.basis[i] >= artificial0:
                column = next(
                    (
                        j
                        for j in range(artificial0)
                        if not _is_zero(tableau.rows[i][j]) and tableau.rows[i][j] != 0
                    ),
                    None,
                )
                if column is None:
                    del tableau.rows[i]
                    del tableau.basis[i]
                    continue
                tableau.pivot(i, column)
            i += 1

    costs: list[Any] = [ZERO] * total
    for p, (k, sign) in enumerate(columns):
        costs[p] = program.objective[k] if sign > 0 else -program.objective[k]
    unbounded = tableau.optimise(costs, artificial0)
    if unbounded is not None:
        return GenericSolution(GenericStatus.UNBOUNDED, None, (), (), (), tuple(tableau.basis))

    # The certificate of the final basis: primal and dual feasibility, decided (and traced) here.
    if any(row[-1] < 0 for row in tableau.rows):
        raise AssertionError("the simplex ended at a basis that is not primal feasible")
    reduced = tableau.reduced_costs(costs, artificial0)
    if any(d > 0 for d in reduced):
        raise AssertionError("the simplex ended at a basis that is not dual feasible")

    level: list[Any] = [ZERO] * total
    for i, b in enumerate(tableau.basis):
        level[b] = tableau.rows[i][-1]
    primal = []
    for k in range(n):
        x = level[position[(k, 1)]]
        if free[k]:
            x = x - level[position[(k, -1)]]
        primal.append(x)
    value: Any = ZERO
    for k, c in enumerate(program.objective):
        if not _is_zero(c):
            value = value + c * primal[k]
    # Duals: y'_r = c_B B^-1 e_r, read in the column that was e_r at the start; y_r = sign_r y'_r.
    duals: list[Any] = []
    for r in range(m):
        column = identity[r]
        y: Any = ZERO
        for i, b in enumerate(tableau.basis):
            entry = tableau.rows[i][column]
            if not _is_zero(costs[b]) and not _is_zero(entry):
                y = y + costs[b] * entry
        duals.append(y if signs[r] > 0 else -y)
    return GenericSolution(
        GenericStatus.OPTIMAL,
        value,
        tuple(primal),
        tuple(duals[:m_upper]),
        tuple(duals[m_upper:]),
        tuple(tableau.basis),
    )
