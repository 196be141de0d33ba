"""Exact numbers (SPEC.md §1, §11): every spelling an instance may use, and every one it may not.

pluralis computes with :class:`fractions.Fraction` only; a float, a bool or a non-finite value is
an error that names its place and, for a float, shows the exact spelling to write instead.
"""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from solver.core.errors import InstanceError, NumberError
from solver.core.numbers import (
    MAX_DIGITS,
    check_parameter_name,
    exact_spelling,
    format_number,
    is_expression,
    parse_number,
    to_string,
)

ETA = {"eta": Fraction(1, 10), "k": Fraction(3)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(0, Fraction(0), id="zero"),
        pytest.param(7, Fraction(7), id="int"),
        pytest.param(-2, Fraction(-2), id="negative-int"),
        pytest.param(Fraction(2, 6), Fraction(1, 3), id="fraction"),
        pytest.param("3/7", Fraction(3, 7), id="p/q"),
        pytest.param("6/14", Fraction(3, 7), id="p/q-not-reduced"),
        pytest.param("-3/7", Fraction(-3, 7), id="negative-p/q"),
        pytest.param(" 3 / 7 ", Fraction(3, 7), id="spaces"),
        pytest.param("12", Fraction(12), id="integer-text"),
        pytest.param("0.25", Fraction(1, 4), id="decimal"),
        pytest.param("0.1", Fraction(1, 10), id="decimal-not-binary"),
        pytest.param(".5", Fraction(1, 2), id="leading-dot"),
        pytest.param("5.", Fraction(5), id="trailing-dot"),
        pytest.param("+0.75", Fraction(3, 4), id="plus-sign"),
        pytest.param("1e-3", Fraction(1, 1000), id="exponent"),
        pytest.param("2.5E2", Fraction(250), id="exponent-upper"),
        pytest.param("0.5/2", Fraction(1, 4), id="decimal-over-int"),
        pytest.param("1e2/3", Fraction(100, 3), id="exponent-over-int"),
        pytest.param("1e-400", Fraction(1, 10**400), id="tiny"),
        pytest.param(sympy.Rational(2, 6), Fraction(1, 3), id="sympy-rational"),
        pytest.param(sympy.Integer(4), Fraction(4), id="sympy-integer"),
        pytest.param(sympy.S.Half, Fraction(1, 2), id="sympy-half"),
        pytest.param(sympy.S.Zero, Fraction(0), id="sympy-zero"),
    ],
)
def test_exact_spellings_are_read(value: Any, expected: Fraction) -> None:
    result = parse_number(value, "here")
    assert result == expected
    assert type(result) is Fraction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("eta/2", Fraction(1, 20), id="divide"),
        pytest.param("1 - eta", Fraction(9, 10), id="subtract"),
        pytest.param("eta*k", Fraction(3, 10), id="multiply"),
        pytest.param("eta**2", Fraction(1, 100), id="power"),
        pytest.param("2**k", Fraction(8), id="parameter-power"),
        pytest.param("eta**-1", Fraction(10), id="negative-power"),
        pytest.param("-eta", Fraction(-1, 10), id="unary-minus"),
        pytest.param("(1 - eta) / (1 + eta)", Fraction(9, 11), id="brackets"),
        pytest.param("0.1 + 0.2", Fraction(3, 10), id="decimal-sum-is-exact"),
        pytest.param("eta + 0.2", Fraction(3, 10), id="parameter-plus-decimal"),
        pytest.param("1/3 + 1/6", Fraction(1, 2), id="fraction-sum"),
        pytest.param("1/2/3", Fraction(1, 6), id="left-to-right"),
        pytest.param("-2**2", Fraction(-4), id="power-binds-tighter"),
        pytest.param("eta*1e-3", Fraction(1, 10000), id="exponent-literal"),
        pytest.param("1/0.5", Fraction(2), id="decimal-denominator"),
    ],
)
def test_expressions_are_exact(text: str, expected: Fraction) -> None:
    result = parse_number(text, "here", ETA)
    assert result == expected
    assert type(result) is Fraction


def test_decimal_sums_are_exactly_three_tenths() -> None:
    total = parse_number("0.1", "a") + parse_number("0.2", "b")
    assert total == Fraction(3, 10)
    assert 0.1 + 0.2 != 0.3  # what a float would have given
    assert parse_number("0.1+0.2", "c") == total


