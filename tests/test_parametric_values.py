"""Traced numbers, real algebraic numbers and generic responses (solver.parametric, SPEC.md §9).

The properties compare two engines: ParamValue arithmetic and comparisons against Fraction
arithmetic at the trace's point, and the generic backward induction against the point engine of
:mod:`solver.responses.response` / :mod:`solver.equilibria.games`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.equilibria.games import respond_to_rule
from solver.parametric.algebraic import (
    AlgebraicNumber,
    coefficients,
    compare,
    isolate_roots,
    monic,
    polynomial,
    sign_at,
)
from solver.parametric.responses import canonical_response, responses_for, value_of
from solver.parametric.values import ParamValue, Point, Trace
from solver.responses.response import solve_response
from tests import strategies as S

small_fractions = st.builds(Fraction, st.integers(-6, 6), st.integers(1, 4))

# -- ParamValue against Fraction -------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """A straight-line program over one parameter: constants, the parameter, and + - * /."""

    constants: tuple[Fraction, ...]
    steps: tuple[tuple[str, int, int], ...]


programs = st.builds(
    Program,
    st.lists(small_fractions, min_size=1, max_size=3).map(tuple),
    st.lists(
        st.tuples(st.sampled_from("+-*/"), st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=6
    ).map(tuple),
)

_OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def run(program: Program, parameter: Any, constant: Any) -> list[Any]:
    """Run a program on numbers of one kind; a division by zero yields the left operand instead."""
    values = [parameter, *(constant(c) for c in program.constants)]
    for op, a, b in program.steps:
        left, right = values[a % len(values)], values[b % len(values)]
        try:
            values.append(_OPERATIONS[op](left, right))
        except ZeroDivisionError:
            values.append(left)
    return values


@given(programs, small_fractions)
def test_arithmetic_and_comparisons_agree_with_fractions(program: Program, point: Fraction) -> None:
    trace = Trace(Point.rational(point))
    traced = run(program, trace.parameter(), lambda c: ParamValue.constant(c, trace))
    plain = run(program, point, lambda c: c)
    assert [v.at(point) if isinstance(v, ParamValue) else v for v in traced] == plain
    for i, left in enumerate(traced):
        for j, right in enumerate(traced):
            for compare_op in (operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge):
                assert compare_op(left, right) == compare_op(plain[i], plain[j])
            difference = left - right
            recorded = {coefficients(p) for p in trace.polynomials}
            if not difference.is_constant():
                # Every decided comparison leaves the polynomials it depends on in the trace.
                assert (
                    coefficients(monic(difference.numerator)) in recorded
                    or difference.numerator.degree() == 0
                )
                if difference.denominator.degree() > 0:
                    assert coefficients(monic(difference.denominator)) in recorded


@given(programs, small_fractions)
def test_answers_are_constant_between_recorded_roots(program: Program, point: Fraction) -> None:
    """The point of tracing: away from the recorded roots, every comparison comes out the same."""
    trace = Trace(Point.rational(point))
    traced = run(program, trace.parameter(), trace.constant)
    signs = [(a - b).sign() for a in traced for b in traced]
    window = (point - 10, point + 10)
    roots = sorted(
        {r for p in trace.polynomials for r in isolate_roots(p, *window) if isinstance(r, Fraction)}
        | {
            r.approximation(30)
            for p in trace.polynomials
            for r in isolate_roots(p, *window)
            if isinstance(r, AlgebraicNumber)
        }
    )
    if point in roots:
        return  # the point is a root: its piece is the point alone
    above = min((r for r in roots if r > point), default=point + 10)
    below = max((r for r in roots if r < point), default=point - 10)
    for other in (point + (above - point) / 3, point - (point - below) / 3):
        other_trace = Trace(Point.rational(other))
        again = run(program, other_trace.parameter(), other_trace.constant)
        assert [(a - b).sign() for a in again for b in again] == signs


def test_expressions_are_sympy_text() -> None:
    trace = Trace(Point.rational(Fraction(3, 10)))
    p = trace.parameter()
    assert (2 * p).expression() == "2*p"
    assert (1 - p).expression() == "1 - p"
    assert ((p * p + 1) / (2 * p)).expression() == "(p**2 + 1)/(2*p)"
    assert ((p * p - 1) / (p - 1)).expression() == "p + 1"
    assert ParamValue.constant(Fraction(1, 2), trace).expression() == "1/2"


def test_division_by_zero_and_hashing_are_refused() -> None:
    trace = Trace(Point.rational(Fraction(1, 2)))
    p = trace.parameter()
    with pytest.raises(ZeroDivisionError):
        p / 0
    with pytest.raises(ZeroDivisionError):
        1 / (2 * p - 1)  # zero at the point 1/2
    with pytest.raises(TypeError):
        hash(p)
    with pytest.raises(ValueError):
        p + Trace(Point.rational(0)).parameter()


def test_identical_comparisons_record_nothing() -> None:
    trace = Trace(Point.rational(Fraction(1, 3)))
    p = trace.parameter()
    assert (p + p) == 2 * p
    assert not (p * p < p * p)
    assert trace.polynomials == ()
    assert p < 1 - p  # 1/3 < 2/3: records 2p - 1
    assert [coefficients(q) for q in trace.polynomials] == [(Fraction(-1, 2), Fraction(1))]


# -- algebraic numbers ---------------------------------------------------------------------------------


def sqrt2() -> AlgebraicNumber:
    return AlgebraicNumber(polynomial([-2, 0, 1]), Fraction(1), Fraction(2))


def test_algebraic_signs_and_comparisons() -> None:
    root = sqrt2()
    assert sign_at(polynomial([-2, 0, 1]), root) == 0
    assert sign_at(polynomial([-4, 0, 0, 0, 1]), root) == 0  # x^4 - 4 = (x^2 - 2)(x^2 + 2) vanishes
    assert sign_at(polynomial([Fraction(-141, 100), 1]), root) == 1  # √2 > 1.41
    assert sign_at(polynomial([Fraction(-1415, 1000), 1]), root) == -1  # √2 < 1.415
    assert compare(root, Fraction(7, 5)) == 1 and compare(Fraction(3, 2), root) == 1
    other = AlgebraicNumber(polynomial([-2, 0, 1]), Fraction(7, 5), Fraction(3, 2))
    assert root == other
    assert root < AlgebraicNumber(polynomial([-3, 0, 1]), Fraction(1), Fraction(2))  # √2 < √3
    assert root.decimal(12) == "1.414213562373"
    with pytest.raises(TypeError):
        hash(root)


def test_isolation_finds_rational_and_irrational_roots() -> None:
    # (x^2 - 2)(2x - 1)(x + 5): in (0, 2), the roots 1/2 and √2; -5 and -√2 lie outside.
    product = polynomial([-2, 0, 1]) * polynomial([-1, 2]) * polynomial([5, 1])
    roots = isolate_roots(product, Fraction(0), Fraction(2))
    assert roots[0] == Fraction(1, 2)
    assert isinstance(roots[1], AlgebraicNumber) and roots[1] == sqrt2()
    assert len(roots) == 2
    assert isolate_roots(polynomial([1, 0, 1]), Fraction(-5), Fraction(5)) == []  # x^2 + 1


def test_traced_comparisons_at_an_algebraic_point() -> None:
    trace = Trace(Point.algebraic(sqrt2()))
    p = trace.parameter()
    assert p * p == 2
    assert p > Fraction(141, 100) and p < Fraction(142, 100)
    assert (p * p - 2) / (p - 1) == 0
    assert 1 / (p - 1) > 2  # 1/(√2 - 1) = √2 + 1


# -- generic responses against the point engine ----------------------------------------------------------


CASES = S.rule_cases(S.small_instances())


@given(CASES)
def test_generic_responses_on_fractions_match_the_point_engine(case: S.RuleCase) -> None:
    expected = respond_to_rule(case.instance, case.user, case.provider, case.rule)
    got = responses_for(case.instance, case.user, case.provider, case.rule)
    assert got.value == expected.value
    assert got.laws == expected.laws
    assert got.payoffs == expected.payoffs
    assert value_of(case.instance, case.user, case.provider, case.rule) == expected.value
    point = solve_response(case.instance, case.user, case.provider, case.rule)
    assert canonical_response(case.instance, case.user, case.provider, case.rule) == (point.value, point.law)


def traced_copy(instance: Any, trace: Trace) -> Any:
    """The instance with every number a constant ParamValue (the structure kept, as a family gives it)."""

    def c(x: Fraction) -> ParamValue:
        return ParamValue.constant(x, trace)

    def table(t: Any) -> Any:
        return None if t is None else tuple(tuple(c(x) for x in row) for row in t)

    return SimpleNamespace(
        states=instance.states,
        providers=instance.providers,
        protocol=instance.protocol,
        world_states=instance.world_states,
        world_signals=instance.world_signals,
        users=tuple(
            SimpleNamespace(
                label=u.label,
                actions=u.actions,
                features=u.features,
                utility=table(u.utility),
                feature_kernel=table(u.feature_kernel),
            )
            for u in instance.users
        ),
        worlds=tuple(SimpleNamespace(label=w.label, state=w.state, prob=c(w.prob)) for w in instance.worlds),
        stakes=tuple(
            tuple(SimpleNamespace(weight=c(s.weight), utility=table(s.utility)) for s in row)
            for row in instance.stakes
        ),
    )


@given(CASES)
def test_generic_responses_on_traced_constants_match_the_point_engine(case: S.RuleCase) -> None:
    trace = Trace(Point.rational(Fraction(1, 2)))
    expected = respond_to_rule(case.instance, case.user, case.provider, case.rule)
    got = responses_for(traced_copy(case.instance, trace), case.user, case.provider, case.rule)

    def value(x: Any) -> Fraction:
        return x.at(0) if isinstance(x, ParamValue) else x

    assert value(got.value) == expected.value
    assert [tuple(tuple(value(x) for x in row) for row in law) for law in got.laws] == list(expected.laws)
    assert [tuple(value(x) for x in v) for v in got.payoffs] == list(expected.payoffs)
    assert trace.polynomials == ()  # constants decide every comparison without recording


def _two_providers_with_a_prior() -> Any:
    """``two_providers_two_users.yaml`` with the low state's prior p and the others (1 - p)/2 each."""
    import yaml

    from solver.parametric.family import Family

    path = Path(__file__).resolve().parent.parent / "instances" / "two_providers_two_users.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["parameters"] = {"p": "1/3"}
    document["worlds"]["w_low"]["prob"] = "p"
    document["worlds"]["w_mid"]["prob"] = "(1-p)/2"
    document["worlds"]["w_high"]["prob"] = "(1-p)/2"
    return Family.from_document(document)


