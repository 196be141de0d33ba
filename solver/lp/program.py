"""A linear program and its exact answer (SPEC.md §9): the data the rest of :mod:`solver.lp` works on.

A :class:`LinearProgram` holds exact numbers only (``int`` entries become
:class:`~fractions.Fraction`; a float or a bool is refused with an error naming its place). An
:class:`LPSolution` carries its :class:`LPStatus`, the exact optimum and the certificate that
proves it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.core.errors import ModelError

Row = tuple[tuple[int, Fraction], ...]
"""A sparse row of a constraint matrix: ``((variable, coefficient), ...)``."""


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
        True iff the certificate was checked in exact arithmetic
        (:func:`~solver.lp.checks.check_optimality`, :func:`~solver.lp.checks.check_infeasibility`;
        for unboundedness, a feasible point and an improving ray were checked by
        :func:`~solver.lp.checks.check_unboundedness`).
    method : str
        How the answer was found: ``"highs+exact-basis"`` (the HiGHS basis was exactly optimal),
        ``"highs+exact-repair"`` (exact pivots from it), ``"exact-simplex"`` (from a phase-1 start),
        ``"highs+farkas-ray"`` (infeasible: HiGHS' dual ray, rationalised, was a Farkas
        certificate); an infeasibility proof found through the elastic phase-1 program adds
        ``"elastic"``.
    """

    status: LPStatus
    value: Fraction | None
    primal: tuple[Fraction, ...]
    dual_upper: tuple[Fraction, ...]
    dual_equal: tuple[Fraction, ...]
    certified: bool
    method: str


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


__all__ = ["LPSolution", "LPStatus", "LinearProgram", "Row"]
