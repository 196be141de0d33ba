"""Real algebraic numbers, exactly: a defining polynomial and an isolating interval (SPEC.md §9).

A breakpoint of a parametric sweep is a real root of a polynomial with rational coefficients. A
rational root is a :class:`fractions.Fraction`; an irrational one is an :class:`AlgebraicNumber`: a
squarefree polynomial with rational coefficients and an open interval with rational ends that holds
exactly one of its roots and none of its ends. Signs of polynomials at such a number are decided
exactly, by a gcd (does the polynomial vanish there?) and by bisection of the interval until the
polynomial has no root in it (Sturm sequences count the roots). Nothing passes through a float.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from functools import total_ordering

from flint import fmpq, fmpq_poly

Polynomial = fmpq_poly
"""A univariate polynomial with exact rational coefficients (python-flint)."""


def to_fmpq(value: Fraction | int) -> fmpq:
    """Convert an exact rational to python-flint's type.

    Parameters
    ----------
    value : Fraction or int
        The number.

    Returns
    -------
    fmpq
        The same number.
    """
    if type(value) is int:
        return fmpq(value)
    value = Fraction(value)
    return fmpq(value.numerator, value.denominator)


def to_fraction(value: fmpq) -> Fraction:
    """Convert python-flint's rational to :class:`fractions.Fraction`.

    Parameters
    ----------
    value : fmpq
        The number.

    Returns
    -------
    Fraction
        The same number.
    """
    return Fraction(int(value.p), int(value.q))


def polynomial(coefficients: Sequence[Fraction | int]) -> Polynomial:
    """Build a polynomial from its coefficients, constant term first.

    Parameters
    ----------
    coefficients : sequence of Fraction or int
        ``c_0, c_1, ...``.

    Returns
    -------
    fmpq_poly
        ``Σ c_k x^k``.
    """
    return fmpq_poly([to_fmpq(c) for c in coefficients])


def coefficients(poly: Polynomial) -> tuple[Fraction, ...]:
    """The coefficients of a polynomial, constant term first, as Fractions.

    Parameters
    ----------
    poly : fmpq_poly
        The polynomial.

    Returns
    -------
    tuple of Fraction
        ``(c_0, ..., c_d)``; empty for the zero polynomial.
    """
    return tuple(to_fraction(c) for c in poly.coeffs())


def monic(poly: Polynomial) -> Polynomial:
    """The polynomial divided by its leading coefficient (the zero polynomial unchanged).

    Parameters
    ----------
    poly : fmpq_poly
        The polynomial.

    Returns
    -------
    fmpq_poly
        Its monic associate.
    """
    if poly.is_zero():
        return poly
    return poly / poly.coeffs()[-1]


def sign_at_rational(poly: Polynomial, value: Fraction) -> int:
    """The sign of a polynomial at a rational number.

    Parameters
    ----------
    poly : fmpq_poly
        The polynomial.
    value : Fraction
        The point.

    Returns
    -------
    int
        -1, 0 or 1.
    """
    v = poly(to_fmpq(value))
    return (v > 0) - (v < 0)


def _sturm_chain(poly: Polynomial) -> list[Polynomial]:
    chain = [poly, poly.derivative()]
    while not chain[-1].is_zero():
        remainder = chain[-2] % chain[-1]
        if remainder.is_zero():
            break
        chain.append(-remainder)
    return [p for p in chain if not p.is_zero()]


def _variations(chain: Sequence[Polynomial], value: fmpq) -> int:
    signs = [s for s in ((v > 0) - (v < 0) for v in (p(value) for p in chain)) if s]
    return sum(1 for a, b in itertools.pairwise(signs) if a != b)


def count_roots(poly: Polynomial, low: Fraction, high: Fraction) -> int:
    """The number of distinct real roots of a nonzero polynomial in ``(low, high]`` (Sturm's theorem).

    Parameters
    ----------
    poly : fmpq_poly
        A nonzero polynomial.
    low, high : Fraction
        The interval's ends, ``low < high``.

    Returns
    -------
    int
        How many distinct roots lie in ``(low, high]``.
    """
    if poly.degree() <= 0:
        return 0
    chain = _sturm_chain(poly)
    return _variations(chain, to_fmpq(low)) - _variations(chain, to_fmpq(high))


@total_ordering
class AlgebraicNumber:
    """An irrational real algebraic number: a defining polynomial and an isolating interval.

    Parameters
    ----------
    poly : fmpq_poly
        A squarefree polynomial with rational coefficients (made monic), with no rational root in
        the interval.
    low, high : Fraction
        Ends of an open interval ``(low, high)`` holding exactly one root of ``poly``; neither end is
        a root.

    Notes
    -----
    Equality is equality of the numbers (two isolating intervals of one root are equal numbers),
    so instances are not hashable. Build them with :func:`isolate_roots`.
    """

    __slots__ = ("high", "interval", "low", "poly")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, poly: Polynomial, low: Fraction, high: Fraction) -> None:
        if not low < high:
            raise ValueError("an isolating interval needs low < high")
        poly = monic(poly)
        if sign_at_rational(poly, low) == 0 or sign_at_rational(poly, high) == 0:
            raise ValueError("an end of an isolating interval is a root")
        if count_roots(poly, low, high) != 1:
            raise ValueError("the interval does not isolate exactly one root")
        self.poly = poly
        self.low = Fraction(low)
        self.high = Fraction(high)
        # The interval it was built with, for display; refinement narrows ``low`` and ``high``.
        self.interval = (self.low, self.high)

    def refine(self) -> None:
        """Halve the isolating interval, keeping the half that holds the root."""
        middle = (self.low + self.high) / 2
        s = sign_at_rational(self.poly, middle)
        if s == 0:
            # A rational root of the defining polynomial: step aside, it is not this number.
            middle = (self.low + middle) / 2
            s = sign_at_rational(self.poly, middle)
        if sign_at_rational(self.poly, self.low) * s < 0:
            self.high = middle
        else:
            self.low = middle

    def sign_of(self, poly: Polynomial) -> int:
        """The exact sign of a polynomial at this number.

        Parameters
        ----------
        poly : fmpq_poly
            Any polynomial with rational coefficients.

        Returns
        -------
        int
            -1, 0 or 1.
        """
        if poly.is_zero():
            return 0
        if poly.degree() == 0:
            return 1 if poly.coeffs()[0] > 0 else -1
        common = self.poly.gcd(poly)
        if common.degree() > 0 and (
            sign_at_rational(common, self.low) * sign_at_rational(common, self.high) < 0
        ):
            # The common factor divides the defining polynomial, so its one root here is this number.
            return 0
        while count_roots(poly, self.low, self.high) > 0:
            self.refine()
        return sign_at_rational(poly, self.high)

    def compare(self, other: AlgebraicNumber | Fraction | int) -> int:
        """Compare with a rational or another algebraic number, exactly.

        Parameters
        ----------
        other : AlgebraicNumber, Fraction or int
            The other number.

        Returns
        -------
        int
            -1, 0 or 1 as this number is below, equal to or above ``other``.
        """
        if not isinstance(other, AlgebraicNumber):
            return self.sign_of(polynomial([-Fraction(other), 1]))
        if self.sign_of(other.poly) == 0 and self.compare(other.low) > 0 and self.compare(other.high) < 0:
            return 0
        while not (self.high <= other.low or other.high <= self.low):
            self.refine()
            other.refine()
        return -1 if self.high <= other.low else 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (AlgebraicNumber, Fraction, int)):
            return NotImplemented
        return self.compare(other) == 0

    def __lt__(self, other: AlgebraicNumber | Fraction | int) -> bool:
        return self.compare(other) < 0

    def approximation(self, digits: int = 15) -> Fraction:
        """A rational within ``10**-digits`` of this number.

        Parameters
        ----------
        digits : int
            Decimal digits of accuracy.

        Returns
        -------
        Fraction
            The middle of an isolating interval narrower than ``2 * 10**-digits``.
        """
        width = Fraction(1, 10**digits)
        while self.high - self.low > 2 * width:
            self.refine()
        return (self.low + self.high) / 2

    def decimal(self, digits: int = 15) -> str:
        """A decimal approximation for reading, e.g. ``"0.618033988749895"``.

        Parameters
        ----------
        digits : int
            Digits after the point.

        Returns
        -------
        str
            The number rounded to ``digits`` places (not exact: the exact number is the root).
        """
        return decimal_text(self.approximation(digits + 2), digits)

    def polynomial_text(self, name: str = "p") -> str:
        """The defining polynomial with integer coefficients, as sympy text in ``name``.

        Parameters
        ----------
        name : str
            The variable's name.

        Returns
        -------
        str
            E.g. ``"p**2 + p - 1"``.
        """
        return polynomial_text(self.poly, name)

    def __repr__(self) -> str:
        text = self.polynomial_text("x")
        return f"AlgebraicNumber(root of {text} in ({self.low}, {self.high}) ≈ {self.decimal(6)})"


def decimal_text(value: Fraction, digits: int = 15) -> str:
    """A rational rounded to ``digits`` places after the point, as text.

    Parameters
    ----------
    value : Fraction
        The number.
    digits : int
        Places after the point.

    Returns
    -------
    str
        E.g. ``"0.333333"``.
    """
    scaled = round(value * 10**digits)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d}" if digits else f"{sign}{whole}"


def polynomial_text(poly: Polynomial, name: str = "p") -> str:
    """A polynomial scaled to coprime integer coefficients, as sympy text.

    Parameters
    ----------
    poly : fmpq_poly
        The polynomial.
    name : str
        The variable's name.

    Returns
    -------
    str
        Sympy's spelling, e.g. ``"2*p**2 - 1"``.
    """
    import sympy

    symbol = sympy.Symbol(name)
    expression = sum(
        (sympy.Rational(int(c.p), int(c.q)) * symbol**k for k, c in enumerate(poly.coeffs())),
        sympy.Integer(0),
    )
    if poly.degree() <= 0:
        return str(expression)
    _, integral = sympy.Poly(expression, symbol).clear_denoms()
    return str(integral.primitive()[1].as_expr())


Real = Fraction | AlgebraicNumber
"""A real algebraic number: rational as a Fraction, irrational as an :class:`AlgebraicNumber`."""


def compare(left: Real, right: Real) -> int:
    """Compare two real algebraic numbers exactly.

    Parameters
    ----------
    left, right : Fraction or AlgebraicNumber
        The numbers.

    Returns
    -------
    int
        -1, 0 or 1.
    """
    if isinstance(left, AlgebraicNumber):
        return left.compare(right)
    if isinstance(right, AlgebraicNumber):
        return -right.compare(left)
    return (left > right) - (left < right)


def sign_at(poly: Polynomial, point: Real) -> int:
    """The exact sign of a polynomial at a real algebraic number.

    Parameters
    ----------
    poly : fmpq_poly
        The polynomial.
    point : Fraction or AlgebraicNumber
        The number.

    Returns
    -------
    int
        -1, 0 or 1.
    """
    if isinstance(point, AlgebraicNumber):
        return point.sign_of(poly)
    return sign_at_rational(poly, point)


def isolate_roots(poly: Polynomial, low: Fraction, high: Fraction) -> list[Real]:
    """Every distinct real root of a nonzero polynomial in the open interval ``(low, high)``, sorted.

    Rational roots come from the linear factors over the rationals (python-flint's factoring); the
    roots of each irreducible factor of degree two or more are isolated by Sturm counts and bisection.

    Parameters
    ----------
    poly : fmpq_poly
        A nonzero polynomial.
    low, high : Fraction
        The interval's ends, ``low < high``.

    Returns
    -------
    list of Fraction or AlgebraicNumber
        The roots, increasing.
    """
    roots: list[Real] = []
    if poly.degree() <= 0:
        return roots
    _, factors = poly.factor()
    for factor, _multiplicity in factors:
        f = fmpq_poly(factor)
        if f.degree() == 1:
            c0, c1 = (to_fraction(c) for c in f.coeffs())
            root = -c0 / c1
            if low < root < high:
                roots.append(root)
            continue
        pending = [(Fraction(low), Fraction(high))]
        while pending:
            a, b = pending.pop()
            count = count_roots(f, a, b)
            if count == 0:
                continue
            if count == 1:
                roots.append(AlgebraicNumber(f, a, b))
                continue
            middle = (a + b) / 2
            pending.extend([(a, middle), (middle, b)])
    return sort_reals(roots)


def sort_reals(numbers: Sequence[Real]) -> list[Real]:
    """Sort real algebraic numbers increasingly, exactly.

    Parameters
    ----------
    numbers : sequence of Fraction or AlgebraicNumber
        The numbers.

    Returns
    -------
    list
        The same numbers, increasing.
    """
    from functools import cmp_to_key

    return sorted(numbers, key=cmp_to_key(compare))


def simplest_between(low: Fraction, high: Fraction) -> Fraction:
    """The rational with the smallest denominator strictly between two rationals (Stern–Brocot).

    Parameters
    ----------
    low, high : Fraction
        The ends, ``low < high``.

    Returns
    -------
    Fraction
        The simplest rational in ``(low, high)``; among equal denominators, the smallest numerator
        in absolute value.
    """
    if not low < high:
        raise ValueError("simplest_between needs low < high")
    if low < 0 < high:
        return Fraction(0)
    if high <= 0:
        return -simplest_between(-high, -low)
    floor = low.numerator // low.denominator
    if floor + 1 < high:
        return Fraction(floor + 1)
    # low and high share their integer part (or high is that part plus one): recurse on the reciprocals.
    fraction_low = low - floor
    fraction_high = high - floor
    if fraction_low == 0:
        inverse = 1 / fraction_high
        return floor + Fraction(1, inverse.numerator // inverse.denominator + 1)
    return floor + 1 / simplest_between(1 / fraction_high, 1 / fraction_low)


def rational_between(low: Real, high: Real) -> Fraction:
    """A simple rational strictly between two real algebraic numbers.

    Parameters
    ----------
    low, high : Fraction or AlgebraicNumber
        The ends, ``low < high``.

    Returns
    -------
    Fraction
        The simplest rational of a rational interval inside ``(low, high)``.
    """
    if isinstance(low, AlgebraicNumber):
        while compare(low.high, high) >= 0:
            low.refine()
        left = low.high
    else:
        left = low
    if isinstance(high, AlgebraicNumber):
        while compare(high.low, left) <= 0:
            high.refine()
        right = high.low
    else:
        right = high
    # low < left <= q < right <= high for the q chosen (left = low when low is rational).
    return simplest_between(left, right)


def root_index(number: AlgebraicNumber) -> int:
    """How many real roots of the defining polynomial lie below the number (sympy's ``CRootOf`` index).

    Parameters
    ----------
    number : AlgebraicNumber
        The number.

    Returns
    -------
    int
        The index of the number among the real roots of its polynomial, increasing from 0.
    """
    coefficients_ = number.poly.coeffs()
    lead = abs(coefficients_[-1])
    bound = 1 + max(abs(to_fraction(c / lead)) for c in coefficients_[:-1])
    return count_roots(number.poly, -bound - 1, number.low)


def sympy_text(value: Real, name: str = "p") -> str:
    """A real algebraic number as exact sympy text: ``"1/2"`` or ``"CRootOf(p**2 - 2, 1)"``.

    Parameters
    ----------
    value : Fraction or AlgebraicNumber
        The number.
    name : str
        The variable of the defining polynomial.

    Returns
    -------
    str
        Text that ``sympy.sympify`` reads back as the same number.
    """
    if isinstance(value, AlgebraicNumber):
        return f"CRootOf({value.polynomial_text(name)}, {root_index(value)})"
    return str(value)
