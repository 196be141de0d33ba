"""C4, tie sensitivity (SPEC.md §8, *open*).

C1 and C3 are proved with deviator-favourable ties: a deviator is credited with the best of the
user's optimal responses. Do they survive when deviations are evaluated with **canonical** ties
(first maximising provider, message and action in file order) or **adversarial** ones (the worst
optimal response for the deviator)? The checker runs C1 on the personalized game and C3 on the
anonymous game under each policy, in that order, and reports the first counterexample.

A note on canonical ties: in C1's proof the user strictly prefers the deviator, and the
canonical response to the shared rule is the same law whichever provider runs it, so the proof's
inequality ``E_dev ≥ E_ρ`` holds with equality; under adversarial ties it can fail.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from proofs import c1_personalized, c3_strong_alignment
from proofs.claim import CheckOptions, Claim, ClaimResult, Row, Setting, Status, Verdict
from solver.core.model import Instance
from solver.responses.response import TiePolicy

ID = "C4"
TITLE = "tie sensitivity"
STATEMENT = (
    "Do C1 and C3 survive when deviations are evaluated with canonical or adversarial ties instead "
    "of deviator-favourable ones?"
)
POLICIES = (TiePolicy.CANONICAL, TiePolicy.ADVERSARIAL)
"""The tie policies tried, in order."""
CHECKS = (("C1", c1_personalized.check), ("C3", c3_strong_alignment.check))
"""The claims re-run under each policy."""


def check(instance: Instance, options: CheckOptions) -> ClaimResult:
    """Run C1 and C3 with canonical, then adversarial ties for deviations.

    Parameters
    ----------
    instance : Instance
        The game.
    options : CheckOptions
        Class and δ (its tie policy and ``full`` are replaced: certification in ``full`` exists
        for deviator-favourable ties only).

    Returns
    -------
    ClaimResult
        COUNTEREXAMPLE with the first failing claim, policy and its witness; HOLDS when every run
        holds or is vacuous and some run holds; VACUOUS when every run is vacuous. Rows carry the
        claim and policy in their note. The finding says which claim fails with which ties (``C1
        fails with adversarial ties``), or ``no failure``; the first reason says it with the
        failing run's own reason, the others list every run.
    """
    rows: list[Row] = []
    reasons: list[str] = []
    verdicts = []
    for policy in POLICIES:
        for claim, run in CHECKS:
            result = run(instance, replace(options, policy=policy, full=False))
            verdicts.append(result.verdict)
            tag = f"{claim}, {policy.value} ties"
            rows.extend(replace(r, note=f"{tag}: {r.note}" if r.note else tag) for r in result.rows)
            summary = result.reasons[0] if result.reasons else ""
            reasons.append(f"{tag}: {result.verdict.value}" + (f" ({summary})" if summary else ""))
            if result.verdict is Verdict.COUNTEREXAMPLE:
                setting = Setting(None, options.class_name, policy, options.delta, False)
                witness: dict[str, Any] = {"claim": claim, "tie_policy": policy.value}
                witness.update(result.witness or {})
                finding = f"{claim} fails with {policy.value} ties"
                lead = f"{finding}: {summary}" if summary else finding
                return ClaimResult(
                    ID,
                    Status.OPEN,
                    Verdict.COUNTEREXAMPLE,
                    setting,
                    tuple(rows),
                    (lead, *reasons),
                    witness,
                    finding,
                )
    verdict = Verdict.HOLDS if Verdict.HOLDS in verdicts else Verdict.VACUOUS
    setting = Setting(None, options.class_name, POLICIES[-1], options.delta, False)
    if verdict is Verdict.VACUOUS:
        return ClaimResult(ID, Status.OPEN, verdict, setting, tuple(rows), tuple(reasons))
    names = " nor ".join(claim for claim, _ in CHECKS)
    ties = " or ".join(p.value for p in POLICIES)
    lead = f"no failure: neither {names} fails with {ties} ties"
    return ClaimResult(ID, Status.OPEN, verdict, setting, tuple(rows), (lead, *reasons), finding="no failure")


CLAIM = Claim(ID, TITLE, Status.OPEN, STATEMENT, check)
