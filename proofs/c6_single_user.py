"""C6, the single-user guarantee (SPEC.md §8, *theorem*).

With one user, C1 is the Best-AI-selection guarantee of arXiv 2509.15090: in every equilibrium,
``u ≥ Bench(T) − 2 ε(T)`` for every T, with C1's support rule (the weights of ``ε(T)`` only on
the providers with ``λ_j > 0``; a T without one says nothing). The claim is about exact equilibria:
with δ > 0 its hypothesis fails and the verdict is vacuous, saying so (C1 covers δ-equilibria).
"""

from __future__ import annotations

from proofs.c1_personalized import check_guarantee
from proofs.claim import CheckOptions, Claim, ClaimResult, Setting, Status, Verdict
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode

ID = "C6"
TITLE = "single user"
STATEMENT = (
    "With one user, every equilibrium gives u ≥ Bench(T) − 2 ε(T) for every T "
    "(weights only on providers with λ_j > 0)."
)


def check(instance: Instance, options: CheckOptions) -> ClaimResult:
    """Check C6: vacuous unless the instance has one user and δ = 0; then C1 (SPEC.md §8).

    Parameters
    ----------
    instance : Instance
        The game.
    options : CheckOptions
        Class and tie policy; C6 is about exact equilibria, so a δ > 0 makes it vacuous.

    Returns
    -------
    ClaimResult
        The verdict; when vacuous, its reason names the hypothesis that fails.
    """
    if options.delta != 0:
        setting = Setting(Mode.PERSONALIZED, options.class_name, options.policy, options.delta)
        return ClaimResult(
            ID,
            Status.THEOREM,
            Verdict.VACUOUS,
            setting,
            reasons=(
                f"C6 is about exact equilibria (δ = 0), not δ = {options.delta}: "
                "check C1 for δ-equilibria",
            ),
        )
    if len(instance.users) != 1:
        setting = Setting(Mode.PERSONALIZED, options.class_name, options.policy, ZERO)
        return ClaimResult(
            ID,
            Status.THEOREM,
            Verdict.VACUOUS,
            setting,
            reasons=(f"the instance has {len(instance.users)} users, not one",),
        )
    return check_guarantee(ID, Status.THEOREM, instance, options)


CLAIM = Claim(ID, TITLE, Status.THEOREM, STATEMENT, check, (Mode.PERSONALIZED,))
