"""C3, the anonymous guarantee under strong alignment (SPEC.md §8, *theorem* as stated).

If strong alignment holds for T, one anonymous T-shared rule attains ``Bench_i(T)`` for every user
at once, and ``Bench_i(T) = OPT_i`` for every user, then every δ-equilibrium of the anonymous game
whose classes contain that rule gives every user ``u_i ≥ Bench_i(T) − (δ + 2 Σ_k ε'_k(T)) / μ_i``.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from proofs.c1_personalized import BoundWitness, overall, selections_with_laws
from proofs.claim import (
    CheckOptions,
    Claim,
    ClaimResult,
    Instantiation,
    Kind,
    Row,
    Search,
    Status,
    Step,
    Verdict,
)
from proofs.equilibria import quantify_guarantee
from solver.analysis import Analysis
from solver.conversation.garblings import Garbling, shared_rules, subset_label
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode
from solver.equilibria.results import Equilibrium
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT, revealing_rule
from solver.responses.response import (
    TiePolicy,
    expected,
    provider_payoff,
    respond_to_profile,
    solve_response,
    user_value,
)

ID = "C3"
TITLE = "anonymous guarantee under strong alignment"
STATEMENT = (
    "Under strong alignment for T, with one anonymous T-shared rule attaining Bench_i(T) = OPT_i for "
    "every user, every δ-equilibrium of the anonymous game gives u_i ≥ Bench_i(T) − (δ + 2 Σ_k ε'_k)/μ_i."
)
SHARED_RULE_LIMIT = 20_000


def common_rule(instance: Instance, garbling: Garbling, benchmarks: list[Fraction]) -> Rule | None:
    """A T-shared rule (reading cells) that gives every user her benchmark at once, if any.

    Parameters
    ----------
    instance : Instance
        The game.
    garbling : Garbling
        The common garbling of T.
    benchmarks : list of Fraction
        ``Bench_i(T)`` per user.

    Returns
    -------
    Rule or None
        The revealing rule when the alphabet allows (it attains every benchmark), else the first
        deterministic shared rule that does, else None.
    """
    runner = garbling.providers[0]

    def attains(rule: Rule) -> bool:
        lifted = garbling.lift(instance, runner, rule)
        return all(user_value(instance, i, runner, lifted) == b for i, b in enumerate(benchmarks))

    revealing = revealing_rule(instance, garbling)
    if revealing is not None:
        return revealing if attains(revealing) else None
    for rule in itertools.islice(shared_rules(instance, garbling), SHARED_RULE_LIMIT):
        if attains(rule):
            return rule
    return None


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Check C3 on an instance, for every T whose hypotheses hold.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        Class, δ, tie policy, certification in ``full``.

    Returns
    -------
    ClaimResult
        Per T and user, the bound against the worst anonymous equilibrium utility; vacuous rows say
        which hypothesis fails.
    """
    quantified = quantify_guarantee(analysis, ID, Status.THEOREM, Mode.ANONYMOUS, options)
    if isinstance(quantified, ClaimResult):
        return quantified
    instance = analysis.instance
    users = range(len(instance.users))
    optima = [analysis.optimum(i, options.benchmark_limit) for i in users]
    rows: list[Row] = []
    reasons: list[str] = [f"{quantified.count} equilibrium profile(s) of the anonymous game"]
    failing: tuple[Row, int, Equilibrium] | None = None
    for t in analysis.subsets():
        label = subset_label(instance, t)
        benchmarks = [analysis.benchmark(i, t, options.benchmark_limit).value for i in users]
        problem = None
        if any(b != o for b, o in zip(benchmarks, optima)):
            problem = "Bench_i(T) < OPT_i for some user"
        else:
            try:
                if common_rule(instance, analysis.garbling(t), benchmarks) is None:
                    problem = "no single T-shared rule attains every user's benchmark"
            except ClassTooLargeError:
                problem = "too many shared rules to find a common one"
        if problem is not None:
            for i, user in enumerate(instance.users):
                rows.append(Row(user.label, t, label, None, quantified.worst[i], Verdict.VACUOUS, problem))
            continue
        alignment = analysis.strong_alignment(t, options.delta)
        for i, user in enumerate(instance.users):
            term = alignment.bounds[i].bound_term
            bound = benchmarks[i] - term
            worst = quantified.worst[i]
            verdict = Verdict.HOLDS if worst is not None and worst >= bound else Verdict.COUNTEREXAMPLE
            row = Row(user.label, t, label, bound, worst, verdict, f"(δ + 2Σε')/μ_i = {term}")
            rows.append(row)
            if verdict is Verdict.COUNTEREXAMPLE and failing is None:
                e = quantified.worst_equilibrium(i)
                assert e is not None
                failing = (row, i, e)
    verdict = overall(rows)
    witness = None
    if failing is not None:
        row, i, e = failing
        assert row.bound is not None and row.worst is not None
        proof = instantiate(analysis, e, row.subset, i, options.delta, options.benchmark_limit)
        witness = BoundWitness(instance, i, row.subset, row.bound, row.worst, e, proof)
        reasons = [f"user {row.user}, T = {row.subset_label}: utility {row.worst} < bound {row.bound}"]
    if verdict is Verdict.VACUOUS:
        reasons = sorted({r.note for r in rows})
    return ClaimResult(ID, Status.THEOREM, verdict, quantified.setting, tuple(rows), tuple(reasons), witness)


