"""C5, the conditions matter (SPEC.md §8, *existence*).

(a) With a large alignment error, a personalized equilibrium can leave a user below
    ``Bench_i(T)``: an equilibrium certified in ``full`` with ``u_i < Bench_i(T)`` while
    ``ε_i(T) > 0`` (a single self-interested persuader suffices: the prosecutor and the judge).
(b) Competition guarantees the *shared* benchmark, not the pooled one: providers with complementary
    signals (learning all of them is worth more to some user than learning any one) where every
    personalized equilibrium gives every user ``Bench_i(K)``, yet some equilibrium, certified in
    ``full``, gives a user less than the *pooled benchmark*, the value of learning the join of all
    providers' partitions.

The checker's verdict HOLDS means the instance witnesses at least one part; each part has its own
checker (:func:`check_part_a`, :func:`check_part_b`), which the counterexample search targets as
``C5a`` and ``C5b``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from instances.generators import Sizes
from proofs.certified import Certified, certify_commitment, certify_finite
from proofs.claim import (
    CheckOptions,
    Claim,
    ClaimResult,
    Kind,
    Row,
    Search,
    Setting,
    Status,
    Verdict,
    Witness,
)
from proofs.equilibria import equilibria, game, quantify
from solver.analysis import Analysis
from solver.conversation.garblings import Garbling, subset_label
from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode
from solver.responses.information import revealing_rule, revelation_value
from solver.responses.response import TiePolicy

ID = "C5"
TITLE = "the conditions matter"
STATEMENT_A = "(a) With a large alignment error a personalized equilibrium can leave a user below Bench_i(T)"
STATEMENT_B = (
    "(b) with complementary signals every equilibrium may meet Bench_i(K) while one falls short of "
    "the pooled benchmark."
)
STATEMENT = f"{STATEMENT_A}; {STATEMENT_B}"


def join_garbling(instance: Instance) -> Garbling:
    """The join of all providers' partitions: worlds grouped by the whole signal profile.

    Parameters
    ----------
    instance : Instance
        The game.

    Returns
    -------
    Garbling
        Cells of worlds on which every provider sees the same signal, ordered by first world.
    """
    cells: dict[tuple[int, ...], list[int]] = {}
    for w in range(len(instance.worlds)):
        profile = tuple(instance.world_signals[j][w] for j in range(len(instance.providers)))
        cells.setdefault(profile, []).append(w)
    ordered = tuple(tuple(c) for c in cells.values())
    cell_of_world = [0] * len(instance.worlds)
    for k, cell in enumerate(ordered):
        for w in cell:
            cell_of_world[w] = k
    return Garbling(tuple(range(len(instance.providers))), ordered, tuple(cell_of_world))


def pooled_benchmark(instance: Instance, user: int) -> Fraction:
    """User i's value of learning every provider's signal at once (the join of their partitions).

    ``Σ_x Σ_cell max_a Σ_{ω ∈ cell} π_i(x, ω) u_i(a, y(ω))`` over the cells of :func:`join_garbling`:
    what one provider pooling all signals and aligned with her would give her.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        User i.

    Returns
    -------
    Fraction
        The pooled benchmark, exact.
    """
    return revelation_value(instance, user, join_garbling(instance))


def single_value(analysis: Analysis, user: int, provider: int) -> Fraction:
    """User i's value of learning provider j's signal (its own partition, whatever the alphabet).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    user : int
        User i.
    provider : int
        Provider j.

    Returns
    -------
    Fraction
        The value of revealing j's signal to her.
    """
    return revelation_value(analysis.instance, user, analysis.garbling((provider,)))


@dataclass(frozen=True)
class PersuasionWitness:
    """C5 (a): a certified personalized equilibrium leaving a user below ``Bench_i(T)`` with ``ε_i(T) > 0``.

    Attributes
    ----------
    instance : Instance
        The game (for its labels).
    user : int
        User i.
    subset : tuple of int
        The set T.
    benchmark : Fraction
        ``Bench_i(T)``.
    utility : Fraction
        Her utility at the equilibrium.
    epsilon : Fraction
        ``ε_i(T)``.
    certified : Certified
        The equilibrium's certificate in ``full`` and the verifier's verdict.
    """

    instance: Instance = field(repr=False)
    user: int
    subset: tuple[int, ...]
    benchmark: Fraction
    utility: Fraction
    epsilon: Fraction
    certified: Certified

    @property
    def c1_bound(self) -> Fraction:
        """What C1 promises her (δ = 0): ``Bench_i(T) − 2 ε_i(T)``."""
        return self.benchmark - 2 * self.epsilon

    def to_json(self) -> dict[str, Any]:
        """The witness with exact strings, the certified equilibrium's fields last."""
        return {
            "part": "a",
            "user": self.instance.users[self.user].label,
            "T": subset_label(self.instance, self.subset),
            "benchmark": str(self.benchmark),
            "utility": str(self.utility),
            "epsilon": str(self.epsilon),
            "c1_bound": str(self.c1_bound),
            **self.certified.to_json(self.instance),
        }


