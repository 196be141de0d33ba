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

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from instances.generators import Sizes
from proofs.claim import CheckOptions, Claim, ClaimResult, Kind, Row, Search, Status, Verdict
from proofs.equilibria import quantify_guarantee
from solver.analysis import Analysis
from solver.conversation.garblings import subset_label
from solver.core.model import Instance
from solver.equilibria.games import Mode
from solver.equilibria.results import Equilibrium, equilibrium_to_json

ID = "C7"
TITLE = "tightness"
STATEMENT = (
    "Over an instance family, the largest observed (Bench_i(T) − u_i) / ε_i(T) among personalized "
    "equilibria with ε_i(T) > 0: is the constant 2 of C1 attained?"
)
CONSTANT = Fraction(2)
"""The constant of C1 whose tightness is in question."""


@dataclass(frozen=True)
class TightnessWitness:
    """The largest ratio ``(Bench_i(T) − u_i) / ε_i(T)`` C7 observed on an instance, and where.

    Attributes
    ----------
    instance : Instance
        The game (for its labels).
    ratio : Fraction
        The ratio.
    user : int
        User i.
    subset : tuple of int
        The set T.
    epsilon : Fraction
        C1's ``ε_i(T)``.
    benchmark : Fraction
        ``Bench_i(T)``.
    utility : Fraction
        Her worst equilibrium utility.
    equilibrium : Equilibrium or None
        An equilibrium in which she gets it.
    """

    instance: Instance = field(repr=False)
    ratio: Fraction
    user: int
    subset: tuple[int, ...]
    epsilon: Fraction
    benchmark: Fraction
    utility: Fraction
    equilibrium: Equilibrium | None

    @property
    def attains_two(self) -> bool:
        """Whether the ratio reaches C1's constant 2."""
        return self.ratio >= CONSTANT

    def to_json(self) -> dict[str, Any]:
        """The witness with exact strings."""
        return {
            "ratio": str(self.ratio),
            "attains_two": self.attains_two,
            "user": self.instance.users[self.user].label,
            "T": subset_label(self.instance, self.subset),
            "epsilon": str(self.epsilon),
            "benchmark": str(self.benchmark),
            "utility": str(self.utility),
            "equilibrium": None
            if self.equilibrium is None
            else equilibrium_to_json(self.instance, self.equilibrium),
        }


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
    witness = result.witness
    return witness.ratio if isinstance(witness, TightnessWitness) else None


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Measure the largest ``(Bench_i(T) − u_i) / ε_i(T)`` over the personalized game's equilibria.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
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
    quantified = quantify_guarantee(analysis, ID, Status.OPEN, Mode.PERSONALIZED, options)
    if isinstance(quantified, ClaimResult):
        return quantified
    instance = analysis.instance
    rows: list[Row] = []
    best: TightnessWitness | None = None
    for i, user in enumerate(instance.users):
        worst = quantified.worst[i]
        if worst is None:
            continue
        for t in analysis.subsets():
            # C1's ε: the fit on the providers of T with a stake in her (SPEC §8's support rule).
            epsilon = analysis.bound_weights(i, t).error
            if epsilon is None or epsilon == 0:
                continue
            bench = analysis.benchmark(i, t, options.benchmark_limit).value
            ratio = (bench - worst) / epsilon
            note = f"ε = {epsilon}, ratio {ratio}"
            rows.append(
                Row(user.label, t, subset_label(instance, t), bench - 2 * epsilon, worst, Verdict.HOLDS, note)
            )
            if best is None or ratio > best.ratio:
                best = TightnessWitness(instance, ratio, i, t, epsilon, bench, worst, None)
    if best is None:
        return ClaimResult(
            ID,
            Status.OPEN,
            Verdict.VACUOUS,
            quantified.setting,
            reasons=("ε_i(T) = 0 for every user and every T: no ratio to measure",),
        )
    witness = replace(best, equilibrium=quantified.worst_equilibrium(best.user))
    ratio = witness.ratio
    verdict = Verdict.HOLDS
    if options.delta == 0 and ratio > CONSTANT:
        verdict = Verdict.COUNTEREXAMPLE
        rows = [
            replace(r, verdict=Verdict.COUNTEREXAMPLE)
            if r.bound is not None and r.worst is not None and r.worst < r.bound
            else r
            for r in rows
        ]
    where = (
        f"largest ratio (Bench_i(T) − u_i)/ε_i(T) = {ratio} for {instance.users[witness.user].label}, "
        f"T = {subset_label(instance, witness.subset)} (Bench {witness.benchmark}, worst utility "
        f"{witness.utility}, ε {witness.epsilon})"
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


def note(result: ClaimResult) -> str:
    """The note the search records with an instance that raised the record.

    Parameters
    ----------
    result : ClaimResult
        A result of :func:`check`.

    Returns
    -------
    str
        ``C7 record:`` and the first reason (where the largest ratio is).
    """
    return f"C7 record: {result.reasons[0]}" if result.reasons else "C7 record"


SEARCH = Search(
    ID,
    Kind.RECORD,
    "near-aligned",
    Sizes(epsilon=Fraction(1, 4)),
    strategy={
        "max_users": 1,
        "max_providers": 1,
        "min_states": 2,
        "max_states": 2,
        "min_signals": 2,
        "min_messages": 2,
        "informative": True,
        "stake_kinds": ("table",),
        "hedge": True,
        # C7 skips a T whose providers have no stake in her (SPEC §8's support rule), so a
        # zero stake only wastes an example; without the edges the library's C7 witness is
        # found again by its recorded command.
        "edges": False,
    },
    description="the largest ratio (Bench_i(T) − u_i)/ε_i(T) over personalized equilibria",
    measure=ratio_of,
    goal=CONSTANT,
    note=note,
)
"""A search for C7 keeps the instances that raise the record ratio, and a hit when it reaches 2."""

CLAIM = Claim(ID, TITLE, Status.OPEN, STATEMENT, check, (Mode.PERSONALIZED,), searches=(SEARCH,))
