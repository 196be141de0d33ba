"""C7, tightness (SPEC.md §8, *open*).

C1 allows a personalized equilibrium to leave user i as far as ``2 ε_i(T)`` below ``Bench_i(T)``
(δ = 0). On one instance the checker measures the largest

    (Bench_i(T) − u_i) / ε_i(T)

over the equilibria quantified over, every user and every T with ``ε_i(T) > 0``; over a family the
counterexample search keeps the instances that raise the record, and asks whether 2 is attained.
``ε_i(T)`` is C1's: the error of the best fit by the providers of T with a stake in user i (the
support rule of SPEC.md §8); a T with no such provider measures no constant of C1 and is skipped.
A ratio above 2 with δ = 0 would contradict C1 and is reported as a counterexample.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from proofs.c1_personalized import contains_shared_rules
from proofs.claim import CheckOptions, Claim, ClaimResult, Row, Setting, Status, Verdict
from proofs.equilibria import quantify
from solver.conversation.garblings import subset_label
from solver.core.model import Instance
from solver.equilibria.games import Mode
from solver.equilibria.results import equilibrium_to_json
from solver.responses.alignment import best_bound_weights
from solver.responses.information import provider_subsets, solve_benchmark

ID = "C7"
TITLE = "tightness"
STATEMENT = (
    "Over an instance family, the largest observed (Bench_i(T) − u_i) / ε_i(T) among personalized "
    "equilibria with ε_i(T) > 0: is the constant 2 of C1 attained?"
)
CONSTANT = Fraction(2)
"""The constant of C1 whose tightness is in question."""


def ratio_of(result: ClaimResult) -> Fraction | None:
    """The largest ratio a C7 result observed (None when it observed none).

    Parameters
    ----------
    result : ClaimResult
        A result of :func:`check`.

    Returns
    -------
    Fraction or None
        The ratio.
    """
    if result.witness is None or "ratio" not in result.witness:
        return None
    return Fraction(result.witness["ratio"])


def check(instance: Instance, options: CheckOptions) -> ClaimResult:
    """Measure the largest ``(Bench_i(T) − u_i) / ε_i(T)`` over the personalized game's equilibria.

    Parameters
    ----------
    instance : Instance
        The game.
    options : CheckOptions
        Class, δ, tie policy and certification in ``full``.

    Returns
    -------
    ClaimResult
        HOLDS with one row per user and T with ``ε_i(T) > 0`` (bound ``Bench_i(T) − 2 ε_i(T)``,
        worst utility, the ratio in the note) and the largest ratio, its equilibrium and whether it
        reaches 2 in the witness; VACUOUS when there is no equilibrium or every ``ε_i(T)`` is 0;
        COUNTEREXAMPLE when δ = 0 and the ratio exceeds 2 (C1 fails). The finding is the record
        ratio (``record ratio 1/2``).
    """
    setting = Setting(Mode.PERSONALIZED, options.class_name, options.policy, options.delta, False)
    if not contains_shared_rules(options.class_name):
        return ClaimResult(
            ID,
            Status.OPEN,
            Verdict.VACUOUS,
            setting,
            reasons=(f"class {options.class_name} does not contain every T-shared rule",),
        )
    quantified = quantify(instance, Mode.PERSONALIZED, options)
    if quantified.count == 0:
        return ClaimResult(
            ID,
            Status.OPEN,
            Verdict.VACUOUS,
            quantified.setting,
            reasons=("the personalized game has no equilibrium in this class",),
        )
    rows: list[Row] = []
    best: tuple[Fraction, int, tuple[int, ...], Fraction, Fraction, Fraction] | None = None
    for i, user in enumerate(instance.users):
        worst = quantified.worst[i]
        if worst is None:
            continue
        for t in provider_subsets(instance):
            # C1's ε: the fit on the providers of T with a stake in her (SPEC §8's support rule).
            epsilon = best_bound_weights(instance, i, t).error
            if epsilon is None or epsilon == 0:
                continue
            bench = solve_benchmark(instance, i, t, options.benchmark_limit).value
            ratio = (bench - worst) / epsilon
            label = subset_label(instance, t)
            note = f"ε = {epsilon}, ratio {ratio}"
            rows.append(Row(user.label, label, bench - 2 * epsilon, worst, Verdict.HOLDS, note))
            if best is None or ratio > best[0]:
                best = (ratio, i, t, epsilon, bench, worst)
    if best is None:
        return ClaimResult(
            ID,
            Status.OPEN,
            Verdict.VACUOUS,
            quantified.setting,
            reasons=("ε_i(T) = 0 for every user and every T: no ratio to measure",),
        )
    ratio, i, t, epsilon, bench, worst = best
    equilibrium = quantified.worst_equilibrium(i)
    witness: dict[str, Any] = {
        "ratio": str(ratio),
        "attains_two": ratio >= CONSTANT,
        "user": instance.users[i].label,
        "T": subset_label(instance, t),
        "epsilon": str(epsilon),
        "benchmark": str(bench),
        "utility": str(worst),
        "equilibrium": None if equilibrium is None else equilibrium_to_json(instance, equilibrium),
    }
    verdict = Verdict.HOLDS
    if options.delta == 0 and ratio > CONSTANT:
        verdict = Verdict.COUNTEREXAMPLE
        rows = [
            Row(r.user, r.subset, r.bound, r.worst, Verdict.COUNTEREXAMPLE, r.note)
            if r.bound is not None and r.worst is not None and r.worst < r.bound
            else r
            for r in rows
        ]
    where = (
        f"largest ratio (Bench_i(T) − u_i)/ε_i(T) = {ratio} for {instance.users[i].label}, "
        f"T = {subset_label(instance, t)} (Bench {bench}, worst utility {worst}, ε {epsilon})"
    )
    if ratio > CONSTANT:
        where += ": above 2, C1 fails here" if options.delta == 0 else ": above 2 (δ > 0)"
    elif ratio == CONSTANT:
        where += ": the constant 2 is attained"
    else:
        where += f": below 2 by {CONSTANT - ratio}"
    reasons = (where, f"{quantified.count} equilibrium profile(s) of the personalized game")
    finding = f"record ratio {ratio}"
    if ratio > CONSTANT:
        finding += ": above 2, C1 fails" if options.delta == 0 else ": above 2 (δ > 0)"
    return ClaimResult(ID, Status.OPEN, verdict, quantified.setting, tuple(rows), reasons, witness, finding)


CLAIM = Claim(ID, TITLE, Status.OPEN, STATEMENT, check, (Mode.PERSONALIZED,))