@dataclass(frozen=True)
class PoolingWitness:
    """C5 (b): every equilibrium meets ``Bench_i(K)``; a certified one misses the pooled benchmark.

    Attributes
    ----------
    instance : Instance
        The game (for its labels).
    user : int
        The user left below her pooled benchmark.
    benchmarks : tuple of Fraction
        ``Bench_i(K)`` per user.
    pooled : tuple of Fraction
        The pooled benchmark per user.
    optima : tuple of Fraction
        ``OPT_i`` per user.
    single_provider_values : tuple of Fraction
        Per user, the most any one provider's signal is worth to her.
    utility : Fraction
        Her utility at the certified equilibrium.
    certified : Certified
        The equilibrium's certificate in ``full`` and the verifier's verdict.
    """

    instance: Instance = field(repr=False)
    user: int
    benchmarks: tuple[Fraction, ...]
    pooled: tuple[Fraction, ...]
    optima: tuple[Fraction, ...]
    single_provider_values: tuple[Fraction, ...]
    utility: Fraction
    certified: Certified

    def to_json(self) -> dict[str, Any]:
        """The witness with exact strings, the certified equilibrium's fields last."""
        users = self.instance.users
        return {
            "part": "b",
            "user": users[self.user].label,
            "T": subset_label(self.instance, tuple(range(len(self.instance.providers)))),
            "benchmarks": {u.label: str(b) for u, b in zip(users, self.benchmarks)},
            "pooled": {u.label: str(p) for u, p in zip(users, self.pooled)},
            "optima": {u.label: str(o) for u, o in zip(users, self.optima)},
            "single_provider_values": {u.label: str(a) for u, a in zip(users, self.single_provider_values)},
            "utility": str(self.utility),
            **self.certified.to_json(self.instance),
        }


@dataclass(frozen=True)
class PartsWitness:
    """The witnesses of the parts of C5 that an instance witnesses, by part letter."""

    parts: tuple[tuple[str, Witness], ...]

    def to_json(self) -> dict[str, Any]:
        """Each part's witness under its letter (``a``, ``b``)."""
        return {part: witness.to_json() for part, witness in self.parts}


def _gaps(
    analysis: Analysis, user: int, utility: Fraction, limit: int
) -> list[tuple[Fraction, tuple[int, ...]]]:
    """``Bench_i(T) − u`` for every T with ``ε_i(T) > 0`` and a positive gap, largest first."""
    gaps = []
    for t in analysis.subsets():
        gap = analysis.benchmark(user, t, limit).value - utility
        if gap > 0 and analysis.weak_alignment(user, t).error > 0:
            gaps.append((gap, t))
    return sorted(gaps, key=lambda g: -g[0])


def _part_a_equilibrium(analysis: Analysis, options: CheckOptions) -> Certified | None:
    """A personalized equilibrium certified in ``full`` leaving its user below a benchmark with ε > 0.

    One provider: its optimal commitment towards each user. Several: the finite class's slices
    below such a benchmark, largest shortfall first, until one survives every mixed deviation;
    with δ = 0 it is part of a whole-game equilibrium when every other user's game keeps one too.
    """
    instance = analysis.instance
    users = range(len(instance.users))
    if len(instance.providers) == 1:
        for i in users:
            proof = certify_commitment(analysis, (i,), options.oracle)
            if (
                proof is not None
                and proof.valid
                and _gaps(analysis, i, proof.utilities[0], options.benchmark_limit)
            ):
                return proof
        return None
    exact = replace(options, delta=ZERO, policy=TiePolicy.FAVOURABLE)
    personalized = game(analysis, Mode.PERSONALIZED, exact)
    finite = equilibria(analysis, Mode.PERSONALIZED, exact)
    if finite.count == 0:
        return None
    slices = {s.users[0]: s for s in personalized.split()}
    scored = []
    for e in finite.equilibria:
        gaps = _gaps(analysis, e.users[0], e.outcomes[0].utility, options.benchmark_limit)
        if gaps:
            scored.append((gaps[0][0], e))
    scored.sort(key=lambda pair: -pair[0])
    surviving: dict[int, bool] = {}

    def keeps_one(user: int) -> bool:
        if user not in surviving:
            surviving[user] = any(
                (proof := certify_finite(analysis, slices[user], e, oracle=options.oracle)[1]) is not None
                and proof.valid
                for e in finite.equilibria
                if e.users[0] == user
            )
        return surviving[user]

    for _, e in scored:
        _, proof = certify_finite(analysis, slices[e.users[0]], e, oracle=options.oracle)
        if proof is not None and proof.valid:
            surviving[e.users[0]] = True
            if all(keeps_one(k) for k in users):
                return proof
    return None


