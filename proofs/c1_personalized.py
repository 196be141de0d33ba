"""C1, the personalized guarantee (SPEC.md §8, *theorem*).

In every δ-equilibrium of the personalized game whose classes contain the T-shared rules, every
user i and every T satisfy ``u_i ≥ Bench_i(T) − 2 ε_i(T) − δ / λ*_i``, the best bound taking, per T,
the weights that minimise ``2ε + δ Σ_j w_j/λ_{j,i}``. The weights range over the providers of T
with a stake in user i (``λ_{j,i} > 0``), for δ = 0 as well; when T has none the row is vacuous
(the support rule of SPEC.md §8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

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
from proofs.equilibria import Quantified, quantify_guarantee
from solver.analysis import Analysis
from solver.conversation.garblings import subset_label
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode, respond_to_rules
from solver.equilibria.results import Equilibrium, equilibrium_to_json
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT
from solver.responses.response import TiePolicy, expected, respond_to_profile, solve_response

ID = "C1"
TITLE = "personalized guarantee"
STATEMENT = (
    "In every δ-equilibrium of the personalized game whose classes contain the T-shared rules, "
    "u_i ≥ Bench_i(T) − 2 ε_i(T) − δ/λ*_i for every user i and every T."
)


@dataclass(frozen=True)
class BoundWitness:
    """A user below a theorem's bound at an equilibrium (C1, C3), with the proof written out.

    Attributes
    ----------
    instance : Instance
        The game (for its labels).
    user : int
        User i.
    subset : tuple of int
        The set T.
    bound : Fraction
        The bound she falls below.
    utility : Fraction
        Her utility at the equilibrium.
    equilibrium : Equilibrium
        The equilibrium.
    proof : Instantiation
        The proof on that equilibrium, the failing step among its steps.
    """

    instance: Instance = field(repr=False)
    user: int
    subset: tuple[int, ...]
    bound: Fraction
    utility: Fraction
    equilibrium: Equilibrium
    proof: Instantiation

    def to_json(self) -> dict[str, Any]:
        """The witness with exact strings: user, T, bound, utility, equilibrium and proof."""
        return {
            "user": self.instance.users[self.user].label,
            "T": subset_label(self.instance, self.subset),
            "bound": str(self.bound),
            "utility": str(self.utility),
            "equilibrium": equilibrium_to_json(self.instance, self.equilibrium),
            "proof": [s.to_json() for s in self.proof.steps],
        }


def bound_rows(
    analysis: Analysis,
    quantified: Quantified,
    delta: Fraction,
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT,
) -> list[Row]:
    """Per user and T: ``Bench_i(T) − min_w (2ε + δ Σ w/λ)`` against her worst equilibrium utility.

    The weights range over the providers of T with ``λ_{j,i} > 0`` (SPEC.md §8); a row whose T has
    no such provider is vacuous and its note says so.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    quantified : Quantified
        The equilibria.
    delta : Fraction
        δ.
    benchmark_limit : int
        Most deterministic T-shared rules searched for a benchmark.

    Returns
    -------
    list of Row
        One per user and non-empty T.
    """
    instance = analysis.instance
    rows = []
    for i, user in enumerate(instance.users):
        worst = quantified.worst[i]
        for t in analysis.subsets():
            label = subset_label(instance, t)
            alignment = analysis.bound_weights(i, t, delta)
            if alignment.bound_term is None:
                rows.append(
                    Row(
                        user.label,
                        t,
                        label,
                        None,
                        worst,
                        Verdict.VACUOUS,
                        f"no provider of T has a stake in {user.label} (λ = 0 for each): "
                        "C1 weighs only providers with λ > 0",
                    )
                )
                continue
            bound = analysis.benchmark(i, t, benchmark_limit).value - alignment.bound_term
            verdict = Verdict.HOLDS if worst is not None and worst >= bound else Verdict.COUNTEREXAMPLE
            note = f"ε = {alignment.error}" + ("" if delta == 0 else f", 1/λ* = {alignment.transfer_factor}")
            if len(alignment.support) < len(t):
                stakeless = ", ".join(instance.providers[j].label for j in t if j not in alignment.support)
                note += f"; no weight on {stakeless} (λ = 0)"
            rows.append(Row(user.label, t, label, bound, worst, verdict, note))
    return rows


def overall(rows: list[Row]) -> Verdict:
    """Counterexample if any row is one, holds if some row holds, vacuous otherwise."""
    if any(r.verdict is Verdict.COUNTEREXAMPLE for r in rows):
        return Verdict.COUNTEREXAMPLE
    if any(r.verdict is Verdict.HOLDS for r in rows):
        return Verdict.HOLDS
    return Verdict.VACUOUS


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Check C1 on an instance: every user, every T, over the personalized game's equilibria.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        Class (must contain the T-shared rules), δ, tie policy, certification in ``full``.

    Returns
    -------
    ClaimResult
        Holds with the margins, vacuous (no equilibrium, or the class lacks the shared rules), or a
        counterexample with its equilibrium and the instantiated proof showing the failing step.
    """
    return check_guarantee(ID, Status.THEOREM, analysis, options)


