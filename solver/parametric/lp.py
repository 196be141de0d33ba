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
from solver.parametric.values import ParamValue, is_identically_zero, sweep_store

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
    """A dense simplex tableau ``[B^-1 A | B^-1 b]`` over generic numbers, with a log of its changes."""

    def __init__(self, rows: list[list[Any]], basis: list[int]) -> None:
        self.rows = rows
        self.basis = basis
        self.log: list[tuple[int, int]] = []

    def pivot(self, r: int, j: int) -> None:
        self.log.append((r, j))
        row = self.rows[r]
        inverse = ONE / row[j]  # traced: the pivot element is nonzero
        row = [x if _is_zero(x) else x * inverse for x in row]
        row[j] = ONE
        self.rows[r] = row
        for i, other in enumerate(self.rows):
            if i == r:
                continue
            factor = other[j]
            if _is_zero(factor):
                continue
            self.rows[i] = [o if _is_zero(q) else o - factor * q for o, q in zip(other, row)]
            self.rows[i][j] = ZERO
        self.basis[r] = j

    def delete(self, r: int, artificial0: int) -> None:
        """Drop a redundant row: zero in every column but the artificials, and zero on the right."""
        self.log.append((r, -1))
        row = self.rows[r]
        if any(not _is_zero(x) and x != 0 for x in row[:artificial0]) or row[-1] != 0:
            raise AssertionError("a row dropped as redundant is not zero")
        del self.rows[r]
        del self.basis[r]

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


@dataclass
class _StandardForm:
    """The program with free variables split, slacks and artificials: the starting tableau."""

    program: GenericLP
    tableau: _Tableau
    columns: list[tuple[int, int]]
    position: dict[tuple[int, int], int]
    signs: list[int]
    identity: list[int]
    needs_artificial: list[int]
    m_upper: int
    artificial0: int
    total: int

    @classmethod
    def of(cls, program: GenericLP) -> _StandardForm:
        n = len(program.objective)
        free = program.free or (False,) * n
        # Columns: each variable (a free one twice: x = x⁺ − x⁻), then one slack per upper row,
        # then one artificial per row.
        columns: list[tuple[int, int]] = []
        for k in range(n):
            columns.append((k, 1))
            if free[k]:
                columns.append((k, -1))
        width = len(columns)
        position = {c: p for p, c in enumerate(columns)}
        m_upper = len(program.upper_rows)
        m = m_upper + len(program.equal_rows)
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
        identity = [slack0 + r if r < m_upper and signs[r] > 0 else artificial0 + r for r in range(m)]
        return cls(
            program,
            _Tableau(rows, basis),
            columns,
            position,
            signs,
            identity,
            needs_artificial,
            m_upper,
            artificial0,
            total,
        )

    def phase_one_costs(self) -> list[Any]:
        costs: list[Any] = [ZERO] * self.total
        for r in self.needs_artificial:
            costs[self.artificial0 + r] = -ONE
        return costs

    def costs(self) -> list[Any]:
        costs: list[Any] = [ZERO] * self.total
        for p, (k, sign) in enumerate(self.columns):
            costs[p] = self.program.objective[k] if sign > 0 else -self.program.objective[k]
        return costs

    def infeasibility(self) -> Any:
        total: Any = ZERO
        for i, b in enumerate(self.tableau.basis):
            if b >= self.artificial0:
                total = total + self.tableau.rows[i][-1]
        return total


@dataclass
class _Run:
    """What the simplex did: its answer, its log of pivots and deletions, where phase one ended."""

    status: GenericStatus
    log: list[tuple[int, int]]
    phase_one: int
    unbounded: int | None


def _simplex(form: _StandardForm) -> _Run:
    """The two-phase simplex with Bland's rule on a standard form, every decision by comparisons."""
    tableau = form.tableau
    artificial0 = form.artificial0
    if form.needs_artificial:
        tableau.optimise(form.phase_one_costs(), artificial0)
        if form.infeasibility() > 0:
            return _Run(GenericStatus.INFEASIBLE, list(tableau.log), len(tableau.log), None)
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
                    tableau.delete(i, artificial0)
                    continue
                tableau.pivot(i, column)
            i += 1
    phase_one = len(tableau.log)
    unbounded = tableau.optimise(form.costs(), artificial0)
    status = GenericStatus.OPTIMAL if unbounded is None else GenericStatus.UNBOUNDED
    return _Run(status, list(tableau.log), phase_one, unbounded)


def _replay(form: _StandardForm, run: _Run) -> None:
    """Apply another run's pivots and deletions to a standard form of the same shape."""
    steps = run.log[: run.phase_one] if run.status is GenericStatus.INFEASIBLE else run.log
    for r, j in steps:
        if j < 0:
            form.tableau.delete(r, form.artificial0)
        else:
            form.tableau.pivot(r, j)


def _certify(form: _StandardForm, run: _Run) -> None:
    """Certify the run's answer on the form's numbers, each condition a decided (traced) sign.

    Optimal: every basic value ≥ 0 (primal feasibility) and every reduced cost ≤ 0 (dual
    feasibility). Infeasible: phase one optimal (its basis feasible, its reduced costs ≤ 0) with a
    positive sum of artificials. Unbounded: a feasible basis and a column with a positive reduced
    cost and no positive entry.
    """
    tableau = form.tableau
    if any(row[-1] < 0 for row in tableau.rows):
        raise AssertionError("the simplex's basis is not primal feasible")
    if run.status is GenericStatus.INFEASIBLE:
        if any(d > 0 for d in tableau.reduced_costs(form.phase_one_costs(), form.artificial0)):
            raise AssertionError("phase one did not end at an optimal basis")
        if not form.infeasibility() > 0:
            raise AssertionError("phase one ended with no artificial left positive")
        return
    reduced = tableau.reduced_costs(form.costs(), form.artificial0)
    if run.status is GenericStatus.UNBOUNDED:
        j = run.unbounded
        assert j is not None
        if not reduced[j] > 0 or any(not _is_zero(row[j]) and row[j] > 0 for row in tableau.rows):
            raise AssertionError("the column of the unbounded ray does not improve without limit")
        return
    if any(d > 0 for d in reduced):
        raise AssertionError("the simplex's basis is not dual feasible")


