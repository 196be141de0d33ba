"""A family of instances: every number of a file as an exact function of one parameter (SPEC.md §1, §9).

A file may declare parameters (``parameters: {p: "3/10"}``) and use them in its numbers
(``prob: "1-p"``). :class:`Family` reads every such number as a rational function of one chosen
parameter, the other parameters fixed at their values in the file, by the same arithmetic as
:mod:`solver.core.numbers` (``+ - * / **`` and brackets; integer powers only). For a value of the
parameter, :meth:`Family.instance_at` gives the ordinary validated
:class:`~solver.core.model.Instance`; for a trace, :meth:`Family.at` gives a
:class:`ParametricInstance` with the same fields whose numbers are
:class:`~solver.parametric.values.ParamValue`.

:meth:`Family.check_interval` refuses an interval on which some instance of the family would be
invalid (a probability not positive, worlds or feature rows not summing to 1 identically, a
utility outside ``[0, 1]``, a negative stake, a pole), naming the number's place and the exact
sub-interval.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from flint import fmpq_poly

from solver.core.documents import load_document
from solver.core.errors import InstanceError, ModelError
from solver.core.model import Instance, Stake, User, World
from solver.core.numbers import parse_number
from solver.core.serialization import instance_from_dict, substitute
from solver.parametric.algebraic import (
    AlgebraicNumber,
    Real,
    compare,
    isolate_roots,
    rational_between,
    sign_at,
    sort_reals,
    to_fmpq,
    to_fraction,
)
from solver.parametric.values import ParamValue, Trace, function_text

_ONE = fmpq_poly([1])


class SweepError(ModelError):
    """A sweep that cannot be run as asked: unknown parameter, bad interval, invalid family."""


@dataclass(frozen=True, eq=False)
class RationalFunction:
    """An exact rational function ``numerator / denominator`` of the parameter (lowest terms).

    Attributes
    ----------
    numerator, denominator : fmpq_poly
        The polynomials; the denominator is monic.
    """

    numerator: Any
    denominator: Any

    @classmethod
    def make(cls, numerator: Any, denominator: Any = _ONE) -> RationalFunction:
        """Build and normalise a rational function.

        Parameters
        ----------
        numerator, denominator : fmpq_poly
            The polynomials; the denominator nonzero.

        Returns
        -------
        RationalFunction
            In lowest terms with a monic denominator.
        """
        if denominator.is_zero():
            raise ZeroDivisionError("denominator zero")
        common = numerator.gcd(denominator)
        if common.degree() > 0:
            numerator, denominator = numerator // common, denominator // common
        lead = denominator.coeffs()[-1]
        return cls(numerator / lead, denominator / lead)

    @classmethod
    def constant(cls, value: Fraction) -> RationalFunction:
        """A constant function.

        Parameters
        ----------
        value : Fraction
            The constant.

        Returns
        -------
        RationalFunction
            It.
        """
        return cls(fmpq_poly([to_fmpq(value)]), _ONE)

    def is_constant(self) -> bool:
        """Whether the function does not depend on the parameter.

        Returns
        -------
        bool
            True for a constant.
        """
        return bool(self.numerator.degree() <= 0 and self.denominator.degree() <= 0)

    def at(self, value: Fraction) -> Fraction:
        """The exact value at a rational point (not a pole).

        Parameters
        ----------
        value : Fraction
            The parameter's value.

        Returns
        -------
        Fraction
            The value.
        """
        x = to_fmpq(value)
        return to_fraction(self.numerator(x) / self.denominator(x))

    def __add__(self, other: RationalFunction) -> RationalFunction:
        return RationalFunction.make(
            self.numerator * other.denominator + other.numerator * self.denominator,
            self.denominator * other.denominator,
        )

    def __neg__(self) -> RationalFunction:
        return RationalFunction(-self.numerator, self.denominator)

    def __sub__(self, other: RationalFunction) -> RationalFunction:
        return self + (-other)

    def __mul__(self, other: RationalFunction) -> RationalFunction:
        return RationalFunction.make(self.numerator * other.numerator, self.denominator * other.denominator)

    def __truediv__(self, other: RationalFunction) -> RationalFunction:
        return RationalFunction.make(self.numerator * other.denominator, self.denominator * other.numerator)

    def equals(self, other: RationalFunction) -> bool:
        """Whether two functions are identical.

        Parameters
        ----------
        other : RationalFunction
            The other function.

        Returns
        -------
        bool
            True when equal as rational functions.
        """
        return bool(self.numerator * other.denominator == other.numerator * self.denominator)

    def text(self, name: str) -> str:
        """The function as sympy text.

        Parameters
        ----------
        name : str
            The parameter's name.

        Returns
        -------
        str
            E.g. ``"1 - p"``.
        """
        return function_text(self.numerator, self.denominator, name)


# -- reading expressions as functions --------------------------------------------------------------------


_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def parse_function(text: Any, place: str, parameter: str, values: Mapping[str, Fraction]) -> RationalFunction:
    """Read one number of a file as a rational function of one parameter.

    The number has already been read at the file's parameter values (so its syntax is valid);
    this reads it again with ``parameter`` free and every other parameter at its value.

    Parameters
    ----------
    text : int, str or Fraction
        The number as written.
    place : str
        Where it stands, for messages.
    parameter : str
        The swept parameter.
    values : mapping
        Every parameter's value in the file.

    Returns
    -------
    RationalFunction
        The number as a function of ``parameter``.

    Raises
    ------
    InstanceError
        When the parameter stands where the sweep cannot follow it (an exponent), or a division
        by a function that is identically zero.
    """
    if not isinstance(text, str):
        return RationalFunction.constant(parse_number(text, place))
    source = text.strip()
    tree = ast.parse(source, mode="eval")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    if parameter not in names:
        return RationalFunction.constant(parse_number(text, place, values))
    return _function(tree.body, source, place, parameter, values)


def _function(
    node: ast.AST, source: str, place: str, parameter: str, values: Mapping[str, Fraction]
) -> RationalFunction:
    if isinstance(node, ast.Constant):
        literal = ast.get_source_segment(source, node) or repr(node.value)
        return RationalFunction.constant(parse_number(literal, place))
    if isinstance(node, ast.Name):
        if node.id == parameter:
            return RationalFunction.make(fmpq_poly([0, 1]))
        return RationalFunction.constant(values[node.id])
    if isinstance(node, ast.UnaryOp):
        operand = _function(node.operand, source, place, parameter, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, _OPERATORS):
        left = _function(node.left, source, place, parameter, values)
        right = _function(node.right, source, place, parameter, values)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right.numerator.is_zero():
                raise InstanceError(place, f"{source!r} divides by zero for every value of {parameter}")
            return left / right
        if not right.is_constant():
            raise InstanceError(
                place,
                f"{source!r} raises to a power that depends on {parameter}, which a sweep cannot follow "
                f"exactly; write the exponent as a number, or sweep another parameter",
            )
        exponent = right.at(Fraction(0))
        if exponent.denominator != 1:
            raise InstanceError(place, f"{source!r} raises to the non-integer power {exponent}")
        power = int(exponent)
        if power < 0 and left.numerator.is_zero():
            raise InstanceError(place, f"{source!r} divides by zero for every value of {parameter}")
        if abs(power) > 64 and not left.is_constant():
            raise InstanceError(
                place,
                f"{source!r} raises a function of {parameter} to the power {power}; a sweep follows powers "
                "up to 64; use a smaller exponent",
            )
        base = left if power >= 0 else RationalFunction.make(left.denominator, left.numerator)
        result = RationalFunction.constant(Fraction(1))
        for _ in range(abs(power)):
            result = result * base
        return result
    raise InstanceError(place, f"{source!r} is not arithmetic in the parameters")


# -- the parametric instance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParametricInstance(Instance):
    """An instance whose numbers are traced functions of the parameter (SPEC.md §1 fields).

    The fields, labels and index order are those of :class:`~solver.core.model.Instance`, so code
    reading ``instance.users[i].utility[a][y]``, ``instance.worlds[w].prob`` or
    ``instance.stakes[j][i].weight`` runs on it; numbers that depend on the parameter are
    :class:`~solver.parametric.values.ParamValue`, the others :class:`~fractions.Fraction`. It is
    not validated again (:meth:`Family.check_interval` validated the whole family) and not
    hashable.

    Attributes
    ----------
    trace : Trace
        The trace its numbers record comparisons in.
    """

    trace: Trace | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        """Skip the value checks of :class:`Instance`: they hold on the whole checked interval."""

    __hash__ = None  # type: ignore[assignment]


# -- the family --------------------------------------------------------------------------------------------


Slot = tuple[str, Fraction | RationalFunction]


@dataclass(frozen=True, eq=False)
class Family:
    """An instance file read as a family of instances, one per value of a parameter.

    Build it with :meth:`from_file` or :meth:`from_document`, then choose the swept parameter
    with :meth:`with_parameter` (a file with one parameter has it chosen already).

    Attributes
    ----------
    instance : Instance
        The instance at the file's own parameter values.
    parameter : str or None
        The swept parameter.
    """

    instance: Instance
    parameter: str | None = None
    _functions: Mapping[str, RationalFunction] = field(default_factory=dict, repr=False)

    @classmethod
    def from_file(cls, path: str | Path, parameter: str | None = None) -> Family:
        """Read a family from an instance file.

        Parameters
        ----------
        path : str or Path
            The file (YAML or JSON).
        parameter : str, optional
            The swept parameter (default: the file's only parameter, if it has one).

        Returns
        -------
        Family
            The family.
        """
        return cls.from_document(load_document(path, error=InstanceError), parameter)

    @classmethod
    def from_document(cls, document: Any, parameter: str | None = None) -> Family:
        """Read a family from a parsed instance document (SPEC.md §11).

        Parameters
        ----------
        document : mapping
            The parsed file.
        parameter : str, optional
            The swept parameter (default: the file's only parameter, if it has one).

        Returns
        -------
        Family
            The family.
        """
        instance = instance_from_dict(document)
        family = cls(instance)
        if parameter is None and len(instance.parameters) == 1:
            parameter = instance.parameters[0][0]
        return family if parameter is None else family.with_parameter(parameter)

    @classmethod
    def from_instance(cls, instance: Instance, parameter: str | None = None) -> Family:
        """The family of an instance that carries parameters and expressions.

        Parameters
        ----------
        instance : Instance
            An instance read from a file with parameters.
        parameter : str, optional
            The swept parameter.

        Returns
        -------
        Family
            The family.
        """
        family = cls(instance)
        if parameter is None and len(instance.parameters) == 1:
            parameter = instance.parameters[0][0]
        return family if parameter is None else family.with_parameter(parameter)

    def with_parameter(self, parameter: str) -> Family:
        """The same family with ``parameter`` swept.

        Parameters
        ----------
        parameter : str
            A parameter the file declares.

        Returns
        -------
        Family
            The family, its numbers read as functions of ``parameter``.

        Raises
        ------
        SweepError
            For a parameter the file does not declare.
        InstanceError
            For a number in which the parameter stands where a sweep cannot follow it.
        """
        values = dict(self.instance.parameters)
        if parameter not in values:
            declared = ", ".join(values)
            if not declared:
                raise SweepError(
                    f"unknown parameter {parameter!r}: the file declares no parameters; declare one under "
                    f"'parameters' (e.g. parameters: {{{parameter}: \"1/2\"}}) and use it in its numbers"
                )
            raise SweepError(
                f"unknown parameter {parameter!r}; the file declares: {declared}; sweep one of them "
                f"(--param NAME=LOW..HIGH)"
            )
        functions = {
            place: parse_function(text, place, parameter, values) for place, text in self.instance.expressions
        }
        return Family(self.instance, parameter, {k: f for k, f in functions.items() if not f.is_constant()})

    @property
    def name(self) -> str:
        """The swept parameter (refused when none is chosen)."""
        if self.parameter is None:
            declared = ", ".join(name for name, _ in self.instance.parameters) or "none"
            raise SweepError(f"no parameter chosen to sweep; the file declares: {declared}")
        return self.parameter

    def functions(self) -> Iterator[tuple[str, RationalFunction]]:
        """Every number that depends on the parameter, with its place.

        Returns
        -------
        iterator of (str, RationalFunction)
            In file order of places.
        """
        return iter(self._functions.items())

    # -- instances ----------------------------------------------------------------------------------

    def instance_at(self, value: Fraction) -> Instance:
        """The ordinary instance at a rational value of the parameter, read as the point commands read it.

        Parameters
        ----------
        value : Fraction
            The parameter's value.

        Returns
        -------
        Instance
            The validated instance.
        """
        return substitute(self.instance, **{self.name: Fraction(value)})

    def at(self, trace: Trace) -> ParametricInstance:
        """The family at a trace's point: every number depending on the parameter a ParamValue.

        Parameters
        ----------
        trace : Trace
            The trace (its point is where comparisons are decided).

        Returns
        -------
        ParametricInstance
            The instance with traced numbers.
        """
        functions = self._functions
        made: dict[str, ParamValue] = {}

        def number(place: str, value: Fraction) -> Any:
            f = functions.get(place)
            if f is None:
                return value
            if place not in made:
                made[place] = ParamValue.function(f.numerator, f.denominator, trace)
            return made[place]

        def table(rows: Any, row_labels: Any, column_labels: Any, place: str) -> Any:
            return tuple(
                tuple(number(f"{place}[{r}][{c}]", v) for c, v in zip(column_labels, row))
                for r, row in zip(row_labels, rows)
            )

        instance = self.instance
        world_labels = tuple(w.label for w in instance.worlds)
        worlds = tuple(
            World(w.label, number(f"worlds.{w.label}.prob", w.prob), w.state, w.signals)
            for w in instance.worlds
        )
        users = tuple(
            User(
                u.label,
                u.actions,
                table(u.utility, u.actions, instance.states, f"users.{u.label}.utility"),
                u.features,
                None
                if u.feature_kernel is None
                else table(u.feature_kernel, world_labels, u.features, f"users.{u.label}.feature_kernel"),
            )
            for u in instance.users
        )
        stakes = tuple(
            tuple(
                Stake(
                    number(f"stakes.{p.label}.{u.label}.weight", s.weight),
                    table(s.utility, u.actions, instance.states, f"stakes.{p.label}.{u.label}.utility"),
                )
                for u, s in zip(instance.users, row)
            )
            for p, row in zip(instance.providers, instance.stakes)
        )
        return ParametricInstance(
            states=instance.states,
            providers=instance.providers,
            users=users,
            worlds=worlds,
            stakes=stakes,
            protocol=instance.protocol,
            title=instance.title,
            description=instance.description,
            source=instance.source,
            parameters=instance.parameters,
            expressions=instance.expressions,
            provenance=instance.provenance,
            trace=trace,
        )

    # -- validation ---------------------------------------------------------------------------------

    def _function(self, place: str, value: Fraction) -> RationalFunction:
        return self._functions.get(place) or RationalFunction.constant(value)

    def check_interval(self, low: Fraction, high: Fraction) -> None:
        """Refuse an interval on which some instance of the family is invalid (SPEC.md §1, §11).

        Parameters
        ----------
        low, high : Fraction
            The closed interval ``[low, high]``.

        Raises
        ------
        SweepError
            For an empty or reversed interval.
        InstanceError
            Naming the number's place and the exact sub-interval where it breaks a rule: a pole, a
            probability that is not positive (worlds) or negative (feature kernels), probabilities
            that do not sum to 1 for every value, a utility outside ``[0, 1]``, a negative stake.
        """
        name = self.name
        if not low < high:
            raise SweepError(
                f"the interval {name}={low}..{high} is {'empty' if low == high else 'reversed'}; "
                f"give LOW < HIGH, e.g. {name}={min(low, high)}..{max(low, high) if low != high else low + 1}"
            )
        for place, f in self.functions():
            poles = isolate_roots(f.denominator, low, high)
            poles += [e for e in (low, high) if f.denominator(to_fmpq(e)) == 0]
            if poles:
                pole = sort_reals(poles)[0]
                raise InstanceError(
                    place,
                    f"divides by zero at {name} = {real_text(pole, name)}, inside [{low}, {high}]; "
                    "sweep an interval without it",
                )
        instance = self.instance
        interval = (low, high)
        total = RationalFunction.constant(Fraction(0))
        for w in instance.worlds:
            place = f"worlds.{w.label}.prob"
            f = self._function(place, w.prob)
            _require(
                f,
                place,
                interval,
                name,
                lambda s: s > 0,
                "is not positive",
                "every world has a positive probability",
            )
            total = total + f
        if not total.equals(RationalFunction.constant(Fraction(1))):
            raise InstanceError(
                "worlds",
                f"world probabilities sum to {total.text(name)}, not 1 for every {name}; write them so "
                f"that they sum to 1 identically (e.g. one of them as 1 minus the others)",
            )
        for u in instance.users:
            for a, row in zip(u.actions, u.utility):
                for y, value in zip(instance.states, row):
                    place = f"users.{u.label}.utility[{a}][{y}]"
                    _require_unit(self._function(place, value), place, interval, name)
            if u.feature_kernel is not None:
                for w, row in zip(instance.worlds, u.feature_kernel):
                    row_total = RationalFunction.constant(Fraction(0))
                    for x, value in zip(u.features, row):
                        place = f"users.{u.label}.feature_kernel[{w.label}][{x}]"
                        f = self._function(place, value)
                        _require(
                            f,
                            place,
                            interval,
                            name,
                            lambda s: s >= 0,
                            "is negative",
                            "probabilities lie in [0, 1]",
                        )
                        row_total = row_total + f
                    if not row_total.equals(RationalFunction.constant(Fraction(1))):
                        raise InstanceError(
                            f"users.{u.label}.feature_kernel[{w.label}]",
                            f"feature probabilities sum to {row_total.text(name)}, not 1 for every {name}; "
                            "write the row so that it sums to 1 identically",
                        )
        for p, stake_row in zip(instance.providers, instance.stakes):
            for u, stake in zip(instance.users, stake_row):
                place = f"stakes.{p.label}.{u.label}"
                f = self._function(f"{place}.weight", stake.weight)
                _require(
                    f,
                    f"{place}.weight",
                    interval,
                    name,
                    lambda s: s >= 0,
                    "is negative",
                    "stakes λ must be ≥ 0",
                )
                for a, row in zip(u.actions, stake.utility):
                    for y, value in zip(instance.states, row):
                        cell = f"{place}.utility[{a}][{y}]"
                        _require_unit(self._function(cell, value), cell, interval, name)


def real_text(value: Real, name: str = "p") -> str:
    """A real algebraic number as text: ``"1/2"``, or ``"root of p**2 - 2 in (1, 2) ≈ 1.414213562373"``.

    Parameters
    ----------
    value : Fraction or AlgebraicNumber
        The number.
    name : str
        The variable of the defining polynomial.

    Returns
    -------
    str
        Its exact spelling (with a decimal approximation for an irrational number).
    """
    if isinstance(value, AlgebraicNumber):
        low, high = value.interval
        return f"root of {value.polynomial_text(name)} in ({low}, {high}) ≈ {value.decimal(12)}"
    return str(value)


def _pieces(f: RationalFunction, low: Fraction, high: Fraction) -> list[tuple[Real, Real, Fraction | None]]:
    """The closed interval cut at the roots of ``f``'s numerator: points and open pieces with a sample.

    Each entry is ``(from, to, sample)``: a point has ``from == to`` and no sample (its value is
    decided exactly), an open piece has a rational sample inside.
    """
    roots = isolate_roots(f.numerator, low, high) if f.numerator.degree() > 0 else []
    ends: list[Real] = [low, *roots, high]
    result: list[tuple[Real, Real, Fraction | None]] = [(low, low, None)]
    for left, right in itertools.pairwise(ends):
        result.append((left, right, rational_between(left, right)))
        result.append((right, right, None))
    return result


def _sign_at(f: RationalFunction, point: Real) -> int:
    return sign_at(f.numerator, point) * sign_at(f.denominator, point)


def _violations(
    f: RationalFunction, low: Fraction, high: Fraction, ok: Callable[[int], bool]
) -> tuple[Real, Real, bool, bool] | None:
    """The first maximal sub-interval of ``[low, high]`` where the sign of ``f`` fails ``ok``.

    Returns ``(from, to, from_closed, to_closed)`` or None when ``ok`` holds everywhere.
    """
    if f.is_constant():
        return None if ok(_sign_at(f, low)) else (low, high, True, True)
    start: tuple[Real, bool] | None = None
    last: tuple[Real, bool] = (low, True)
    for left, right, sample in _pieces(f, low, high):
        point: Real = sample if sample is not None else left
        bad = not ok(_sign_at(f, point))
        if bad and start is None:
            start = (left, sample is None)
        if not bad and start is not None:
            return (start[0], left, start[1], sample is not None)
        last = (right, sample is None)
    if start is not None:
        return (start[0], last[0], start[1], True)
    return None


def _interval_text(found: tuple[Real, Real, bool, bool], name: str) -> str:
    low, high, low_closed, high_closed = found
    if compare(low, high) == 0:
        return f"{name} = {real_text(low, name)}"
    return (
        f"{name} in {'[' if low_closed else '('}{real_text(low, name)}, {real_text(high, name)}"
        f"{']' if high_closed else ')'}"
    )


def _require(
    f: RationalFunction,
    place: str,
    interval: tuple[Fraction, Fraction],
    name: str,
    ok: Callable[[int], bool],
    problem: str,
    rule: str,
) -> None:
    found = _violations(f, *interval, ok)
    if found is not None:
        raise InstanceError(
            place,
            f"{f.text(name)} {problem} for {_interval_text(found, name)} ({rule}); sweep an interval "
            f"where it holds",
        )


def _require_unit(f: RationalFunction, place: str, interval: tuple[Fraction, Fraction], name: str) -> None:
    """A utility must lie in [0, 1] on the whole interval."""
    for g, problem in ((f, "is negative"), (RationalFunction.constant(Fraction(1)) - f, "exceeds 1")):
        found = _violations(g, *interval, lambda s: s >= 0)
        if found is not None:
            raise InstanceError(
                place,
                f"utility {f.text(name)} {problem} for {_interval_text(found, name)} (utilities lie in "
                "[0, 1]); sweep an interval where it holds, or rescale",
            )