def check_guarantee(claim: str, status: Status, analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """The C1 check, shared with C6 and C4.

    Parameters
    ----------
    claim : str
        Claim id.
    status : Status
        Its status.
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        How to check.

    Returns
    -------
    ClaimResult
        The verdict.
    """
    quantified = quantify_guarantee(analysis, claim, status, Mode.PERSONALIZED, options)
    if isinstance(quantified, ClaimResult):
        return quantified
    instance = analysis.instance
    rows = bound_rows(analysis, quantified, options.delta, options.benchmark_limit)
    verdict = overall(rows)
    witness = None
    reasons: tuple[str, ...] = (f"{quantified.count} equilibrium profile(s) of the personalized game",)
    if verdict is Verdict.COUNTEREXAMPLE:
        row = next(r for r in rows if r.verdict is Verdict.COUNTEREXAMPLE)
        i = instance.user_index(row.user)
        e = quantified.worst_equilibrium(i)
        assert e is not None and row.bound is not None and row.worst is not None
        steps = instantiate(analysis, e, i, row.subset, options.delta, options.benchmark_limit)
        witness = BoundWitness(instance, i, row.subset, row.bound, row.worst, e, steps)
        reasons = (f"user {row.user}, T = {row.subset_label}: utility {row.worst} < bound {row.bound}",)
    return ClaimResult(claim, status, verdict, quantified.setting, tuple(rows), reasons, witness)


def instantiate(
    analysis: Analysis,
    equilibrium: Equilibrium,
    user: int,
    providers: tuple[int, ...],
    delta: Fraction = ZERO,
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT,
) -> Instantiation:
    """Write C1's proof out for one equilibrium (a personalized slice), one user and one T.

    Each inequality is re-checked exactly; for a true theorem on an equilibrium every step holds.
    The deviations written out are those of the providers of T with a stake in the user
    (``λ_{j,i} > 0``), the only ones the weights of the bound fall on (SPEC.md §8).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    equilibrium : Equilibrium
        An equilibrium involving the user.
    user : int
        User i.
    providers : tuple of int
        The set T.
    delta : Fraction
        δ.
    benchmark_limit : int
        Most deterministic T-shared rules searched for the benchmark.

    Returns
    -------
    Instantiation
        The steps.
    """
    instance = analysis.instance
    bench = analysis.benchmark(user, providers, benchmark_limit)
    alignment = analysis.bound_weights(user, providers, delta)
    outcome = next(o for o in equilibrium.outcomes if o.user == user)
    u = outcome.utility
    steps: list[Step] = []
    if alignment.bound_term is None or alignment.weights is None or alignment.offset is None:
        steps.append(
            Step("no provider of T has a stake in user i (λ = 0 for each): C1 is vacuous here", u, "≥", u)
        )
        return Instantiation(ID, user, providers, tuple(steps))
    bound = bench.value - alignment.bound_term
    if u >= bench.value:
        steps.append(Step("u_i ≥ Bench_i(T): no deviation is needed", u, "≥", bench.value))
        steps.append(Step("hence u_i ≥ Bench_i(T) − 2ε − δ/λ*", u, "≥", bound))
        return Instantiation(ID, user, providers, tuple(steps))
    rules = list(equilibrium.rules)
    # The user's equilibrium outcome: the admissible selection that makes every step of the proof
    # (when one exists); its law is the same whichever provider each U_{j,i} is evaluated for.
    options = selections_with_laws(instance, rules, user)
    best_steps: list[Step] | None = None
    for law in options:
        trial = _steps(instance, rules, user, providers, bench, alignment, law, u, delta, bound)
        if best_steps is None or all(s.holds for s in trial):
            best_steps = trial
            if all(s.holds for s in trial):
                break
    assert best_steps is not None
    return Instantiation(ID, user, providers, tuple(best_steps))


def selections_with_laws(instance: Instance, rules: list[Any], user: int) -> list[Any]:
    """Every outcome law of the user's best responses at a profile (canonical first)."""
    laws: list[Any] = []
    for _, response in respond_to_rules(instance, user, rules):
        laws.extend(law for law in response.laws if law not in laws)
    return laws


def _steps(
    instance: Instance,
    rules: list[Any],
    user: int,
    providers: tuple[int, ...],
    bench: Any,
    alignment: Any,
    law: Any,
    u: Fraction,
    delta: Fraction,
    bound: Fraction,
) -> list[Step]:
    steps: list[Step] = []
    utility = instance.users[user].utility
    steps.append(Step("u_i < Bench_i(T) = V_i(ρ) for the optimal T-shared rule ρ", u, "<", bench.value))
    weighted_rho = ZERO
    weighted_eq = ZERO
    weighted_gap_bound = ZERO
    for w, j in zip(alignment.weights, providers):
        if j not in alignment.support:
            # Weight 0 by the support rule: this provider's step would say nothing (λ = 0).
            continue
        stake = instance.stakes[j][user]
        lifted = bench.garbling.lift(instance, j, bench.rule)
        canonical = solve_response(instance, user, j, lifted)
        profile = list(rules)
        profile[j] = lifted
        deviation = respond_to_profile(instance, user, profile, TiePolicy.FAVOURABLE, j)
        name = instance.providers[j].label
        steps.append(
            Step(
                f"after {name} switches to ρ the user consults {name}",
                Fraction(int(deviation.provider == j)),
                "=",
                Fraction(1),
            )
        )
        e_dev = expected(deviation.response.law, stake.utility)
        e_rho = expected(canonical.law, stake.utility)
        e_eq = expected(law, stake.utility)
        steps.append(
            Step(f"E_dev[U_{{{name},i}}] ≥ E_ρ[U_{{{name},i}}] (deviator-favourable ties)", e_dev, "≥", e_rho)
        )
        steps.append(
            Step(
                f"equilibrium: λ_{{{name},i}} (E_dev − E_eq)[U_{{{name},i}}] ≤ δ",
                stake.weight * (e_dev - e_eq),
                "≤",
                delta,
            )
        )
        weighted_rho += w * e_rho
        weighted_eq += w * e_eq
        weighted_gap_bound += w * delta / stake.weight
    steps.append(
        Step("Σ_j w_j (E_ρ − E_eq)[U_j] ≤ δ Σ_j w_j/λ_j", weighted_rho - weighted_eq, "≤", weighted_gap_bound)
    )
    c, eps = alignment.offset, alignment.error
    e_rho_u = bench.value
    steps.append(
        Step("alignment under ρ: Σ_j w_j E_ρ[U_j] + c ≥ E_ρ[u_i] − ε", weighted_rho + c, "≥", e_rho_u - eps)
    )
    e_eq_u = expected(law, utility)
    steps.append(
        Step("alignment at equilibrium: Σ_j w_j E_eq[U_j] + c ≤ u_i + ε", weighted_eq + c, "≤", e_eq_u + eps)
    )
    steps.append(Step("conclusion: u_i ≥ Bench_i(T) − 2ε − δ Σ w/λ", u, "≥", bound))
    return steps


SEARCH = Search(
    ID,
    Kind.COUNTEREXAMPLE,
    "uniform",
    strategy={"report": True},
    description="a personalized equilibrium below the C1 bound",
)
"""A search for C1 looks for a counterexample among instances of the uniform family."""

CLAIM = Claim(ID, TITLE, Status.THEOREM, STATEMENT, check, (Mode.PERSONALIZED,), searches=(SEARCH,))
