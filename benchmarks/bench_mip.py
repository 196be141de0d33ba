"""Time the extremes MIP against the enumeration, and on games too large to enumerate.

:func:`solver.equilibria.mip_extremes.find_equilibrium_extremes` answers whether an equilibrium
exists and each user's worst and best equilibrium utility without enumerating profiles. Two parts:

- the ladder of ``bench_engines.py`` (seeded random games with protocol ``[P]``): the enumeration
  (:func:`solver.equilibria.enumeration.solve_equilibria`) and the extremes MIP on the same game;
  ``agree`` says whether existence and every user's worst and best are equal;
- large anonymous games (5 providers with 81 rules each, 3.5·10^9 profiles): the extremes MIP
  alone. The enumeration is not run there; ``enum s`` shows its time extrapolated from its rate
  (profiles per CPU second) on the largest rung of the ladder that was run, marked ``~``.

Every time is CPU time of this process (``time.process_time``, HiGHS included), so that other
work on the machine changes the ratios little; ``verify s`` is the part of ``mip s`` spent in the
regret kernel (:func:`solver.equilibria.regret.examine`) re-verifying master solutions exactly.

Run by hand, never by pytest::

    python benchmarks/bench_mip.py                    # ladder and large games
    python benchmarks/bench_mip.py --quick            # the small rungs and one large game
    python benchmarks/bench_mip.py --policy canonical
    python benchmarks/bench_mip.py --hard --only "anon-5x81 s2"   # the hard large game alone
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from unittest import mock

from bench_engines import LADDER, Rung, random_instance

import solver.equilibria.mip_extremes as mip_extremes
from solver.conversation.classes import Deterministic
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import examine
from solver.responses.response import TiePolicy

A = Mode.ANONYMOUS
LARGE = (
    Rung("anon-5x81 s0", A, 5, 4, 3, 3, seed=0, quick=True),
    Rung("anon-5x81 s3", A, 5, 4, 3, 3, seed=3),
    Rung("anon-5x81 s6", A, 5, 4, 3, 3, seed=6),
    Rung("anon-5x81 s7", A, 5, 4, 3, 3, seed=7),
)
"""Five providers with 81 deterministic rules each and three users: 81^5 ≈ 3.5·10^9 profiles."""

HARD = (Rung("anon-5x81 s2", A, 5, 4, 3, 3, seed=2),)
"""A game of the same shape whose search takes many master solves (``--hard``)."""


@dataclass
class Row:
    """One measured game."""

    name: str
    profiles: int
    table: float
    enumerate: float | None
    extrapolated: bool
    mip: float
    verify: float
    iterations: int
    cuts: int
    exists: bool | None
    optimal: bool
    agree: str
    extremes: str


def _cpu(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    value = call()
    return value, time.process_time() - start


class _Timed:
    """Counts the CPU time spent in the regret kernel's verification of master solutions."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, *arguments: Any) -> Any:
        start = time.process_time()
        try:
            return examine(*arguments)
        finally:
            self.seconds += time.process_time() - start


def _extremes_text(users: Sequence[tuple[Fraction | None, Fraction | None]]) -> str:
    return " ".join("-" if low is None else f"{low}..{high}" for low, high in users)


def run(
    rung: Rung, policy: TiePolicy, rate: float | None, large: bool, time_limit: float
) -> tuple[Row, float | None]:
    """Measure one game; return its row and the enumeration's rate (profiles per CPU second).

    The enumeration runs on the ladder only; on a large game its time is extrapolated from
    ``rate`` (left out when there is none).
    """
    game = Game(random_instance(rung), rung.mode, Deterministic())
    _, table = _cpu(lambda: game.table)
    profiles = game.profile_count()
    timer = _Timed()
    with mock.patch.object(mip_extremes, "examine", timer):
        found, mip = _cpu(
            lambda: mip_extremes.find_equilibrium_extremes(game, policy=policy, time_limit=time_limit)
        )
    mine = [(u.worst, u.best) for u in found.users]
    agree = "not run"
    enumerate_seconds: float | None = None
    extrapolated = False
    if not large:
        reference, enumerate_seconds = _cpu(lambda: solve_equilibria(game, policy=policy))
        expected = list(zip(reference.worst, reference.best))
        same = mine == expected and found.exists is (reference.count > 0)
        agree = "yes" if same and found.optimal else f"NO: enum {_extremes_text(expected)}"
        scanned = profiles * (len(game.users) if rung.mode is Mode.PERSONALIZED else 1)
        rate = scanned / max(enumerate_seconds, 1e-9)
    elif rate is not None:
        enumerate_seconds = profiles / rate
        extrapolated = True
    if not found.optimal or not found.exact:
        agree += " (MIP: " + found.label + ")"
    row = Row(
        rung.name,
        profiles,
        table,
        enumerate_seconds,
        extrapolated,
        mip,
        timer.seconds,
        found.iterations,
        found.cuts,
        found.exists,
        found.optimal,
        agree,
        _extremes_text(mine),
    )
    return row, rate


HEADER = (
    "rung",
    "profiles",
    "table s",
    "enum s",
    "mip s",
    "verify s",
    "mip/enum",
    "solves",
    "cuts",
    "exists",
    "agree",
    "worst..best per user",
)


def _seconds(value: float | None, approximate: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:.3g}" if value < 1000 else f"{value:.3e}"
    return ("~" if approximate else "") + text


def format_rows(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        ratio = "-" if r.enumerate is None else f"{r.mip / max(r.enumerate, 1e-9):.3g}"
        cells = (
            r.name,
            f"{r.profiles:.3g}" if r.profiles >= 10**6 else str(r.profiles),
            _seconds(r.table),
            _seconds(r.enumerate, r.extrapolated),
            _seconds(r.mip),
            _seconds(r.verify),
            ratio,
            str(r.iterations),
            str(r.cuts),
            {True: "yes", False: "no", None: "?"}[r.exists],
            r.agree,
            r.extremes,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ladder and the large games, print the table.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every rung agrees and every large game's extremes are optimal, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="the quick rungs and one large game")
    parser.add_argument("--policy", default=TiePolicy.FAVOURABLE.value, choices=[p.value for p in TiePolicy])
    parser.add_argument("--hard", action="store_true", help="also the hard large game")
    parser.add_argument("--only", nargs="*", default=None, help="rung names to run")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per extremes search")
    args = parser.parse_args(argv)
    policy = TiePolicy(args.policy)
    large_rungs = (*LARGE, *HARD) if args.hard else LARGE
    rungs = [r for r in (*LADDER, *large_rungs) if (r.quick or not args.quick)]
    if args.only:
        rungs = [r for r in rungs if r.name in args.only]
    rows = []
    rate: float | None = None
    ok = True
    for rung in rungs:
        large = rung in large_rungs
        row, measured = run(rung, policy, rate, large, args.time_limit)
        if not large and rung.mode is Mode.ANONYMOUS:
            rate = measured
        ok = ok and (row.agree == "yes" or (large and row.optimal))
        rows.append(row)
        print(format_rows(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(f"policy {policy.value}, CPU seconds; ~: extrapolated from the enumeration's rate on the ladder")
    print(format_rows(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
