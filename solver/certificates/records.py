"""Equilibrium certificates (SPEC.md §9): files that an independent verifier re-checks.

A certificate holds the instance, the profile of rules, each user's response (the provider she
uses and her whole strategy), the exact payoffs and, per provider, the supremum of its mixed
deviations together with the exact LP certificate of every combination of the users' choices: an
optimal dual solution bounding the program, or a Farkas certificate of its infeasibility.
:mod:`solver.certificates.verify` recomputes all of it from the instance alone.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from solver.certificates.certification import FullCertification
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.core.serialization import content_hash, instance_to_dict
from solver.lp import LPStatus
from solver.oracle.deviation import DeviationBound, Identity, identity_labels
from solver.oracle.problem import UserChoice
from solver.responses.response import Response, TiePolicy, provider_payoff, solve_response, user_value

CERTIFICATE_VERSION = 2
"""The certificate format. Version 2 writes every history as a list of message labels and every
dual multiplier with its row's kind and labels in separate fields; version 1 joined labels into
text, which two different combinations of labels could spell alike."""


def _strategy_document(instance: Instance, user: int, response: Response) -> dict[str, Any]:
    """Her strategy: per feature, the message she says and the action she takes after each history."""
    tree = ConversationTree(instance.protocol)
    features = instance.users[user].features
    messages: dict[str, list[dict[str, Any]]] = {f: [] for f in features}
    for (x, history), m in response.strategy.messages:
        messages[features[x]].append(
            {"history": tree.labels(history), "message": instance.protocol.user_messages[m]}
        )
    actions: dict[str, list[dict[str, Any]]] = {f: [] for f in features}
    labels = instance.users[user].actions
    for (x, history), a in response.strategy.actions:
        actions[features[x]].append({"history": tree.labels(history), "action": labels[a]})
    return {"messages": {f: v for f, v in messages.items() if v}, "actions": actions}


def _choice_document(instance: Instance, choice: UserChoice) -> dict[str, Any]:
    tree = ConversationTree(instance.protocol)
    user = instance.users[choice.user]
    if not choice.consults:
        return {"consults": False}
    return {
        "consults": True,
        "reports": {
            f: tree.labels(tree.provider_nodes[choice.reports[x]]) for x, f in enumerate(user.features)
        },
        "actions": {
            f: {m: user.actions[a] for m, a in zip(instance.protocol.provider_messages, choice.actions[x])}
            for x, f in enumerate(user.features)
        },
    }


def row_document(instance: Instance, provider: int, row: Identity) -> dict[str, Any]:
    """A row of provider j's deviation program as a certificate names it.

    The kind and each label are separate fields (a history is a list of message labels), so no
    other row, whatever its labels, is written the same way.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        The deviator j.
    row : Identity
        The row (:data:`solver.oracle.deviation.ROW_FIELDS`).

    Returns
    -------
    dict
        ``{"row": KIND, FIELD: LABEL, ...}``, e.g. ``{"row": "stays", "user": "judge"}``.
    """
    return {"row": row[0], **identity_labels(instance, provider, row)}


def _bound_document(instance: Instance, bound: DeviationBound) -> dict[str, Any]:
    programs = []
    j = bound.provider
    for program, solution in bound.solutions:
        rows = program.rows
        count = len(program.program.upper_rows)
        certificate = {
            part: [
                {**row_document(instance, j, row), "multiplier": str(y)}
                for row, y in zip(rows[start:], multipliers)
                if y
            ]
            for part, start, multipliers in (
                ("upper", 0, solution.dual_upper),
                ("equal", count, solution.dual_equal),
            )
        }
        entry: dict[str, Any] = {
            "choices": {instance.users[c.user].label: _choice_document(instance, c) for c in program.choices},
            "constant": str(program.constant),
            "status": solution.status.value,
            "certificate": certificate,
        }
        if solution.status is LPStatus.OPTIMAL:
            entry["value"] = str(solution.value)
        programs.append(entry)
    return {"bound": str(bound.value), "programs": programs}


def select_responses(
    instance: Instance,
    users: Sequence[int],
    rules: Sequence[Rule],
    bounds: Sequence[Fraction],
    delta: Fraction,
    selection: Sequence[tuple[int, tuple[Fraction, ...]]] | None = None,
) -> list[tuple[int, Response]] | None:
    """Pick, for each user, a provider and an optimal strategy so that every provider's payoff is
    at least its deviation bound minus δ.

    Candidates are the canonical response and the responses favourable and adversarial to each
    provider, at every provider she finds optimal; with ``selection``, only those that realise it.

    Parameters
    ----------
    instance : Instance
        The game.
    users : sequence of int
        The users.
    rules : sequence of Rule
        One rule per provider.
    bounds : sequence of Fraction
        Each provider's deviation bound.
    delta : Fraction
        δ.
    selection : sequence of (int, tuple of Fraction), optional
        Per user, the provider she must use and the providers' payoffs her response must give.

    Returns
    -------
    list of (int, Response) or None
        The selection, or None when no candidate combination is admissible.
    """
    m = len(instance.providers)
    per_user: list[list[tuple[int, Response]]] = []
    for i in users:
        values = [user_value(instance, i, k, rules[k]) for k in range(m)]
        top = max(values)
        candidates: list[tuple[int, Response]] = []
        for k in range(m):
            if values[k] != top:
                continue
            found = [solve_response(instance, i, k, rules[k])]
            for policy in (TiePolicy.FAVOURABLE, TiePolicy.ADVERSARIAL):
                found.extend(solve_response(instance, i, k, rules[k], policy, d) for d in range(m))
            for response in found:
                if all(response.law != r.law or k != c for c, r in candidates):
                    candidates.append((k, response))
        if selection is not None:
            wanted = selection[len(per_user)]
            candidates = [
                (k, r)
                for k, r in candidates
                if (k, tuple(provider_payoff(instance, j, i, r.law) for j in range(m))) == wanted
            ]
        per_user.append(candidates)
    for combination in itertools.product(*per_user):
        totals = [
            sum((provider_payoff(instance, j, i, r.law) for i, (_, r) in zip(users, combination)), ZERO)
            for j in range(m)
        ]
        if all(t >= b - delta for t, b in zip(totals, bounds)):
            return list(combination)
    return None


def build_certificate(
    instance: Instance,
    users: Sequence[int],
    rules: Sequence[Rule],
    bounds: Sequence[DeviationBound],
    delta: Fraction = ZERO,
    selection: Sequence[tuple[int, tuple[Fraction, ...]]] | None = None,
) -> dict[str, Any]:
    """Write the certificate of an equilibrium in ``full`` as a document.

    A deviation's value depends on the users' selection b (SPEC.md §4, case 3): the bounds must be
    those computed for the selection the certificate records, so pass that ``selection`` whenever a
    user could use another provider.

    Parameters
    ----------
    instance : Instance
        The game.
    users : sequence of int
        The users of the game (all, or the one user of a personalized game's slice).
    rules : sequence of Rule
        Each provider's rule offered to these users.
    bounds : sequence of DeviationBound
        Each provider's certified supremum deviation.
    delta : Fraction
        δ.
    selection : sequence of (int, tuple of Fraction), optional
        Per user, her provider and the providers' payoffs under the selection the bounds assume.

    Returns
    -------
    dict
        The canonical certificate document.

    Raises
    ------
    ModelError
        When the profile is not an equilibrium in ``full`` (no admissible selection).
    """
    if not all(b.certified for b in bounds):
        raise ModelError("every deviation bound must be certified exactly to write a certificate")
    if len(instance.protocol.provider_messages) == 1 and len(instance.providers) > 1:
        raise ModelError("with one provider message no provider has a deviation: there is nothing to certify")
    chosen = select_responses(instance, users, rules, [b.value for b in bounds], delta, selection)
    if chosen is None:
        raise ModelError(
            "no best-response selection pays every provider its deviation bound minus δ"
            if selection is None
            else "no canonical, favourable or adversarial response realises the selection the bounds assume"
        )
    tree = ConversationTree(instance.protocol)
    m = len(instance.providers)
    responses = {}
    payoffs = [ZERO] * m
    for i, (k, response) in zip(users, chosen):
        document = {"provider": instance.providers[k].label, "utility": str(response.value)}
        document.update(_strategy_document(instance, i, response))
        responses[instance.users[i].label] = document
        for j in range(m):
            payoffs[j] += provider_payoff(instance, j, i, response.law)
    return {
        "certificate_version": CERTIFICATE_VERSION,
        "kind": "equilibrium",
        "class": "full",
        "tie_policy": TiePolicy.FAVOURABLE.value,
        "delta": str(delta),
        "users": [instance.users[i].label for i in users],
        "instance_hash": content_hash(instance),
        "instance": instance_to_dict(instance),
        "rules": {p.label: rules[j].to_document(p.signals, tree) for j, p in enumerate(instance.providers)},
        "responses": responses,
        "payoffs": {p.label: str(payoffs[j]) for j, p in enumerate(instance.providers)},
        "deviations": {
            p.label: _bound_document(instance, bounds[j]) for j, p in enumerate(instance.providers)
        },
    }


def certificate_from_certification(
    instance: Instance, certification: FullCertification, delta: Fraction = ZERO
) -> dict[str, Any]:
    """The certificate of a finite-class equilibrium that survives in ``full``.

    Parameters
    ----------
    instance : Instance
        The game.
    certification : FullCertification
        The result of :func:`solver.certificates.certification.certify_equilibrium`.
    delta : Fraction
        δ.

    Returns
    -------
    dict
        The certificate document.
    """
    e = certification.equilibrium
    reported = certification.reported
    return build_certificate(instance, e.users, e.rules, reported.bounds, delta, reported.selection)


def dumps_certificate(document: dict[str, Any], format: str = "yaml") -> str:
    """The canonical text of a certificate (YAML or JSON).

    Parameters
    ----------
    document : dict
        The certificate.
    format : {"yaml", "json"}
        The format.

    Returns
    -------
    str
        The text.
    """
    if format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)


def write_certificate(document: dict[str, Any], path: str | Path) -> None:
    """Write a certificate file; JSON for ``.json``, YAML otherwise.

    Parameters
    ----------
    document : dict
        The certificate.
    path : str or Path
        The destination.
    """
    path = Path(path)
    path.write_text(
        dumps_certificate(document, "json" if path.suffix == ".json" else "yaml"), encoding="utf-8"
    )
