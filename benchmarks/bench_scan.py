"""Time the anonymous equilibrium scan against Gambit and against one numpy pass, 64 to 5M profiles.

Per rung (a seeded random instance of :mod:`bench_engines`, protocol ``[P]``, two users):

- ``pluralis``: :func:`solver.equilibria.enumeration.solve_equilibria` on the anonymous game under canonical
  ties, the whole call (kernel, vectorised scan, result; the equilibria are built only when read),
  the response table built beforehand (``table s``);
- ``gambit``: the game exported by :func:`solver.equilibria.gambit.game_to_nfg` (not timed), read by
  ``pygambit.read_nfg`` (``read s``) and solved by ``pygambit.nash.enumpure_solve`` (``solve s``);
- ``numpy``: the canonical payoff table as one int64 array, built from the response table (timed
  apart, ``build``), and one pass that counts its pure equilibria: a profile is one when each
  provider's payoff is the largest along its axis.

Checks: Gambit's pure equilibria are exactly the numpy pass's, and exactly the profiles of pluralis's
equilibria whose canonical selection is admissible (SPEC.md §4, §5: what Gambit's game is); the
latter is read from the equilibria themselves, built untimed, up to ``--check-limit`` of them, and
otherwise Gambit's profiles must be among pluralis's.

Run by hand, never by pytest::

    python benchmarks/bench_scan.py                  # the whole ladder (a few minutes)
    python benchmarks/bench_scan.py --quick          # up to 65,536 profiles
    python benchmarks/bench_scan.py --only anon-3x81 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from bench_engines import Rung, random_instance

from solver.conversation.classes import Deterministic
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.gambit import game_to_nfg
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import LazyEquilibria
from solver.responses.response import TiePolicy

A = Mode.ANONYMOUS
LADDER = (
    Rung("anon-2x8", A, 2, 3, 2, 2, quick=True),
    Rung("anon-3x8", A, 3, 3, 2, 2, quick=True),
    Rung("anon-4x8", A, 4, 3, 2, 2, quick=True),
    Rung("anon-2x81", A, 2, 4, 3, 2, quick=True),
    Rung("anon-3x27", A, 3, 3, 3, 2, quick=True),
    Rung("anon-4x16", A, 4, 4, 2, 2, quick=True),
    Rung("anon-3x81", A, 3, 4, 3, 2),
    Rung("anon-4x32", A, 4, 5, 2, 2),
    Rung("anon-2x2187", A, 2, 7, 3, 2),
)
SMALL = 20_000
"""Rungs up to this many profiles are timed as the best of ``--repeat`` runs; larger ones once."""


def canonical_table(game: Game) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Every profile's payoffs under canonical ties, scaled to integers, as one array.

    Shape ``(|C_1|, ..., |C_m|, m)``: each user takes the first provider in file order whose rule she
    values most, with her canonical response (SPEC.md §4), as :func:`game_to_nfg` writes it.
    """
    table = game.table.responses
    m = len(game.rules)
    sizes = [len(rules) for rules in game.rules]
    denominators = [
        p.denominator for user in table for provider in user for r in provider for p in r.canonical
    ]
    scale = int(np.lcm.reduce(np.array(denominators, dtype=np.int64))) if denominators else 1
    total = np.zeros((*sizes, m), dtype=np.int64)
    for user in table:
        levels = sorted({r.value for provider in user for r in provider})
        rank = {v: k for k, v in enumerate(levels)}
        values = []
        vectors = []
        for k, provider in enumerate(user):
            shape = [1] * m
            shape[k] = sizes[k]
            values.append(np.array([rank[r.value] for r in provider], dtype=np.int64).reshape(shape))
            vector = np.array([[int(p * scale) for p in r.canonical] for r in provider], dtype=np.int64)
            vectors.append(vector.reshape((*shape, m)))
        best = np.full(sizes, -1, dtype=np.int64)
        payoff = np.zeros((*sizes, m), dtype=np.int64)
        for value, vector in zip(values, vectors):
            # Strictly greater: the first maximising provider keeps her.
            better = np.broadcast_to(value, sizes) > best
            best = np.where(better, np.broadcast_to(value, sizes), best)
            payoff = np.where(better[..., None], np.broadcast_to(vector, (*sizes, m)), payoff)
        total += payoff
    return total


