"""Exact numbers: one rational type, a parser for the spellings of SPEC.md §1, and a formatter.

pluralis computes with :class:`fractions.Fraction` only. sympy is used solely to evaluate
expressions in an instance's named parameters, and its result is converted back at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from solver.errors import NumberError

Number = Fraction
"""The one exact number type of pluralis."""

ZERO = Fraction(0)
ONE = Fraction(1)

_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPRESSION_CHARACTERS = re.compile(r"^[A-Za-z0-9_.+\-*/()\s]+$")
_PLAIN_RATIONAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*[+-]?\d+)?\s*$")


def exact_spelling(value: float) -> str:
    """Return the exact rational spelling a user most likely meant by a float.

    Parameters
    ----------
    value : float
        The offending float.

    Returns
    -------
    str
        ``"p/q"`` for the shortest decimal that reads back as ``value`` (``0.1`` gives ``"1/10"``).
    """
    if not math.isfinite(value):
        return 'a finite rational such as "1/2"'
    fraction = Fraction(repr(value))
    if fraction.denominator == 1:
        return str(fraction.numerator)
    return f'"{fraction.numerator}/{fraction.denominator}"'


def parse_number(
    value: Any,
    place: str = "",
    parameters: Mapping[str, Fraction] | None = None,
) -> Fraction:
    """Read one exact rational from an instance file.

    Parameters
    ----------
    value : int, str or Fraction
        An int, a string holding ``"p/q"``, a decimal (``"0.25"``) or, when ``parameters`` are
        given, an arithmetic expression in them (``"eta/2"``).
    place : str
        Where the value stands, used in error messages.
    parameters : mapping, optional
        Named exact values usable in expressions.

    Returns
    -------
    Fraction
        The exact value.

    Raises
    ------
    NumberError
        For a float, a bool, a non-finite value, an unreadable string, an unknown parameter, or
        an expression whose value is not rational.
    """
    if isinstance(value, bool):
        raise NumberError(place, f"{value!r} is a boolean, not a number; write 0 or 1")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        raise NumberError(
            place,
            f"the float {value!r} is not exact; write it as a quoted string, e.g. {exact_spelling(value)}"
            f' or "{value!r}"',
        )
    if isinstance(value, str):
        return _parse_string(value, place, parameters or {})
    type_name = type(value).__name__
    if type_name == "Float":
        raise NumberError(
            place, f'the sympy Float {value} is not exact; use sympy.Rational or a string "p/q"'
        )
    if type_name in {"Rational", "Integer", "One", "Zero", "NegativeOne", "Half"}:
        return Fraction(int(value.p), int(value.q))
    raise NumberError(
        place, f'expected a number (an int or a string such as "3/7"), got {type_name} {value!r}'
    )


def _parse_string(text: str, place: str, parameters: Mapping[str, Fraction]) -> Fraction:
    if _PLAIN_RATIONAL.match(text):
        try:
            return Fraction(text.replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            raise NumberError(place, f"{text!r} divides by zero") from None
    lowered = text.strip().lower()
    if lowered in {"nan", "inf", "+inf", "-inf", "infinity", "-infinity", "oo", "-oo"}:
        raise NumberError(place, f"{text!r} is not a finite number; every number must be an exact rational")
    return _evaluate_expression(text, place, parameters)


def _evaluate_expression(text: str, place: str, parameters: Mapping[str, Fraction]) -> Fraction:
    import sympy
    from sympy.parsing.sympy_parser import (
        auto_number,
        factorial_notation,
        parse_expr,
        rationalize,
    )

    if not _EXPRESSION_CHARACTERS.match(text):
        raise NumberError(
            place,
            f"cannot read {text!r} as a number; only digits, '.', parameters, + - * / ** and "
            "brackets are allowed",
        )
    unknown = sorted({word for word in _IDENTIFIER.findall(text) if word not in parameters})
    if unknown:
        declared = ", ".join(sorted(parameters)) or "none"
        raise NumberError(
            place,
            f"{text!r} uses unknown parameter(s) {', '.join(unknown)} (declared: {declared}); "
            f"declare them under 'parameters' or write a number such as \"3/7\"",
        )
    names = {name: sympy.Symbol(name) for name in parameters}
    transformations = (auto_number, factorial_notation, rationalize)
    # Only numbers and the declared parameters are in scope: no functions, no constants.
    scope: dict[str, Any] = {"Integer": sympy.Integer, "Rational": sympy.Rational, "Float": sympy.Float}
    try:
        expression = parse_expr(
            text, local_dict=dict(names), global_dict=scope, transformations=transformations
        )
    except Exception:  # sympy raises many types for unreadable input
        raise NumberError(
            place,
            f'cannot read {text!r} as a number; write an int, "p/q", a decimal such as "0.25", or an '
            f"expression in the parameters ({', '.join(sorted(parameters)) or 'none declared'})",
        ) from None
    if not isinstance(expression, sympy.Expr):
        raise NumberError(place, f"{text!r} is not an arithmetic expression")
    substituted = expression.subs(
        {names[k]: sympy.Rational(v.numerator, v.denominator) for k, v in parameters.items()}
    )
    if not isinstance(substituted, sympy.Rational):
        raise NumberError(place, f"{text!r} does not evaluate to an exact rational (got {substituted})")
    return Fraction(int(substituted.p), int(substituted.q))


def is_expression(text: Any) -> bool:
    """Tell whether a number's spelling is an expression rather than a plain rational.

    Parameters
    ----------
    text : object
        The raw value from a file.

    Returns
    -------
    bool
        True for strings that are not a plain ``p/q`` or decimal spelling.
    """
    return isinstance(text, str) and not _PLAIN_RATIONAL.match(text)


def check_parameter_name(name: Any, place: str) -> str:
    """Validate a parameter name (an identifier).

    Parameters
    ----------
    name : object
        The candidate name.
    place : str
        Where it stands.

    Returns
    -------
    str
        The name.
    """
    if not isinstance(name, str) or not _PARAMETER_NAME.match(name):
        raise NumberError(place, f"parameter name {name!r} must be an identifier such as eta or p_1")
    return name


def format_number(value: Fraction) -> int | str:
    """Write an exact number in the canonical file spelling.

    Parameters
    ----------
    value : Fraction
        The number.

    Returns
    -------
    int or str
        An int when integral, else ``"p/q"`` in lowest terms.
    """
    if value.denominator == 1:
        return int(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def to_string(value: Fraction) -> str:
    """Write an exact number as a string ``"p/q"`` (or ``"p"`` when integral), as in JSON reports.

    Parameters
    ----------
    value : Fraction
        The number.

    Returns
    -------
    str
        Its exact spelling.
    """
    return str(value)
