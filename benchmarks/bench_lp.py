"""Time the exact LP layer against HiGHS in floating point alone (SPEC.md §9).

A seeded random linear program with 200 variables (bounded: every variable in a box, plus random
rows with small integer coefficients, some with fractional coefficients) is solved

- by HiGHS alone, in floating point (model build, solve, basis read: what :func:`solve_lp` pays
  before any exact work);
- by :func:`solver.lp.solve_lp`: the same float solve, then the basis made exact with python-flint
  and the certificate checked with fractions (or repaired by exact pivots when needed);
- optionally (``--exact``) by the exact simplex alone, from a phase-1 start.

The ratio certified / float is printed. Run by hand, never by pytest::

    python benchmarks/bench_lp.py
    python benchmarks/bench_lp.py --variables 400 --rows 300 --repeat 3 --exact
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from solver.lp import LinearProgram, LPStatus, solve_lp
from solver.lp.highs import solve_float


def random_program(variables: int, rows: int, density: float, seed: int) -> LinearProgram:
    """A feasible, bounded random program: ``0 ≤ x ≤ box`` plus ``rows`` random rows ``A x ≤ b``.

    Parameters
    ----------
    variables, rows : int
        Sizes.
    density : float
        Probability that a coefficient of a random row is non-zero (a sampling rate, not data).
    seed : int
        Random seed.

    Returns
    -------
    LinearProgram
        Box rows first; ``b ≥ 0`` so that ``x = 0`` is feasible.
    """
    rng = random.Random(seed)
    upper_rows: list[tuple[tuple[int, Fraction], ...]] = []
    upper_rhs: list[Fraction] = []
    for k in range(variables):
        upper_rows.append(((k, Fraction(1)),))
        upper_rhs.append(Fraction(rng.randint(1, 10)))
    for _ in range(rows):
        row = tuple(
            (k, Fraction(rng.randint(-9, 9), rng.choice((1, 1, 2, 3))))
            for k in range(variables)
            if rng.random() < density
        )
        upper_rows.append(row)
        upper_rhs.append(Fraction(rng.randint(0, 10 * variables), rng.choice((1, 7))))
    objective = tuple(Fraction(rng.randint(-5, 10)) for _ in range(variables))
    return LinearProgram(objective, tuple(upper_rows), tuple(upper_rhs))


def _time(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    """Parse arguments, time the solves and print the comparison."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variables", type=int, default=200)
    parser.add_argument("--rows", type=int, default=150, help="random rows besides the box rows")
    parser.add_argument("--density", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="median of this many runs")
    parser.add_argument("--exact", action="store_true", help="also time the exact simplex from scratch")
    arguments = parser.parse_args()
    program = random_program(arguments.variables, arguments.rows, arguments.density, arguments.seed)
    nonzeros = sum(len(row) for row in program.upper_rows)
    print(
        f"random LP: {program.variable_count} variables, {program.row_count} rows, {nonzeros} non-zeros "
        f"(seed {arguments.seed}, median of {arguments.repeat})"
    )
    float_time, found = _time(lambda: solve_float(program), arguments.repeat)
    exact_time, solution = _time(lambda: solve_lp(program), arguments.repeat)
    assert solution.status is LPStatus.OPTIMAL and solution.certified, solution
    value = solution.value
    assert value is not None
    print(f"HiGHS float alone          {float_time * 1000:10.1f} ms   optimum ≈ {found.value!r}")
    print(
        f"HiGHS basis + exact check  {exact_time * 1000:10.1f} ms   optimum = {value.numerator}/"
        f"{value.denominator} ({len(str(value.denominator))}-digit denominator), method {solution.method}"
    )
    print(f"ratio certified / float    {exact_time / float_time:10.1f}")
    if arguments.exact:
        scratch_time, scratch = _time(lambda: solve_lp(program, method="exact"), 1)
        assert scratch.value == value, (scratch.value, value)
        print(f"exact simplex from scratch {scratch_time * 1000:10.1f} ms   (same optimum)")


if __name__ == "__main__":
    main()