@pytest.mark.parametrize(
    ("value", "spelling"),
    [
        pytest.param(0.1, '"1/10"', id="tenth"),
        pytest.param(0.3, '"3/10"', id="three-tenths"),
        pytest.param(0.5, '"1/2"', id="half"),
        pytest.param(-0.25, '"-1/4"', id="negative"),
        pytest.param(2.0, "2", id="integral"),
        pytest.param(1e-20, '"1/100000000000000000000"', id="tiny"),
    ],
)
def test_a_float_is_refused_with_its_exact_spelling(value: float, spelling: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(value, "worlds.w1.prob")
    error = caught.value
    assert error.place == "worlds.w1.prob"
    assert spelling in error.problem
    assert "quoted string" in error.problem
    assert exact_spelling(value) == spelling
    assert parse_number(spelling.strip('"'), "") == Fraction(repr(value))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_a_non_finite_float_is_refused_without_suggesting_it(value: float) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(value, "x")
    assert "not a finite number" in caught.value.problem
    assert '"nan"' not in caught.value.problem and '"inf"' not in caught.value.problem


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        pytest.param(True, "boolean", id="true"),
        pytest.param(False, "boolean", id="false"),
        pytest.param("nan", "not a finite number", id="nan"),
        pytest.param("NaN", "not a finite number", id="NaN"),
        pytest.param("inf", "not a finite number", id="inf"),
        pytest.param("-Infinity", "not a finite number", id="-Infinity"),
        pytest.param("oo", "not a finite number", id="sympy-infinity"),
        pytest.param("", "empty string", id="empty"),
        pytest.param("   ", "empty string", id="blank"),
        pytest.param("1/0", "divides by zero", id="zero-denominator"),
        pytest.param("eta/0", "divides by zero", id="expression-zero-denominator"),
        pytest.param("1/(eta - eta)", "divides by zero", id="expression-zero"),
        pytest.param("0**-1", "divides by zero", id="zero-negative-power"),
        pytest.param("2**(1/2)", "only integer powers", id="irrational"),
        pytest.param("eta**eta", "only integer powers", id="parameter-exponent"),
        pytest.param("zeta/2", "unknown parameter(s) zeta (declared: eta, k)", id="unknown-parameter"),
        pytest.param("pi", "unknown parameter(s) pi", id="constant"),
        pytest.param("E", "unknown parameter(s) E", id="sympy-constant"),
        pytest.param("sqrt(4)", "unknown parameter(s) sqrt", id="function"),
        pytest.param("eta(2)", "a function call is not arithmetic", id="call-parameter"),
        pytest.param("eta.real", "an attribute is not arithmetic", id="attribute"),
        pytest.param("eta^2", "only digits", id="caret"),
        pytest.param("1,5", "only digits", id="comma"),
        pytest.param("eta eta", "cannot read", id="two-names"),
        pytest.param("2*", "cannot read", id="dangling-operator"),
        pytest.param("()", "a tuple is not arithmetic", id="empty-brackets"),
        pytest.param("1j", "the literal '1j' is not arithmetic", id="complex"),
        pytest.param("0x10", "write plain digits", id="hexadecimal"),
        pytest.param("1_000", "write plain digits", id="underscores"),
        pytest.param("...", "the literal '...'", id="ellipsis"),
        pytest.param("three", "unknown parameter(s) three", id="word"),
        pytest.param(None, "expected a number", id="none"),
        pytest.param([1], "expected a number", id="list"),
        pytest.param({"p": 1}, "expected a number", id="mapping"),
        pytest.param(Decimal("0.5"), "expected a number", id="decimal-object"),
        pytest.param(sympy.Float(0.5), "sympy Float", id="sympy-float"),
        pytest.param(sympy.pi, "not an exact rational", id="sympy-pi"),
        pytest.param(sympy.nan, "not an exact rational", id="sympy-nan"),
        pytest.param(sympy.Symbol("eta"), "not an exact rational", id="sympy-symbol"),
    ],
)
def test_non_numbers_are_refused(value: Any, phrase: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_number(value, "stakes.p.u.weight", ETA)
    error = caught.value
    assert isinstance(error, InstanceError) and isinstance(error, ValueError)
    assert error.place == "stakes.p.u.weight"
    assert phrase in error.problem
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("true")',
        "__import__('os')",
        "eta.__class__",
        "eta.__class__.__mro__",
        "(lambda: 1)()",
        "[x for x in ()]",
        "open('x')",
        "exec",
        "__builtins__",
        "Integer(3)",
        "Rational(1, 2)",
        "Float(0.5)",
        "eta if eta else 1",
        "not eta",
        "eta < 1",
        "eta; 1",
    ],
)
def test_code_is_never_run(text: str) -> None:
    parameters = {"eta": Fraction(1, 10), "__class__": Fraction(1), "__mro__": Fraction(2), "x": Fraction(1)}
    with pytest.raises(NumberError) as caught:
        parse_number(text, "worlds.w1.prob", parameters)
    assert caught.value.place == "worlds.w1.prob"


