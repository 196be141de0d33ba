"""Solving a linear program exactly (SPEC.md §9): the order in which the layer's methods are tried.

HiGHS proposes a basis (:mod:`solver.lp.highs`), which is made exact and certified; when it is not
exactly optimal, exact pivots repair it (:mod:`solver.lp.simplex`). A program HiGHS finds
infeasible is proved so by a Farkas certificate: HiGHS' own dual ray, rationalised and checked
exactly (:mod:`solver.lp.farkas`), or, when no rationalisation of the ray passes the check, the
exact optimal dual of the elastic phase-1 program (:mod:`solver.lp.elastic`). An unbounded program
is proved so by a feasible point and an improving ray. When none of that works, the exact simplex
starts from scratch. Every answer is checked by :mod:`solver.lp.checks`.

HiGHS runs without presolve on small programs (:data:`PRESOLVE_ABOVE`): on them presolve saves
little, and when a program is infeasible (as most of the deviation oracle's are) the dual simplex
that finds it so holds the dual ray, which HiGHS would otherwise compute by a second solve after a
presolve that found the infeasibility. Larger programs are presolved.
"""

from __future__ import annotations

from dataclasses import replace

from solver.core.errors import ModelError
from solver.core.numbers import ZERO
from solver.lp.elastic import elastic_program, infeasibility_from_elastic
from solver.lp.farkas import infeasibility_from_ray
from solver.lp.highs import FloatResult, certify_basis, solve_float
from solver.lp.program import LinearProgram, LPSolution, LPStatus
from solver.lp.simplex import StandardForm, solve_from_basis, solve_from_scratch

PRESOLVE_ABOVE = 200
"""HiGHS presolves a program with more nonzero coefficients than this (measured: presolve starts to
pay on random programs of a few hundred nonzeros; the deviation oracle's have fewer than 100)."""


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
        return solve_from_scratch(lp)
    if method != "auto":
        raise ModelError(f"unknown LP method {method!r}; use 'auto' or 'exact'")
    return _solve_auto(lp, elastic=True)


def _solve_auto(lp: LinearProgram, elastic: bool) -> LPSolution:
    if lp.variable_count == 0 or lp.row_count == 0:
        return solve_from_scratch(lp)
    try:
        nonzeros = sum(len(row) for row in lp.upper_rows) + sum(len(row) for row in lp.equal_rows)
        found = solve_float(lp, presolve=nonzeros > PRESOLVE_ABOVE, dual_ray=elastic)
    except (OverflowError, RuntimeError, ValueError):
        return solve_from_scratch(lp)
    if found.status is LPStatus.OPTIMAL:
        solution = certify_basis(lp, found.basic_columns, found.basic_rows)
        if solution is not None:
            return solution
        repaired = _repair(lp, found)
        if repaired is not None:
            return repaired
    elif found.status is LPStatus.UNBOUNDED:
        # A basis of the feasibility problem (objective 0) is a start for the exact primal simplex.
        try:
            feasible = solve_float(replace(lp, objective=(ZERO,) * lp.variable_count))
        except (OverflowError, RuntimeError, ValueError):
            return solve_from_scratch(lp)
        repaired = _repair(lp, feasible)
        if repaired is not None:
            return repaired
    elif elastic:  # infeasible, or no verdict (then HiGHS gives no ray)
        proof = infeasibility_from_ray(lp, found.dual_ray)
        if proof is not None:
            return proof
        proof = infeasibility_from_elastic(lp, _solve_auto(elastic_program(lp), elastic=False))
        if proof is not None:
            return proof
    return solve_from_scratch(lp)


def _repair(lp: LinearProgram, found: FloatResult) -> LPSolution | None:
    """Exact pivots from a HiGHS basis; None when there is no usable basis."""
    if found.status is not LPStatus.OPTIMAL:
        return None
    form = StandardForm(lp, artificial=False)
    basis = form.basis_from(found.basic_columns, found.basic_rows)
    if basis is None:
        return None
    return solve_from_basis(lp, form, basis)


__all__ = ["PRESOLVE_ABOVE", "solve_lp"]
