"""Run the claims of SPEC.md §8 on an instance: the one registry of claims, and the verdict table.

Every claim module exposes its :class:`~proofs.claim.Claim` as ``CLAIM``; the registry lists them in
the order of SPEC.md §8, and the counterexample search takes its targets from their ``searches``.
All the claims checked on one instance share one :class:`~solver.analysis.Analysis`, so that no
game, equilibrium or benchmark is computed twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from proofs import (
    c1_personalized,
    c2_anonymous_failure,
    c3_strong_alignment,
    c4_tie_sensitivity,
    c5_conditions,
    c6_single_user,
    c7_tightness,
)
from proofs.claim import CheckOptions, Claim, ClaimResult
from solver.analysis import Analysis
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.equilibria.games import Mode

CLAIMS: tuple[Claim, ...] = (
    c1_personalized.CLAIM,
    c2_anonymous_failure.CLAIM,
    c3_strong_alignment.CLAIM,
    c4_tie_sensitivity.CLAIM,
    c5_conditions.CLAIM,
    c6_single_user.CLAIM,
    c7_tightness.CLAIM,
)
"""Every claim of SPEC.md §8, in its order."""


def claims() -> dict[str, Claim]:
    """Every claim, by id, in the order of SPEC.md §8.

    Returns
    -------
    dict
        Claim id to :class:`~proofs.claim.Claim`.
    """
    return {claim.id: claim for claim in CLAIMS}


def check_claims(
    instance: Instance,
    ids: Sequence[str] | None = None,
    options: CheckOptions | None = None,
    mode: Mode | None = None,
    analysis: Analysis | None = None,
) -> dict[str, ClaimResult]:
    """Check claims on an instance, all through one analysis of it.

    Parameters
    ----------
    instance : Instance
        The game.
    ids : sequence of str, optional
        Claim ids (default: all).
    options : CheckOptions, optional
        Class, δ, tie policy and certification.
    mode : Mode, optional
        Only the claims about this game.
    analysis : Analysis, optional
        The instance's analysis, to share with other work on it (default: a new one).

    Returns
    -------
    dict
        Claim id to result.
    """
    registry = claims()
    chosen = list(registry) if not ids else [i.upper() for i in ids]
    for claim_id in chosen:
        if claim_id not in registry:
            raise ModelError(f"unknown claim {claim_id!r}; known: {', '.join(registry)}")
    options = options or CheckOptions()
    if analysis is None:
        analysis = Analysis(instance)
    elif analysis.instance is not instance:
        raise ModelError("the analysis given is of another instance")
    results = {}
    for claim_id in chosen:
        claim = registry[claim_id]
        if mode is not None and claim.modes and mode not in claim.modes:
            continue
        results[claim_id] = claim.check(analysis, options)
    return results


def check_instance(instance: Instance, options: CheckOptions | None = None) -> dict[str, Any]:
    """Every claim on an instance, as JSON: ``{"claims": {CLAIM: {"verdict", "details"}}}``.

    Parameters
    ----------
    instance : Instance
        The game.
    options : CheckOptions, optional
        How to check.

    Returns
    -------
    dict
        The JSON document.
    """
    return results_to_json(check_claims(instance, options=options))


def results_to_json(results: Mapping[str, ClaimResult]) -> dict[str, Any]:
    """Verdicts as the JSON document of ``pluralis check --json``, before it is stamped.

    Parameters
    ----------
    results : mapping
        Claim id to result, as :func:`check_claims` returns them.

    Returns
    -------
    dict
        ``{"claims": {CLAIM: {"verdict", "details"}}}``.
    """
    return {"claims": {k: v.to_json() for k, v in results.items()}}
