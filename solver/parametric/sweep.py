"""The sweep driver: a partition of an interval into pieces with one exact answer each (SPEC.md §9).

An :class:`Evaluation` computes an answer twice: traced (its evaluator run on
:class:`~solver.parametric.values.ParamValue` numbers at a point, recording every polynomial whose
sign it decided) and numeric (the ordinary engine at a rational point). :func:`sweep` walks the
interval ``[a, b]`` from left to right:

1. the end ``a`` is a point piece;
2. from the current left end ``c``, a rational sample ``s`` is chosen in ``(c, b)``; the traced
   evaluation at ``s`` records polynomials; if one of them has a root in ``(c, s]``, ``s`` is moved
   closer to ``c`` (below that root) and the evaluation repeated. Otherwise every recorded
   polynomial keeps its sign on ``(c, r)``, with ``r`` the nearest root above ``c`` (or ``b``), so
   every comparison the evaluator made, and hence its whole answer, is the same there: ``(c, r)`` is
   an open piece, with every number an exact function of the parameter;
3. ``r`` (rational or real algebraic) is a point piece, evaluated at ``r`` itself; the walk goes on
   from ``r`` until ``b``, which is a point piece.

A traced evaluation is run once per point: a sample that comes back (e.g. the simplest rational
of a shorter interval) reuses it. An end ``a`` or ``b`` of the interval takes the answer of the
open piece next to it when none of that piece's recorded polynomials vanishes there, and no
reported function has a pole there: each of those polynomials then has the same sign at the end as
on the piece, so the evaluator makes the same comparisons there with the same outcomes.

Finally an open piece, a point and an open piece with equal answers (same structure, verdicts
and identical functions) merge into one open piece; the breakpoints are the interior points that
remain. Every reported open piece is then checked at its rational sample, and every rational point
piece at its point, by the numeric evaluation: each quantity must be equal exactly, and each verdict
the same (a mismatch is an internal error showing both values). With ``check="fine"`` every piece
before merging is checked too, which confirms the traced evaluation at each point where its
comparisons changed but its answer did not.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.progress import ProgressHook, report
from solver.parametric.algebraic import (
    AlgebraicNumber,
    Polynomial,
    Real,
    coefficients,
    compare,
    isolate_roots,
    rational_between,
    to_fmpq,
)
from solver.parametric.family import Family, ParametricInstance, SweepError
from solver.parametric.values import ParamValue, Point, Trace, forget_sweep_stores

Quantity = ParamValue | Fraction | None
"""A reported number: a function of the parameter, a constant, or None (undefined, e.g. infinite)."""


@dataclass(frozen=True, eq=False)
class Answer:
    """The answer of an evaluation on one piece.

    Attributes
    ----------
    quantities : mapping
        Named numbers (names as in the point commands' JSON), each a ParamValue, a Fraction or None.
    verdicts : mapping
        Named verdicts, e.g. ``{"C1": "holds"}``; empty when none.
    structure : hashable
        The combinatorial answer (e.g. the equilibrium profiles); compared with ``==``.
    details : mapping
        The structure written out for readers, JSON-ready (e.g. each equilibrium's rules); it
        holds no number and adds nothing to what ``structure`` compares.
    """

    quantities: Mapping[str, Quantity]
    verdicts: Mapping[str, str] = field(default_factory=dict)
    structure: Hashable = None
    details: Mapping[str, Any] = field(default_factory=dict)


class Evaluation(Protocol):
    """What a sweep evaluates: the same answer traced (on ParamValues) and numeric (at a point)."""

    def traced(self, family: ParametricInstance) -> Answer:
        """The evaluator run on the family's traced numbers, at its trace's point."""
        ...

    def numeric(self, instance: Instance) -> tuple[Mapping[str, Fraction | None], Mapping[str, str]]:
        """The ordinary engine at a rational point: quantities and verdicts."""
        ...


class SweepMismatchError(PluralisError, RuntimeError):
    """The traced and the numeric evaluation disagree at a point: an internal error, never ignored."""


CHECKS = ("pieces", "fine")
"""Where a sweep's numeric check runs: every reported piece, or every piece before merging too."""


@dataclass(frozen=True, eq=False)
class Piece:
    """One piece of the partition: an open interval or a single point, with its answer.

    Attributes
    ----------
    low, high : Fraction or AlgebraicNumber
        The ends (equal for a point).
    kind : str
        ``"open"`` or ``"point"``.
    answer : Answer
        The answer, constant on the piece; its functions are exact on the whole piece.
    sample : Fraction or AlgebraicNumber
        Where it was evaluated: a rational inside an open piece, the point itself for a point.
    checked : bool
        Whether the numeric engine confirmed the answer at ``sample`` (every open piece and every
        rational point; an irrational point cannot be given to the numeric engine).
    """

    low: Real
    high: Real
    kind: str
    answer: Answer
    sample: Real
    checked: bool

    def contains(self, value: Fraction) -> bool:
        """Whether a rational value of the parameter lies in the piece.

        Parameters
        ----------
        value : Fraction
            The value.

        Returns
        -------
        bool
            True when inside.
        """
        if self.kind == "point":
            return compare(value, self.low) == 0
        return compare(self.low, value) < 0 < compare(self.high, value)


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A partition of ``[a, b]`` into pieces with their answers (SPEC.md §9).

    Attributes
    ----------
    parameter : str
        The swept parameter.
    interval : (Fraction, Fraction)
        ``(a, b)``.
    pieces : tuple of Piece
        In increasing order: point ``a``, then open pieces and points alternately, point ``b``.
    evaluations : int
        Traced evaluations run (including resamples and points).
    fine_pieces : int
        Pieces before merging.
    checked_fine : bool
        Whether the numeric engine checked every piece before merging too (``check="fine"``).
    """

    parameter: str
    interval: tuple[Fraction, Fraction]
    pieces: tuple[Piece, ...]
    evaluations: int
    fine_pieces: int
    checked_fine: bool = False

    @property
    def breakpoints(self) -> tuple[Real, ...]:
        """The interior points where the answer changes."""
        a, b = self.interval
        return tuple(
            p.low
            for p in self.pieces
            if p.kind == "point" and compare(p.low, a) > 0 and compare(p.low, b) < 0
        )

    def piece_at(self, value: Fraction) -> Piece:
        """The piece holding a rational value of the parameter.

        Parameters
        ----------
        value : Fraction
            A value in the interval.

        Returns
        -------
        Piece
            Its piece.
        """
        for piece in self.pieces:
            if piece.contains(value):
                return piece
        raise ValueError(f"{value} lies outside [{self.interval[0]}, {self.interval[1]}]")


def same_quantity(left: Quantity, right: Quantity) -> bool:
    """Whether two reported numbers are the same function of the parameter (nothing is traced).

    Parameters
    ----------
    left, right : ParamValue, Fraction or None
        The numbers.

    Returns
    -------
    bool
        True when both are None or both are the same rational function.
    """
    if left is None or right is None:
        return left is None and right is None
    ln, ld = _polynomials(left)
    rn, rd = _polynomials(right)
    return bool(ln * rd == rn * ld)


def _polynomials(value: ParamValue | Fraction) -> tuple[Polynomial, Polynomial]:
    if isinstance(value, ParamValue):
        return value.numerator, value.denominator
    from solver.parametric.algebraic import polynomial

    return polynomial([value]), polynomial([1])


def same_answer(left: Answer, right: Answer) -> bool:
    """Whether two answers are equal: structure, verdicts and identical functions.

    Parameters
    ----------
    left, right : Answer
        The answers.

    Returns
    -------
    bool
        True when they may share one piece.
    """
    if left.structure != right.structure or dict(left.verdicts) != dict(right.verdicts):
        return False
    if list(left.quantities) != list(right.quantities):
        return False
    return all(same_quantity(left.quantities[k], right.quantities[k]) for k in left.quantities)


def value_at(quantity: Quantity, value: Fraction) -> Fraction | None:
    """A reported number's exact value at a rational point.

    Parameters
    ----------
    quantity : ParamValue, Fraction or None
        The number.
    value : Fraction
        The parameter's value.

    Returns
    -------
    Fraction or None
        Its value there.
    """
    if quantity is None:
        return None
    if isinstance(quantity, ParamValue):
        return quantity.at(value)
    return Fraction(quantity)


class _Driver:
    def __init__(
        self,
        family: Family,
        interval: tuple[Fraction, Fraction],
        evaluation: Evaluation,
        progress: ProgressHook | None,
        check_fine: bool,
    ) -> None:
        self.family = family
        self.name = family.name
        self.low, self.high = interval
        self.evaluation = evaluation
        self.progress = progress
        self.roots: dict[tuple[Fraction, ...], list[Real]] = {}
        self.evaluations = 0
        self.check_fine = check_fine
        # Traced evaluations by rational point: a sample that comes back is not evaluated again.
        self.known: dict[Fraction, tuple[Answer, tuple[Polynomial, ...]]] = {}

    def traced(self, point: Real) -> tuple[Answer, tuple[Polynomial, ...]]:
        if isinstance(point, Fraction) and point in self.known:
            return self.known[point]
        trace = Trace(Point(point), self.name)
        answer = self.evaluation.traced(self.family.at(trace))
        self.evaluations += 1
        result = (answer, trace.polynomials)
        if isinstance(point, Fraction):
            self.known[point] = result
        return result

    def roots_of(self, poly: Polynomial) -> list[Real]:
        key = coefficients(poly)
        if key not in self.roots:
            self.roots[key] = isolate_roots(poly, self.low, self.high)
        return self.roots[key]

    def next_root(self, polynomials: tuple[Polynomial, ...], left: Real) -> Real | None:
        """The smallest root above ``left`` (inside the interval) of the recorded polynomials."""
        best: Real | None = None
        for poly in polynomials:
            for root in self.roots_of(poly):
                if compare(root, left) > 0:
                    if best is None or compare(root, best) < 0:
                        best = root
                    break
        return best

    def check(self, answer: Answer, value: Fraction) -> None:
        quantities, verdicts = self.evaluation.numeric(self.family.instance_at(value))
        where = f"{self.name} = {value}"
        if set(quantities) != set(answer.quantities):
            raise SweepMismatchError(
                f"at {where} the traced evaluation reports {sorted(answer.quantities)} but the point "
                f"engine {sorted(quantities)}"
            )
        for key, expected in quantities.items():
            got = value_at(answer.quantities[key], value)
            if got != expected:
                raise SweepMismatchError(
                    f"at {where}, {key} is {got} by the traced evaluation but {expected} by the point engine"
                )
        if dict(verdicts) != dict(answer.verdicts):
            raise SweepMismatchError(
                f"at {where} the verdicts are {dict(answer.verdicts)} by the traced evaluation but "
                f"{dict(verdicts)} by the point engine"
            )

    def point(self, value: Real, beside: tuple[Answer, tuple[Polynomial, ...]] | None = None) -> Piece:
        """A point piece; ``beside`` is the adjacent open piece's answer and recorded polynomials."""
        if beside is not None and isinstance(value, Fraction) and _extends(beside, value):
            answer = beside[0]
        else:
            answer, _ = self.traced(value)
        if self.check_fine and isinstance(value, Fraction):
            self.check(answer, value)
            return Piece(value, value, "point", answer, value, True)
        return Piece(value, value, "point", answer, value, False)

    def open_piece(self, left: Real) -> tuple[Piece, tuple[Polynomial, ...]]:
        sample = rational_between(left, self.high)
        while True:
            answer, polynomials = self.traced(sample)
            root = self.next_root(polynomials, left)
            if root is None or compare(root, sample) > 0:
                break
            sample = rational_between(left, root)
        right: Real = self.high if root is None else root
        if self.check_fine:
            self.check(answer, sample)
        return Piece(left, right, "open", answer, sample, self.check_fine), polynomials

    def confirm(self, piece: Piece) -> Piece:
        """The piece checked by the numeric evaluation at its sample, when rational and not yet done."""
        if piece.checked or not isinstance(piece.sample, Fraction):
            return piece
        self.check(piece.answer, piece.sample)
        return Piece(piece.low, piece.high, piece.kind, piece.answer, piece.sample, True)

    def run(self) -> list[Piece]:
        first, recorded = self.open_piece(self.low)
        pieces = [self.point(self.low, (first.answer, recorded)), first]
        while True:
            report(self.progress, "sweep", len(pieces), 0)
            left = pieces[-1].high
            if compare(left, self.high) == 0:
                break
            pieces.append(self.point(left))
            piece, recorded = self.open_piece(left)
            pieces.append(piece)
        pieces.append(self.point(self.high, (pieces[-1].answer, recorded)))
        return pieces


def _extends(beside: tuple[Answer, tuple[Polynomial, ...]], value: Fraction) -> bool:
    """Whether an open piece's answer holds at an end of it: no recorded polynomial vanishes there.

    The open piece's recorded polynomials have no root inside it; when none is zero at the end
    either, each has the same sign there as on the piece, so the traced evaluation at the end would
    make every comparison alike and give the same answer, provided no reported function has a pole
    at the end.
    """
    answer, polynomials = beside
    x = to_fmpq(value)
    if any(poly(x) == 0 for poly in polynomials):
        return False
    return all(not isinstance(q, ParamValue) or q.denominator(x) != 0 for q in answer.quantities.values())


def merge(pieces: list[Piece]) -> list[Piece]:
    """Merge every open piece, point and open piece with equal answers into one open piece.

    Parameters
    ----------
    pieces : list of Piece
        A partition, alternating points and open pieces, starting and ending with a point.

    Returns
    -------
    list of Piece
        The coarsest such partition.
    """
    merged: list[Piece] = [pieces[0]]
    k = 1
    while k < len(pieces):
        piece = pieces[k]
        last = merged[-1]
        if (
            piece.kind == "point"
            and k + 1 < len(pieces) - 1
            and last.kind == "open"
            and same_answer(last.answer, piece.answer)
            and same_answer(last.answer, pieces[k + 1].answer)
        ):
            following = pieces[k + 1]
            merged[-1] = Piece(last.low, following.high, "open", last.answer, last.sample, last.checked)
            k += 2
            continue
        merged.append(piece)
        k += 1
    return merged


def _check_cover(pieces: list[Piece], low: Fraction, high: Fraction) -> None:
    """The pieces cover ``[low, high]`` exactly: no gap, no overlap."""
    assert pieces[0].kind == "point" and compare(pieces[0].low, low) == 0
    assert pieces[-1].kind == "point" and compare(pieces[-1].low, high) == 0
    for before, after in itertools.pairwise(pieces):
        assert before.kind != after.kind
        assert compare(before.high, after.low) == 0
        assert after.kind == "point" or compare(after.low, after.high) < 0


def sweep(
    family: Family,
    parameter: str,
    interval: tuple[Fraction, Fraction],
    evaluation: Evaluation,
    progress: ProgressHook | None = None,
    check: str = "pieces",
) -> SweepResult:
    """Partition ``[a, b]`` into pieces on which an evaluation's answer is constant (SPEC.md §9).

    Parameters
    ----------
    family : Family
        The instance file read as a family.
    parameter : str
        The parameter to sweep.
    interval : (Fraction, Fraction)
        The closed interval ``[a, b]``, ``a < b``.
    evaluation : Evaluation
        What to compute on each piece.
    progress : ProgressHook, optional
        Called as pieces are found.
    check : {"pieces", "fine"}
        Where the numeric engine confirms the traced answer: at a rational point of every reported
        piece (``"pieces"``), or of every piece before merging as well (``"fine"``).

    Returns
    -------
    SweepResult
        The pieces, each checked by the numeric engine at a rational point when it has one.

    Raises
    ------
    SweepError
        For an unknown parameter, an empty or reversed interval, or an unknown ``check``.
    InstanceError
        When some instance of the family on the interval is invalid (naming the sub-interval).
    SweepMismatchError
        When the traced and the numeric evaluation disagree (an internal error).
    """
    if check not in CHECKS:
        raise SweepError(f"check: unknown check {check!r}; use {' or '.join(repr(c) for c in CHECKS)}")
    low, high = Fraction(interval[0]), Fraction(interval[1])
    forget_sweep_stores()
    family = family.with_parameter(parameter)
    family.check_interval(low, high)
    driver = _Driver(family, (low, high), evaluation, progress, check == "fine")
    fine = driver.run()
    _check_cover(fine, low, high)
    pieces = [driver.confirm(piece) for piece in merge(fine)]
    _check_cover(pieces, low, high)
    return SweepResult(parameter, (low, high), tuple(pieces), driver.evaluations, len(fine), check == "fine")


def describe_real(value: Real) -> dict[str, Any]:
    """A breakpoint for JSON: its value text and its exact form.

    Parameters
    ----------
    value : Fraction or AlgebraicNumber
        The number.

    Returns
    -------
    dict
        ``{"value": "1/2", "exact": "1/2"}`` for a rational; for an irrational number, the value
        as a decimal approximation and the exact form as its defining polynomial (sympy text in
        ``x``) with an isolating interval.
    """
    if isinstance(value, AlgebraicNumber):
        low, high = value.interval
        return {
            "value": value.decimal(15),
            "exact": {"polynomial": value.polynomial_text("x"), "interval": [str(low), str(high)]},
        }
    return {"value": str(value), "exact": str(value)}
