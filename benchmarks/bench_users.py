"""How the anonymous game's equilibria scale with the number of users when users are tied (SPEC.md §4, §5).

Each rung is a seeded anonymous game with three providers, each seeing one of three signals and
speaking one of two messages (protocol ``[P]``), so each has 2³ = 8 deterministic rules and the
game 512 profiles; three states, six worlds. Every other user is indifferent (utility 0 for
every action in every state): she is tied between the three providers and between her actions
after each message, so she has up to 3 × 2² = 12 best-response selections at a profile. The
other users have random utilities. The providers agree on what they want from each user (one
random utility per user), and each provider's stake in her is 0, 1/2 or 1 at random, so zero
stakes are common and equilibria exist.

For n = 4, 6, 8, …, 32 users every profile of the game is decided by
:func:`~solver.equilibria.regret.examine` (the Pareto-frontier programme over users at every
profile with ties), and, where the product of the users' selections stays within the old limit
(100,000 combinations at every profile), by the product it replaces: every combination judged by
:meth:`RegretKernel.deviation`, written out here. Both give the same equilibria (checked). The
table reports CPU seconds, the ratio product/DP, the largest product of selections at a profile,
and the slope of log t against log n for the DP (least squares over the rungs).

A second table does the same for the personalized game with δ > 0 (``--delta``, default 1/8), where
the users' games do not split: the same instances, but each provider wants its own from each user.
Each user's game (512 profiles) is scanned for its candidates (profiles with a selection whose
regrets are all within δ), outside the timing; what is timed is the recombination
(:func:`~solver.equilibria.regret.personalized_result` with ``separable=False``: the frontier
programme over users and the count of whole-game equilibrium profiles), against the product of
the candidates and their selections where it has at most 100,000 combinations of candidates.
Run by hand, never by pytest::

    python benchmarks/bench_users.py
    python benchmarks/bench_users.py --users 4,8,16 --seed 3
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import time
from fractions import Fraction
from typing import Any

from solver.conversation.classes import Deterministic
from solver.core.serialization import instance_from_dict
from solver.equilibria import regret
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import (
    DEFAULT_SELECTION_LIMIT,
    Candidate,
    RegretKernel,
    candidate_at,
    examine,
    is_within,
    personalized_result,
    slice_kernels,
)
from solver.equilibria.results import Equilibrium
from solver.responses.response import TiePolicy

STATES = ["y0", "y1", "y2"]
PROVIDERS = ["P0", "P1", "P2"]
SIGNALS = ["x0", "x1", "x2"]
WORLDS = 6


def document(users: int, seed: int, agree: bool = True) -> dict[str, Any]:
    """The seeded instance with ``users`` users (see the module's docstring).

    With ``agree``, the providers want the same from each user; otherwise each has its own wishes.
    """
    draw = random.Random(f"bench_users:{seed}")
    weights = [draw.randint(1, 4) for _ in range(WORLDS)]
    worlds = {
        f"w{k}": {
            "prob": f"{w}/{sum(weights)}",
            "state": STATES[k % len(STATES)],
            "signals": {p: draw.choice(SIGNALS) for p in PROVIDERS},
        }
        for k, w in enumerate(weights)
    }
    actions = ["a0", "a1"]
    bodies = {}
    stakes: dict[str, dict[str, Any]] = {p: {} for p in PROVIDERS}
    for i in range(users):
        label = f"U{i}"
        if i % 2 == 0:
            utility = {a: dict.fromkeys(STATES, 0) for a in actions}
        else:
            utility = {a: {y: f"{draw.randint(0, 4)}/4" for y in STATES} for a in actions}
        bodies[label] = {"actions": actions, "utility": utility}
        # The providers agree on what they want from her; how much each cares differs.
        wanted = {a: {y: f"{draw.randint(0, 4)}/4" for y in STATES} for a in actions}
        for p in PROVIDERS:
            if not agree:
                wanted = {a: {y: f"{draw.randint(0, 4)}/4" for y in STATES} for a in actions}
            stakes[p][label] = {"weight": draw.choice(["0", "1/2", "1"]), "utility": wanted}
    return {
        "states": STATES,
        "providers": {p: {"signals": SIGNALS} for p in PROVIDERS},
        "users": bodies,
        "worlds": worlds,
        "stakes": stakes,
        "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"]},
    }


def product_equilibrium(game: Game, kernel: RegretKernel, profile: tuple[int, ...]) -> Equilibrium | None:
    """The product of the users' selections at one profile, each judged directly (the old way).

    :func:`examine` takes this path by itself up to ``FEW_SELECTIONS`` combinations; it is raised
    for the call, so every tied profile is judged combination by combination.
    """
    saved = regret.FEW_SELECTIONS
    regret.FEW_SELECTIONS = 1 << 62
    try:
        return examine(game, kernel, profile, DEFAULT_SELECTION_LIMIT)
    finally:
        regret.FEW_SELECTIONS = saved


def run(users: int, seed: int) -> dict[str, Any]:
    """One rung: the game built and its table computed, then the two ways of solving it timed."""
    game = Game(instance_from_dict(document(users, seed)), Mode.ANONYMOUS, Deterministic())
    _ = game.table
    profiles = list(itertools.product(*(range(len(rules)) for rules in game.rules)))
    kernel = RegretKernel(game, TiePolicy.FAVOURABLE, Fraction(0))
    largest = max(math.prod(len(kernel.options(u, p)[0]) for u in range(users)) for p in profiles)
    tied = sum(1 for p in profiles if any(len(kernel.options(u, p)[0]) > 1 for u in range(users)))
    kernel = RegretKernel(game, TiePolicy.FAVOURABLE, Fraction(0))
    start = time.process_time()
    equilibria = [
        e for e in (examine(game, kernel, p, DEFAULT_SELECTION_LIMIT) for p in profiles) if e is not None
    ]
    dp = time.process_time() - start
    row: dict[str, Any] = {
        "users": users,
        "tied": tied,
        "largest": largest,
        "equilibria": len(equilibria),
        "dp": dp,
        "product": None,
        "same": None,
    }
    if largest <= DEFAULT_SELECTION_LIMIT:
        kernel = RegretKernel(game, TiePolicy.FAVOURABLE, Fraction(0))
        start = time.process_time()
        found = [e for e in (product_equilibrium(game, kernel, p) for p in profiles) if e is not None]
        row["product"] = time.process_time() - start
        row["same"] = found == equilibria
    return row


def slope(rows: list[dict[str, Any]]) -> float:
    """Least-squares slope of log(DP seconds) against log(users)."""
    xs = [math.log(r["users"]) for r in rows]
    ys = [math.log(r["dp"]) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="4,6,8,12,16,24,32", help="comma-separated numbers of users")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--personalized", default="1,2,4,6,8", help="numbers of users of the personalized game with δ > 0"
    )
    parser.add_argument("--delta", default="1/8", help="δ of the personalized game")
    arguments = parser.parse_args()
    rows = []
    print(
        "| users | profiles with ties | largest product | equilibria | DP s | product s | product/DP | same |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in (int(x) for x in arguments.users.split(",")):
        row = run(n, arguments.seed)
        rows.append(row)
        product = "refused" if row["product"] is None else f"{row['product']:.2f}"
        ratio = "" if row["product"] is None else f"{row['product'] / row['dp']:.1f}"
        same = "" if row["same"] is None else ("yes" if row["same"] else "NO")
        print(
            f"| {n} | {row['tied']} | {row['largest']:,} | {row['equilibria']} | {row['dp']:.2f} "
            f"| {product} | {ratio} | {same} |",
            flush=True,
        )
    if len(rows) >= 2:
        print(f"\nslope of log t against log n (DP): {slope(rows):.2f}")
    delta = Fraction(arguments.delta)
    print(f"\npersonalized game, δ = {delta}: the users' candidates recombined")
    print(
        "| users | candidates per user | combinations | equilibrium profiles | DP s | product s "
        "| product/DP | same |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n in (int(x) for x in arguments.personalized.split(",")):
        row = run_personalized(n, arguments.seed, delta)
        product = "refused" if row["product"] is None else f"{row['product']:.3f}"
        ratio = "" if row["product"] is None else f"{row['product'] / max(row['dp'], 1e-6):.1f}"
        same = "" if row["same"] is None else ("yes" if row["same"] else "NO")
        print(
            f"| {n} | {','.join(map(str, row['candidates']))} | {row['combinations']:,} | {row['count']:,} "
            f"| {row['dp']:.3f} | {product} | {ratio} | {same} |",
            flush=True,
        )


def brute_recombine(candidates: list[list[Candidate]], delta: int, m: int) -> int:
    """The whole-game equilibrium profiles by the product of candidates and selections (the old way)."""
    count = 0
    for combination in itertools.product(*candidates):
        count += any(
            all(sum(max(c.regrets[k][j], 0) for c, k in zip(combination, ks)) <= delta for j in range(m))
            for ks in itertools.product(*(range(len(c.regrets)) for c in combination))
        )
    return count


def run_personalized(users: int, seed: int, delta: Fraction) -> dict[str, Any]:
    """The personalized game with δ > 0: each user's game scanned, then the users' candidates recombined."""
    game = Game(instance_from_dict(document(users, seed, agree=False)), Mode.PERSONALIZED, Deterministic())
    slices, kernels, delta_scaled = slice_kernels(game, TiePolicy.FAVOURABLE, delta)
    bound = [delta_scaled] * len(PROVIDERS)
    candidates = []
    for part, kernel in zip(slices, kernels):
        found = (candidate_at(kernel, p) for p in itertools.product(*(range(len(r)) for r in part.rules)))
        candidates.append([c for c in found if is_within(c, bound)])
    combinations = math.prod(len(user) for user in candidates)
    selections = sum(len(c.regrets) for user in candidates for c in user)
    start = time.process_time()
    result = personalized_result(
        game,
        slices,
        kernels,
        candidates,
        delta,
        TiePolicy.FAVOURABLE,
        DEFAULT_SELECTION_LIMIT,
        separable=False,
    )
    dp = time.process_time() - start
    row: dict[str, Any] = {
        "users": users,
        "candidates": [len(user) for user in candidates],
        "selections": selections,
        "combinations": combinations,
        "count": result.count,
        "dp": dp,
        "product": None,
        "same": None,
    }
    if combinations <= DEFAULT_SELECTION_LIMIT:
        start = time.process_time()
        count = brute_recombine(candidates, delta_scaled, len(PROVIDERS))
        row["product"] = time.process_time() - start
        row["same"] = count == result.count
    return row


if __name__ == "__main__":
    main()
