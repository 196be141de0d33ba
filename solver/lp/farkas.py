"""Infeasibility proved from HiGHS' dual ray (SPEC.md §9): a float Farkas vector, made exact and checked.

For the program of :class:`~solver.lp.program.LinearProgram`,

    maximize c·x  s.t.  A_ub x ≤ b_ub,  A_eq x = b_eq,  x_k ≥ 0 unless free[k],

a *Farkas certificate* is a pair ``y = (y_ub, y_eq)`` of exact rationals with

    (1)  y_ub ≥ 0                                   (one multiplier per upper row; y_eq is free),
    (2)  (A_ub^T y_ub + A_eq^T y_eq)_k ≥ 0          for every variable with x_k ≥ 0,
    (3)  (A_ub^T y_ub + A_eq^T y_eq)_k = 0          for every free variable,
    (4)  b_ub·y_ub + b_eq·y_eq < 0.

The program has no variable bounds other than ``x_k ≥ 0``, so no bound terms enter (4). For a
feasible x, (1) and the rows give ``y·(A x) ≤ b·y``, while (2)–(3) and ``x ≥ 0`` off the free
variables give ``y·(A x) = (A^T y)·x ≥ 0``; with (4), ``0 ≤ b·y < 0``, a contradiction. The check
is :func:`~solver.lp.checks.check_infeasibility`, in integers and fractions only.

When HiGHS finds a program infeasible, its dual ray is such a vector up to sign, scale and
rounding. :func:`infeasibility_from_ray` scales it to a largest entry of 1 and rationalises it
along :data:`TOLERANCE_LADDER`: each entry becomes the fraction of smallest denominator within the
rung's tolerance (:func:`simplest_close`; small denominators first, so that the ray's exact
rational values are found before close approximations of them), and the vector is scaled to
coprime integers. It orients each candidate so that ``b·y`` is negative and returns the first one
that passes the exact check. A ray that fails
every rung proves nothing: the caller then falls back to the elastic program
(:mod:`solver.lp.elastic`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction

from solver.core.numbers import ZERO
from solver.lp.checks import check_infeasibility
from solver.lp.program import LinearProgram, LPSolution, LPStatus

TOLERANCE_LADDER = (1e-9, 1e-12, 0.0)
"""How close, rung by rung, each rationalised entry must be to the scaled float ray (0: exactly the
float's own binary value)."""

NEGLIGIBLE = 1e-9
"""Entries of a ray scaled to a largest entry of 1 that are at most this are read as 0."""


def simplest_close(value: float, tolerance: float) -> Fraction:
    """The first continued-fraction convergent of a float within a tolerance of it.

    Convergents are the best rational approximations: none with a smaller denominator is closer.
    So this is the fraction of smallest denominator among them that is within ``tolerance``.

    Parameters
    ----------
    value : float
        A finite float.
    tolerance : float
        How far the fraction may be from ``value``; 0 gives the float's exact binary value.

    Returns
    -------
    Fraction
        ``p/q`` with ``|p/q − value| ≤ tolerance``.
    """
    return Fraction(*_convergent(value, tolerance))


def _convergent(value: float, tolerance: float) -> tuple[int, int]:
    """:func:`simplest_close` as ``(p, q)`` in lowest terms, ``q > 0``."""
    n, d = value.as_integer_ratio()
    if tolerance <= 0:
        return n, d
    # |p/q − n/d| ≤ t/u  ⇔  |p·d − n·q|·u ≤ t·q·d, in integers.
    t, u = tolerance.as_integer_ratio()
    numerator, denominator = n, d
    p0, q0, p1, q1 = 0, 1, 1, 0
    while denominator:
        term, remainder = divmod(numerator, denominator)
        p0, q0, p1, q1 = p1, q1, term * p1 + p0, term * q1 + q0
        if abs(p1 * d - n * q1) * u <= t * q1 * d:
            return p1, q1
        numerator, denominator = denominator, remainder
    return p1, q1


def _integer_candidates(ray: Sequence[float]) -> Iterator[list[tuple[int, int]]]:
    """:func:`rationalised_rays` as sparse coprime integer vectors ``[(row, integer), ...]``."""
    if not all(math.isfinite(v) for v in ray):
        return
    scale = max((abs(v) for v in ray), default=0.0)
    if scale == 0:
        return
    support = [(r, v / scale) for r, v in enumerate(ray) if abs(v) > NEGLIGIBLE * scale]
    previous: list[int] | None = None
    for tolerance in TOLERANCE_LADDER:
        fractions = [_convergent(v, tolerance) for _, v in support]
        common = math.lcm(*(q for _, q in fractions))
        integers = [p * (common // q) for p, q in fractions]
        divisor = math.gcd(*integers)
        integers = [i // divisor for i in integers]
        if integers != previous:
            previous = integers
            yield [(r, i) for (r, _), i in zip(support, integers)]


def rationalised_rays(ray: Sequence[float]) -> Iterator[tuple[Fraction, ...]]:
    """Exact candidates for a float ray, simplest first, along :data:`TOLERANCE_LADDER`.

    The ray is scaled so that its largest entry in absolute value is 1; entries at most
    :data:`NEGLIGIBLE` become 0, each other one the simplest fraction within the rung's tolerance
    (:func:`simplest_close`). The vector is then scaled to coprime integers (a Farkas certificate
    is one up to a positive factor). A candidate equal to the previous one is not repeated.

    Parameters
    ----------
    ray : sequence of float
        The float vector.

    Yields
    ------
    tuple of Fraction
        Integer-valued vectors of the same length (none when the ray is zero or not finite).
    """
    for candidate in _integer_candidates(ray):
        yield _dense(candidate, len(ray))


def _dense(sparse: Sequence[tuple[int, int]], length: int) -> tuple[Fraction, ...]:
    vector = [ZERO] * length
    for r, i in sparse:
        vector[r] = Fraction(i)
    return tuple(vector)


def infeasibility_from_ray(lp: LinearProgram, ray: Sequence[float]) -> LPSolution | None:
    """Prove a program infeasible from a float dual ray, exactly (conditions (1)–(4) above).

    Parameters
    ----------
    lp : LinearProgram
        The program.
    ray : sequence of float
        One entry per row, upper rows first, in any sign and scale (HiGHS' dual ray).

    Returns
    -------
    LPSolution or None
        ``lp`` proved infeasible by a Farkas certificate with coprime integer multipliers that
        :func:`~solver.lp.checks.check_infeasibility` accepted (method ``"highs+farkas-ray"``);
        None when the ray has the wrong length or no rationalisation of it, in either orientation,
        passes the check.
    """
    if len(ray) != lp.row_count:
        return None
    m1 = len(lp.upper_rows)
    rhs = (*lp.upper_rhs, *lp.equal_rhs)
    for candidate in _integer_candidates(ray):
        # Orient y so that b·y < 0: the sign of Σ b_r y_r over a common denominator of the b_r.
        common = math.lcm(*(rhs[r].denominator for r, _ in candidate))
        value = sum(rhs[r].numerator * (common // rhs[r].denominator) * i for r, i in candidate)
        if value == 0:
            continue
        y = _dense(candidate if value < 0 else [(r, -i) for r, i in candidate], len(ray))
        if check_infeasibility(lp, y[:m1], y[m1:]) is None:
            return LPSolution(LPStatus.INFEASIBLE, None, (), y[:m1], y[m1:], True, "highs+farkas-ray")
    return None


__all__ = ["NEGLIGIBLE", "TOLERANCE_LADDER", "infeasibility_from_ray", "rationalised_rays", "simplest_close"]