@pytest.mark.parametrize("point", [Fraction(1, 6), Fraction(1, 5), Fraction(1, 3), Fraction(1, 2)])
def test_traced_responses_of_every_rule_in_one_trace_match_the_point_engine(point: Fraction) -> None:
    # Rules that weigh the worlds alike share one walk per trace; each rule's response must still
    # be the point engine's at the point, ties included (1/5 and 1/3 are thresholds of the
    # investor's and the matcher's actions).
    from solver.conversation.classes import Deterministic
    from solver.parametric.equilibria import class_rules

    family = _two_providers_with_a_prior()
    traced = family.at(Trace(Point.rational(point), "p"))
    instance = family.instance_at(point)

    def value(x: Any) -> Fraction:
        return x.at(point) if isinstance(x, ParamValue) else x

    for k, rules in enumerate(class_rules(instance, Deterministic())):
        for rule in rules:
            for i in range(len(instance.users)):
                got = responses_for(traced, i, k, rule)
                expected = respond_to_rule(instance, i, k, rule)
                assert value(got.value) == expected.value
                assert value(value_of(traced, i, k, rule)) == expected.value
                assert [tuple(tuple(value(x) for x in row) for row in law) for law in got.laws] == list(
                    expected.laws
                )
                assert [tuple(value(x) for x in v) for v in got.payoffs] == list(expected.payoffs)


