"""The exact LP layer (SPEC.md §9): hand-solved programs, certificates, and brute force.

Every optimum below is derived by hand in the comments, with a dual that proves it. Properties
compare :func:`solve_lp` with an exact enumeration of vertices on small bounded programs, check
that a tampered certificate is refused, and pivot the exact simplex from every basis of small
programs (the repair path).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.core.errors import ModelError
from solver.lp import (
    LinearProgram,
    LPStatus,
    check_infeasibility,
    check_optimality,
    check_unboundedness,
    check_upper_bound,
    solve_lp,
)
from solver.lp.simplex import StandardForm, solve_from_basis

F = Fraction
METHODS = ("auto", "exact")


def _row(*coefficients: int | Fraction) -> tuple[tuple[int, Fraction], ...]:
    """A dense row written as its coefficients; zeros are left out."""
    return tuple((k, F(a)) for k, a in enumerate(coefficients) if a != 0)


def _program(
    objective: tuple[int | Fraction, ...],
    upper: tuple[tuple[tuple[int | Fraction, ...], int | Fraction], ...] = (),
    equal: tuple[tuple[tuple[int | Fraction, ...], int | Fraction], ...] = (),
    free: tuple[bool, ...] = (),
) -> LinearProgram:
    return LinearProgram(
        objective=tuple(F(c) for c in objective),
        upper_rows=tuple(_row(*a) for a, _ in upper),
        upper_rhs=tuple(F(b) for _, b in upper),
        equal_rows=tuple(_row(*a) for a, _ in equal),
        equal_rhs=tuple(F(b) for _, b in equal),
        free=free,
    )


@dataclass(frozen=True)
class Case:
    """A hand-solved program: its optimum, an optimal x, and a dual proving it."""

    program: LinearProgram
    value: Fraction
    primal: tuple[Fraction, ...]
    dual_upper: tuple[Fraction, ...]
    dual_equal: tuple[Fraction, ...] = ()
    unique_primal: bool = True


CASES = [
    pytest.param(
        # max x + y, 2x + y ≤ 4, x + 3y ≤ 6. Both rows tight: x = 6/5, y = 8/5, value 14/5.
        # Dual: 2u + v = 1, u + 3v = 1 gives u = 2/5, v = 1/5 and b·y = 8/5 + 6/5 = 14/5.
        Case(
            _program((1, 1), upper=(((2, 1), 4), ((1, 3), 6))),
            F(14, 5),
            (F(6, 5), F(8, 5)),
            (F(2, 5), F(1, 5)),
        ),
        id="fractional-vertex",
    ),
    pytest.param(
        # max 3x + 2y, x + y ≤ 4, x + 3y ≤ 6, x ≤ 3: three rows meet at (3, 1), value 11 (degenerate).
        # Two different optimal duals: (2, 0, 1) since A^T y = (3, 2) and b·y = 8 + 3 = 11;
        # and (0, 2/3, 7/3), A^T y = (2/3 + 7/3, 2) = (3, 2), b·y = 4 + 7 = 11.
        Case(
            _program((3, 2), upper=(((1, 1), 4), ((1, 3), 6), ((1, 0), 3))),
            F(11),
            (F(3), F(1)),
            (F(2), F(0), F(1)),
        ),
        id="degenerate-vertex",
    ),
    pytest.param(
        # Beale's example, which cycles under the largest-coefficient rule:
        # max 3/4 x0 − 20 x1 + 1/2 x2 − 6 x3, rows 1/4 x0 − 8 x1 − x2 + 9 x3 ≤ 0,
        # 1/2 x0 − 12 x1 − 1/2 x2 + 3 x3 ≤ 0, x2 ≤ 1. Optimum x = (1, 0, 1, 0), value 5/4.
        # Dual: row 0 is slack (−3/4 < 0) so y0 = 0; columns 0 and 2 tight: y1/2 = 3/4, y1 = 3/2;
        # −y1/2 + y2 = 1/2, y2 = 5/4. Columns 1, 3: −18 ≥ −20, 9/2 ≥ −6. b·y = y2 = 5/4.
        Case(
            _program(
                (F(3, 4), -20, F(1, 2), -6),
                upper=(
                    ((F(1, 4), -8, -1, 9), 0),
                    ((F(1, 2), -12, F(-1, 2), 3), 0),
                    ((0, 0, 1, 0), 1),
                ),
            ),
            F(5, 4),
            (F(1), F(0), F(1), F(0)),
            (F(0), F(3, 2), F(5, 4)),
        ),
        id="beale-cycling",
    ),
    pytest.param(
        # max x0 + 2 x1 + 3 x2 on the simplex x0 + x1 + x2 = 1: all weight on x2, value 3.
        # Dual: y = 3 (free), A^T y = (3, 3, 3) ≥ (1, 2, 3), b·y = 3.
        Case(
            _program((1, 2, 3), equal=(((1, 1, 1), 1),)),
            F(3),
            (F(0), F(0), F(1)),
            (),
            (F(3),),
        ),
        id="equality-simplex",
    ),
    pytest.param(
        # max x0 + x1, x0 + 2 x1 = 4, 3 x0 + x1 = 7: the equalities fix x = (2, 1), value 3.
        # Dual: y0 + 3 y1 ≥ 1 and 2 y0 + y1 ≥ 1 with equality (both variables positive):
        # y0 = 2/5, y1 = 1/5, b·y = 8/5 + 7/5 = 3.
        Case(
            _program((1, 1), equal=(((1, 2), 4), ((3, 1), 7))),
            F(3),
            (F(2), F(1)),
            (),
            (F(2, 5), F(1, 5)),
        ),
        id="equalities-fix-point",
    ),
    pytest.param(
        # max x0, x0 + x1 ≤ 1, −x1 ≤ 2 with x1 free: x1 = −2, x0 = 3, value 3.
        # Dual: column x0: y0 ≥ 1; free column x1: y0 − y1 = 0. y = (1, 1), b·y = 1 + 2 = 3.
        Case(
            _program((1, 0), upper=(((1, 1), 1), ((0, -1), 2)), free=(False, True)),
            F(3),
            (F(3), F(-2)),
            (F(1), F(1)),
        ),
        id="free-variable",
    ),
    pytest.param(
        # Fit x to 1/2 in the sup norm: max −t, x − t ≤ 1/2, −x − t ≤ −1/2, x free, t ≥ 0.
        # x = 1/2, t = 0, value 0. Dual: free column x: y0 − y1 = 0; column t: −y0 − y1 ≥ −1;
        # b·y = (y0 − y1)/2 = 0 for y = (1/2, 1/2).
        Case(
            _program((0, -1), upper=(((1, -1), F(1, 2)), ((-1, -1), F(-1, 2))), free=(True, False)),
            F(0),
            (F(1, 2), F(0)),
            (F(1, 2), F(1, 2)),
        ),
        id="free-sup-norm-fit",
    ),
    pytest.param(
        # Ties along an edge: max x0 + x1, x0 + x1 ≤ 1. Every point of the edge is optimal, value 1.
        # Dual y = 1: A^T y = (1, 1), b·y = 1.
        Case(_program((1, 1), upper=(((1, 1), 1),)), F(1), (F(1), F(0)), (F(1),), unique_primal=False),
        id="optimal-edge",
    ),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES)
def test_hand_solved_programs(case: Case, method: str) -> None:
    solution = solve_lp(case.program, method=method)
    assert solution.status is LPStatus.OPTIMAL
    assert solution.certified
    assert solution.value == case.value
    if case.unique_primal:
        assert solution.primal == case.primal
    assert check_optimality(case.program, solution.primal, solution.dual_upper, solution.dual_equal) is None
    assert check_optimality(case.program, case.primal, case.dual_upper, case.dual_equal) is None
    assert all(
        isinstance(v, Fraction) for v in (*solution.primal, *solution.dual_upper, *solution.dual_equal)
    )


def test_degenerate_program_has_both_duals_certified() -> None:
    program = CASES[1].values[0].program
    for dual in ((F(2), F(0), F(1)), (F(0), F(2, 3), F(7, 3))):
        assert check_optimality(program, (F(3), F(1)), dual, ()) is None


@pytest.mark.parametrize("method", METHODS)
def test_infeasible_program_has_a_checked_farkas_certificate(method: str) -> None:
    # x0 + x1 ≤ 1 and x0 + x1 ≥ 3 (written −x0 − x1 ≤ −3). Adding the rows: 0 ≤ −2.
    # The Farkas vector y = (1, 1): y ≥ 0, A^T y = (0, 0), b·y = 1 − 3 = −2 < 0.
    program = _program((1, 1), upper=(((1, 1), 1), ((-1, -1), -3)))
    solution = solve_lp(program, method=method)
    assert solution.status is LPStatus.INFEASIBLE
    assert solution.certified
    assert solution.value is None and solution.primal == ()
    assert check_infeasibility(program, solution.dual_upper, solution.dual_equal) is None
    assert check_infeasibility(program, (F(1), F(1)), ()) is None
    assert check_infeasibility(program, (F(1), F(0)), ()) is not None


@pytest.mark.parametrize("method", METHODS)
def test_inconsistent_equalities_with_a_free_variable(method: str) -> None:
    # x0 + x1 = 1 and x0 + x1 = 2 with x1 free: y_eq = (1, −1) gives A^T y = 0, b·y = −1.
    program = _program((1, 0), equal=(((1, 1), 1), ((1, 1), 2)), free=(False, True))
    solution = solve_lp(program, method=method)
    assert solution.status is LPStatus.INFEASIBLE and solution.certified
    assert check_infeasibility(program, (), (F(1), F(-1))) is None
    # A^T y must vanish on the free column: (1, 0) gives A^T y = (1, 1), not 0 there.
    assert "free" in (check_infeasibility(program, (), (F(1), F(0))) or "")


@pytest.mark.parametrize("method", METHODS)
def test_unbounded_program(method: str) -> None:
    # max x0 with x0 − x1 ≤ 1: the ray (1, 1) keeps the row at its value and raises x0.
    program = _program((1, 0), upper=(((1, -1), 1),))
    solution = solve_lp(program, method=method)
    assert solution.status is LPStatus.UNBOUNDED
    assert solution.certified
    assert solution.value is None
    assert check_unboundedness(program, (F(0), F(0)), (F(1), F(1))) is None
    assert check_unboundedness(program, (F(0), F(0)), (F(1), F(0))) is not None


def test_programs_without_rows_or_variables() -> None:
    # No rows: max −2 x0 − 0 x1 at x = 0; x1 has cost 0. With a positive cost, unbounded.
    assert solve_lp(_program((-2, 0))).value == 0
    assert solve_lp(_program((1,))).status is LPStatus.UNBOUNDED
    # No variables: 0 ≤ 1 holds, 0 ≤ −1 fails with y = 1: b·y = −1.
    empty = LinearProgram((), upper_rows=((),), upper_rhs=(F(1),))
    assert solve_lp(empty).value == 0
    broken = LinearProgram((), upper_rows=((),), upper_rhs=(F(-1),))
    solution = solve_lp(broken)
    assert solution.status is LPStatus.INFEASIBLE and solution.certified


def test_upper_bound_certificate() -> None:
    # max 3x + 2y as in "degenerate-vertex": y = (2, 0, 1) proves max ≤ 11; y = (3, 0, 0) gives
    # A^T y = (3, 3) ≥ (3, 2), b·y = 12, so max ≤ 12 but not ≤ 11.
    program = CASES[1].values[0].program
    assert check_upper_bound(program, (F(2), F(0), F(1)), (), F(11)) is None
    assert check_upper_bound(program, (F(3), F(0), F(0)), (), F(12)) is None
    assert "exceeds" in (check_upper_bound(program, (F(3), F(0), F(0)), (), F(11)) or "")
    assert "negative" in (check_upper_bound(program, (F(-1), F(0), F(4)), (), F(100)) or "")


def test_checks_name_the_failing_place() -> None:
    case = CASES[0].values[0]
    program = case.program
    assert "upper row 1" in (check_optimality(program, (F(0), F(3)), case.dual_upper, ()) or "")
    assert "x1" in (check_optimality(program, (F(1), F(-1)), case.dual_upper, ()) or "")
    assert "column x0" in (check_optimality(program, case.primal, (F(1, 5), F(1, 5)), ()) or "")
    assert "duality gap" in (check_optimality(program, (F(0), F(0)), case.dual_upper, ()) or "")
    assert "entries" in (check_optimality(program, case.primal, (F(1),), ()) or "")
    assert "not an exact number" in (check_optimality(program, (1.2, F(8, 5)), case.dual_upper, ()) or "")  # type: ignore[arg-type]


def test_names_appear_in_messages() -> None:
    program = LinearProgram(
        (F(1),), upper_rows=(((0, F(1)),),), upper_rhs=(F(1),), variable_names=("w",), row_names=("cap",)
    )
    reason = check_optimality(program, (F(2),), (F(1),), ())
    assert reason is not None and "(cap)" in reason


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"objective": (0.5,)}, "not an exact number", id="float-objective"),
        pytest.param({"objective": (True,)}, "not an exact number", id="bool-objective"),
        pytest.param(
            {"objective": (F(1),), "upper_rows": (((0, 0.5),),), "upper_rhs": (F(1),)},
            "not an exact number",
            id="float-coefficient",
        ),
        pytest.param(
            {"objective": (F(1),), "upper_rows": (((1, F(1)),),), "upper_rhs": (F(1),)},
            "not an index",
            id="unknown-variable",
        ),
        pytest.param(
            {"objective": (F(1),), "upper_rows": (((0, F(1)), (0, F(1))),), "upper_rhs": (F(1),)},
            "appears twice",
            id="repeated-variable",
        ),
        pytest.param({"objective": (F(1),), "upper_rows": (((0, F(1)),),)}, "upper_rhs", id="missing-rhs"),
        pytest.param(
            {"objective": (F(1),), "upper_rows": ((F(1),),), "upper_rhs": (F(1),)},
            "not a pair",
            id="bare-entry",
        ),
        pytest.param({"objective": (F(1),), "free": (True, False)}, "one per variable", id="free-length"),
    ],
)
def test_malformed_programs_are_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        LinearProgram(**arguments)  # type: ignore[arg-type]


def test_integers_become_fractions() -> None:
    program = LinearProgram((1, 2), upper_rows=(((0, 1), (1, 1)),), upper_rhs=(3,))  # type: ignore[arg-type]
    assert all(type(v) is Fraction for v in (*program.objective, *program.upper_rhs))
    assert solve_lp(program).value == 6


def test_unknown_method() -> None:
    with pytest.raises(ModelError, match="unknown LP method"):
        solve_lp(CASES[0].values[0].program, method="float")


# -- the repair path: exact pivots from any starting basis -------------------------------------------


@pytest.mark.parametrize("case", CASES[:6])
def test_repair_from_every_basis(case: Case) -> None:
    program = case.program
    form = StandardForm(program, artificial=False)
    tried = 0
    for columns in itertools.combinations(range(form.size), form.m):
        repaired = solve_from_basis(program, form, list(columns))
        if repaired is None:  # a singular choice of columns
            continue
        tried += 1
        assert repaired.status is LPStatus.OPTIMAL and repaired.certified
        assert repaired.value == case.value
    assert tried > 0


def test_repair_of_near_degenerate_float_bases() -> None:
    # Perturbations of 10⁻¹⁰ sit below HiGHS' tolerances: its basis is often not exactly optimal.
    rng = random.Random(5)
    eps = F(1, 10**10)
    methods = set()
    for _ in range(40):
        n = rng.randint(2, 5)
        base = [F(rng.randint(1, 3)) for _ in range(n)]
        upper = tuple(
            (tuple(base[k] + eps * rng.randint(-3, 3) for k in range(n)), 1 + eps * rng.randint(-3, 3))
            for _ in range(rng.randint(2, 5))
        )
        program = _program(tuple(base[k] + eps * rng.randint(-3, 3) for k in range(n)), upper=upper)
        solution = solve_lp(program)
        exact = solve_lp(program, method="exact")
        assert solution.certified and exact.certified
        assert solution.value == exact.value
        methods.add(solution.method)
    assert "highs+exact-repair" in methods


# -- properties against brute force ------------------------------------------------------------------


def _solve_square(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss–Jordan elimination in fractions; None when the system is singular."""
    n = len(matrix)
    rows = [[*row, b] for row, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [rows[r][n] / rows[r][r] for r in range(n)]


def _brute_force(program: LinearProgram) -> Fraction | None:
    """The maximum over all vertices of a bounded program, or None when it has no feasible point."""
    n = program.variable_count
    inequalities: list[tuple[list[Fraction], Fraction]] = []

    def dense(row: tuple[tuple[int, Fraction], ...]) -> list[Fraction]:
        result = [F(0)] * n
        for k, a in row:
            result[k] = a
        return result

    for row, b in zip(program.upper_rows, program.upper_rhs):
        inequalities.append((dense(row), b))
    for row, b in zip(program.equal_rows, program.equal_rhs):
        inequalities.append((dense(row), b))
        inequalities.append(([-a for a in dense(row)], -b))
    for k in range(n):
        if not program.is_free(k):
            inequalities.append(([F(-1) if j == k else F(0) for j in range(n)], F(0)))
    best: Fraction | None = None
    for chosen in itertools.combinations(inequalities, n):
        point = _solve_square([a for a, _ in chosen], [b for _, b in chosen])
        if point is None:
            continue
        if all(sum((a * x for a, x in zip(row, point)), F(0)) <= b for row, b in inequalities):
            value = sum((c * x for c, x in zip(program.objective, point)), F(0))
            best = value if best is None or value > best else best
    return best


small_numbers = st.builds(F, st.integers(-3, 3), st.sampled_from((1, 1, 2, 3)))


@st.composite
def bounded_programs(draw: st.DrawFn) -> LinearProgram:
    """Programs with 1–3 variables in a box (free ones boxed on both sides) and random rows."""
    n = draw(st.integers(1, 3))
    free = tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    upper: list[tuple[tuple[int, Fraction], ...]] = []
    upper_rhs: list[Fraction] = []
    for k in range(n):
        upper.append(((k, F(1)),))
        upper_rhs.append(F(draw(st.integers(0, 3))))
        if free[k]:
            upper.append(((k, F(-1)),))
            upper_rhs.append(F(draw(st.integers(0, 3))))
    for _ in range(draw(st.integers(0, 3))):
        coefficients = draw(st.lists(small_numbers, min_size=n, max_size=n))
        upper.append(tuple((k, a) for k, a in enumerate(coefficients) if a != 0))
        upper_rhs.append(draw(small_numbers) + 1)
    equal: list[tuple[tuple[int, Fraction], ...]] = []
    equal_rhs: list[Fraction] = []
    for _ in range(draw(st.integers(0, 1))):
        coefficients = draw(st.lists(small_numbers, min_size=n, max_size=n))
        equal.append(tuple((k, a) for k, a in enumerate(coefficients) if a != 0))
        equal_rhs.append(draw(small_numbers))
    objective = tuple(draw(st.lists(small_numbers, min_size=n, max_size=n)))
    return LinearProgram(objective, tuple(upper), tuple(upper_rhs), tuple(equal), tuple(equal_rhs), free)


@given(bounded_programs(), st.sampled_from(METHODS))
def test_solution_matches_vertex_enumeration(program: LinearProgram, method: str) -> None:
    solution = solve_lp(program, method=method)
    assert solution.certified
    expected = _brute_force(program)
    if expected is None:
        assert solution.status is LPStatus.INFEASIBLE
        assert check_infeasibility(program, solution.dual_upper, solution.dual_equal) is None
    else:
        assert solution.status is LPStatus.OPTIMAL
        assert solution.value == expected
        assert check_optimality(program, solution.primal, solution.dual_upper, solution.dual_equal) is None


@given(bounded_programs(), st.data())
def test_tampered_certificates_are_refused(program: LinearProgram, data: st.DataObject) -> None:
    solution = solve_lp(program)
    m1 = len(program.upper_rows)
    dual = [*solution.dual_upper, *solution.dual_equal]
    if solution.status is LPStatus.INFEASIBLE:
        # A Farkas vector may be moved within its cone, so tamper where it must break: a negative
        # multiplier of an upper row, or the whole vector negated (b·y > 0).
        r = data.draw(st.integers(0, m1 - 1))
        broken = list(dual)
        broken[r] = -data.draw(st.sampled_from((F(1), F(1, 2), F(3))))
        assert check_infeasibility(program, broken[:m1], broken[m1:]) is not None
        negated = [-y for y in dual]
        assert check_infeasibility(program, negated[:m1], negated[m1:]) is not None
        return
    assert solution.status is LPStatus.OPTIMAL
    rhs = [*program.upper_rhs, *program.equal_rhs]
    nonzero = [r for r, b in enumerate(rhs) if b != 0]
    if nonzero:
        r = data.draw(st.sampled_from(nonzero))
        dual[r] += data.draw(st.sampled_from((F(1), F(-1), F(1, 3))))  # b·y moves by shift · b_r ≠ 0
        assert check_optimality(program, solution.primal, dual[:m1], dual[m1:]) is not None
    costly = [k for k, c in enumerate(program.objective) if c != 0]
    if costly:
        k = data.draw(st.sampled_from(costly))
        primal = list(solution.primal)
        primal[k] += data.draw(st.sampled_from((F(1), F(-1), F(1, 3))))  # c·x moves
        assert check_optimality(program, primal, solution.dual_upper, solution.dual_equal) is not None


@given(bounded_programs())
def test_auto_and_exact_agree(program: LinearProgram) -> None:
    auto, exact = solve_lp(program), solve_lp(program, method="exact")
    assert auto.status is exact.status
    assert auto.value == exact.value
    assert auto.certified and exact.certified
