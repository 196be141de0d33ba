"""Traced numbers: exact rational functions of one parameter, compared at a point (SPEC.md §9).

A :class:`ParamValue` is a rational function ``n(p) / d(p)`` with exact rational coefficients
(python-flint polynomials), bound to a :class:`Trace`. Arithmetic is exact on the functions.
A comparison is decided by the sign of the difference at the trace's :class:`Point` (a rational or
a real algebraic number), and, unless the difference is identically zero, the polynomials whose
signs were decided (its numerator and denominator) are recorded in the trace. On any interval around
the point where no recorded polynomial has a root, every comparison comes out the same, so an
evaluator written over these numbers gives one combinatorial answer there, with each of its numbers
an exact function of the parameter.

Evaluators written over these numbers use only ``+ - * /``, unary ``-``, comparisons, ``max``,
``min``, ``sorted``, ``abs`` and ``bool``; they run unchanged on :class:`fractions.Fraction`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from fractions import Fraction
from typing import Any, Union

from flint import fmpq, fmpq_poly

from solver.core.numbers import ZERO
from solver.parametric.algebraic import (
    AlgebraicNumber,
    Polynomial,
    Real,
    monic,
    sign_at,
    to_fmpq,
    to_fraction,
)

_ONE_POLY = fmpq_poly([1])
_FMPQ_ZERO = fmpq(0)
_X = fmpq_poly([0, 1])


class Point:
    """Where a trace decides signs: a rational or a real algebraic value of the parameter.

    Parameters
    ----------
    value : Fraction or AlgebraicNumber
        The parameter's value.
    """

    __slots__ = ("_signs", "exact", "value")

    def __init__(self, value: Real) -> None:
        self.value: Real = value
        self.exact = None if isinstance(value, AlgebraicNumber) else to_fmpq(value)
        # Signs decided at an irrational point, by polynomial: each costs a gcd and Sturm counts.
        self._signs: dict[tuple[fmpq, ...], int] = {}

    @classmethod
    def rational(cls, value: Fraction | int) -> Point:
        """A rational point.

        Parameters
        ----------
        value : Fraction or int
            The parameter's value.

        Returns
        -------
        Point
            The point.
        """
        return cls(Fraction(value))

    @classmethod
    def algebraic(cls, number: AlgebraicNumber) -> Point:
        """An irrational algebraic point.

        Parameters
        ----------
        number : AlgebraicNumber
            The parameter's value.

        Returns
        -------
        Point
            The point.
        """
        return cls(number)

    @property
    def is_rational(self) -> bool:
        """Whether the point is a rational number."""
        return self.exact is not None

    def sign(self, poly: Polynomial) -> int:
        """The exact sign of a polynomial at the point.

        Parameters
        ----------
        poly : fmpq_poly
            The polynomial.

        Returns
        -------
        int
            -1, 0 or 1.
        """
        if self.exact is not None:
            v = poly(self.exact)
            return (v > 0) - (v < 0)
        key = tuple(poly.coeffs())
        if key not in self._signs:
            self._signs[key] = sign_at(poly, self.value)
        return self._signs[key]

    def __repr__(self) -> str:
        return f"Point({self.value!r})"


class Trace:
    """The record of one traced evaluation: its point and the polynomials whose signs it decided.

    Parameters
    ----------
    point : Point
        Where signs are decided.
    name : str
        The parameter's name (used when functions are written out).
    """

    def __init__(self, point: Point, name: str = "p") -> None:
        self.point = point
        self.name = name
        # Keyed by the monic polynomial's integer numerator (primitive, positive leading
        # coefficient): hashing integers is cheaper than hashing rationals.
        self._recorded: dict[tuple[int, ...], Polynomial] = {}
        self.comparisons = 0
        # Results an evaluator computed on this trace's numbers, by its own keys: a result reused
        # within the trace needs no comparison recorded again.
        self.memo: dict[Hashable, Any] = {}

    @property
    def polynomials(self) -> tuple[Polynomial, ...]:
        """Every non-constant polynomial whose sign was decided, monic, without repetition."""
        return tuple(self._recorded.values())

    def record(self, poly: Polynomial) -> None:
        """Record a polynomial whose sign was decided (constants are not recorded).

        Parameters
        ----------
        poly : fmpq_poly
            The polynomial.
        """
        if poly.degree() > 0:
            normal = monic(poly)
            key = tuple(int(c) for c in normal.numer().coeffs())
            if key not in self._recorded:
                self._recorded[key] = normal

    def parameter(self) -> ParamValue:
        """The parameter itself as a traced number.

        Returns
        -------
        ParamValue
            The function ``p``.
        """
        return ParamValue.parameter(self)

    def constant(self, value: Fraction | int) -> ParamValue:
        """A constant as a traced number.

        Parameters
        ----------
        value : Fraction or int
            The constant.

        Returns
        -------
        ParamValue
            The constant function.
        """
        return ParamValue.constant(Fraction(value), self)


_SWEEP_STORES: list[dict[Any, Any]] = []


def sweep_store() -> dict[Any, Any]:
    """A store of results that hold at every value of the parameter, emptied when a sweep starts.

    For what an evaluator computes without deciding anything on traced numbers (a class's rules,
    a linear program with rational data): reused from one traced evaluation to the next, it
    records nothing and is the same at every point.

    Returns
    -------
    dict
        The store (a module keeps it for its own keys).
    """
    store: dict[Any, Any] = {}
    _SWEEP_STORES.append(store)
    return store


def forget_sweep_stores() -> None:
    """Empty every :func:`sweep_store` (a sweep starts with nothing kept from an earlier one)."""
    for store in _SWEEP_STORES:
        store.clear()


Operand = Union["ParamValue", Fraction, int]


class ParamValue:
    """An exact rational function of the parameter, bound to a trace.

    Build them with :meth:`constant` and :meth:`parameter`, then combine with ``+ - * /`` and
    integer powers, with other ParamValues of the same trace, ints and Fractions. Comparisons return
    plain bools decided at the trace's point and record their polynomials; ``bool(x)`` means
    ``x != 0``. Values are not hashable (equality is decided at a point, not structurally).

    Parameters
    ----------
    numerator, denominator : fmpq_poly
        The function ``numerator / denominator``; the denominator is nonzero.
    trace : Trace
        The trace that records comparisons.
    """

    __slots__ = ("_value", "denominator", "numerator", "trace")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, numerator: Polynomial, denominator: Polynomial, trace: Trace) -> None:
        if denominator.degree() > 0:
            common = numerator.gcd(denominator)
            if common.degree() > 0:
                numerator = numerator // common
                denominator = denominator // common
        lead = denominator.coeffs()[-1]
        if lead != 1:
            numerator = numerator / lead
            denominator = denominator / lead
        self.numerator: Polynomial = numerator
        self.denominator: Polynomial = denominator
        self.trace = trace
        self._value: fmpq | None = None

    # -- construction ---------------------------------------------------------------------------------

    @classmethod
    def constant(cls, value: Fraction | int, trace: Trace) -> ParamValue:
        """A constant function.

        Parameters
        ----------
        value : Fraction or int
            The constant.
        trace : Trace
            Its trace.

        Returns
        -------
        ParamValue
            The constant.
        """
        result = cls(fmpq_poly([to_fmpq(value)]), _ONE_POLY, trace)
        if trace.point.exact is not None:
            result._value = to_fmpq(value)
        return result

    @classmethod
    def parameter(cls, trace: Trace) -> ParamValue:
        """The parameter ``p`` itself.

        Parameters
        ----------
        trace : Trace
            Its trace.

        Returns
        -------
        ParamValue
            The identity function.
        """
        result = cls(_X, _ONE_POLY, trace)
        result._value = trace.point.exact
        return result

    @classmethod
    def function(cls, numerator: Polynomial, denominator: Polynomial, trace: Trace) -> ParamValue:
        """A rational function given by two polynomials.

        Parameters
        ----------
        numerator, denominator : fmpq_poly
            The function's numerator and (nonzero) denominator.
        trace : Trace
            Its trace.

        Returns
        -------
        ParamValue
            ``numerator / denominator``.
        """
        if denominator.is_zero():
            raise ZeroDivisionError("a rational function with denominator zero")
        return cls(numerator, denominator, trace)

    # -- reading --------------------------------------------------------------------------------------

    def is_constant(self) -> bool:
        """Whether the function is constant.

        Returns
        -------
        bool
            True when it does not depend on the parameter.
        """
        return self.numerator.degree() <= 0 and self.denominator.degree() <= 0

    def at(self, value: Fraction | int) -> Fraction:
        """The function's exact value at a rational parameter value.

        Parameters
        ----------
        value : Fraction or int
            The parameter's value.

        Returns
        -------
        Fraction
            ``n(value) / d(value)``.

        Raises
        ------
        ZeroDivisionError
            At a pole.
        """
        x = to_fmpq(value)
        d = self.denominator(x)
        if d == 0:
            raise ZeroDivisionError(f"{self.expression()} has a pole at {value}")
        return to_fraction(self.numerator(x) / d)

    def point_value(self) -> Fraction | None:
        """The exact value at the trace's point when it is rational (nothing is recorded).

        Returns
        -------
        Fraction or None
            The value, or None at an irrational point.
        """
        value = self._point_value()
        return None if value is None else to_fraction(value)

    def constant_value(self) -> Fraction:
        """The value of a constant function.

        Returns
        -------
        Fraction
            The constant.

        Raises
        ------
        ValueError
            When the function depends on the parameter.
        """
        if not self.is_constant():
            raise ValueError(f"{self.expression()} is not constant")
        return self.at(0)

    def expression(self) -> str:
        """The function as sympy text in the parameter's name, e.g. ``"(p**2 + 1)/(2*p)"``.

        Returns
        -------
        str
            ``str`` of sympy's canonical (cancelled) form.
        """
        return str(self.sympy())

    def sympy(self) -> object:
        """The function as a sympy expression in the parameter's symbol.

        Returns
        -------
        sympy.Expr
            The cancelled rational function.
        """
        return function_sympy(self.numerator, self.denominator, self.trace.name)

    def same_function(self, other: ParamValue | Fraction | int) -> bool:
        """Whether two numbers are the same function of the parameter (no comparison is recorded).

        Parameters
        ----------
        other : ParamValue, Fraction or int
            The other number.

        Returns
        -------
        bool
            True when identical as rational functions.
        """
        o = self._coerce(other)
        return bool(self.numerator * o.denominator == o.numerator * self.denominator)

    def __repr__(self) -> str:
        return f"ParamValue({self.expression()})"

    # -- signs and comparisons ------------------------------------------------------------------------

    def _point_value(self) -> fmpq | None:
        """The value at a rational point (cached), or None at an algebraic point."""
        if self._value is None:
            x = self.trace.point.exact
            if x is None:
                return None
            d = self.denominator(x)
            if d == 0:
                raise ZeroDivisionError(
                    f"{self.expression()} has a pole at the point {self.trace.point.value}"
                )
            self._value = self.numerator(x) / d
        return self._value

    def sign(self) -> int:
        """The sign at the trace's point, recording the polynomials it depends on.

        Returns
        -------
        int
            -1, 0 or 1.
        """
        trace = self.trace
        trace.comparisons += 1
        numerator, denominator = self.numerator, self.denominator
        degree = numerator.degree()
        if degree < 0:
            return 0
        if degree > 0:
            trace.record(numerator)
        if denominator.degree() > 0:
            trace.record(denominator)
        value = self._point_value()
        if value is not None:
            return (value > 0) - (value < 0)
        if degree == 0 and denominator.degree() == 0:
            return 1 if numerator.coeffs()[0] > 0 else -1
        point = trace.point
        return point.sign(numerator) * point.sign(denominator)

    def _coerce(self, other: object) -> ParamValue:
        if isinstance(other, ParamValue):
            if other.trace is not self.trace:
                raise ValueError("numbers of two different traces cannot be combined")
            return other
        if isinstance(other, (int, Fraction)) and not isinstance(other, bool):
            return ParamValue.constant(other, self.trace)
        raise TypeError(f"cannot combine a ParamValue with {type(other).__name__}")

    def _raw(self, numerator: Polynomial, denominator: Polynomial, value: fmpq | None) -> ParamValue:
        """A function already in lowest terms with a monic denominator (no normalisation)."""
        result = ParamValue.__new__(ParamValue)
        result.numerator = numerator
        result.denominator = denominator
        result.trace = self.trace
        result._value = value
        return result

    def _plus_scalar(self, c: fmpq) -> ParamValue:
        # (n + c d) / d stays in lowest terms: gcd(n + c d, d) = gcd(n, d).
        if not c:
            return self
        value = None if self._value is None else self._value + c
        if self.denominator.degree() == 0:
            return self._raw(self.numerator + c, self.denominator, value)
        return self._raw(self.numerator + self.denominator * c, self.denominator, value)

    def _times_scalar(self, c: fmpq) -> ParamValue:
        if c == 0:
            return self._raw(fmpq_poly([]), _ONE_POLY, None if self._value is None else c)
        return self._raw(
            self.numerator * c, self.denominator, None if self._value is None else self._value * c
        )

    def _compare(self, other: object) -> int | None:
        """The sign of ``self − other`` at the point, recorded (None for an unknown operand)."""
        if type(other) is ParamValue:
            if other.trace is not self.trace:
                raise ValueError("numbers of two different traces cannot be combined")
            if self.denominator.degree() == 0 and other.denominator.degree() == 0:
                # Both denominators are 1 (they are monic): the difference is n − n'.
                return self._difference_sign(self.numerator - other.numerator, other._point_value)
            return (self - other).sign()
        scalar = _scalar(other)
        if scalar is not None:
            if self.denominator.degree() == 0:
                return self._difference_sign(self.numerator - scalar, lambda: scalar)
            return self._plus_scalar(-scalar).sign()
        if not isinstance(other, ParamValue):
            return None
        return (self - other).sign()

    def _difference_sign(self, difference: Polynomial, other_value: Callable[[], fmpq | None]) -> int:
        """The sign of ``self − other`` given as a polynomial (both denominators 1), recorded."""
        trace = self.trace
        trace.comparisons += 1
        degree = difference.degree()
        if degree < 0:
            return 0
        if degree > 0:
            trace.record(difference)
        value = self._point_value()
        if value is not None:
            other = other_value()
            assert other is not None  # both values are at the same rational point
            return int(value > other) - int(value < other)
        if degree == 0:
            return 1 if difference.coeffs()[0] > 0 else -1
        return trace.point.sign(difference)

    def __eq__(self, other: object) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s == 0

    def __ne__(self, other: object) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s != 0

    def __lt__(self, other: Operand) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s < 0

    def __le__(self, other: Operand) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s <= 0

    def __gt__(self, other: Operand) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s > 0

    def __ge__(self, other: Operand) -> bool:
        s = self._compare(other)
        return NotImplemented if s is None else s >= 0

    def __bool__(self) -> bool:
        return self.sign() != 0

    # -- arithmetic -----------------------------------------------------------------------------------

    def _combine(self, numerator: Polynomial, denominator: Polynomial, value: fmpq | None) -> ParamValue:
        result = ParamValue(numerator, denominator, self.trace)
        result._value = value
        return result

    def __add__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is not None:
            return self._plus_scalar(scalar)
        if not isinstance(other, ParamValue):
            return NotImplemented
        o = self._coerce(other)
        a, b = self._value, o._value
        value = a + b if a is not None and b is not None else None
        if self.denominator.degree() == 0 and o.denominator.degree() == 0:
            return self._raw(self.numerator + o.numerator, _ONE_POLY, value)
        if self.denominator == o.denominator:
            return self._combine(self.numerator + o.numerator, self.denominator, value)
        return self._combine(
            self.numerator * o.denominator + o.numerator * self.denominator,
            self.denominator * o.denominator,
            value,
        )

    __radd__ = __add__

    def __neg__(self) -> ParamValue:
        return self._raw(-self.numerator, self.denominator, None if self._value is None else -self._value)

    def __pos__(self) -> ParamValue:
        return self

    def __abs__(self) -> ParamValue:
        return -self if self.sign() < 0 else self

    def __sub__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is not None:
            return self._plus_scalar(-scalar)
        if not isinstance(other, ParamValue):
            return NotImplemented
        return self + (-self._coerce(other))

    def __rsub__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is not None:
            return (-self)._plus_scalar(scalar)
        return NotImplemented

    def __mul__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is not None:
            return self._times_scalar(scalar)
        if not isinstance(other, ParamValue):
            return NotImplemented
        o = self._coerce(other)
        a, b = self._value, o._value
        value = a * b if a is not None and b is not None else None
        if self.denominator.degree() == 0 and o.denominator.degree() == 0:
            return self._raw(self.numerator * o.numerator, _ONE_POLY, value)
        return self._combine(self.numerator * o.numerator, self.denominator * o.denominator, value)

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is not None:
            if scalar == 0:
                raise ZeroDivisionError("division by zero")
            return self._times_scalar(1 / scalar)
        if not isinstance(other, ParamValue):
            return NotImplemented
        return self * self._coerce(other)._inverse()

    def __rtruediv__(self, other: Operand) -> ParamValue:
        scalar = _scalar(other)
        if scalar is None:
            return NotImplemented
        return self._inverse()._times_scalar(scalar)

    def _inverse(self) -> ParamValue:
        if self.sign() == 0:
            raise ZeroDivisionError(f"division by {self.expression()}, which is zero at the point")
        value = self._value
        return self._combine(self.denominator, self.numerator, None if value is None else 1 / value)

    def __pow__(self, exponent: int) -> ParamValue:
        if not isinstance(exponent, int) or isinstance(exponent, bool):
            return NotImplemented
        base = self if exponent >= 0 else self._inverse()
        result = ParamValue.constant(1, self.trace)
        for _ in range(abs(exponent)):
            result = result * base
        return result


def _scalar(value: object) -> fmpq | None:
    """An int or Fraction as python-flint's rational (None for anything else)."""
    if value is ZERO:
        return _FMPQ_ZERO
    kind = type(value)
    if kind is Fraction:
        assert isinstance(value, Fraction)
        return fmpq(value.numerator, value.denominator)
    if kind is int:
        assert isinstance(value, int)
        return fmpq(value)
    return None


