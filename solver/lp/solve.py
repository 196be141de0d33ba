"""The exact linear-programming layer (SPEC.md §9).

A :class:`LinearProgram` is solved by HiGHS in floating point only to *choose a basis*. The basic
solution and its duals are then recomputed from that basis in exact rational arithmetic
(python-flint) and accepted once :func:`check_optimality` has verified them with integers and
:class:`fractions.Fraction`. When the float basis is not exactly optimal (degeneracy, rounding),
an exact revised simplex pivots from it (primal simplex from a primal feasible basis, dual simplex
from a dual feasible one, cost shifting otherwise; Bland's smallest-index rule takes over on
degenerate stretches, so it never cycles); only when that basis is unusable does the exact
simplex start from a phase-1 basis. Infeasibility is proved by a Farkas certificate (the exact
optimal dual of the elastic phase-1 program), checked by :func:`check_infeasibility`;
unboundedness by a feasible point and an improving ray, checked by :func:`check_unboundedness`.

The ``check_*`` functions use only integers and fractions, never a solver or python-flint, so that
an independent verifier may import them.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from solver.core.errors import ModelError

Row = tuple[tuple[int, Fraction], ...]
"""A sparse row of a constraint matrix: ``((variable, coefficient), ...)``."""

_ZERO = Fraction(0)


# -- the problem and its solution ----------------------------------------------------------------------


@dataclass(frozen=True)
class LinearProgram:
    """maximize c·x  s.t.  A_ub x ≤ b_ub,  A_eq x = b_eq,  x_k ≥ 0 unless free[k].

    Numbers must be exact: ``int`` entries are turned into :class:`~fractions.Fraction`, anything
    else (a float, a bool) is refused with an error naming its place.

    Attributes
    ----------
    objective : tuple of Fraction
        ``c``; its length is the number of variables n.
    upper_rows, upper_rhs : tuple
        Sparse rows of ``A_ub`` (``((variable, coefficient), ...)``, each variable at most once)
        and ``b_ub``.
    equal_rows, equal_rhs : tuple
        The same for ``A_eq`` and ``b_eq``.
    free : tuple of bool
        Which variables are free; empty means none.
    variable_names, row_names : tuple of str
        Optional labels for messages; ``row_names`` lists the upper rows, then the equal rows.
    """

    objective: tuple[Fraction, ...]
    upper_rows: tuple[Row, ...] = ()
    upper_rhs: tuple[Fraction, ...] = ()
    equal_rows: tuple[Row, ...] = ()
    equal_rhs: tuple[Fraction, ...] = ()
    free: tuple[bool, ...] = ()
    variable_names: tuple[str, ...] = ()
    row_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.objective)
        set_field = object.__setattr__
        set_field(self, "objective", _exact_vector(self.objective, "objective"))
        for kind in ("upper", "equal"):
            rows = tuple(getattr(self, f"{kind}_rows"))
            rhs = _exact_vector(getattr(self, f"{kind}_rhs"), f"{kind}_rhs")
            if len(rows) != len(rhs):
                raise ModelError(f"{kind}_rows has {len(rows)} rows but {kind}_rhs has {len(rhs)} entries")
            set_field(
                self,
                f"{kind}_rows",
                tuple(_exact_row(row, n, f"{kind}_rows[{r}]") for r, row in enumerate(rows)),
            )
            set_field(self, f"{kind}_rhs", rhs)
        free = tuple(self.free)
        if free and len(free) != n:
            raise ModelError(f"free has {len(free)} entries; give one per variable ({n}) or none")
        if any(not isinstance(f, bool) for f in free):
            raise ModelError("free must hold booleans")
        set_field(self, "free", free)
        names = tuple(self.variable_names)
        if names and len(names) != n:
            raise ModelError(f"variable_names has {len(names)} names for {n} variables")
        set_field(self, "variable_names", names)
        row_names = tuple(self.row_names)
        if row_names and len(row_names) != self.row_count:
            raise ModelError(f"row_names has {len(row_names)} names for {self.row_count} rows")
        set_field(self, "row_names", row_names)

    @property
    def variable_count(self) -> int:
        """Number of variables n."""
        return len(self.objective)

    @property
    def row_count(self) -> int:
        """Number of constraint rows, upper and equal."""
        return len(self.upper_rows) + len(self.equal_rows)

    def is_free(self, variable: int) -> bool:
        """Whether variable k may take negative values.

        Parameters
        ----------
        variable : int
            Index k.

        Returns
        -------
        bool
            ``free[k]``, False when ``free`` is empty.
        """
        return bool(self.free) and self.free[variable]

    def variable_label(self, variable: int) -> str:
        """Name a variable in messages: ``x3`` or ``x3 (name)``.

        Parameters
        ----------
        variable : int
            Index k.

        Returns
        -------
        str
            The label.
        """
        name = f" ({self.variable_names[variable]})" if self.variable_names else ""
        return f"x{variable}{name}"

    def row_label(self, row: int) -> str:
        """Name a row in messages: ``upper row 2``, ``equal row 0 (name)``.

        Parameters
        ----------
        row : int
            Index among all rows, upper rows first.

        Returns
        -------
        str
            The label.
        """
        m1 = len(self.upper_rows)
        kind, index = ("upper", row) if row < m1 else ("equal", row - m1)
        name = f" ({self.row_names[row]})" if self.row_names else ""
        return f"{kind} row {index}{name}"


class LPStatus(enum.Enum):
    """The outcome of a linear program."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"


