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

from dataclasses import dataclass, replace
from typing import Any

from proofs import c1_personalized, c3_strong_alignment
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
from solver.analysis import Analysis
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


@dataclass(frozen=True)
class TieWitness:
    """A theorem failing when deviations get other ties: which one, with which ties, and its witness.

    Attributes
    ----------
    claim : str
        The failing claim (``C1`` or ``C3``).
    policy : TiePolicy
        The ties deviations were evaluated with.
    counterexample : Witness or None
        The failing claim's own witness.
    """

    claim: str
    policy: TiePolicy
    counterexample: Witness | None

    def to_json(self) -> dict[str, Any]:
        """The claim, the tie policy, then the failing claim's witness."""
        document: dict[str, Any] = {"claim": self.claim, "tie_policy": self.policy.value}
        if self.counterexample is not None:
            document.update(self.counterexample.to_json())
        return document


def check(analysis: Analysis, options: CheckOptions) -> ClaimResult:
    """Run C1 and C3 with canonical, then adversarial ties for deviations.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis (the games and benchmarks are shared by the four runs).
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
    name = options.strategy_class.name
    for policy in POLICIES:
        for claim, run in CHECKS:
            result = run(analysis, replace(options, policy=policy, full=False))
            verdicts.append(result.verdict)
            tag = f"{claim}, {policy.value} ties"
            rows.extend(replace(r, note=f"{tag}: {r.note}" if r.note else tag) for r in result.rows)
            summary = result.reasons[0] if result.reasons else ""
            reasons.append(f"{tag}: {result.verdict.value}" + (f" ({summary})" if summary else ""))
            if result.verdict is Verdict.COUNTEREXAMPLE:
                setting = Setting(None, name, policy, options.delta, False)
                witness = TieWitness(claim, policy, result.witness)
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
    setting = Setting(None, name, POLICIES[-1], options.delta, False)
    if verdict is Verdict.VACUOUS:
        return ClaimResult(ID, Status.OPEN, verdict, setting, tuple(rows), tuple(reasons))
    names = " nor ".join(claim for claim, _ in CHECKS)
    ties = " or ".join(p.value for p in POLICIES)
    lead = f"no failure: neither {names} fails with {ties} ties"
    return ClaimResult(ID, Status.OPEN, verdict, setting, tuple(rows), (lead, *reasons), finding="no failure")


def note(result: ClaimResult) -> str | None:
    """The note the search records with a C4 counterexample: which run fails, and why it can.

    Parameters
    ----------
    result : ClaimResult
        A result of :func:`check`.

    Returns
    -------
    str or None
        The note for a counterexample; None otherwise (the search then writes the verdict).
    """
    w = result.witness
    if result.verdict is not Verdict.COUNTEREXAMPLE or not isinstance(w, TieWitness):
        return None
    failing = next(r for r in result.reasons if ": counterexample" in r)
    return (
        f"C4 counterexample: {failing}. Evaluating deviations with {w.policy.value} ties breaks "
        f"{w.claim}'s proof, which credits the deviator with the user's response best for it; "
        f"the other runs: " + "; ".join(r for r in result.reasons if r != failing)
    )


SEARCH = Search(
    ID,
    Kind.COUNTEREXAMPLE,
    "uniform",
    strategy={
        "min_providers": 2,
        "min_states": 2,
        "min_signals": 2,
        "min_messages": 2,
        "min_actions": 3,
        "informative": True,
        "mirrored": True,
    },
    description="C1 or C3 failing when deviations get canonical or adversarial ties",
    note=note,
)
"""A search for C4 looks for a failure among mirrored instances of the uniform family."""

CLAIM = Claim(ID, TITLE, Status.OPEN, STATEMENT, check, searches=(SEARCH,))