def _answer(form: _StandardForm, run: _Run) -> GenericSolution:
    """The status, and for an optimal basis its value, basic solution and duals."""
    tableau = form.tableau
    if run.status is not GenericStatus.OPTIMAL:
        return GenericSolution(run.status, None, (), (), (), tuple(tableau.basis))
    program = form.program
    n = len(program.objective)
    costs = form.costs()
    level: list[Any] = [ZERO] * form.total
    for i, b in enumerate(tableau.basis):
        level[b] = tableau.rows[i][-1]
    primal = []
    for k in range(n):
        x = level[form.position[(k, 1)]]
        if (k, -1) in form.position:
            x = x - level[form.position[(k, -1)]]
        primal.append(x)
    value: Any = ZERO
    for k, c in enumerate(program.objective):
        if not _is_zero(c):
            value = value + c * primal[k]
    # Duals: y'_r = c_B B^-1 e_r, read in the column that was e_r at the start; y_r = sign_r y'_r.
    duals: list[Any] = []
    for r in range(len(form.signs)):
        column = form.identity[r]
        y: Any = ZERO
        for i, b in enumerate(tableau.basis):
            entry = tableau.rows[i][column]
            if not _is_zero(costs[b]) and not _is_zero(entry):
                y = y + costs[b] * entry
        duals.append(y if form.signs[r] > 0 else -y)
    m_upper = form.m_upper
    return GenericSolution(
        GenericStatus.OPTIMAL,
        value,
        tuple(primal),
        tuple(duals[:m_upper]),
        tuple(duals[m_upper:]),
        tuple(tableau.basis),
    )


def _at_point(program: GenericLP) -> GenericLP | None:
    """The program with every traced number replaced by its value at a rational point (else None)."""
    found = False

    def value(x: Any) -> Any:
        nonlocal found
        if type(x) is not ParamValue:
            return x
        found = True
        return x.point_value()

    def row(sparse: GenericRow) -> GenericRow:
        return tuple((k, value(a)) for k, a in sparse)

    numbers = [
        *program.objective,
        *program.upper_rhs,
        *program.equal_rhs,
        *(a for r in (*program.upper_rows, *program.equal_rows) for _, a in r),
    ]
    if any(type(x) is ParamValue and x.point_value() is None for x in numbers):
        return None
    plain = GenericLP(
        objective=tuple(value(c) for c in program.objective),
        upper_rows=tuple(row(r) for r in program.upper_rows),
        upper_rhs=tuple(value(b) for b in program.upper_rhs),
        equal_rows=tuple(row(r) for r in program.equal_rows),
        equal_rhs=tuple(value(b) for b in program.equal_rhs),
        free=program.free,
    )
    return plain if found else None


_CONSTANT: dict[tuple[Any, ...], GenericSolution] = sweep_store()
"""Solutions of programs whose every number is a rational, by their data: such a program is the
same at every point of a sweep and decides nothing on traced numbers, so nothing is recorded when
its solution is reused."""
_CONSTANT_SIZE = 1024


def _constant_key(program: GenericLP) -> tuple[Any, ...] | None:
    """The program's data as a hashable key when every number is a rational (else None)."""
    numbers = [
        *program.objective,
        *program.upper_rhs,
        *program.equal_rhs,
        *(a for r in (*program.upper_rows, *program.equal_rows) for _, a in r),
    ]
    if not all(type(x) is Fraction or type(x) is int for x in numbers):
        return None
    return (
        tuple(program.objective),
        tuple(tuple(r) for r in program.upper_rows),
        tuple(program.upper_rhs),
        tuple(tuple(r) for r in program.equal_rows),
        tuple(program.equal_rhs),
        tuple(program.free),
    )


def solve_generic_lp(program: GenericLP) -> GenericSolution:
    """Solve a linear program over generic exact numbers (SPEC.md §9): the basis, then its certificate.

    On rationals, the two-phase simplex with Bland's rule. On traced numbers at a rational point,
    the program is first solved at the point, in rationals; the same pivots are then applied to
    the traced program, which expresses that final basis's solution and duals as rational
    functions, and the basis is certified by traced sign conditions: primal feasibility (every
    basic value ≥ 0) and dual feasibility (every reduced cost ≤ 0), or the certificate of
    infeasibility or unboundedness. Only the final basis's conditions (and the pivot elements
    being nonzero) are recorded, not the path the simplex took. At an irrational point the simplex
    runs on the traced numbers directly, every decision recorded.

    Parameters
    ----------
    program : GenericLP
        The program.

    Returns
    -------
    GenericSolution
        Status, optimum, a basic optimal solution and duals.
    """
    plain = _at_point(program)
    if plain is None:
        key = _constant_key(program)
        if key is not None:
            known = _CONSTANT.get(key)
            if known is not None:
                return known
        form = _StandardForm.of(program)
        run = _simplex(form)
        _certify(form, run)
        answer = _answer(form, run)
        if key is not None:
            if len(_CONSTANT) >= _CONSTANT_SIZE:
                _CONSTANT.clear()
            _CONSTANT[key] = answer
        return answer
    run = _simplex(_StandardForm.of(plain))
    form = _StandardForm.of(program)
    _replay(form, run)
    _certify(form, run)
    return _answer(form, run)
