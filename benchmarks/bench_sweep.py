"""The cost of a parametric sweep against the number of its pieces × one point evaluation.

``pluralis sweep`` (:func:`solver.parametric.sweep.sweep`) answers for every value of a parameter
at once: it cuts the interval into pieces, runs the evaluator traced once per point it samples
(once per piece, and again when a sample must move closer to the left end; an end of the interval
takes the next piece's answer when no recorded polynomial vanishes there), and checks every
reported piece with the ordinary engine at a rational point (every piece before merging too with
``check="fine"``, timed apart as ``fine``). The goal is a sweep that costs at most 3× what the
point engine costs for one evaluation per reported piece. For each workload this script measures,
in one run:

- ``sweep``: the whole sweep (validation, traced evaluations, root isolation, numeric checks,
  merging);
- ``point``: one evaluation of the ordinary engine at a rational value (the instance built from the
  family, as a point command builds it after reading the file, then ``Evaluation.numeric``), the
  median over the pieces' samples, each timed ``--repeat`` times;
- ``traced``: one traced evaluation at a rational sample (the median likewise), to say where the
  time goes; it runs after the sweep, whose linear programs with rational data are already
  solved (a sweep solves each once), so it is the cost of a traced evaluation after a sweep's
  first;

and reports ``ratio = sweep / (pieces × point)``. The sweep and the point evaluations are timed in
turn, ``--rounds`` times, and medians are quoted, so that a drift of the machine's speed falls on
both.

Run by hand, never by pytest::

    python benchmarks/bench_sweep.py
    python benchmarks/bench_sweep.py --rounds 5 --profile commit-quadratic
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.conversation.classes import Deterministic  # noqa: E402
from solver.equilibria.games import Mode  # noqa: E402
from solver.parametric.commit import CommitEvaluation  # noqa: E402
from solver.parametric.family import Family  # noqa: E402
from solver.parametric.inspect import InspectEvaluation  # noqa: E402
from solver.parametric.sweep import Evaluation, SweepResult, sweep  # noqa: E402
from solver.parametric.values import Point, Trace  # noqa: E402


def _prosecutor(guilty: str, innocent: str, acquit_innocent: Any = 1) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "title": "Prosecutor and judge with a prior",
        "parameters": {"p": "1/2"},
        "states": ["guilty", "innocent"],
        "providers": {"prosecutor": {"signals": ["saw_guilty", "saw_innocent"]}},
        "users": {
            "judge": {
                "actions": ["acquit", "convict"],
                "utility": {
                    "acquit": {"guilty": 0, "innocent": acquit_innocent},
                    "convict": {"guilty": 1, "innocent": 0},
                },
            }
        },
        "worlds": {
            "w1": {"prob": guilty, "state": "guilty", "signals": {"prosecutor": "saw_guilty"}},
            "w2": {"prob": innocent, "state": "innocent", "signals": {"prosecutor": "saw_innocent"}},
        },
        "stakes": {
            "prosecutor": {
                "judge": {
                    "weight": 1,
                    "utility": {
                        "acquit": {"guilty": 0, "innocent": 0},
                        "convict": {"guilty": 1, "innocent": 1},
                    },
                }
            }
        },
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"], "user_messages": []},
    }


@dataclass(frozen=True)
class Workload:
    """One sweep: a family, its parameter and interval, and what is evaluated."""

    name: str
    family: Callable[[], Family]
    parameter: str
    interval: tuple[Fraction, Fraction]
    evaluation: Callable[[], Evaluation]


def _solve(mode: Mode) -> Callable[[], Evaluation]:
    def make() -> Evaluation:
        from solver.parametric.equilibria import SolveEvaluation

        return SolveEvaluation(mode, Deterministic())

    return make


def _check(claim: str) -> Callable[[], Evaluation]:
    def make() -> Evaluation:
        from proofs.claim import CheckOptions
        from proofs.parametric import CheckEvaluation

        evaluation: Evaluation = CheckEvaluation((claim,), CheckOptions())
        return evaluation

    return make


def _file(name: str, parameter: str | None = None) -> Callable[[], Family]:
    return lambda: Family.from_file(ROOT / "instances" / name, parameter)


def _two_providers() -> Family:
    """``two_providers_two_users.yaml`` with the low state's prior p, the others (1 - p)/2 each."""
    document = yaml.safe_load((ROOT / "instances" / "two_providers_two_users.yaml").read_text())
    document["parameters"] = {"p": "1/3"}
    document["worlds"]["w_low"]["prob"] = "p"
    document["worlds"]["w_mid"]["prob"] = "(1-p)/2"
    document["worlds"]["w_high"]["prob"] = "(1-p)/2"
    return Family.from_document(document)


