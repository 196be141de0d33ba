"""Time the equilibrium engines on a ladder of seeded random games.

Three ways to find the pure equilibria of the same finite game (SPEC.md §5, §9):

- ``enumerate``: :func:`solver.equilibria.enumeration.solve_equilibria`;
- ``mip``: :func:`solver.equilibria.mip.solve_equilibria_mip` (its column is left empty when the module cannot
  be imported);
- ``gambit``: the game exported by :func:`solver.equilibria.gambit.game_to_nfg`, read by ``pygambit.read_nfg``
  and solved by ``pygambit.nash.enumpure_solve`` (export, read and solve timed; reading the
  equilibria back out of pygambit's profile objects is not).

Both pluralis engines run under one tie policy for deviations (``canonical`` by default, the only
one under which Gambit's game is the same game). The counts are checked: the two engines must find
the same equilibria, and Gambit's pure equilibria must be the profiles whose canonical selection is
admissible under canonical deviations (for the personalized game, one user's game at a time).

Run by hand, never by pytest::

    python benchmarks/bench_engines.py                 # the whole ladder
    python benchmarks/bench_engines.py --quick         # the small rungs only
    python benchmarks/bench_engines.py --only anon-3x81 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.conversation.classes import Deterministic
from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.gambit import game_to_nfg
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import SolveResult
from solver.responses.response import TiePolicy

UTILITY_DENOMINATOR = 4
CHECK_LIMIT = 10**7
"""Selection limit of the untimed per-user solves that Gambit is checked against."""


@dataclass(frozen=True)
class Rung:
    """One game of the ladder: a seeded random instance with protocol ``[P]``.

    Attributes
    ----------
    name : str
        Row label.
    mode : Mode
        Anonymous or personalized game.
    providers, signals, messages, users, states : int
        ``m`` providers with ``s`` signals each, ``k`` provider messages, ``n`` users, states.
    seed : int
        Seed of the random instance.
    quick : bool
        Part of the ``--quick`` ladder.
    """

    name: str
    mode: Mode
    providers: int
    signals: int
    messages: int
    users: int
    states: int = 2
    seed: int = 0
    quick: bool = False

    @property
    def rules(self) -> int:
        """Deterministic rules per provider: ``k^s``."""
        return int(self.messages**self.signals)


A, P = Mode.ANONYMOUS, Mode.PERSONALIZED
LADDER = (
    Rung("anon-2x4", A, 2, 2, 2, 2, quick=True),
    Rung("anon-2x8", A, 2, 3, 2, 2, quick=True),
    Rung("anon-3x8", A, 3, 3, 2, 2, quick=True),
    Rung("anon-2x81", A, 2, 4, 3, 2),
    Rung("anon-3x27", A, 3, 3, 3, 2),
    Rung("anon-3x81", A, 3, 4, 3, 2),
    Rung("pers-2x8", P, 2, 3, 2, 2, quick=True),
    Rung("pers-3x8", P, 3, 3, 2, 3, quick=True),
    Rung("pers-2x81", P, 2, 4, 3, 2),
    Rung("pers-3x27", P, 3, 3, 3, 2),
)


def _fraction(value: Fraction) -> str:
    return str(value)


def random_instance(rung: Rung) -> Instance:
    """A seeded random instance of a rung's shape.

    There are ``2 s`` worlds; provider j sees signal ``perm_j[w mod s]`` in world w, so each of its
    signals occurs, and the providers' partitions differ. Each user wants to guess the state (a
    right guess pays 1, a wrong one 0 or 1/4) or take a safe action paying 1/4, 1/2 or 3/4, so what
    a rule reveals matters to her. States, prior weights (1..4), the providers' utilities (multiples
    of 1/4) and stakes (1/2, 1 or 3/2) are drawn from the seed.

    Parameters
    ----------
    rung : Rung
        The shape and the seed.

    Returns
    -------
    Instance
        The instance, protocol ``[P]``.
    """
    rng = random.Random(rung.seed * 1_000_003 + rung.providers * 101 + rung.signals * 11 + rung.users)
    states = [f"y{k}" for k in range(rung.states)]
    providers = {f"P{j}": {"signals": [f"s{k}" for k in range(rung.signals)]} for j in range(rung.providers)}
    permutations = {p: rng.sample(range(rung.signals), rung.signals) for p in providers}
    count = 2 * rung.signals
    weights = [rng.randint(1, 4) for _ in range(count)]
    total = sum(weights)
    worlds = {
        f"w{w}": {
            "prob": _fraction(Fraction(weights[w], total)),
            "state": states[w % rung.states] if w < rung.states else rng.choice(states),
            "signals": {p: f"s{permutations[p][w % rung.signals]}" for p in providers},
        }
        for w in range(count)
    }
    actions = [*(f"a{k}" for k in range(rung.states)), "safe"]
    q = UTILITY_DENOMINATOR

    def unit() -> str:
        return _fraction(Fraction(rng.randint(0, q), q))

    def user_utility() -> dict[str, dict[str, str]]:
        # Guessing the state pays 1 and a wrong guess at most 1/4; the safe action pays in between.
        near = {y: _fraction(Fraction(rng.randint(0, 1), q)) for y in states}
        table = {a: {y: "1" if a == f"a{k}" else near[y] for k, y in enumerate(states)} for a in actions[:-1]}
        safe = _fraction(Fraction(rng.randint(1, q - 1), q))
        table["safe"] = {y: safe for y in states}
        return table

    users = {f"U{i}": {"actions": actions, "utility": user_utility()} for i in range(rung.users)}
    stakes = {
        p: {
            u: {
                "weight": _fraction(Fraction(rng.randint(1, 3), 2)),
                "utility": {a: {y: unit() for y in states} for a in actions},
            }
            for u in users
        }
        for p in providers
    }
    return instance_from_dict(
        {
            "schema_version": 1,
            "title": f"benchmark {rung.name}",
            "states": states,
            "providers": providers,
            "users": users,
            "worlds": worlds,
            "stakes": stakes,
            "protocol": {"turns": ["P"], "provider_messages": [f"m{k}" for k in range(rung.messages)]},
        }
    )


# -- engines -------------------------------------------------------------------------------------------


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def _load_mip() -> Callable[..., SolveResult] | None:
    try:
        module = importlib.import_module("solver.equilibria.mip")
    except ImportError:
        return None
    solve: Callable[..., SolveResult] | None = getattr(module, "solve_equilibria_mip", None)
    return solve


def _load_gambit() -> Any:
    try:
        return importlib.import_module("pygambit")
    except ImportError:
        return None


def gambit_equilibria(gambit: Any, game: Game) -> tuple[set[tuple[int, ...]], float, float]:
    """Gambit's pure equilibria of one exported game, with the export+read and the solve times.

    Reading the profiles back from pygambit's objects (slow for many equilibria) is not timed.
    """
    start = time.perf_counter()
    table = gambit.read_nfg(io.StringIO(game_to_nfg(game)))
    exported = time.perf_counter()
    result = gambit.nash.enumpure_solve(table)
    solved = time.perf_counter()
    labels = [p.label for p in game.instance.providers]
    index = [{s: k for k, s in enumerate(table.get_strategies(label))} for label in labels]
    found = set()
    for equilibrium in result.equilibria:
        profile = []
        for label, positions in zip(labels, index):
            strategy = equilibrium[label]
            profile.append(next(positions[s] for s in positions if strategy[s] == 1))
        found.add(tuple(profile))
    return found, exported - start, solved - exported


def canonical_profiles(result: SolveResult) -> set[tuple[int, ...]]:
    """Profiles whose canonical selection is admissible."""
    return {e.profile for e in result.equilibria if e.canonical}


@dataclass
class Row:
    """Measurements of one rung."""

    rung: Rung
    profiles: int
    table: float
    enumerate: float
    count: int | None = None
    mip: float | None = None
    mip_complete: bool = True
    gambit_export: float | None = None
    gambit_solve: float | None = None
    mip_count: int | None = None
    canonical: int | None = None
    gambit_count: int | None = None
    agree: str = ""


def run_rung(
    rung: Rung,
    policy: TiePolicy,
    mip: Callable[..., SolveResult] | None,
    gambit: Any,
    mip_time_limit: float | None,
    profile: bool,
) -> Row:
    """Build a rung's game and time every engine on it."""
    instance = random_instance(rung)
    game = Game(instance, rung.mode, Deterministic())
    slices = game.split() if rung.mode is Mode.PERSONALIZED else (game,)
    _, table_time = _timed(lambda: [s.table for s in (game, *slices)])
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    problems = []
    result: SolveResult | None = None
    start = time.perf_counter()
    try:
        result = solve_equilibria(game, policy=policy)
    except PluralisError as error:
        problems.append(f"enumerate refused ({type(error).__name__})")
        print(f"{rung.name}: enumerate: {error}", file=sys.stderr)
    enumerate_time = time.perf_counter() - start
    if profile:
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(25)
        print(report.getvalue(), file=sys.stderr)
    row = Row(rung, sum(s.profile_count() for s in slices), table_time, enumerate_time)
    if result is not None:
        row.count = result.count
        if not result.complete:
            problems.append("enumeration interrupted")
    if mip is not None:
        start = time.perf_counter()
        try:
            mip_result = mip(game, policy=policy, time_limit=mip_time_limit)
        except PluralisError as error:
            problems.append(f"mip refused ({type(error).__name__})")
            print(f"{rung.name}: mip: {error}", file=sys.stderr)
        else:
            row.mip_count, row.mip_complete = mip_result.count, mip_result.complete
            if result is not None:
                keys = {e.key() for e in mip_result.equilibria}
                reference = {e.key() for e in result.equilibria}
                # A search stopped at its time limit must still have found equilibria only.
                if keys != reference if mip_result.complete else not keys <= reference:
                    problems.append("mip≠enumerate")
        row.mip = time.perf_counter() - start
    if gambit is not None and policy is TiePolicy.CANONICAL:
        row.gambit_export = row.gambit_solve = 0.0
        row.canonical = row.gambit_count = 0
        for part in slices:
            found, export_time, solve_time = gambit_equilibria(gambit, part)
            row.gambit_export += export_time
            row.gambit_solve += solve_time
            # A personalized game is compared one user's game at a time (SPEC.md §5), untimed.
            if part is game and result is not None:
                solved = result
            else:
                solved = solve_equilibria(part, policy=policy, selection_limit=CHECK_LIMIT)
            expected = canonical_profiles(solved)
            row.canonical += len(expected)
            row.gambit_count += len(found)
            if found != expected:
                problems.append(f"gambit≠pluralis (users {part.users})")
    row.agree = "yes" if not problems else "; ".join(problems)
    return row


