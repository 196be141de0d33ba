"""Exact numbers: one rational type, a parser for the spellings of SPEC.md §1, and a formatter.

pluralis computes with :class:`fractions.Fraction` only. A number written as an expression in an
instance's named parameters (``"eta/2"``) is read by a small exact interpreter of arithmetic
(``+ - * / **`` and brackets over numbers and parameters) built on :mod:`ast`: nothing is ever
passed to ``eval``, so an instance file cannot run code.
"""

from __future__ import annotations

import ast
import math
import numbers
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from solver.core.errors import NumberError, shown

Number = Fraction
"""The one exact number type of pluralis."""

ZERO = Fraction(0)
ONE = Fraction(1)

MAX_DIGITS = 1000
"""Most decimal digits in the numerator or denominator of a number read from a file."""

MAX_TEXT_LENGTH = 3 * MAX_DIGITS
"""Longest spelling of one number (or expression) read from a file."""

_LIMIT = 10**MAX_DIGITS
_MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10)) + 1
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXPRESSION_CHARACTERS = re.compile(r"^[A-Za-z0-9_.+\-*/()\s]+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?$")
_PLAIN_RATIONAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(\s*/\s*[+-]?\d+)?\s*$")
_NON_FINITE = {sign + word for sign in ("", "+", "-") for word in ("nan", "inf", "infinity", "oo")}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


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
        An int, a string holding ``"p/q"``, a decimal (``"0.25"``, ``"1e-3"``) or an arithmetic
        expression (``"1/3 + 1/6"``, and, when ``parameters`` are given, ``"eta/2"``). Exact
        rationals of other libraries (sympy ``Rational``, numpy integers) are converted.
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
        For a float, a bool, a non-finite value, an unreadable string, an unknown parameter, an
        expression whose value is not rational, a division by zero, or a number above
        ``MAX_DIGITS`` digits.
    """
    if isinstance(value, bool):
        raise NumberError(place, f"{value} is a boolean, not a number; write 0 or 1")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return _bounded(Fraction(value), str(value)[:40] if value.bit_length() < 4000 else "an int", place)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError(
                place, f"the float {value!r} is not a finite number; every number must be an exact rational"
            )
        raise NumberError(
            place,
            f"the float {value!r} is not exact; write it as a quoted string, e.g. {exact_spelling(value)}"
            f' or "{value!r}"',
        )
    if isinstance(value, str):
        return _parse_string(value, place, parameters or {})
    if type(value).__module__.split(".")[0] == "sympy":
        return _from_sympy(value, place)
    if isinstance(value, numbers.Rational):
        return _bounded(Fraction(int(value.numerator), int(value.denominator)), repr(value), place)
    raise NumberError(
        place,
        f'expected a number (an int or a string such as "3/7"), got {type(value).__name__} {_shown(value)}',
    )


def _from_sympy(value: Any, place: str) -> Fraction:
    if getattr(value, "is_Float", False):
        raise NumberError(
            place, f'the sympy Float {value} is not exact; use sympy.Rational or a string such as "p/q"'
        )
    if getattr(value, "is_Rational", False):
        return _bounded(Fraction(int(value.p), int(value.q)), str(value), place)
    raise NumberError(place, f"the sympy value {value} is not an exact rational number")


def _parse_string(text: str, place: str, parameters: Mapping[str, Fraction]) -> Fraction:
    if len(text) > MAX_TEXT_LENGTH:
        raise NumberError(
            place,
            f"a number spelled with {len(text)} characters is too long; use at most {MAX_TEXT_LENGTH}",
        )
    stripped = text.strip()
    if not stripped:
        raise NumberError(place, 'an empty string is not a number; write an int or a string such as "3/7"')
    if stripped.lower() in _NON_FINITE and stripped not in parameters:
        raise NumberError(
            place, f"{_shown(text)} is not a finite number; every number must be an exact rational"
        )
    if _PLAIN_RATIONAL.match(text):
        numerator, _, denominator = "".join(text.split()).partition("/")
        value = _decimal(numerator, text, place)
        if denominator:
            divisor = _decimal(denominator, text, place)
            if divisor == 0:
                raise NumberError(place, f"{_shown(text)} divides by zero")
            value /= divisor
        return _bounded(value, text, place)
    return _evaluate_expression(text, place, parameters)


def _decimal(literal: str, text: str, place: str) -> Fraction:
    """Read an unsigned or signed decimal literal such as ``12``, ``0.25`` or ``1e-3``."""
    match = _DECIMAL.match(literal)
    if match is None:
        where = "" if literal == text.strip() else f" in {_shown(text)}"
        raise NumberError(
            place,
            f"cannot read {_shown(literal)}{where} as a number; write plain digits such as 12 or 0.25",
        )
    if match.group(1) is not None and abs(int(match.group(1))) > MAX_DIGITS:
        raise NumberError(
            place, f"the exponent of {_shown(literal)} is too large; numbers have at most {MAX_DIGITS} digits"
        )
    return _bounded(Fraction(literal), text, place)


def _bounded(value: Fraction, text: str, place: str) -> Fraction:
    if abs(value.numerator) >= _LIMIT or value.denominator >= _LIMIT:
        raise _too_large(text, place)
    return value


def _shown(value: Any) -> str:
    """Quote a value for a message, cut short (and built cut short: a huge list costs no more)."""
    return shown(value)


def _too_large(text: str, place: str) -> NumberError:
    return NumberError(
        place,
        f"{_shown(text)} is too large; an exact number has at most {MAX_DIGITS} digits above and below "
        "the fraction bar",
    )


def _evaluate_expression(text: str, place: str, parameters: Mapping[str, Fraction]) -> Fraction:
    declared = ", ".join(sorted(parameters)) or "none declared"
    if not _EXPRESSION_CHARACTERS.match(text):
        raise NumberError(
            place,
            f"cannot read {_shown(text)} as a number; only digits, '.', parameters, + - * / ** and "
            "brackets are allowed",
        )
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NumberError(
            place,
            f'cannot read {_shown(text)} as a number; write an int, "p/q", a decimal such as "0.25", or an '
            f"expression in the parameters ({declared})",
        ) from None
    unknown = sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - set(parameters))
    if unknown:
        raise NumberError(
            place,
            f"{_shown(text)} uses unknown parameter(s) {', '.join(unknown)} (declared: {declared}); "
            f"declare them under 'parameters' or write a number such as \"3/7\"",
        )
    try:
        return _evaluate(tree.body, source, place, parameters)
    except RecursionError:
        raise NumberError(place, f"{_shown(text)} is nested too deeply; simplify the expression") from None


def _evaluate(node: ast.AST, source: str, place: str, parameters: Mapping[str, Fraction]) -> Fraction:
    """Evaluate one node of an arithmetic expression exactly (SPEC.md §1 number spellings)."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        literal = ast.get_source_segment(source, node) or repr(node.value)
        return _decimal(literal, source, place)
    if isinstance(node, ast.Name):
        return Fraction(parameters[node.id])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _evaluate(node.operand, source, place, parameters)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _evaluate(node.left, source, place, parameters)
        right = _evaluate(node.right, source, place, parameters)
        if isinstance(node.op, ast.Add):
            return _bounded(left + right, source, place)
        if isinstance(node.op, ast.Sub):
            return _bounded(left - right, source, place)
        if isinstance(node.op, ast.Mult):
            return _bounded(left * right, source, place)
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise NumberError(place, f"{_shown(source)} divides by zero")
            return _bounded(left / right, source, place)
        return _power(left, right, source, place)
    if isinstance(node, ast.Constant):
        what = f"the literal {ast.get_source_segment(source, node) or node.value!r}"
    else:
        what = {ast.Call: "a function call", ast.Attribute: "an attribute"}.get(
            type(node), f"a {type(node).__name__.lower()}"
        )
    raise NumberError(
        place,
        f"cannot read {_shown(source)} as a number: {what} is not arithmetic; only numbers, parameters, "
        "+ - * / ** and brackets are allowed",
    )


def _power(base: Fraction, exponent: Fraction, source: str, place: str) -> Fraction:
    if exponent.denominator != 1:
        raise NumberError(
            place,
            f"{_shown(source)} raises to the non-integer power {exponent}; only integer powers are exact",
        )
    power = int(exponent)
    if base == 0 and power < 0:
        raise NumberError(place, f"{_shown(source)} divides by zero")
    size = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
    if base not in (0, 1, -1) and (size - 1) * abs(power) > _MAX_BITS:
        raise _too_large(source, place)
    return _bounded(base**power, source, place)


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