@dataclass(frozen=True)
class LPSolution:
    """An exact answer to a :class:`LinearProgram` with its certificate.

    Attributes
    ----------
    status : LPStatus
        Optimal, infeasible or unbounded.
    value : Fraction or None
        The exact optimum when optimal.
    primal : tuple of Fraction
        An exact optimal x (empty unless optimal).
    dual_upper, dual_equal : tuple of Fraction
        ``y_ub ≥ 0`` and free ``y_eq``: an optimal dual when optimal, a Farkas certificate when
        infeasible, empty when unbounded.
    certified : bool
        True iff the certificate was checked in exact arithmetic (:func:`check_optimality`,
        :func:`check_infeasibility`; for unboundedness, a feasible point and an improving ray were
        checked by :func:`check_unboundedness`).
    method : str
        How the answer was found: ``"highs+exact-basis"`` (the HiGHS basis was exactly optimal),
        ``"highs+exact-repair"`` (exact pivots from it), ``"exact-simplex"`` (from a phase-1 start);
        an infeasibility proof found through the elastic phase-1 program adds ``"elastic"``.
    """

    status: LPStatus
    value: Fraction | None
    primal: tuple[Fraction, ...]
    dual_upper: tuple[Fraction, ...]
    dual_equal: tuple[Fraction, ...]
    certified: bool
    method: str