# -- report --------------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _ratio(value: float | None, base: float) -> str:
    return "-" if value is None or base <= 0 else f"{value / base:.2f}"


HEADER = (
    "rung",
    "mode",
    "m",
    "rules",
    "n",
    "profiles",
    "table s",
    "enum s",
    "mip s",
    "gambit s",
    "(export+read",
    "solve)",
    "mip/enum",
    "gambit/enum",
    "eq enum",
    "eq mip",
    "canon",
    "gambit",
    "agree",
)


def format_rows(rows: Sequence[Row]) -> str:
    """The table, one line per rung, columns aligned."""
    lines = [HEADER]
    for r in rows:
        gambit = None if r.gambit_export is None else r.gambit_export + (r.gambit_solve or 0.0)
        mip = _seconds(r.mip) + ("" if r.mip_complete else "*")
        lines.append(
            (
                r.rung.name,
                r.rung.mode.value[:4],
                str(r.rung.providers),
                str(r.rung.rules),
                str(r.rung.users),
                f"{r.profiles:,}",
                _seconds(r.table),
                _seconds(r.enumerate),
                mip,
                _seconds(gambit),
                _seconds(r.gambit_export),
                _seconds(r.gambit_solve),
                _ratio(r.mip, r.enumerate),
                _ratio(gambit, r.enumerate),
                "-" if r.count is None else str(r.count),
                "-" if r.mip_count is None else str(r.mip_count),
                "-" if r.canonical is None else str(r.canonical),
                "-" if r.gambit_count is None else str(r.gambit_count),
                r.agree,
            )
        )
    widths = [max(len(line[k]) for line in lines) for k in range(len(HEADER))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ladder and print the table.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every comparable count agreed, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the small rungs")
    parser.add_argument("--only", action="append", default=[], help="run only this rung (repeatable)")
    parser.add_argument("--no-mip", action="store_true", help="skip the MIP engine")
    parser.add_argument("--no-gambit", action="store_true", help="skip pygambit")
    parser.add_argument("--mip-time-limit", type=float, default=120.0, help="seconds per MIP search")
    parser.add_argument(
        "--policy",
        choices=[p.value for p in TiePolicy],
        default=TiePolicy.CANONICAL.value,
        help="tie policy for deviations (Gambit is compared under canonical only)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the enumeration engine")
    args = parser.parse_args(argv)
    policy = TiePolicy(args.policy)
    mip = None if args.no_mip else _load_mip()
    gambit = None if args.no_gambit else _load_gambit()
    if not args.no_mip and mip is None:
        print("solver.equilibria.mip is not importable: the mip column is skipped", file=sys.stderr)
    if not args.no_gambit and gambit is None:
        print("pygambit is not installed: the gambit column is skipped", file=sys.stderr)
    rungs = [r for r in LADDER if (not args.quick or r.quick) and (not args.only or r.name in args.only)]
    rows = []
    for rung in rungs:
        print(f"running {rung.name} ...", file=sys.stderr, flush=True)
        rows.append(run_rung(rung, policy, mip, gambit, args.mip_time_limit, args.profile))
        print(format_rows(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(f"policy for deviations: {policy.value}; * = MIP stopped at its time limit")
    print(format_rows(rows))
    return 0 if all(r.agree == "yes" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