def instantiate(
    analysis: Analysis,
    equilibrium: Equilibrium,
    providers: tuple[int, ...],
    user: int,
    delta: Fraction = ZERO,
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT,
) -> Instantiation:
    """Write C3's proof out for one anonymous equilibrium, one T and the bound of one user.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    equilibrium : Equilibrium
        An anonymous equilibrium.
    providers : tuple of int
        The set T (its hypotheses are assumed; see :func:`check`).
    user : int
        The user whose bound is instantiated (the weights ``w``, factors ``μ`` and offsets ``c`` are
        those minimising her bound term).
    delta : Fraction
        δ.
    benchmark_limit : int
        Most deterministic T-shared rules searched for a benchmark.

    Returns
    -------
    Instantiation
        The steps, each re-checked exactly.
    """
    instance = analysis.instance
    users = range(len(instance.users))
    garbling = analysis.garbling(providers)
    benchmarks = [analysis.benchmark(i, providers, benchmark_limit).value for i in users]
    rule = common_rule(instance, garbling, benchmarks)
    bound = analysis.strong_alignment(providers, delta).bounds[user]
    if rule is None or bound.weights is None or bound.factors is None or bound.offsets is None:
        step = Step("a hypothesis of C3 fails, or the bound is an unattained infimum", ZERO, "=", ZERO)
        return Instantiation(ID, user, providers, (step,))
    rules = list(equilibrium.rules)
    law_options = [selections_with_laws(instance, rules, i) for i in users]
    chosen: list[Step] | None = None
    for laws in itertools.product(*law_options):
        trial = _steps(instance, rules, providers, garbling, rule, benchmarks, bound, user, laws, delta)
        if chosen is None or all(s.holds for s in trial):
            chosen = trial
            if all(s.holds for s in trial):
                break
    assert chosen is not None
    return Instantiation(ID, user, providers, tuple(chosen))


def _steps(
    instance: Instance,
    rules: list[Rule],
    providers: tuple[int, ...],
    garbling: Garbling,
    rule: Rule,
    benchmarks: list[Fraction],
    bound: Any,
    user: int,
    laws: tuple[Any, ...],
    delta: Fraction,
) -> list[Step]:
    users = range(len(instance.users))
    steps: list[Step] = []
    weighted_gap = ZERO
    canonical_laws = {}
    for w, j in zip(bound.weights, providers):
        name = instance.providers[j].label
        lifted = garbling.lift(instance, j, rule)
        profile = list(rules)
        profile[j] = lifted
        deviation = ZERO
        canonical_total = ZERO
        for i in users:
            response = respond_to_profile(instance, i, profile, TiePolicy.FAVOURABLE, j)
            steps.append(
                Step(
                    f"after {name} switches to the common rule, {instance.users[i].label} consults it",
                    Fraction(int(response.provider == j)),
                    "=",
                    Fraction(1),
                )
            )
            deviation += provider_payoff(instance, j, i, response.response.law)
            canonical_laws[(i, j)] = solve_response(instance, i, j, lifted).law
            canonical_total += provider_payoff(instance, j, i, canonical_laws[(i, j)])
        steps.append(
            Step(f"Π_{name}(dev) ≥ Σ_i λ E*[U] (deviator-favourable ties)", deviation, "≥", canonical_total)
        )
        equilibrium_payoff = sum((provider_payoff(instance, j, i, laws[i]) for i in users), ZERO)
        steps.append(
            Step(f"equilibrium: Π_{name}(dev) − Π_{name}(eq) ≤ δ", deviation - equilibrium_payoff, "≤", delta)
        )
        weighted_gap += w * (canonical_total - equilibrium_payoff)
    steps.append(Step("weighted: Σ_j w_j (Σ_i λ E*[U_j] − Π_j(eq)) ≤ δ", weighted_gap, "≤", delta))
    total = ZERO
    for i in users:
        mu, c, eps = bound.factors[i], bound.offsets[i], bound.errors[i]
        u = expected(laws[i], instance.users[i].utility)
        pooled_star = sum(
            (
                w * provider_payoff(instance, j, i, canonical_laws[(i, j)])
                for w, j in zip(bound.weights, providers)
            ),
            ZERO,
        )
        pooled_eq = sum(
            (w * provider_payoff(instance, j, i, laws[i]) for w, j in zip(bound.weights, providers)), ZERO
        )
        who = instance.users[i].label
        steps.append(
            Step(
                f"{who}: strong alignment under the common rule, Σ_j w_j λ E*[U_j] ≥ μ Bench + c − ε'",
                pooled_star,
                "≥",
                mu * benchmarks[i] + c - eps,
            )
        )
        steps.append(
            Step(
                f"{who}: strong alignment at equilibrium, Σ_j w_j λ E_eq[U_j] ≤ μ u + c + ε'",
                pooled_eq,
                "≤",
                mu * u + c + eps,
            )
        )
        steps.append(
            Step(
                f"{who}: u_i ≤ OPT_i = Bench_i(T), so μ_i (Bench_i − u_i) ≥ 0",
                mu * (benchmarks[i] - u),
                "≥",
                ZERO,
            )
        )
        total += mu * (benchmarks[i] - u)
    errors = sum(bound.errors, ZERO)
    steps.append(Step("Σ_i μ_i (Bench_i − u_i) ≤ δ + 2 Σ_k ε'_k", total, "≤", delta + 2 * errors))
    u_user = expected(laws[user], instance.users[user].utility)
    mu_user = bound.factors[user]
    steps.append(
        Step(
            "conclusion: u_i ≥ Bench_i(T) − (δ + 2 Σ_k ε'_k)/μ_i",
            u_user,
            "≥",
            benchmarks[user] - (delta + 2 * errors) / mu_user,
        )
    )
    return steps


SEARCH = Search(
    ID,
    Kind.COUNTEREXAMPLE,
    "divided",
    strategy={"informative": True, "report": True},
    description="an anonymous equilibrium below the C3 bound",
)
"""A search for C3 looks for a counterexample among instances of the divided family."""

CLAIM = Claim(ID, TITLE, Status.THEOREM, STATEMENT, check, searches=(SEARCH,))