def at_point(value: object) -> fmpq | None:
    """A number's exact value at its trace's point when that is rational; nothing is recorded.

    For deciding, at the point, which comparison to make: the comparison itself is then made on the
    traced numbers (and recorded), since a value read here does not tell over what piece it holds.

    Parameters
    ----------
    value : ParamValue, Fraction or int
        The number.

    Returns
    -------
    fmpq or None
        The value (a Fraction or int as it is), or None for a traced number at an irrational point.
    """
    if type(value) is ParamValue:
        return value._point_value()
    scalar = _scalar(value)
    if scalar is None and isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    return scalar


def is_identically_zero(value: object) -> bool:
    """Whether a number is zero as a function (nothing is traced: this is structure, not a sign).

    Parameters
    ----------
    value : ParamValue, Fraction or int
        The number.

    Returns
    -------
    bool
        True for a Fraction or int equal to 0, or a ParamValue whose numerator is the zero
        polynomial.
    """
    if isinstance(value, ParamValue):
        return bool(value.numerator.is_zero())
    return isinstance(value, (int, Fraction)) and value == 0


def function_sympy(numerator: Polynomial, denominator: Polynomial, name: str) -> object:
    """A rational function of the parameter as a sympy expression.

    Parameters
    ----------
    numerator, denominator : fmpq_poly
        The function's polynomials.
    name : str
        The parameter's name.

    Returns
    -------
    sympy.Expr
        ``numerator / denominator``, cancelled.
    """
    import sympy

    symbol = sympy.Symbol(name)

    def poly(p: Polynomial) -> Any:
        return sum(
            (sympy.Rational(int(c.p), int(c.q)) * symbol**k for k, c in enumerate(p.coeffs())),
            sympy.Integer(0),
        )

    return sympy.cancel(poly(numerator) / poly(denominator))


def function_text(numerator: Polynomial, denominator: Polynomial, name: str) -> str:
    """A rational function of the parameter as sympy text, e.g. ``"(p**2 + 1)/(2*p)"``.

    Parameters
    ----------
    numerator, denominator : fmpq_poly
        The function's polynomials.
    name : str
        The parameter's name.

    Returns
    -------
    str
        Sympy's spelling of the cancelled function.
    """
    return str(function_sympy(numerator, denominator, name))


Number = ParamValue | Fraction
"""A number of a generic evaluator: a traced function, or a plain rational."""
