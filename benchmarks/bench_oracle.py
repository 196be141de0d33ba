"""How far the exact deviation oracle scales, and what the MIP path costs (SPEC.md §9).

Each rung is a seeded ``uniform`` instance (instances.generators) with protocol ``[P]``, two
providers with two signals, and a growing number of users, actions and messages. At a seeded
deterministic profile, provider 1's best mixed deviation in the anonymous game is computed

- exhaustively: one linear program per combination of the users' choices (``(1 + a^k)^n`` of
  them with rivals), each solved by HiGHS and certified exactly — within ``--budget`` seconds, past
  which the run stops and the total is extrapolated from the programs solved (marked ``~``);
- the same programs in floating point only (HiGHS with its default presolve, model build and
  solve, what certification adds to): the ratio ``cert/float`` is the cost of exactness on the
  oracle's own programs, over all of them and apart for those certified infeasible (``inf c/f``;
  ``infeasible`` is their share) and optimal (``opt c/f``); ``by ray`` is the share of
  infeasible programs proved by HiGHS' dual ray (:mod:`solver.lp.farkas`) rather than by the
  elastic program;
- by the MIP path (``mip s``): one program over the users' choices (CBC), then the LP of its choices certified
  and its rule evaluated exactly (a certified candidate).

``choices`` is ``(1 + a^k)^n``; ``programs`` (:func:`solver.oracle.deviation.program_count`, what the
oracle's limit is compared with) leaves out staying elsewhere for users no rule of the deviator
can leave worse off. ``σ vars`` counts the
deviating rule's probabilities (signals × report nodes × messages); every program also has one
auxiliary variable per user, feature, report and message. ``agree`` compares the MIP candidate
with the exhaustive supremum when the latter finished. The exhaustive and float-only times are CPU
seconds of this process; ``mip s`` is wall-clock time (CBC runs in a process of its own). Run by
hand, never by pytest::

    python benchmarks/bench_oracle.py
    python benchmarks/bench_oracle.py --budget 20 --only n3-a3-k2
    python benchmarks/bench_oracle.py --only n2-a2-k2,n4-a2-k2,n3-a3-k2
    python benchmarks/bench_oracle.py --breakdown --only n3-a3-k2,n2-a3-k3

``--breakdown`` times the parts of the certified path instead, relative to the float-only solve:
for infeasible programs HiGHS without presolve and with its dual ray (``inf highs``), the ray made
exact and checked (``inf ray``) and the elastic re-solve it replaces (``inf elastic``); for optimal
ones HiGHS without presolve (``opt highs``) and the exact basis and its check (``opt basis``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from instances.generators import Sizes, generate_instance
from solver.conversation.classes import Deterministic
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.lp import LPStatus, solve_lp
from solver.lp.elastic import elastic_program, infeasibility_from_elastic
from solver.lp.farkas import infeasibility_from_ray
from solver.lp.highs import certify_basis, solve_float
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


@dataclass
class Tally:
    """Certified and float-only seconds over a rung's programs, by exact status."""

    certified: dict[LPStatus, float] = field(default_factory=lambda: dict.fromkeys(LPStatus, 0.0))
    floating: dict[LPStatus, float] = field(default_factory=lambda: dict.fromkeys(LPStatus, 0.0))
    count: dict[LPStatus, int] = field(default_factory=lambda: dict.fromkeys(LPStatus, 0))
    methods: Counter[str] = field(default_factory=Counter)

    def add(self, status: LPStatus, certified: float, floating: float, method: str) -> None:
        """Record one program."""
        self.certified[status] += certified
        self.floating[status] += floating
        self.count[status] += 1
        self.methods[method] += 1

    @property
    def solved(self) -> int:
        """Programs solved."""
        return sum(self.count.values())

    def seconds(self) -> tuple[float, float]:
        """Certified and float-only seconds over all programs."""
        return sum(self.certified.values()), sum(self.floating.values())

    def ratio(self, status: LPStatus | None = None) -> str:
        """certified / float over the programs of one status (all when None); ``-`` when there are none."""
        if status is None:
            certified, floating = self.seconds()
        else:
            certified, floating = self.certified[status], self.floating[status]
        return f"{certified / floating:.2f}" if floating else "-"


def exhaustive(
    instance: Instance, users: tuple[int, ...], rules: list[list[Rule]], count: int, budget: float
) -> tuple[str, Tally, Fraction | None]:
    """Certified and float-only times over the programs, within a budget; the supremum if finished.

    Each program is solved in floating point and then certified, one after the other, and both are
    timed in CPU seconds of this process (:func:`time.process_time`), so that the load of a shared
    machine weighs on neither.
    """
    tally = Tally()
    best: Fraction | None = None
    programs = program_count(instance, 0, users, rules)
    warm = True
    for program in deviation_programs(instance, 0, users, rules, limit=count):
        if warm:  # imports and first calls (python-flint, HiGHS) are not timed
            solve_float(program.program)
            solve_lp(program.program)
            warm = False
        start = time.process_time()
        solve_float(program.program)
        floating = time.process_time() - start
        start = time.process_time()
        solution = solve_lp(program.program)
        tally.add(solution.status, time.process_time() - start, floating, solution.method)
        if solution.status is LPStatus.OPTIMAL and solution.value is not None:
            value = solution.value + program.constant
            best = value if best is None else max(best, value)
        certified = tally.seconds()[0]
        if certified > budget:
            return f"~{certified * programs / tally.solved:.0f}", tally, None
    return f"{tally.seconds()[0]:.2f}", tally, best


