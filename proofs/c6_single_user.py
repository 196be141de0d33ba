"""C6, the single-user guarantee (SPEC.md §8, *theorem*).

With one user, C1 is the Best-AI-selection guarantee of arXiv 2509.15090: in every equilibrium,
``u ≥ Bench(T) − 2 ε(T)`` for every T, with C1's support rule (the weights of ``ε(T)`` only on
the providers with ``λ_j > 0``; a T without one says nothing). The claim is about exact equilibria:
with δ > 0 its hypothesis fails and the verdict is vacuous, saying so (C1 covers δ-equilibria).
"""

from __future__ import annotations

from instances.generators import Sizes
from proofs.c1_personalized import check_guarantee
from proofs.claim import CheckOptions, Claim, ClaimResult, Kind, Search, Setting, Status
from proofs.equilibria import vacuous
from solver.analysis import Analysis
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode

ID = "C6"
TITLE = "single user"
STATEMENT = (
    "With one user, every equilibrium gives u ≥ Bench(T) − 2 ε(T) for every T "
    "(weights only on providers with λ_j > 0)."
)


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Check C6: vacuous unless the instance has one user and δ = 0; then C1 (SPEC.md §8).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    options : CheckOptions
        Class and tie policy; C6 is about exact equilibria, so a δ > 0 makes it vacuous.

    Returns
    -------
    ClaimResult
        The verdict; when vacuous, its reason names the hypothesis that fails.
    """
    name = options.strategy_class.name
    if options.delta != 0:
        setting = Setting(Mode.PERSONALIZED, name, options.policy, options.delta)
        return vacuous(
            ID,
            Status.THEOREM,
            setting,
            f"C6 is about exact equilibria (δ = 0), not δ = {options.delta}: check C1 for δ-equilibria",
        )
    users = len(analysis.instance.users)
    if users != 1:
        setting = Setting(Mode.PERSONALIZED, name, options.policy, ZERO)
        return vacuous(ID, Status.THEOREM, setting, f"the instance has {users} users, not one")
    return check_guarantee(ID, Status.THEOREM, analysis, options)


SEARCH = Search(
    ID,
    Kind.COUNTEREXAMPLE,
    "uniform",
    Sizes(users=1),
    strategy={"max_users": 1, "report": True},
    description="a single-user equilibrium below Bench(T) − 2ε(T)",
)
"""A search for C6 looks for a counterexample among one-user instances of the uniform family."""

CLAIM = Claim(ID, TITLE, Status.THEOREM, STATEMENT, check, (Mode.PERSONALIZED,), searches=(SEARCH,))
