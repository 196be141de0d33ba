"""Run the claims of SPEC.md §8 on an instance: the registry and the verdict table."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from proofs.claim import CheckOptions, Claim, ClaimResult
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.equilibria.games import Mode

CLAIM_MODULES = (
    "proofs.c1_personalized",
    "proofs.c2_anonymous_failure",
    "proofs.c3_strong_alignment",
    "proofs.c4_tie_sensitivity",
    "proofs.c5_conditions",
    "proofs.c6_single_user",
    "proofs.c7_tightness",
)


def claims() -> dict[str, Claim]:
    """Every claim, by id, in the order of SPEC.md §8.

    Returns
    -------
    dict
        Claim id to :class:`~proofs.claim.Claim`.
    """
    registry: dict[str, Claim] = {}
    for name in CLAIM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        claim: Claim = module.CLAIM
        registry[claim.id] = claim
    return registry


def check_claims(
    instance: Instance,
    ids: Sequence[str] | None = None,
    options: CheckOptions | None = None,
    mode: Mode | None = None,
) -> dict[str, ClaimResult]:
    """Check claims on an instance.

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
    results = {}
    for claim_id in chosen:
        claim = registry[claim_id]
        if mode is not None and claim.modes and mode not in claim.modes:
            continue
        results[claim_id] = claim.check(instance, options)
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
    return {"claims": {k: v.to_json() for k, v in check_claims(instance, options=options).items()}}