# -- the parametric simplex ------------------------------------------------------------------------------

from solver.lp import LinearProgram, LPStatus, solve_lp  # noqa: E402
from solver.parametric.lp import GenericLP, GenericStatus, solve_generic_lp  # noqa: E402

affine = st.tuples(small_fractions, small_fractions)


@st.composite
def parametric_programs(draw: st.DrawFn) -> dict[str, Any]:
    """A small LP whose every number is affine in the parameter, ``a + b p``."""
    n = draw(st.integers(1, 3))
    upper = draw(st.integers(0, 3))
    equal = draw(st.integers(0, 1))
    rows = lambda count: [  # noqa: E731
        [(k, draw(affine)) for k in range(n) if draw(st.booleans())] for _ in range(count)
    ]
    return {
        "objective": [draw(affine) for _ in range(n)],
        "upper_rows": rows(upper),
        "upper_rhs": [draw(affine) for _ in range(upper)],
        "equal_rows": rows(equal),
        "equal_rhs": [draw(affine) for _ in range(equal)],
        "free": [draw(st.booleans()) for _ in range(n)],
    }


def _instantiate(data: dict[str, Any], number: Any) -> dict[str, Any]:
    return {
        "objective": tuple(number(c) for c in data["objective"]),
        "upper_rows": tuple(tuple((k, number(a)) for k, a in row) for row in data["upper_rows"]),
        "upper_rhs": tuple(number(b) for b in data["upper_rhs"]),
        "equal_rows": tuple(tuple((k, number(a)) for k, a in row) for row in data["equal_rows"]),
        "equal_rhs": tuple(number(b) for b in data["equal_rhs"]),
        "free": tuple(data["free"]),
    }