BREAKDOWN_PROGRAMS = 2000
"""Programs of a rung timed part by part with ``--breakdown`` (the first ones, in the oracle's order)."""


def breakdown(instance: Instance, users: tuple[int, ...], rules: list[list[Rule]], count: int) -> str:
    """The parts of the certified path, in CPU time relative to the float-only solve, by exact status.

    Infeasible programs: HiGHS without presolve and with its dual ray (what :func:`solve_lp` runs),
    the ray made exact and checked (:func:`solver.lp.farkas.infeasibility_from_ray`), and the
    elastic re-solve it replaces. Optimal programs: HiGHS without presolve, and the basis made
    exact and checked (:func:`solver.lp.highs.certify_basis`).
    """
    parts: dict[str, float] = dict.fromkeys(
        ("inf highs", "inf ray", "inf elastic", "opt highs", "opt basis"), 0.0
    )
    floating: dict[LPStatus, float] = dict.fromkeys(LPStatus, 0.0)
    clock = time.process_time
    for n, program in enumerate(deviation_programs(instance, 0, users, rules, limit=count)):
        if n == BREAKDOWN_PROGRAMS:
            break
        lp = program.program
        if n == 0:  # imports and first calls are not timed
            solve_lp(lp)
            solve_lp(elastic_program(lp))
        start = clock()
        solve_float(lp)
        middle = clock()
        found = solve_float(lp, presolve=False, dual_ray=True)
        end = clock()
        if found.status is LPStatus.INFEASIBLE:
            floating[LPStatus.INFEASIBLE] += middle - start
            parts["inf highs"] += end - middle
            start = clock()
            infeasibility_from_ray(lp, found.dual_ray)
            middle = clock()
            infeasibility_from_elastic(lp, solve_lp(elastic_program(lp)))
            parts["inf ray"] += middle - start
            parts["inf elastic"] += clock() - middle
        elif found.status is LPStatus.OPTIMAL:
            floating[LPStatus.OPTIMAL] += middle - start
            parts["opt highs"] += end - middle
            start = clock()
            certify_basis(lp, found.basic_columns, found.basic_rows)
            parts["opt basis"] += clock() - start
    cells = []
    for name, seconds in parts.items():
        base = floating[LPStatus.INFEASIBLE if name.startswith("inf") else LPStatus.OPTIMAL]
        cells.append(f"{name} {seconds / base:.2f}" if base else f"{name} -")
    return ", ".join(cells)


def main() -> None:
    """Run the ladder and print one row per rung."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=60.0, help="Seconds of exhaustive work per rung.")
    parser.add_argument("--only", help="Run these rungs only (names separated by commas).")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help=f"Time the parts of the certified path on each rung's first {BREAKDOWN_PROGRAMS} programs.",
    )
    arguments = parser.parse_args()
    if arguments.breakdown:
        print(
            "parts of the certified path, in CPU time per unit of the float-only solve (HiGHS with presolve)"
        )
        for rung in LADDER:
            if arguments.only and rung.name not in arguments.only.split(","):
                continue
            instance = instance_of(rung, arguments.seed)
            users = tuple(range(len(instance.users)))
            rules = [profile_of(instance, arguments.seed) for _ in users]
            count = count_choices(instance, 0, users, True)
            print(f"{rung.name:10} {breakdown(instance, users, rules, count)}", flush=True)
        return
    header = (
        f"{'rung':10} {'choices':>9} {'programs':>9} {'σ vars':>6} {'exhaustive s':>13} {'cert ms/LP':>10} "
        f"{'float ms/LP':>11} {'infeasible':>10} {'inf c/f':>7} {'opt c/f':>7} {'cert/float':>10} "
        f"{'by ray':>6} {'mip s':>7} {'agree':>6}"
    )
    print(header)
    for rung in LADDER:
        if arguments.only and rung.name not in arguments.only.split(","):
            continue
        instance = instance_of(rung, arguments.seed)
        users = tuple(range(len(instance.users)))
        rules = [profile_of(instance, arguments.seed) for _ in users]
        count = count_choices(instance, 0, users, True)
        variables = DeviationContext(instance, 0).sigma_count()
        total, tally, best = exhaustive(instance, users, rules, count, arguments.budget)
        start = time.perf_counter()
        candidate = solve_deviation(instance, 0, users, rules, method=OracleMethod.MIP)
        mip = time.perf_counter() - start
        agree = "-" if best is None else ("yes" if best == candidate.value else f"no {best}")
        certified, floating = tally.seconds()
        infeasible = tally.count[LPStatus.INFEASIBLE]
        share = f"{100 * infeasible / tally.solved:.0f}%"
        by_ray = f"{100 * tally.methods['highs+farkas-ray'] / infeasible:.0f}%" if infeasible else "-"
        print(
            f"{rung.name:10} {count:>9,} {program_count(instance, 0, users, rules):>9,} {variables:>6} "
            f"{total:>13} {certified / tally.solved * 1e3:>10.2f} {floating / tally.solved * 1e3:>11.2f} "
            f"{share:>10} {tally.ratio(LPStatus.INFEASIBLE):>7} {tally.ratio(LPStatus.OPTIMAL):>7} "
            f"{tally.ratio():>10} {by_ray:>6} {mip:>7.2f} {agree:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