def check_part_a(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """C5 (a): a certified personalized equilibrium with ``u_i < Bench_i(T)`` while ``ε_i(T) > 0``.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        The finite class whose equilibria are certified (several providers); δ = 0 and
        deviator-favourable ties are used.

    Returns
    -------
    ClaimResult
        HOLDS with the equilibrium (largest shortfall), its certificate and ``ε_i(T)``; VACUOUS when
        no certified equilibrium leaves a user below a benchmark with positive alignment error.
    """
    instance = analysis.instance
    name = options.strategy_class.name
    method = "optimal commitment" if len(instance.providers) == 1 else f"from {name}"
    setting = Setting(Mode.PERSONALIZED, f"full ({method})", TiePolicy.FAVOURABLE, ZERO, True)
    try:
        proof = _part_a_equilibrium(analysis, options)
    except PluralisError as problem:
        return ClaimResult("C5a", Status.EXISTENCE, Verdict.VACUOUS, setting, reasons=(f"(a) {problem}",))
    if proof is None:
        return ClaimResult(
            "C5a",
            Status.EXISTENCE,
            Verdict.VACUOUS,
            setting,
            reasons=(
                "(a) no personalized equilibrium certified in full leaves a user below Bench_i(T) "
                "with ε_i(T) > 0",
            ),
        )
    i = proof.users[0]
    gap, t = _gaps(analysis, i, proof.utilities[0], options.benchmark_limit)[0]
    witness = PersuasionWitness(
        instance,
        i,
        t,
        gap + proof.utilities[0],
        proof.utilities[0],
        analysis.weak_alignment(i, t).error,
        proof,
    )
    bench, epsilon = witness.benchmark, witness.epsilon
    label, t_label = instance.users[i].label, subset_label(instance, t)
    row = Row(label, t, t_label, bench, proof.utilities[0], Verdict.HOLDS, f"ε_i(T) = {epsilon}")
    reasons = (
        f"(a) a personalized equilibrium certified in full gives {label} {proof.utilities[0]} < "
        f"Bench({t_label}) = {bench} while ε({t_label}) = {epsilon} > 0 (C1 only promises "
        f"{witness.c1_bound})",
    )
    return ClaimResult("C5a", Status.EXISTENCE, Verdict.HOLDS, setting, (row,), reasons, witness)


def check_part_b(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """C5 (b): every equilibrium meets ``Bench_i(K)``, one certified equilibrium misses the pooled value.

    The shortfall must come with complementary information: every provider's alphabet can spell
    out its signal, yet for that user the pooled benchmark exceeds the value of learning any single
    provider's signal.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        The finite class of the personalized game's equilibria (with ``full``, quantify only over
        those certified in full); δ = 0.

    Returns
    -------
    ClaimResult
        HOLDS with rows ``Bench_i(K)`` against the worst equilibrium utility and the pooled
        benchmark against the certified equilibrium's utility; VACUOUS naming what fails.
    """
    instance = analysis.instance
    options = replace(options, delta=ZERO, policy=TiePolicy.FAVOURABLE)
    name = options.strategy_class.name
    setting = Setting(Mode.PERSONALIZED, name, TiePolicy.FAVOURABLE, ZERO, options.full)

    def vacuous(reason: str) -> ClaimResult:
        return ClaimResult("C5b", Status.EXISTENCE, Verdict.VACUOUS, setting, reasons=(f"(b) {reason}",))

    if len(instance.providers) < 2:
        return vacuous("one provider: nothing to pool")
    if not options.strategy_class.contains_shared_rules:
        return vacuous(f"class {name} does not contain the shared rules")
    users = range(len(instance.users))
    everyone = tuple(range(len(instance.providers)))
    k_label = subset_label(instance, everyone)
    if any(revealing_rule(instance, analysis.garbling((j,))) is None for j in everyone):
        return vacuous("the alphabet cannot spell out some provider's signal")
    pooled = tuple(pooled_benchmark(instance, i) for i in users)
    alone = tuple(max(single_value(analysis, i, j) for j in everyone) for i in users)
    complementary = [i for i in users if pooled[i] > alone[i]]
    if not complementary:
        return vacuous("the signals are not complementary: for every user some provider alone knows enough")
    optima = tuple(analysis.optimum(i, options.benchmark_limit) for i in users)
    benchmarks = tuple(analysis.benchmark(i, everyone, options.benchmark_limit).value for i in users)
    try:
        quantified = quantify(analysis, Mode.PERSONALIZED, options)
    except PluralisError as error:
        return vacuous(str(error))
    setting = quantified.setting
    if quantified.count == 0:
        return vacuous("the personalized game has no equilibrium in this class")
    short = [i for i in users if (w := quantified.worst[i]) is not None and w < benchmarks[i]]
    if short:
        return vacuous(f"an equilibrium leaves {instance.users[short[0]].label} below Bench_i({k_label})")
    slices = {s.users[0]: s for s in quantified.game.split()}
    candidates = sorted(
        (
            e
            for e in quantified.equilibria
            if e.users[0] in complementary and e.outcomes[0].utility < pooled[e.users[0]]
        ),
        key=lambda e: e.outcomes[0].utility - pooled[e.users[0]],
    )
    found: Certified | None = None
    for e in candidates:
        try:
            _, proof = certify_finite(analysis, slices[e.users[0]], e, oracle=options.oracle)
        except PluralisError as error:
            return vacuous(str(error))
        if proof is not None and proof.valid:
            found = proof
            break
    if found is None:
        return vacuous("no equilibrium below the pooled benchmark survives every mixed deviation")
    i, utility = found.users[0], found.utilities[0]
    rows = []
    for k, user in enumerate(instance.users):
        rows.append(
            Row(
                user.label, everyone, k_label, benchmarks[k], quantified.worst[k], Verdict.HOLDS, "Bench_i(K)"
            )
        )
    label = instance.users[i].label
    rows.append(
        Row(
            label,
            everyone,
            "pooled",
            pooled[i],
            utility,
            Verdict.HOLDS,
            f"pooled benchmark; OPT_i = {optima[i]}",
        )
    )
    reasons = (
        f"(b) every personalized equilibrium gives every user Bench_i({k_label}) "
        f"({quantified.count} profile(s))",
        f"(b) a personalized equilibrium certified in full gives {label} {utility} < pooled benchmark "
        f"{pooled[i]}; the signals are complementary: learning any one provider's signal is worth at "
        f"most {alone[i]} to her (OPT_i = {optima[i]})",
    )
    witness = PoolingWitness(instance, i, benchmarks, pooled, optima, alone, utility, found)
    return ClaimResult("C5b", Status.EXISTENCE, Verdict.HOLDS, setting, tuple(rows), reasons, witness)


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Check whether an instance witnesses C5 (a), (b) or both.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        The finite class; δ = 0 and deviator-favourable ties are used.

    Returns
    -------
    ClaimResult
        HOLDS when some part is witnessed (rows and reasons of both parts, witnesses by part),
        VACUOUS otherwise; each part's own result in ``parts``.
    """
    parts = {"a": check_part_a(analysis, options), "b": check_part_b(analysis, options)}
    holding = [p for p, r in parts.items() if r.verdict is Verdict.HOLDS]
    verdict = Verdict.HOLDS if holding else Verdict.VACUOUS
    setting = parts[holding[0]].setting if holding else parts["a"].setting
    rows = tuple(replace(r, note=f"({p}) {r.note}") for p, result in parts.items() for r in result.rows)
    reasons = tuple(reason for result in parts.values() for reason in result.reasons)
    shown = tuple((p, w) for p in holding if (w := parts[p].witness) is not None)
    witness = PartsWitness(shown) if shown else None
    return ClaimResult(
        ID, Status.EXISTENCE, verdict, setting, rows, reasons, witness, parts=tuple(parts.values())
    )


def note(result: ClaimResult) -> str:
    """The note the search records with a witness of a part: the part's reasons, in words.

    Parameters
    ----------
    result : ClaimResult
        A result of :func:`check_part_a` or :func:`check_part_b`.

    Returns
    -------
    str
        ``C5a witness:`` (or ``C5b``) and the reasons without their part's prefix.
    """
    parts = (r.removeprefix("(a) ").removeprefix("(b) ") for r in result.reasons)
    return f"{result.claim} witness: " + " ".join(parts)


SEARCHES = (
    Search(
        "C5a",
        Kind.WITNESS,
        "persuader",
        Sizes(providers=1),
        strategy={"max_providers": 1, "stake_kinds": ("table", "aligned", "opposed")},
        description="a certified personalized equilibrium below Bench_i(T) with ε_i(T) > 0",
        check=check_part_a,
        note=note,
    ),
    Search(
        "C5b",
        Kind.WITNESS,
        "complementary",
        strategy={"min_providers": 2, "min_states": 2},
        description="every equilibrium meets Bench_i(K), a certified one misses the pooled benchmark",
        check=check_part_b,
        note=note,
    ),
)
"""A search for C5 looks for a witness of one part: (a) among persuaders, (b) among complementary signals."""

CLAIM = Claim(
    ID,
    TITLE,
    Status.EXISTENCE,
    STATEMENT,
    check,
    (Mode.PERSONALIZED,),
    (("C5a", STATEMENT_A + "."), ("C5b", STATEMENT_B.replace("(b) with", "(b) With", 1))),
    SEARCHES,
)
