"""C2, anonymous failure (SPEC.md §8, *existence*).

Some instance satisfies Weak Market Alignment for ``T = K`` (all providers) with every
``ε_i(K) = 0`` and finite transfer factors, yet its anonymous game has an equilibrium, certified in
``full``, in which every provider is uninformative and some user gets less than ``Bench_i(K)``;
the personalized game of the same instance has no equilibrium leaving any user below it (C1).

The checker's verdict HOLDS means "this instance witnesses C2"; VACUOUS names the part that fails:

(a) Weak Market Alignment with T = K, zero error and a finite transfer factor for every user;
(b) an anonymous equilibrium of the finite class, every rule constant in the provider's signal,
    some user strictly below ``Bench_i(K)``, that survives every mixed deviation, with a
    certificate the independent verifier accepts;
(c) every equilibrium of the personalized game (same class, δ = 0) gives every user at least
    ``Bench_i(K)`` (implied by (a) and C1, and checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from proofs.certified import Certified, certify_finite, is_uninformative
from proofs.claim import CheckOptions, Claim, ClaimResult, Kind, Row, Search, Setting, Status, Verdict
from proofs.equilibria import equilibria, game, quantify
from solver.analysis import Analysis
from solver.conversation.garblings import subset_label
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode
from solver.equilibria.results import Equilibrium, equilibrium_to_json
from solver.responses.alignment import WeakAlignment
from solver.responses.response import TiePolicy

ID = "C2"
TITLE = "anonymous failure"
STATEMENT = (
    "Some instance has Weak Market Alignment for T = K with every ε_i(K) = 0 and finite transfer "
    "factors, an anonymous equilibrium certified in full where every provider is uninformative and "
    "some user gets less than Bench_i(K), and no personalized equilibrium leaving a user below it."
)


def _vacuous(setting: Setting, reasons: list[str], rows: list[Row] | None = None) -> ClaimResult:
    return ClaimResult(ID, Status.EXISTENCE, Verdict.VACUOUS, setting, tuple(rows or ()), tuple(reasons))


def _candidates(equilibria: Sequence[Equilibrium], benchmarks: list[Fraction]) -> list[Equilibrium]:
    """Uninformative equilibria leaving someone below her benchmark, the largest shortfall first."""
    chosen = [
        e
        for e in equilibria
        if all(is_uninformative(r) for r in e.rules)
        and any(o.utility < benchmarks[o.user] for o in e.outcomes)
    ]
    return sorted(chosen, key=lambda e: min(o.utility - benchmarks[o.user] for o in e.outcomes))


def _loyalty(instance: Instance, provider: int, user: int) -> str:
    """``aligned`` when ``U_{j,i} = u_i``, ``opposed`` when ``U_{j,i} = 1 − u_i``, else ``other``."""
    stake = instance.stakes[provider][user].utility
    utility = instance.users[user].utility
    if stake == utility:
        return "aligned with"
    if all(s == 1 - u for row_s, row_u in zip(stake, utility) for s, u in zip(row_s, row_u)):
        return "opposed to"
    return "other towards"


@dataclass(frozen=True)
class AnonymousFailureWitness:
    """An instance witnessing C2: the alignment fits, the certified anonymous equilibrium, and more.

    Attributes
    ----------
    instance : Instance
        The game (for its labels and stakes).
    benchmarks : tuple of Fraction
        ``Bench_i(K)`` per user.
    fits : tuple of WeakAlignment
        Each user's Weak Market Alignment with K (zero error, finite transfer factor).
    equilibrium : Equilibrium
        The anonymous equilibrium, every rule uninformative.
    personalized_count : int
        Number of equilibrium profiles of the personalized game.
    personalized_worst : tuple of (Fraction or None)
        Per user, her worst personalized equilibrium utility.
    certified : Certified
        The anonymous equilibrium's certificate in ``full`` and the verifier's verdict.
    """

    instance: Instance = field(repr=False)
    benchmarks: tuple[Fraction, ...]
    fits: tuple[WeakAlignment, ...]
    equilibrium: Equilibrium
    personalized_count: int
    personalized_worst: tuple[Fraction | None, ...]
    certified: Certified

    @property
    def subset(self) -> tuple[int, ...]:
        """The set K of every provider."""
        return tuple(range(len(self.instance.providers)))

    def to_json(self) -> dict[str, Any]:
        """The witness with exact strings."""
        instance = self.instance
        return {
            "T": subset_label(instance, self.subset),
            "benchmarks": {u.label: str(b) for u, b in zip(instance.users, self.benchmarks)},
            "alignment": {
                instance.users[f.user].label: {
                    "error": str(f.error),
                    "weights": {instance.providers[j].label: str(w) for j, w in zip(f.providers, f.weights)},
                    "offset": str(f.offset),
                    "transfer_factor": str(f.transfer_factor),
                }
                for f in self.fits
            },
            "stakes": {
                provider.label: {
                    user.label: (_loyalty(instance, j, i), str(instance.stakes[j][i].weight))
                    for i, user in enumerate(instance.users)
                }
                for j, provider in enumerate(instance.providers)
            },
            "anonymous_equilibrium": equilibrium_to_json(instance, self.equilibrium),
            "personalized": {
                "count": self.personalized_count,
                "worst": {u.label: str(w) for u, w in zip(instance.users, self.personalized_worst)},
            },
            "certificate_valid": self.certified.valid,
            "certificate": self.certified.certificate,
        }


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Check whether an instance witnesses C2.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        The finite class searched before certification (``strategy_class``) and its size limit.
        C2 is about exact equilibria with deviator-favourable ties: δ and the tie policy of the
        options are not used.

    Returns
    -------
    ClaimResult
        HOLDS with the witness (the anonymous equilibrium, its certificate, the alignment fits and
        the personalized game's worst utilities), or VACUOUS naming which of (a), (b), (c) fails.
    """
    instance = analysis.instance
    options = replace(options, delta=ZERO, policy=TiePolicy.FAVOURABLE)
    name = options.strategy_class.name
    setting = Setting(None, f"full (from {name})", TiePolicy.FAVOURABLE, ZERO, False)
    everyone = tuple(range(len(instance.providers)))
    k_label = subset_label(instance, everyone)
    users = range(len(instance.users))

    # (a) Weak Market Alignment for K with zero error and finite transfer factors.
    fits = tuple(analysis.weak_alignment(i, everyone) for i in users)
    problems = [
        f"{instance.users[f.user].label}: ε = {f.error}"
        if f.error != 0
        else f"{instance.users[f.user].label}: infinite transfer factor"
        for f in fits
        if f.error != 0 or f.transfer_factor is None
    ]
    if problems:
        return _vacuous(
            setting, [f"(a) Weak Market Alignment for T = {k_label} fails: " + "; ".join(problems)]
        )
    benchmarks = tuple(analysis.benchmark(i, everyone, options.benchmark_limit).value for i in users)

    # (b), first the finite part: uninformative anonymous equilibria below the benchmark.
    anonymous = game(analysis, Mode.ANONYMOUS, options)
    finite = equilibria(analysis, Mode.ANONYMOUS, options)
    candidates = _candidates(finite.equilibria, list(benchmarks))
    if not candidates:
        return _vacuous(
            setting,
            [
                f"(b) none of the {finite.count} anonymous equilibria of {name} is "
                f"uninformative with a user below Bench_i({k_label})"
            ],
        )

    # (c) the personalized game: no equilibrium leaves anybody below Bench_i(K).
    personalized = quantify(analysis, Mode.PERSONALIZED, replace(options, full=False))
    if personalized.count == 0:
        return _vacuous(setting, [f"(c) the personalized game has no equilibrium in {name}"])
    below = [
        f"{instance.users[i].label} gets {w} < {benchmarks[i]}"
        for i, w in enumerate(personalized.worst)
        if w is not None and w < benchmarks[i]
    ]
    if below:
        return _vacuous(
            setting,
            [
                "(c) a personalized equilibrium leaves a user below Bench_i(K), contradicting C1: "
                + "; ".join(below)
            ],
        )

    # (b), the certified part: some candidate survives every mixed deviation, with a valid certificate.
    certified = None
    tried = 0
    for e in candidates:
        tried += 1
        _, found = certify_finite(analysis, anonymous, e, oracle=options.oracle)
        if found is not None and found.valid:
            certified = (e, found)
            break
    if certified is None:
        return _vacuous(
            setting,
            [
                f"(b) none of the {tried} uninformative anonymous equilibria below Bench_i({k_label}) "
                "survives every mixed deviation with a certificate"
            ],
        )
    equilibrium, proof = certified
    setting = replace(setting, certified_in_full=True)
    rows: list[Row] = []
    for i, user in enumerate(instance.users):
        utility = next(o.utility for o in equilibrium.outcomes if o.user == i)
        rows.append(
            Row(
                user.label,
                everyone,
                k_label,
                benchmarks[i],
                utility,
                Verdict.HOLDS,
                f"anonymous, uninformative, certified in full; ε = 0, 1/λ* = {fits[i].transfer_factor}",
            )
        )
        worst = personalized.worst[i]
        rows.append(
            Row(user.label, everyone, k_label, benchmarks[i], worst, Verdict.HOLDS, "personalized, worst")
        )
    short = [
        (instance.users[o.user].label, o.utility, benchmarks[o.user])
        for o in equilibrium.outcomes
        if o.utility < benchmarks[o.user]
    ]
    reasons = (
        f"(a) Weak Market Alignment for T = {k_label}: ε_i = 0 and a finite transfer factor for every user",
        "(b) an anonymous equilibrium with every provider uninformative, certified in full: "
        + ", ".join(f"{who} gets {u} < Bench({k_label}) = {b}" for who, u, b in short),
        f"(c) all {personalized.count} personalized equilibrium profile(s) give every user "
        f"Bench_i({k_label})",
    )
    witness = AnonymousFailureWitness(
        instance, benchmarks, fits, equilibrium, personalized.count, personalized.worst, proof
    )
    return ClaimResult(ID, Status.EXISTENCE, Verdict.HOLDS, setting, tuple(rows), reasons, witness)


