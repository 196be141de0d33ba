"""The exact response kernel against the same kernel on floats.

One backward induction (:func:`solver.responses.response.walk_response`) runs on numbers of one
kind: exact callers hand it integers over common denominators (:data:`~solver.responses.response.EXACT`),
and the very same walk runs on floats (:data:`~solver.responses.response.FLOATS`). Two layers are
timed, each against a float twin that goes through the same code with floats in place of integers
and divides where the exact code makes fractions:

- ``kernel``: :func:`solver.responses.response.solve_user_response` as the benchmarks, the
  profile responses and the deviations call it (value, canonical law, strategy, tie set);
- ``every law``: the same with every optimal law (:func:`~solver.responses.response.find_optimal_laws`),
  a set of tables of fractions;
- ``table``: :func:`solver.equilibria.games.respond_to_rule`, one entry of a response table (value,
  every optimal law, every provider's payoff from each).

For every instance, every (user, provider, deterministic rule) is solved, at most ``--rules``
rules per provider. The bundled instances and seeded random ones of ``bench_engines.py``'s
``anon-3x27`` shape (3 providers, 3 signals, 3 messages: 27 rules each; protocol ``[P]``) are
measured, the exact and the float pass in turn (E F E F …) so that a drift of the machine's speed
falls on both; the ratio exact/float is taken pass by pass and its median quoted. The per-user
problems are built before timing (they are cached per instance in both numbers). Every float
answer is compared with the exact one (within 1e-9), so the twin is seen to compute the same thing.

Run by hand, never by pytest::

    python benchmarks/bench_kernel.py
    python benchmarks/bench_kernel.py --seeds 3 --rounds 5 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.conversation.classes import Deterministic
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.core.serialization import load
from solver.equilibria.games import Mode, respond_to_rule, scaled_rule_response
from solver.responses.response import (
    FLOATS,
    TiePolicy,
    problem_in,
    rows_in,
    solve_user_response,
    user_problem,
    walk_response,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engines import Rung, random_instance  # noqa: E402

Case = tuple[int, int, Rule]
"""(user, provider, rule)."""


@dataclass(frozen=True)
class Subject:
    """One instance and the cases solved on it."""

    name: str
    instance: Instance
    cases: tuple[Case, ...]

    @property
    def protocol(self) -> str:
        """The turn sequence, e.g. ``[U, P]``."""
        return "[" + ", ".join(self.instance.protocol.turns) + "]"

    @property
    def rules(self) -> str:
        """Rules per provider, as solved."""
        users = len(self.instance.users)
        per = [
            sum(1 for _, j, _ in self.cases if j == k) // users for k in range(len(self.instance.providers))
        ]
        return "/".join(str(n) for n in per)


def float_user_response(
    instance: Instance, user: int, provider: int, rule: Rule, all_laws: bool = True
) -> Any:
    """:func:`solve_user_response` on floats: the same walk, then division."""
    problem = problem_in(instance, user, FLOATS)
    rows = rows_in(instance, provider, rule, FLOATS)
    found = walk_response(problem, rows, TiePolicy.CANONICAL, provider, all_laws=all_laws)
    n_states, n_actions = problem.n_states, problem.n_actions
    mass_scale = found.mass_scale

    def table(flat: Sequence[float]) -> tuple[tuple[float, ...], ...]:
        return tuple(
            tuple(p / mass_scale if p else 0.0 for p in flat[a * n_states : (a + 1) * n_states])
            for a in range(n_actions)
        )

    law = table(found.law)
    laws = None
    if found.laws is not None:
        laws = frozenset(law if flat == found.law else table(flat) for flat in found.laws)
    return (
        found.value / (mass_scale * problem.utility_scale),
        law,
        (tuple(sorted(found.messages)), tuple(sorted(found.actions))),
        (tuple(sorted(found.message_ties.items())), tuple(sorted(found.action_ties.items()))),
        laws,
    )


def float_table_entry(instance: Instance, user: int, provider: int, rule: Rule) -> Any:
    """:func:`respond_to_rule` on floats: the same walk and payoff sums, then division."""
    problem = problem_in(instance, user, FLOATS)
    rows = rows_in(instance, provider, rule, FLOATS)
    scaled = scaled_rule_response(problem, rows)
    mass_scale = scaled.mass_scale
    n_states, n_actions = problem.n_states, problem.n_actions

    def table(flat: Sequence[float]) -> tuple[tuple[float, ...], ...]:
        return tuple(
            tuple(p / mass_scale if p else 0.0 for p in flat[a * n_states : (a + 1) * n_states])
            for a in range(n_actions)
        )

    denominators = [mass_scale * d for d in problem.payoff_scales]
    return (
        scaled.value / (mass_scale * problem.utility_scale),
        tuple(table(flat) for flat in scaled.laws),
        tuple(tuple(p / d if p else 0.0 for p, d in zip(v, denominators)) for v in scaled.payoffs),
    )


def exact_user_response(instance: Instance, user: int, provider: int, rule: Rule) -> Any:
    """The exact kernel with every optimal law asked for."""
    return solve_user_response(instance, user, provider, rule, all_laws=True)


def float_canonical(instance: Instance, user: int, provider: int, rule: Rule) -> Any:
    """The float twin of :func:`solve_user_response` without the optimal laws."""
    return float_user_response(instance, user, provider, rule, all_laws=False)


LAYERS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "kernel": (solve_user_response, float_canonical),
    "every law": (exact_user_response, float_user_response),
    "table": (respond_to_rule, float_table_entry),
}


def subjects(seeds: int, rules_per_provider: int) -> list[Subject]:
    """The bundled instances and the seeded random ``anon-3x27`` games, with their cases."""
    found = [(path.stem, load(path)) for path in sorted((ROOT / "instances").glob("*.yaml"))]
    found += [
        (
            f"random anon-3x27 seed {seed}",
            random_instance(Rung("anon-3x27", Mode.ANONYMOUS, 3, 3, 3, 2, seed=seed)),
        )
        for seed in range(seeds)
    ]
    result = []
    for name, instance in found:
        cases = []
        for j in range(len(instance.providers)):
            rules = Deterministic().enumerate(instance, j, 10**6)[:rules_per_provider]
            cases += [(i, j, r) for r in rules for i in range(len(instance.users))]
        result.append(Subject(name, instance, tuple(cases)))
    return result


def timed(call: Callable[..., Any], subject: Subject, repeat: int) -> float:
    """CPU seconds of ``repeat`` passes of ``call`` over every case of a subject."""
    instance = subject.instance
    start = time.process_time()
    for _ in range(repeat):
        for i, j, rule in subject.cases:
            call(instance, i, j, rule)
    return time.process_time() - start


def agree(subject: Subject) -> bool:
    """Whether every float answer is within 1e-9 of the exact one (values, laws and payoffs)."""
    instance = subject.instance
    for i, j, rule in subject.cases:
        exact = respond_to_rule(instance, i, j, rule)
        value, laws, payoffs = float_table_entry(instance, i, j, rule)
        if abs(float(exact.value) - value) > 1e-9 or len(exact.laws) != len(laws):
            return False
        for law, twin in zip(exact.laws, laws):
            if any(abs(float(p) - q) > 1e-9 for row, other in zip(law, twin) for p, q in zip(row, other)):
                return False
        for vector, twin in zip(exact.payoffs, payoffs):
            if any(abs(float(p) - q) > 1e-9 for p, q in zip(vector, twin)):
                return False
        solved = exact_user_response(instance, i, j, rule)
        floated = float_user_response(instance, i, j, rule)
        if solved.strategy.messages != floated[2][0] or solved.strategy.actions != floated[2][1]:
            return False
    return True


def measure(subject: Subject, layer: str, rounds: int, budget: float) -> tuple[float, float, float]:
    """Median exact and float CPU seconds per case, and the median of the per-round ratios."""
    exact, floating = LAYERS[layer]
    # Warm-up: builds and caches both problems of every user, and finds a repeat that takes ~budget.
    once = max(timed(exact, subject, 1), 1e-6)
    timed(floating, subject, 1)
    repeat = max(1, int(budget / once))
    exact_times, float_times = [], []
    for _ in range(rounds):
        exact_times.append(timed(exact, subject, repeat))
        float_times.append(timed(floating, subject, repeat))
    ratios = [e / f for e, f in zip(exact_times, float_times)]
    calls = repeat * len(subject.cases)
    return (
        statistics.median(exact_times) / calls,
        statistics.median(float_times) / calls,
        statistics.median(ratios),
    )


def profile(subject: Subject, layer: str) -> str:
    """The exact layer's cProfile over a few passes, by internal time."""
    exact, _ = LAYERS[layer]
    profiler = cProfile.Profile()
    profiler.enable()
    timed(exact, subject, 5)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    """Print one table per layer: per instance, µs per case exact and float, and exact/float."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="random anon-3x27 games (default 3)")
    parser.add_argument("--rules", type=int, default=27, help="rules per provider at most (default 27)")
    parser.add_argument("--rounds", type=int, default=5, help="exact/float pairs timed (default 5)")
    parser.add_argument(
        "--budget", type=float, default=0.05, help="CPU seconds per timed pass (default 0.05)"
    )
    parser.add_argument("--profile", action="store_true", help="print the exact layers' profiles")
    options = parser.parse_args(argv)
    found = subjects(options.seeds, options.rules)
    for subject in found:
        for i in range(len(subject.instance.users)):
            user_problem(subject.instance, i)
    overall: dict[str, list[float]] = {layer: [] for layer in LAYERS}
    for layer in LAYERS:
        print(f"\n{layer}: CPU µs per (user, rule), medians of {options.rounds} alternating rounds")
        print(
            f"{'instance':<34} {'protocol':<12} {'rules':>8} {'users':>5} "
            f"{'exact µs':>9} {'float µs':>9} {'exact/float':>11}"
        )
        for subject in found:
            exact, floating, ratio = measure(subject, layer, options.rounds, options.budget)
            overall[layer].append(ratio)
            print(
                f"{subject.name:<34} {subject.protocol:<12} {subject.rules:>8} "
                f"{len(subject.instance.users):>5} "
                f"{exact * 1e6:>9.1f} {floating * 1e6:>9.1f} {ratio:>11.2f}"
            )
        median = statistics.median(overall[layer])
        print(f"{'median over instances':<34} {'':<12} {'':>8} {'':>5} {'':>9} {'':>9} {median:>11.2f}")
    print("\nfloat answers within 1e-9 of the exact ones:", all(agree(s) for s in found))
    if options.profile:
        for layer in LAYERS:
            heaviest = max(found, key=lambda s: len(s.cases))
            print(f"\nprofile of the exact {layer} on {heaviest.name}")
            print(profile(heaviest, layer))


if __name__ == "__main__":
    main()