def test_parameters_with_the_names_of_library_objects_are_plain_parameters() -> None:
    parameters = {"Float": Fraction(1, 2), "Integer": Fraction(3), "Rational": Fraction(1, 5)}
    assert parse_number("Float*2 + Integer + Rational", "x", parameters) == Fraction(21, 5)
    assert parse_number("9**2 * 0.5", "x", parameters) == Fraction(81, 2)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1e1001", id="decimal-exponent"),
        pytest.param("1e1000000000", id="huge-decimal-exponent"),
        pytest.param("2**4000", id="power"),
        pytest.param("9**9**9**9", id="tower"),
        pytest.param("(1/2)**5000", id="small-power"),
        pytest.param("1" * 1001, id="many-digits"),
        pytest.param("1+" * 2000 + "1", id="long-text"),
        pytest.param(10**1000, id="long-int"),
        pytest.param("(10**600) * (10**600)", id="product"),
    ],
)
def test_numbers_too_large_are_refused_quickly(value: Any) -> None:
    start = time.perf_counter()
    with pytest.raises(NumberError) as caught:
        parse_number(value, "x")
    assert time.perf_counter() - start < 1
    assert caught.value.place == "x"
    assert "too large" in caught.value.problem or "too long" in caught.value.problem


def test_the_largest_numbers_still_read() -> None:
    assert parse_number("9" * MAX_DIGITS, "x") == 10**MAX_DIGITS - 1
    assert parse_number(f"1/{'9' * MAX_DIGITS}", "x") == Fraction(1, 10**MAX_DIGITS - 1)
    assert parse_number("2**3000", "x") == 2**3000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("-" * 2998 + "1", Fraction(1), id="unary-minus"),
        pytest.param("(" * 1000 + "1" + ")" * 1000, Fraction(1), id="brackets"),
        pytest.param("1" + "**1" * 999, Fraction(1), id="power-tower"),
    ],
)
def test_deep_nesting_reads_or_is_refused_but_never_crashes(text: str, value: Fraction) -> None:
    try:
        assert parse_number(text, "x") == value
    except NumberError as error:
        assert error.place == "x"
        assert "nested too deeply" in error.problem or "cannot read" in error.problem


def test_a_parameter_named_like_a_non_finite_word_is_a_parameter() -> None:
    assert parse_number("inf", "x", {"inf": Fraction(2)}) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/7", False),
        ("0.25", False),
        (" -1e-3 ", False),
        ("0.5/2", False),
        ("eta/2", True),
        ("1/3 + 1/6", True),
        ("1/0.5", True),
        (3, False),
        (Fraction(1, 2), False),
    ],
)
def test_is_expression(text: Any, expected: bool) -> None:
    assert is_expression(text) is expected


@pytest.mark.parametrize("name", ["eta", "p_1", "_x", "Eta2"])
def test_parameter_names_are_identifiers(name: str) -> None:
    assert check_parameter_name(name, "parameters") == name


@pytest.mark.parametrize("name", ["2eta", "a-b", "", "a b", 3, None, True])
def test_bad_parameter_names_are_refused(name: Any) -> None:
    with pytest.raises(NumberError) as caught:
        check_parameter_name(name, "parameters.x")
    assert caught.value.place == "parameters.x"
    assert "identifier" in caught.value.problem


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Fraction(0), 0),
        (Fraction(5), 5),
        (Fraction(-5), -5),
        (Fraction(1, 2), "1/2"),
        (Fraction(-3, 7), "-3/7"),
        (Fraction(10, 4), "5/2"),
    ],
)
def test_format_number(value: Fraction, written: int | str) -> None:
    result = format_number(value)
    assert result == written
    assert type(result) is type(written)
    assert parse_number(result, "") == value
    assert to_string(value) == str(written)


fractions = st.fractions(max_denominator=10**6) | st.fractions(
    min_value=-(10**30), max_value=10**30, max_denominator=10**30
)


@given(fractions)
def test_format_then_parse_is_the_identity(value: Fraction) -> None:
    assert parse_number(format_number(value), "x") == value


@given(fractions)
def test_to_string_then_parse_is_the_identity(value: Fraction) -> None:
    assert parse_number(to_string(value), "x") == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-(10**9), max_value=10**9))
def test_decimal_text_is_read_exactly(value: Decimal) -> None:
    assert parse_number(str(value), "x") == Fraction(value)


@given(fractions, fractions)
def test_expressions_follow_exact_arithmetic(a: Fraction, b: Fraction) -> None:
    x, y = format_number(a), format_number(b)
    assert parse_number(f"({x}) + ({y})", "s") == a + b
    assert parse_number(f"({x}) - ({y})", "s") == a - b
    assert parse_number(f"({x}) * ({y})", "s") == a * b
    parameters = {"a": a, "b": b}
    assert parse_number("a*b - b*a + a**2", "s", parameters) == a * a
    if b != 0:
        assert parse_number(f"({x}) / ({y})", "s") == a / b
    else:
        with pytest.raises(NumberError, match="divides by zero"):
            parse_number(f"({x}) / ({y})", "s")