F = Fraction
WORKLOADS = (
    Workload(
        "commit",
        lambda: Family.from_document(_prosecutor("p", "1-p")),
        "p",
        (F(1, 100), F(99, 100)),
        CommitEvaluation,
    ),
    Workload(
        "commit-quadratic",
        lambda: Family.from_document(_prosecutor("p*p", "1-p*p")),
        "p",
        (F(1, 100), F(99, 100)),
        CommitEvaluation,
    ),
    Workload(
        "inspect-utility",
        lambda: Family.from_document(_prosecutor("1/3", "2/3", "p")),
        "p",
        (F(1, 100), F(1)),
        InspectEvaluation,
    ),
    Workload(
        "inspect-market", _file("uninformative_market.yaml"), "p", (F(1, 100), F(99, 100)), InspectEvaluation
    ),
    Workload(
        "solve-market",
        _file("uninformative_market.yaml"),
        "p",
        (F(1, 100), F(99, 100)),
        _solve(Mode.ANONYMOUS),
    ),
    Workload(
        "solve-witness-q",
        _file("noisy_witness.yaml", "q"),
        "q",
        (F(1, 100), F(99, 100)),
        _solve(Mode.ANONYMOUS),
    ),
    Workload("solve-two-anonymous", _two_providers, "p", (F(1, 10), F(9, 10)), _solve(Mode.ANONYMOUS)),
    Workload("solve-two-personalized", _two_providers, "p", (F(1, 10), F(9, 10)), _solve(Mode.PERSONALIZED)),
    Workload("check-two", _two_providers, "p", (F(1, 10), F(9, 10)), _check("C1")),
    Workload(
        "check-C1-market",
        _file("uninformative_market.yaml"),
        "p",
        (F(1, 100), F(99, 100)),
        _check("C1"),
    ),
)


@dataclass
class Measured:
    """Medians over rounds, in seconds."""

    sweep: float
    point: float
    traced: float
    result: SweepResult
    fine: float


def _samples(result: SweepResult) -> list[Fraction]:
    return [p.sample for p in result.pieces if isinstance(p.sample, Fraction)]


def measure(workload: Workload, rounds: int, repeat: int) -> Measured:
    family = workload.family().with_parameter(workload.parameter)
    evaluation = workload.evaluation()
    result = sweep(family, workload.parameter, workload.interval, evaluation)  # warm-up
    samples = _samples(result)
    sweeps, points, traceds, fines = [], [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        result = sweep(family, workload.parameter, workload.interval, evaluation)
        sweeps.append(time.perf_counter() - start)
        start = time.perf_counter()
        sweep(family, workload.parameter, workload.interval, evaluation, check="fine")
        fines.append(time.perf_counter() - start)
        per_point = []
        for sample in samples:
            start = time.perf_counter()
            for _ in range(repeat):
                # A fresh instance each time, as a point command builds it: no cache of a previous
                # evaluation of the same object helps.
                evaluation.numeric(family.instance_at(sample))
            per_point.append((time.perf_counter() - start) / repeat)
        points.append(statistics.median(per_point))
        per_trace = []
        for sample in samples:
            start = time.perf_counter()
            for _ in range(repeat):
                evaluation.traced(family.at(Trace(Point.rational(sample), workload.parameter)))
            per_trace.append((time.perf_counter() - start) / repeat)
        traceds.append(statistics.median(per_trace))
    return Measured(
        statistics.median(sweeps),
        statistics.median(points),
        statistics.median(traceds),
        result,
        statistics.median(fines),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default=None, help="Profile the sweep of one workload by name.")
    parser.add_argument("--cumulative", action="store_true", help="Sort the profile by cumulative time.")
    parser.add_argument("names", nargs="*", help="Workloads to run (default: all).")
    args = parser.parse_args(argv)
    chosen = [w for w in WORKLOADS if not args.names or w.name in args.names]
    if args.profile:
        workload = next(w for w in WORKLOADS if w.name == args.profile)
        family = workload.family()
        evaluation = workload.evaluation()
        sweep(family, workload.parameter, workload.interval, evaluation)  # imports and caches first
        profiler = cProfile.Profile()
        profiler.enable()
        sweep(family, workload.parameter, workload.interval, evaluation)
        profiler.disable()
        text = io.StringIO()
        sort = "cumulative" if args.cumulative else "tottime"
        pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(30)
        print(text.getvalue())
        return
    print(
        "| workload | pieces | breakpoints | fine pieces | traced evaluations | sweep s | point s | "
        "traced s | traced/point | sweep/(pieces×point) | --check fine s | fine/(pieces×point) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workload in chosen:
        m = measure(workload, args.rounds, args.repeat)
        r = m.result
        pieces = len(r.pieces)
        print(
            f"| {workload.name} | {pieces} | {len(r.breakpoints)} | {r.fine_pieces} | {r.evaluations} | "
            f"{m.sweep:.3f} | {m.point:.4f} | {m.traced:.4f} | {m.traced / m.point:.2f} | "
            f"{m.sweep / (pieces * m.point):.2f} | {m.fine:.3f} | {m.fine / (pieces * m.point):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
