"""Infeasibility from HiGHS' dual ray (solver.lp.farkas, SPEC.md §9): rationalised, checked exactly.

The exact simplex (``solve_lp(..., method="exact")``, no floats) is the ground truth. Properties: on
random small programs, the ray path (whenever HiGHS gives a ray) and the elastic path each prove
infeasibility exactly when the program is infeasible and never otherwise; every certificate they
return passes the exact check; corrupting a certificate makes the check fail; a ray can never prove
a feasible program infeasible.
Hand-derived edges: zero rows, equality rows, free variables, infeasibility by the bounds
``x ≥ 0`` alone, a ray whose multipliers are not integers, and the fallback to the elastic program.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.lp import LinearProgram, LPSolution, LPStatus, check_infeasibility, solve_lp
from solver.lp.elastic import elastic_program, infeasibility_from_elastic
from solver.lp.farkas import infeasibility_from_ray, rationalised_rays, simplest_close
from solver.lp.highs import solve_float
from solver.lp.solve import PRESOLVE_ABOVE

F = Fraction

small = st.builds(F, st.integers(-3, 3), st.sampled_from((1, 1, 1, 2, 3)))


@st.composite
def programs(draw: st.DrawFn) -> LinearProgram:
    """1–4 variables (some free), 1–6 rows of both kinds, small coefficients; rows may be empty.

    Right-hand sides are often negative, so that about half of the programs are infeasible.
    """
    n = draw(st.integers(1, 4))
    free = tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n)))

    def row() -> tuple[tuple[int, Fraction], ...]:
        coefficients = draw(st.lists(small, min_size=n, max_size=n))
        return tuple((k, a) for k, a in enumerate(coefficients) if a != 0)

    upper_count = draw(st.integers(0, 5))
    equal_count = draw(st.integers(0 if upper_count else 1, 2))
    upper = tuple(row() for _ in range(upper_count))
    equal = tuple(row() for _ in range(equal_count))
    return LinearProgram(
        objective=tuple(draw(st.lists(small, min_size=n, max_size=n))),
        upper_rows=upper,
        upper_rhs=tuple(draw(small) for _ in upper),
        equal_rows=equal,
        equal_rhs=tuple(draw(small) for _ in equal),
        free=free,
    )


def _by_ray(lp: LinearProgram) -> LPSolution | None:
    found = solve_float(lp, presolve=False, dual_ray=True)
    if found.status is not LPStatus.INFEASIBLE:
        assert found.dual_ray == ()
        return None
    return infeasibility_from_ray(lp, found.dual_ray)


def _by_elastic(lp: LinearProgram) -> LPSolution | None:
    return infeasibility_from_elastic(lp, solve_lp(elastic_program(lp)))


def _accepted(lp: LinearProgram, y: list[Fraction]) -> bool:
    m1 = len(lp.upper_rows)
    return check_infeasibility(lp, y[:m1], y[m1:]) is None


@given(programs())
def test_ray_and_elastic_paths_agree_with_the_exact_simplex(lp: LinearProgram) -> None:
    truth = solve_lp(lp, method="exact")
    assert truth.certified
    infeasible = truth.status is LPStatus.INFEASIBLE
    found = solve_float(lp, presolve=False, dual_ray=True)
    by_ray, by_elastic = _by_ray(lp), _by_elastic(lp)
    assert (by_elastic is not None) == infeasible
    # HiGHS gives no ray for a program it finds infeasible before its simplex starts (every row
    # empty, say); whenever it gives one, the ray path proves infeasibility exactly.
    if found.dual_ray:
        assert (by_ray is not None) == infeasible
    else:
        assert by_ray is None
    for proof in (by_ray, by_elastic):
        if proof is not None:
            assert proof.status is LPStatus.INFEASIBLE and proof.certified
            assert check_infeasibility(lp, proof.dual_upper, proof.dual_equal) is None
    # solve_lp itself: the same status, and an infeasibility proof only with a checked certificate.
    solution = solve_lp(lp)
    assert solution.certified and solution.status is truth.status
    if infeasible:
        assert check_infeasibility(lp, solution.dual_upper, solution.dual_equal) is None


@given(programs(), st.data())
def test_corrupted_certificates_are_rejected(lp: LinearProgram, data: st.DataObject) -> None:
    proof = _by_ray(lp) or _by_elastic(lp)
    if proof is None:
        return
    y = [*proof.dual_upper, *proof.dual_equal]
    m1 = len(lp.upper_rows)
    assert _accepted(lp, y)
    # Negated: b·y > 0, so (4) fails. Zero: b·y = 0, so (4) fails.
    assert not _accepted(lp, [-v for v in y])
    assert not _accepted(lp, [F(0)] * len(y))
    # A negative multiplier on an upper row breaks (1), whatever the other multipliers are.
    if m1:
        r = data.draw(st.integers(0, m1 - 1))
        broken = list(y)
        broken[r] = -data.draw(st.sampled_from((F(1), F(1, 3), F(5))))
        assert not _accepted(lp, broken)
    # Adding t·a_r of a row with a negative coefficient a_rk on a non-free x_k, with
    # t > (A^T y)_k / |a_rk|, makes (A^T y)_k negative and breaks (2). For a row with a_rk ≠ 0 on
    # a free x_k, any t ≠ 0 breaks (3) there. Equal rows may take either sign of t.
    rows = (*lp.upper_rows, *lp.equal_rows)
    activity = [
        sum((a * y[r] for r, row in enumerate(rows) for j, a in row if j == k), F(0))
        for k in range(lp.variable_count)
    ]
    for r, row in enumerate(rows):
        for k, a in row:
            signs = (1,) if r < m1 else (1, -1)
            for sign in signs:
                if lp.is_free(k):
                    t = F(sign)
                elif sign * a < 0:
                    t = sign * (activity[k] / abs(a) + 1)
                else:
                    continue
                broken = list(y)
                broken[r] += t
                assert not _accepted(lp, broken)


@given(programs(), st.lists(st.floats(-4, 4, allow_nan=False), min_size=6, max_size=6))
def test_no_ray_proves_a_feasible_program_infeasible(lp: LinearProgram, values: list[float]) -> None:
    ray = values[: lp.row_count]
    proof = infeasibility_from_ray(lp, ray)
    if proof is not None:
        assert check_infeasibility(lp, proof.dual_upper, proof.dual_equal) is None
        assert solve_lp(lp, method="exact").status is LPStatus.INFEASIBLE


@given(st.integers(-1000, 1000), st.integers(1, 1000))
def test_simplest_close_recovers_small_fractions(p: int, q: int) -> None:
    # Two fractions with denominators ≤ 1000 differ by at least 1/10⁶, and float(p/q) is within
    # 10⁻¹³ of p/q; the convergents of float(p/q) before p/q are those of p/q, each at least
    # 1/(q_k (q_k + q_{k+1})) ≥ 1/(2·10⁶) away from it. So the first within 10⁻⁹ is p/q itself.
    assert simplest_close(p / q, 1e-9) == F(p, q)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from((1e-3, 1e-9, 1e-12, 0.0)))
def test_simplest_close_is_close(value: float, tolerance: float) -> None:
    found = simplest_close(value, tolerance)
    assert abs(found - F(value)) <= F(tolerance)


# -- hand-derived edges -----------------------------------------------------------------------------


def _lp(
    n: int,
    upper: tuple[tuple[tuple[tuple[int, int | Fraction], ...], int | Fraction], ...] = (),
    equal: tuple[tuple[tuple[tuple[int, int | Fraction], ...], int | Fraction], ...] = (),
    free: tuple[bool, ...] = (),
) -> LinearProgram:
    return LinearProgram(
        objective=(F(0),) * n,
        upper_rows=tuple(tuple((k, F(a)) for k, a in row) for row, _ in upper),
        upper_rhs=tuple(F(b) for _, b in upper),
        equal_rows=tuple(tuple((k, F(a)) for k, a in row) for row, _ in equal),
        equal_rhs=tuple(F(b) for _, b in equal),
        free=free,
    )


EDGES = {
    # An empty upper row 0 ≤ −1: y = (1), A^T y = 0, b·y = −1.
    "zero upper row": (_lp(1, upper=(((), -1), (((0, 1),), 2))), [F(1), F(0)]),
    # An empty equal row 0 = 2 beside x0 = 1: y = (−1, 0), b·y = −2 (an equal multiplier may be
    # negative).
    "zero equal row": (_lp(1, equal=(((), 2), (((0, 1),), 1))), [F(-1), F(0)]),
    # x0 ≤ −1 against x0 ≥ 0, the bound alone: y = (1), A^T y = (1) ≥ 0, b·y = −1.
    "bound alone": (_lp(2, upper=((((0, 1),), -1),)), [F(1)]),
    # x0 + x1 = −1 against x ≥ 0: y = (1), A^T y = (1, 1) ≥ 0, b·y = −1.
    "equality against bounds": (_lp(2, equal=((((0, 1), (1, 1)), -1),)), [F(1)]),
    # x0 + x1 = 1 and x0 + x1 = 2 with x1 free: y = (1, −1), A^T y = (0, 0), b·y = −1.
    "equalities, free variable": (
        _lp(2, equal=((((0, 1), (1, 1)), 1), (((0, 1), (1, 1)), 2)), free=(False, True)),
        [F(1), F(-1)],
    ),
    # x0 free: x0/3 ≤ −1 and −2x0/7 ≤ 1, i.e. x0 ≤ −3 and x0 ≥ −7/2 — feasible... so a third
    # row x0 ≥ 0 written −x0 ≤ 0 closes it: y = (3, 0, 1) gives A^T y = 1 − 1 = 0, b·y = −3.
    "fractional rows, free variable": (
        _lp(1, upper=((((0, F(1, 3)),), -1), (((0, F(-2, 7)),), 1), (((0, -1),), 0)), free=(True,)),
        [F(3), F(0), F(1)],
    ),
    # x0 + x1 ≤ 1 and 2x0 + 2x1 ≥ 5 (−2x0 − 2x1 ≤ −5): y = (2, 1), A^T y = 0, b·y = 2 − 5 = −3.
    "two rows": (_lp(2, upper=((((0, 1), (1, 1)), 1), (((0, -2), (1, -2)), -5))), [F(2), F(1)]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_are_proved_by_the_ray(name: str) -> None:
    lp, certificate = EDGES[name]
    assert _accepted(lp, certificate)  # the hand-derived certificate in the comment above
    proof = _by_ray(lp)
    assert proof is not None and proof.method == "highs+farkas-ray"
    assert check_infeasibility(lp, proof.dual_upper, proof.dual_equal) is None
    solution = solve_lp(lp)
    assert solution.status is LPStatus.INFEASIBLE and solution.certified
    # Every multiplier of the ray's certificate is an integer, and they are coprime.
    y = [*proof.dual_upper, *proof.dual_equal]
    assert all(v.denominator == 1 for v in y)
    assert math.gcd(*(v.numerator for v in y)) == 1


@pytest.mark.parametrize("ray", [(), (float("nan"), 1.0), (0.0, 0.0), (1.0,)])
def test_unusable_rays_prove_nothing(ray: tuple[float, ...]) -> None:
    # x0 + x1 ≤ 1 and −x0 − x1 ≤ −3: infeasible, but these rays are empty, not finite, zero, or
    # of the wrong length (two rows).
    lp = _lp(2, upper=((((0, 1), (1, 1)), 1), (((0, -1), (1, -1)), -3)))
    assert infeasibility_from_ray(lp, ray) is None


def test_a_ray_is_oriented_and_scaled() -> None:
    # The same program: y = (1, 1) is its certificate; HiGHS may give it negated and scaled, with
    # rounding noise: the candidate is (1, 1) again.
    lp = _lp(2, upper=((((0, 1), (1, 1)), 1), (((0, -1), (1, -1)), -3)))
    proof = infeasibility_from_ray(lp, (-2.5 + 1e-14, -2.5))
    assert proof is not None and proof.dual_upper == (F(1), F(1))
    assert next(iter(rationalised_rays((-2.5 + 1e-14, -2.5)))) == (F(-1), F(-1))


def test_a_presolved_program_is_proved_by_the_ray() -> None:
    # Above PRESOLVE_ABOVE nonzeros HiGHS presolves, then computes the ray on request. Thirty
    # variables, nine rows Σ_k (1 + (k + r) mod 3) x_k ≤ 5 and −Σ_k x_k ≤ −100: since every
    # coefficient is at least 1, row 0 gives Σ x ≤ 5 < 100. Certificate y = (1, 0, …, 0, 1):
    # A^T y = coefficient − 1 ≥ 0 in every column, b·y = 5 − 100 = −95.
    n = 30
    upper = [tuple((k, 1 + (k + r) % 3) for k in range(n)) for r in range(9)]
    upper.append(tuple((k, -1) for k in range(n)))
    lp = _lp(n, upper=(*((row, 5) for row in upper[:9]), (upper[9], -100)))
    assert sum(len(row) for row in lp.upper_rows) > PRESOLVE_ABOVE
    assert _accepted(lp, [F(1)] + [F(0)] * 8 + [F(1)])
    solution = solve_lp(lp)
    assert solution.status is LPStatus.INFEASIBLE and solution.method == "highs+farkas-ray"
    assert check_infeasibility(lp, solution.dual_upper, solution.dual_equal) is None


def test_a_program_without_a_ray_is_proved_through_the_elastic_program() -> None:
    # 0 = 2 alone (y = (−1), b·y = −2): HiGHS finds it infeasible while checking the model and
    # gives no dual ray; whichever path proves it, the certificate is checked.
    lp = _lp(1, equal=(((), 2),))
    solution = solve_lp(lp)
    assert solution.status is LPStatus.INFEASIBLE and solution.certified
    assert solution.dual_equal[0] < 0
    assert check_infeasibility(lp, solution.dual_upper, solution.dual_equal) is None


def test_a_failing_ray_falls_back_to_the_elastic_program(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no ray accepted, solve_lp still proves x0 ≤ −1 infeasible, through the elastic program.
    import solver.lp.solve as solve

    monkeypatch.setattr(solve, "infeasibility_from_ray", lambda lp, ray: None)
    lp, _ = EDGES["bound alone"]
    solution = solve_lp(lp)
    assert solution.status is LPStatus.INFEASIBLE and solution.certified
    assert "elastic" in solution.method
    assert check_infeasibility(lp, solution.dual_upper, solution.dual_equal) is None
