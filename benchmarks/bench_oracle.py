"""How far the exact deviation oracle scales, and what the MIP path costs (SPEC.md §9).

Each rung is a seeded ``uniform`` instance (instances.generators) with protocol ``[P]``, two
providers with two signals, and a growing number of users, actions and messages. At a seeded
deterministic profile, provider 1's best mixed deviation in the anonymous game is computed

- exhaustively: one linear program per combination of the users' choices (``(1 + a^k)^n`` of
  them with rivals), each solved by HiGHS and certified exactly — within ``--budget`` seconds, past
  which the run stops and the total is extrapolated from the programs solved (marked ``~``);
- the same programs in floating point only (HiGHS, model build and solve, what certification adds
  to): the ratio ``cert/float`` is the cost of exactness on the oracle's own programs;
- by the MIP path (``mip s``): one program over the users' choices (CBC), then the LP of its choices certified
  and its rule evaluated exactly (a certified candidate).

``choices`` is ``(1 + a^k)^n``; ``programs`` (:func:`solver.oracle.deviation.program_count`, what the
oracle's limit is compared with) leaves out staying elsewhere for users no rule of the deviator
can leave worse off. ``σ vars`` counts the
deviating rule's probabilities (signals × report nodes × messages); every program also has one
auxiliary variable per user, feature, report and message. ``agree`` compares the MIP candidate
with the exhaustive supremum when the latter finished. Run by hand, never by pytest::

    python benchmarks/bench_oracle.py
    python benchmarks/bench_oracle.py --budget 20 --only n3-a3-k2
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from fractions import Fraction

from instances.generators import Sizes, generate_instance
from solver.conversation.classes import Deterministic
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.lp import LPStatus, solve_lp
from solver.lp.highs import solve_float
from solver.oracle.deviation import count_choices, deviation_programs, program_count, solve_deviation
from solver.oracle.problem import DeviationContext, OracleMethod


@dataclass(frozen=True)
class Rung:
    """One instance size."""

    name: str
    users: int
    actions: int
    messages: int


LADDER = (
    Rung("n1-a2-k2", 1, 2, 2),
    Rung("n2-a2-k2", 2, 2, 2),
    Rung("n3-a2-k2", 3, 2, 2),
    Rung("n4-a2-k2", 4, 2, 2),
    Rung("n2-a3-k2", 2, 3, 2),
    Rung("n3-a3-k2", 3, 3, 2),
    Rung("n2-a3-k3", 2, 3, 3),
    Rung("n5-a2-k2", 5, 2, 2),
    Rung("n6-a2-k2", 6, 2, 2),
    Rung("n3-a3-k3", 3, 3, 3),
    Rung("n7-a2-k2", 7, 2, 2),
    Rung("n4-a3-k3", 4, 3, 3),
)


def instance_of(rung: Rung, seed: int) -> Instance:
    """The rung's seeded instance."""
    sizes = Sizes(providers=2, users=rung.users, actions=rung.actions, messages=rung.messages, signals=2)
    return generate_instance("uniform", seed, 0, sizes)


def profile_of(instance: Instance, seed: int) -> list[Rule]:
    """A seeded deterministic rule per provider."""
    rng = random.Random(seed)
    return [rng.choice(Deterministic().enumerate(instance, k)) for k in range(len(instance.providers))]


def exhaustive(
    instance: Instance, users: tuple[int, ...], rules: list[list[Rule]], count: int, budget: float
) -> tuple[str, float, float, Fraction | None]:
    """Certified and float-only times over the programs, within a budget; the supremum if finished."""
    certified = floating = 0.0
    solved = 0
    best: Fraction | None = None
    programs = program_count(instance, 0, users, rules)
    for program in deviation_programs(instance, 0, users, rules, limit=count):
        start = time.perf_counter()
        solve_float(program.program)
        floating += time.perf_counter() - start
        start = time.perf_counter()
        solution = solve_lp(program.program)
        certified += time.perf_counter() - start
        solved += 1
        if solution.status is LPStatus.OPTIMAL and solution.value is not None:
            value = solution.value + program.constant
            best = value if best is None else max(best, value)
        if certified > budget:
            scale = programs / solved
            return f"~{certified * scale:.0f}", certified / solved, floating / solved, None
    return f"{certified:.2f}", certified / solved, floating / solved, best


def main() -> None:
    """Run the ladder and print one row per rung."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=60.0, help="Seconds of exhaustive work per rung.")
    parser.add_argument("--only", help="Run one rung by name.")
    arguments = parser.parse_args()
    header = (
        f"{'rung':10} {'choices':>9} {'programs':>9} {'σ vars':>6} {'exhaustive s':>13} {'cert ms/LP':>10} "
        f"{'float ms/LP':>11} {'cert/float':>10} {'mip s':>7} {'agree':>6}"
    )
    print(header)
    for rung in LADDER:
        if arguments.only and rung.name != arguments.only:
            continue
        instance = instance_of(rung, arguments.seed)
        users = tuple(range(len(instance.users)))
        rules = [profile_of(instance, arguments.seed) for _ in users]
        count = count_choices(instance, 0, users, True)
        variables = DeviationContext(instance, 0).sigma_count()
        total, cert, flt, best = exhaustive(instance, users, rules, count, arguments.budget)
        start = time.perf_counter()
        candidate = solve_deviation(instance, 0, users, rules, method=OracleMethod.MIP)
        mip = time.perf_counter() - start
        agree = "-" if best is None else ("yes" if best == candidate.value else f"no {best}")
        print(
            f"{rung.name:10} {count:>9,} {program_count(instance, 0, users, rules):>9,} {variables:>6} "
            f"{total:>13} {cert * 1e3:>10.2f} "
            f"{flt * 1e3:>11.2f} {cert / flt:>10.1f} {mip:>7.2f} {agree:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