def numpy_equilibria(table: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """The pure equilibria of a payoff table: each provider's payoff is the largest along its axis."""
    m = table.shape[-1]
    found = np.ones(table.shape[:-1], dtype=bool)
    for j in range(m):
        payoff = table[..., j]
        found &= payoff == payoff.max(axis=j, keepdims=True)
    return found


def _best(call: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return result, best


@dataclass
class Row:
    """Measurements of one rung."""

    rung: Rung
    profiles: int
    table: float
    pluralis: float
    count: int
    numpy: float
    numpy_count: int
    build: float
    read: float | None = None
    solve: float | None = None
    gambit_count: int | None = None
    agree: str = ""


def run_rung(rung: Rung, gambit: Any, repeat: int, check_limit: int, profile: bool) -> Row:
    """Build a rung's game and time pluralis, Gambit and the numpy pass on it."""
    game = Game(random_instance(rung), Mode.ANONYMOUS, Deterministic())
    start = time.perf_counter()
    _ = game.table
    table_time = time.perf_counter() - start
    profiles = game.profile_count()
    runs = repeat if profiles <= SMALL else 1
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    result, pluralis = _best(lambda: solve_equilibria(game, policy=TiePolicy.CANONICAL), runs)
    if profile:
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(15)
        print(report.getvalue(), file=sys.stderr)
    payoffs, build_time = _best(lambda: canonical_table(game), max(runs, 3))
    found, numpy_time = _best(lambda: numpy_equilibria(payoffs), max(runs, 3))
    expected = {tuple(int(i) for i in p) for p in np.argwhere(found)}
    row = Row(rung, profiles, table_time, pluralis, result.count, numpy_time, len(expected), build_time)
    problems = []
    if not result.complete:
        problems.append("interrupted")
    if gambit is not None:
        text = game_to_nfg(game)
        table, row.read = _best(lambda: gambit.read_nfg(io.StringIO(text)), runs)
        solved, row.solve = _best(lambda: gambit.nash.enumpure_solve(table), runs)
        labels = [p.label for p in game.instance.providers]
        index = [{s: k for k, s in enumerate(table.get_strategies(label))} for label in labels]
        profiles_found = set()
        for equilibrium in solved.equilibria:
            profiles_found.add(
                tuple(
                    next(positions[s] for s in positions if equilibrium[label][s] == 1)
                    for label, positions in zip(labels, index)
                )
            )
        row.gambit_count = len(profiles_found)
        if profiles_found != expected:
            problems.append("gambit≠numpy")
        equilibria = result.equilibria
        listed = set(equilibria.profiles) if isinstance(equilibria, LazyEquilibria) else set()
        if result.count <= check_limit:
            canonical = {e.profile for e in equilibria if e.canonical}
            if canonical != profiles_found:
                problems.append("gambit≠pluralis canonical")
        elif not profiles_found <= listed:
            problems.append("gambit⊄pluralis")
    row.agree = "yes" if not problems else "; ".join(problems)
    return row


def _ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or base is None or base <= 0 else f"{value / base:.2f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


HEADER = (
    "rung",
    "m",
    "rules",
    "profiles",
    "table s",
    "pluralis s",
    "gambit read s",
    "gambit solve s",
    "numpy s",
    "pluralis/solve",
    "pluralis/(read+solve)",
    "pluralis/numpy",
    "numpy build s",
    "pluralis/(build+numpy)",
    "eq pluralis",
    "eq gambit",
    "eq numpy",
    "agree",
)


def format_rows(rows: Sequence[Row]) -> str:
    """The table as Markdown, one line per rung."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        gambit = None if r.read is None or r.solve is None else r.read + r.solve
        cells = (
            r.rung.name,
            str(r.rung.providers),
            str(r.rung.rules),
            f"{r.profiles:,}",
            _seconds(r.table),
            _seconds(r.pluralis),
            _seconds(r.read),
            _seconds(r.solve),
            _seconds(r.numpy),
            _ratio(r.pluralis, r.solve),
            _ratio(r.pluralis, gambit),
            _ratio(r.pluralis, r.numpy),
            _seconds(r.build),
            _ratio(r.pluralis, r.build + r.numpy),
            f"{r.count:,}",
            "-" if r.gambit_count is None else f"{r.gambit_count:,}",
            f"{r.numpy_count:,}",
            r.agree,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ladder and print the table.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every check agreed, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the rungs up to 65,536 profiles")
    parser.add_argument("--only", action="append", default=[], help="run only this rung (repeatable)")
    parser.add_argument("--no-gambit", action="store_true", help="skip pygambit")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each small rung; the best is kept")
    parser.add_argument(
        "--check-limit", type=int, default=5_000, help="most equilibria built to compare with Gambit"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the pluralis solve")
    args = parser.parse_args(argv)
    gambit = None
    if not args.no_gambit:
        try:
            import pygambit as gambit
        except ImportError:
            print("pygambit is not installed: the gambit columns are skipped", file=sys.stderr)
    rungs = [r for r in LADDER if (not args.quick or r.quick) and (not args.only or r.name in args.only)]
    # One solve before timing: numpy's import and first calls are paid once per process.
    solve_equilibria(Game(random_instance(LADDER[0]), Mode.ANONYMOUS, Deterministic()))
    rows = []
    for rung in rungs:
        print(f"running {rung.name} ...", file=sys.stderr, flush=True)
        rows.append(run_rung(rung, gambit, args.repeat, args.check_limit, args.profile))
        print(format_rows(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(format_rows(rows))
    return 0 if all(r.agree == "yes" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