def note(result: ClaimResult) -> str | None:
    """The note the search records with a C2 witness: what its numbers show, in words.

    Parameters
    ----------
    result : ClaimResult
        A result of :func:`check`.

    Returns
    -------
    str or None
        The note for a witness (HOLDS); None otherwise (the search then writes the verdict).
    """
    w = result.witness
    if result.verdict is not Verdict.HOLDS or not isinstance(w, AnonymousFailureWitness):
        return None
    instance = w.instance
    fits = "; ".join(
        f"{instance.users[f.user].label}: weights "
        + ", ".join(f"{instance.providers[j].label} {v}" for j, v in zip(f.providers, f.weights))
        + f", 1/λ* = {f.transfer_factor}"
        for f in w.fits
    )
    outcomes = ", ".join(
        f"{instance.users[o.user].label} gets {o.utility} (Bench {w.benchmarks[o.user]})"
        for o in w.equilibrium.outcomes
    )
    worst = ", ".join(f"{u.label} {x}" for u, x in zip(instance.users, w.personalized_worst))
    loyalties = "; ".join(
        f"{provider.label}: "
        + ", ".join(
            f"{_loyalty(instance, j, i)} {user.label} (λ = {instance.stakes[j][i].weight})"
            for i, user in enumerate(instance.users)
        )
        for j, provider in enumerate(instance.providers)
    )
    return (
        f"C2 witness. Stakes: {loyalties}. "
        f"Weak Market Alignment for T = {subset_label(instance, w.subset)} holds with zero error and finite "
        f"transfer factors ({fits}). The anonymous game has an equilibrium, certified in full, in "
        f"which every provider's rule ignores its signal: {outcomes}. In the personalized game all "
        f"{w.personalized_count} equilibrium profiles give every user her benchmark (worst: "
        f"{worst}): personalization restores what anonymity loses."
    )


SEARCH = Search(
    ID,
    Kind.WITNESS,
    "divided",
    strategy={
        "min_providers": 2,
        "min_users": 2,
        "min_states": 2,
        "min_signals": 2,
        "min_messages": 2,
        "informative": True,
        "stake_kinds": ("aligned", "opposed"),
    },
    description="anonymous failure under exact Weak Market Alignment",
    note=note,
)
"""A search for C2 looks for a witness among instances of the divided family."""

CLAIM = Claim(ID, TITLE, Status.EXISTENCE, STATEMENT, check, searches=(SEARCH,))