# -- exact checking (integers and fractions only) ------------------------------------------------------


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
        reason = _primal_reason(lp, rows, primal) or _dual_reason(
            lp, rows, dual_upper, dual_equal, lp.objective
        )
    if reason is not None:
        return reason
    primal_value = _dot(lp.objective, primal)
    dual_value = _dual_value(lp, dual_upper, dual_equal)
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
        reason = _dual_reason(lp, _integer_rows(lp), dual_upper, dual_equal, lp.objective)
    if reason is not None:
        return reason
    value = _dual_value(lp, dual_upper, dual_equal)
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
        reason = _dual_reason(lp, _integer_rows(lp), dual_upper, dual_equal, (_ZERO,) * lp.variable_count)
    if reason is not None:
        return reason
    value = _dual_value(lp, dual_upper, dual_equal)
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
    zero_upper = (_ZERO,) * len(lp.upper_rows)
    zero_equal = (_ZERO,) * len(lp.equal_rows)
    reason = _primal_reason(lp, rows, ray, zero_upper, zero_equal)
    if reason is not None:
        return f"not a ray: {reason}"
    gain = _dot(lp.objective, ray)
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
    """Write fractions over one denominator: ``values[k] == numerators[k] / denominator``."""
    fractions = [Fraction(v) for v in values]
    denominator = math.lcm(*(f.denominator for f in fractions)) if fractions else 1
    return [f.numerator * (denominator // f.denominator) for f in fractions], denominator


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


def _row_activities(rows: Sequence[_IntegerRow], x: Sequence[Fraction]) -> list[Fraction]:
    """``A x`` row by row, exactly (integer accumulation over common denominators)."""
    numerators, denominator = _common_denominator(x)
    return [
        Fraction(sum(a * numerators[k] for k, a in coefficients), scale * denominator)
        for coefficients, scale in rows
    ]


def _column_activities(
    rows: Sequence[_IntegerRow], n: int, y_upper: Sequence[Fraction], y_equal: Sequence[Fraction]
) -> list[Fraction]:
    """``A_ub^T y_ub + A_eq^T y_eq``, exactly."""
    multipliers = [Fraction(v) for v in (*y_upper, *y_equal)]
    numerators, denominator = _common_denominator([y / scale for y, (_, scale) in zip(multipliers, rows)])
    totals = [0] * n
    for (coefficients, _), g in zip(rows, numerators):
        if g:
            for k, a in coefficients:
                totals[k] += a * g
    return [Fraction(t, denominator) for t in totals]


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    numerators_a, denominator_a = _common_denominator(a)
    numerators_b, denominator_b = _common_denominator(b)
    return Fraction(sum(p * q for p, q in zip(numerators_a, numerators_b)), denominator_a * denominator_b)


def _dual_value(lp: LinearProgram, y_upper: Sequence[Fraction], y_equal: Sequence[Fraction]) -> Fraction:
    return _dot((*lp.upper_rhs, *lp.equal_rhs), (*y_upper, *y_equal))


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
    for r, (activity, b) in enumerate(zip(_row_activities(rows[:m1], x), upper)):
        if activity > b:
            return f"{lp.row_label(r)}: A x = {activity} exceeds b = {b}"
    for r, (activity, b) in enumerate(zip(_row_activities(rows[m1:], x), equal)):
        if activity != b:
            return f"{lp.row_label(m1 + r)}: A x = {activity} differs from b = {b}"
    return None


def _dual_reason(
    lp: LinearProgram,
    rows: Sequence[_IntegerRow],
    y_upper: Sequence[Fraction],
    y_equal: Sequence[Fraction],
    costs: Sequence[Fraction],
) -> str | None:
    """Why y breaks ``y_ub ≥ 0``, ``A^T y ≥ costs`` (``=`` on free variables) (None if not)."""
    for r, v in enumerate(y_upper):
        if v < 0:
            return f"dual of {lp.row_label(r)} is {v}, negative"
    for k, (activity, c) in enumerate(
        zip(_column_activities(rows, lp.variable_count, y_upper, y_equal), costs)
    ):
        if lp.is_free(k):
            if activity != c:
                return f"column {lp.variable_label(k)} (free): A^T y = {activity} differs from {c}"
        elif activity < c:
            return f"column {lp.variable_label(k)}: A^T y = {activity} is below {c}"
    return None


# -- validation ----------------------------------------------------------------------------------------


def _exact_number(value: Any, place: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (Fraction, int)):
        raise ModelError(
            f"{place} = {value!r} is not an exact number; linear programs take int or fractions.Fraction"
        )
    return Fraction(value)


def _exact_vector(values: Sequence[Any], place: str) -> tuple[Fraction, ...]:
    return tuple(_exact_number(v, f"{place}[{k}]") for k, v in enumerate(values))


def _exact_row(row: Sequence[Any], n: int, place: str) -> Row:
    seen: set[int] = set()
    entries = []
    for entry in row:
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise ModelError(f"{place}: entry {entry!r} is not a pair (variable, coefficient)")
        variable, coefficient = entry
        if isinstance(variable, bool) or not isinstance(variable, int) or not 0 <= variable < n:
            raise ModelError(f"{place}: variable {variable!r} is not an index in 0..{n - 1}")
        if variable in seen:
            raise ModelError(f"{place}: variable {variable} appears twice; add the coefficients")
        seen.add(variable)
        entries.append((variable, _exact_number(coefficient, f"{place}[x{variable}]")))
    return tuple(entries)


# -- solving -------------------------------------------------------------------------------------------


def solve_lp(lp: LinearProgram, *, method: str = "auto") -> LPSolution:
    """Solve a linear program exactly and certify the answer (SPEC.md §9).

    Parameters
    ----------
    lp : LinearProgram
        The program.
    method : {"auto", "exact"}
        ``"auto"``: HiGHS picks a basis, which is made exact and certified, and repaired by exact
        pivots if needed. ``"exact"``: the exact simplex alone, from a phase-1 start (no floats).

    Returns
    -------
    LPSolution
        Exact status, optimum, primal and dual (or Farkas) vectors, and whether they were checked.
    """
    if method == "exact":
        return _solve_from_scratch(lp)
    if method != "auto":
        raise ModelError(f"unknown LP method {method!r}; use 'auto' or 'exact'")
    return _solve_auto(lp, elastic=True)


def _solve_auto(lp: LinearProgram, elastic: bool) -> LPSolution:
    if lp.variable_count == 0 or lp.row_count == 0:
        return _solve_from_scratch(lp)
    try:
        found = _run_highs(lp)
    except (OverflowError, RuntimeError, ValueError):
        return _solve_from_scratch(lp)
    if found.status is LPStatus.OPTIMAL:
        solution = _certify_basis(lp, found.basic_columns, found.basic_rows)
        if solution is not None:
            return solution
        repaired = _repair(lp, found)
        if repaired is not None:
            return repaired
    elif found.status is LPStatus.UNBOUNDED:
        # A basis of the feasibility problem (objective 0) is a start for the exact primal simplex.
        try:
            feasible = _run_highs(replace(lp, objective=(_ZERO,) * lp.variable_count))
        except (OverflowError, RuntimeError, ValueError):
            return _solve_from_scratch(lp)
        repaired = _repair(lp, feasible)
        if repaired is not None:
            return repaired
    elif elastic:
        proof = _infeasibility_by_elastic(lp)
        if proof is not None:
            return proof
    return _solve_from_scratch(lp)


def _repair(lp: LinearProgram, found: _FloatResult) -> LPSolution | None:
    """Exact pivots from a HiGHS basis; None when there is no usable basis."""
    if found.status is not LPStatus.OPTIMAL:
        return None
    form = _StandardForm(lp, artificial=False)
    basis = form.basis_from(found.basic_columns, found.basic_rows)
    if basis is None:
        return None
    return _solve_from_basis(lp, form, basis)


@dataclass(frozen=True)
class _FloatResult:
    """What HiGHS found: a status, the basic columns and rows, and its float optimum."""

    status: LPStatus | None
    basic_columns: tuple[int, ...] = ()
    basic_rows: tuple[int, ...] = ()
    value: float | None = None


def _new_highs() -> Any:
    """A silent HiGHS instance (the bare binding: the Python wrapper prints a banner when built)."""
    import highspy

    base = next((k for k in type.mro(highspy.Highs) if k.__name__ == "_Highs"), highspy.Highs)
    highs = base()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("log_to_console", False)
    return highs


def _run_highs(lp: LinearProgram) -> _FloatResult:
    """Solve in floating point with HiGHS' simplex; the result is only a candidate basis."""
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
    highs.passModel(model)
    highs.run()
    status = highs.getModelStatus()
    statuses = {
        highspy.HighsModelStatus.kOptimal: LPStatus.OPTIMAL,
        highspy.HighsModelStatus.kInfeasible: LPStatus.INFEASIBLE,
        highspy.HighsModelStatus.kUnbounded: LPStatus.UNBOUNDED,
    }
    found = statuses.get(status)
    if found is not LPStatus.OPTIMAL:
        return _FloatResult(found)
    basis = highs.getBasis()
    if not basis.valid:
        return _FloatResult(None)
    basic = highspy.HighsBasisStatus.kBasic
    return _FloatResult(
        found,
        tuple(k for k, s in enumerate(basis.col_status) if s == basic),
        tuple(r for r, s in enumerate(basis.row_status) if s == basic),
        float(highs.getInfo().objective_function_value),
    )


def _to_fmpq(value: Fraction) -> Any:
    from flint import fmpq

    return fmpq(value.numerator, value.denominator)


def _to_fraction(value: Any) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _certify_basis(
    lp: LinearProgram, basic_columns: Sequence[int], basic_rows: Sequence[int]
) -> LPSolution | None:
    """The basic solution of a basis, recomputed exactly and certified; None if it is not optimal.

    Nonbasic variables are 0 and nonbasic rows are tight. With S the basic columns and R the tight
    rows, ``A[R, S] x_S = b_R`` and ``A[R, S]^T y_R = c_S`` (other duals 0): complementary slackness
    then makes ``c·x == b·y``, and :func:`check_optimality` checks the rest.
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
    x = [_ZERO] * n
    y = [_ZERO] * m
    if size:
        kernel = fmpq_mat(size, size, entries)
        try:
            x_basic = kernel.solve(fmpq_mat(size, 1, [_to_fmpq(rhs[r]) for r in tight]))
            y_tight = kernel.transpose().solve(
                fmpq_mat(size, 1, [_to_fmpq(lp.objective[k]) for k in columns])
            )
        except ZeroDivisionError:
            return None
        for k, v in zip(columns, x_basic.entries()):
            x[k] = _to_fraction(v)
        for r, v in zip(tight, y_tight.entries()):
            y[r] = _to_fraction(v)
    m1 = len(lp.upper_rows)
    if check_optimality(lp, x, y[:m1], y[m1:]) is not None:
        return None
    return LPSolution(
        LPStatus.OPTIMAL,
        _dot(lp.objective, x),
        tuple(x),
        tuple(y[:m1]),
        tuple(y[m1:]),
        True,
        "highs+exact-basis",
    )


def _elastic_program(lp: LinearProgram) -> LinearProgram:
    """Phase 1 as a program of its own: maximize −(total violation), always feasible and bounded.

    Each upper row gets ``− a_r`` and each equal row ``+ p_r − q_r``, all new variables ≥ 0 with
    cost −1. An optimal dual ``y`` satisfies ``A^T y ≥ 0`` (``= 0`` on free variables) and
    ``y_ub ≥ 0``, and ``b·y`` is the optimum: when it is negative, y is a Farkas certificate of
    the original program.
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
        objective=(*(_ZERO,) * n, *(Fraction(-1),) * (extra - n)),
        upper_rows=tuple(upper),
        upper_rhs=lp.upper_rhs,
        equal_rows=tuple(equal),
        equal_rhs=lp.equal_rhs,
        free=(*lp.free, *(False,) * (extra - n)) if lp.free else (),
    )


def _infeasibility_by_elastic(lp: LinearProgram) -> LPSolution | None:
    """A Farkas certificate from the exact optimal dual of the elastic program, or None."""
    phase_one = _solve_auto(_elastic_program(lp), elastic=False)
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


# -- the exact revised simplex -------------------------------------------------------------------------


class _StandardForm:
    """The program as ``max cost·z  s.t.  M z = rhs,  z ≥ 0`` in python-flint rationals.

    Columns, in this order (the order Bland's rule uses): ``x_k`` (``x⁺_k`` for a free k), then
    ``x⁻_k = −x_k`` for each free k, then a slack per row (``s_r ≥ 0`` for an upper row; for an
    equal row a *fixed* slack that must stay 0), then, for a phase-1 start, one artificial column
    ``±e_r`` per row signed so that ``|b_r|`` is feasible. A fixed column never enters the basis.
    """

    def __init__(self, lp: LinearProgram, artificial: bool) -> None:
        from flint import fmpq, fmpq_mat

        n, m1, m = lp.variable_count, len(lp.upper_rows), lp.row_count
        zero, one = fmpq(0), fmpq(1)
        self.m = m
        self.upper_count = m1
        self.rhs = [_to_fmpq(b) for b in (*lp.upper_rhs, *lp.equal_rhs)]
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
            cost.append(_to_fmpq(lp.objective[k]))
            fixed.append(False)
            origin.append(("x", k, 1))
        for k in range(n):
            if lp.is_free(k):
                columns.append([-v for v in dense[k]])
                cost.append(-_to_fmpq(lp.objective[k]))
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
        """The standard-form basis of a HiGHS basis: basic variables and the slacks of basic rows."""
        basis = [self.x_column[(k, 1)] for k in sorted(basic_columns)]
        basis += [self.slack_start + r for r in sorted(basic_rows)]
        if len(basis) != self.m or len(set(basis)) != self.m:
            return None
        return basis

    def price(self, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """``v^T M`` for each vector v of length m (slack and artificial columns are unit vectors)."""
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

    def __init__(self, form: _StandardForm, columns: list[int]) -> None:
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
    form: _StandardForm, basis: _Basis, cost: Sequence[Any], fixed: Sequence[bool]
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
    form: _StandardForm, basis: _Basis, cost: Sequence[Any], fixed: Sequence[bool], limit: int
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
    lp: LinearProgram, form: _StandardForm, basis: _Basis, outcome: _Outcome, method: str
) -> LPSolution:
    """Turn a finished simplex run into an :class:`LPSolution`, checked exactly."""
    m1 = form.upper_count
    y = [_to_fraction(v) for v in outcome.prices]
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
        _dot(lp.objective, point),
        tuple(point),
        tuple(y[:m1]),
        tuple(y[m1:]),
        certified,
        method,
    )


def _original_vector(lp: LinearProgram, form: _StandardForm, values: dict[int, Any]) -> list[Fraction]:
    x = [_ZERO] * lp.variable_count
    for j, v in values.items():
        kind, k, sign = form.origin[j]
        if kind == "x" and v != 0:
            x[k] += sign * _to_fraction(v)
    return x


def _pivot_limit(form: _StandardForm) -> int:
    return 50 * (form.m + form.size) + 100


def _solve_from_basis(lp: LinearProgram, form: _StandardForm, columns: list[int]) -> LPSolution | None:
    """Repair a float basis by exact pivots; None when it is singular or the dual simplex stalls."""
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


def _solve_from_scratch(lp: LinearProgram) -> LPSolution:
    """The exact simplex alone: phase 1 from slack and artificial columns, then phase 2."""
    from flint import fmpq

    form = _StandardForm(lp, artificial=True)
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