@given(parametric_programs(), small_fractions, st.floats(-0.9, 0.9))
def test_the_parametric_simplex_is_the_lp_layer_on_the_whole_piece(
    data: dict[str, Any], point: Fraction, offset: float
) -> None:
    # Solved traced at one point, the program's status and optimum (a rational function) must be
    # what the project's LP layer finds at any other rational of the same piece: the recorded
    # polynomials keep their signs there, so the certified basis stays optimal.
    trace = Trace(Point.rational(point))
    p = trace.parameter()
    traced = solve_generic_lp(GenericLP(**_instantiate(data, lambda ab: ab[0] + ab[1] * p)))
    window = (point - 4, point + 4)
    roots = sorted(
        {
            r if isinstance(r, Fraction) else r.approximation(20)
            for q in trace.polynomials
            for r in isolate_roots(q, *window)
        }
    )
    if point in roots:
        return
    above = min((r for r in roots if r > point), default=window[1])
    below = max((r for r in roots if r < point), default=window[0])
    step = Fraction(offset).limit_denominator(100)
    other = point + ((above - point) if step > 0 else (point - below)) * step
    if not below < other < above:
        return
    for where in (point, other):
        plain = solve_lp(LinearProgram(**_instantiate(data, lambda ab, w=where: ab[0] + ab[1] * w)))
        assert plain.status.value == traced.status.value
        if plain.status is LPStatus.OPTIMAL:
            assert traced.value is not None
            got = traced.value.at(where) if isinstance(traced.value, ParamValue) else traced.value
            assert got == plain.value
    if traced.status is GenericStatus.OPTIMAL:
        # Strong duality of the reported duals, as functions.
        duals = (*traced.dual_upper, *traced.dual_equal)
        rhs = _instantiate(data, lambda ab: ab[0] + ab[1] * p)
        total = sum((y * b for y, b in zip(duals, (*rhs["upper_rhs"], *rhs["equal_rhs"]))), Fraction(0))
        assert (total - traced.value) == 0
