"""C6, the single-user guarantee (SPEC.md §8, *theorem*).

With one user, C1 is the Best-AI-selection guarantee of arXiv 2509.15090: in every equilibrium,
``u ≥ Bench(T) − 2 ε(T)`` for every T.
"""

from __future__ import annotations

from dataclasses import replace

from proofs.c1_personalized import check_guarantee
from proofs.claim import CheckOptions, Claim, ClaimResult, Setting, Status, Verdict
from solver.games import Mode
from solver.model import Instance
from solver.numbers import ZERO

ID = "C6"
TITLE = "single user"
STATEMENT = "With one user, every equilibrium gives u ≥ Bench(T) − 2 ε(T) for every T."


def check(instance: Instance, options: CheckOptions) -> ClaimResult:
    """Check C6: vacuous unless the instance has one user; then C1 with δ = 0.

    Parameters
    ----------
    instance : Instance
        The game.
    options : CheckOptions
        Class and tie policy (δ is 0 in this claim).

    Returns
    -------
    ClaimResult
        The verdict.
    """
    if len(instance.users) != 1:
        setting = Setting(Mode.PERSONALIZED, options.class_name, options.policy, ZERO)
        return ClaimResult(
            ID,
            Status.THEOREM,
            Verdict.VACUOUS,
            setting,
            reasons=(f"the instance has {len(instance.users)} users, not one",),
        )
    return check_guarantee(ID, Status.THEOREM, instance, replace(options, delta=ZERO))


CLAIM = Claim(ID, TITLE, Status.THEOREM, STATEMENT, check, (Mode.PERSONALIZED,))
