"""Exact rationals between :class:`fractions.Fraction` and python-flint's ``fmpq``.

The float solve's basis is made exact, and the exact simplex pivots, in python-flint; every number
that leaves :mod:`solver.lp` is a :class:`~fractions.Fraction` again.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def to_fmpq(value: Fraction) -> Any:
    """A fraction as a python-flint rational.

    Parameters
    ----------
    value : Fraction
        The number.

    Returns
    -------
    flint.fmpq
        The same number.
    """
    from flint import fmpq

    return fmpq(value.numerator, value.denominator)


def to_fraction(value: Any) -> Fraction:
    """A python-flint rational as a fraction.

    Parameters
    ----------
    value : flint.fmpq
        The number.

    Returns
    -------
    Fraction
        The same number.
    """
    return Fraction(int(value.p), int(value.q))


__all__ = ["to_fmpq", "to_fraction"]
