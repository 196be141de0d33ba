"""A summary of one instance: its parts, the common garblings, every benchmark (SPEC.md §6) and
the alignment conditions of every set of providers (SPEC.md §7).

This is what ``pluralis inspect`` shows; :func:`summary_to_json` is its JSON form, every number
an exact string.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.conversation.garblings import common_garbling, subset_label
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.core.serialization import content_hash
from solver.responses.alignment import StrongAlignment, WeakAlignment, strong_alignment, weak_alignment
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT, optimum, provider_subsets, solve_benchmark


@dataclass(frozen=True)
class SubsetSummary:
    """One set T of providers: its label, its cells, every user's benchmark and alignment.

    ``alignment[i]`` is user i's Weak Market Alignment with T; ``strong`` is strong alignment for T
    with each user's C3 bound term at δ = 0 (SPEC.md §7, §8).
    """

    label: str
    providers: tuple[int, ...]
    cells: tuple[str, ...]
    benchmarks: tuple[Fraction, ...]
    rules: tuple[str, ...]
    alignment: tuple[WeakAlignment, ...] = ()
    strong: StrongAlignment | None = None
    cell_worlds: tuple[tuple[str, ...], ...] = ()
    shared_rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class InstanceSummary:
    """Everything ``pluralis inspect`` reports about an instance."""

    instance: Instance
    hash: str
    subsets: tuple[SubsetSummary, ...]
    optima: tuple[Fraction, ...]


def summarize(instance: Instance, benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT) -> InstanceSummary:
    """Compute the garbling, benchmarks and alignment of every non-empty T, and every ``OPT_i``.

    Parameters
    ----------
    instance : Instance
        The game.
    benchmark_limit : int
        Refuse a benchmark with more deterministic T-shared rules than this.

    Returns
    -------
    InstanceSummary
        The summary, exact.
    """
    tree = ConversationTree(instance.protocol)
    subsets = []
    for t in provider_subsets(instance):
        garbling = common_garbling(instance, t)
        found = [solve_benchmark(instance, i, t, benchmark_limit) for i in range(len(instance.users))]
        cells = garbling.labels(instance)
        subsets.append(
            SubsetSummary(
                subset_label(instance, t),
                t,
                cells,
                tuple(b.value for b in found),
                tuple(b.rule.describe(cells, tree) for b in found),
                tuple(weak_alignment(instance, i, t) for i in range(len(instance.users))),
                strong_alignment(instance, t),
                tuple(tuple(instance.worlds[w].label for w in cell) for cell in garbling.cells),
                tuple(b.rule for b in found),
            )
        )
    optima = tuple(optimum(instance, i, benchmark_limit) for i in range(len(instance.users)))
    return InstanceSummary(instance, content_hash(instance), tuple(subsets), optima)


def _shared_rule_to_json(subset: SubsetSummary, rule: Rule, tree: ConversationTree) -> list[dict[str, Any]]:
    """A T-shared rule in JSON: per cell (the list of its worlds), its nodes and distributions."""
    # Cells are keyed by position, not by a spelling of their worlds that two cells could share.
    nodes = rule.to_document([str(k) for k in range(len(subset.cell_worlds))], tree)
    return [{"cell": list(worlds), "nodes": nodes[str(k)]} for k, worlds in enumerate(subset.cell_worlds)]


def summary_to_json(summary: InstanceSummary) -> dict[str, Any]:
    """The JSON form of a summary: labels as keys, numbers as exact strings.

    Parameters
    ----------
    summary : InstanceSummary
        The summary.

    Returns
    -------
    dict
        ``{"title", "hash", "states", "worlds", "providers", "protocol", "garblings": [{"T": [P, ...],
        "cells": [[WORLD, ...], ...]}], "users": {USER: {"actions", "features", "opt": "p/q",
        "benchmarks": [{"T": [P, ...], "value": "p/q", "rule": [{"cell": [WORLD, ...], "nodes":
        [{"history": [...], "distribution": {M: "p/q"}}]}]}], "alignment": [{"T": [P, ...], "error":
        "p/q", "transfer_factor": "p/q" or null, "weights": {P: "p/q"}, "offset": "p/q",
        "certified": bool}]}}, "strong_alignment": [{"T": [P, ...], "holds": bool, "margin": "p/q"
        or null, "weights": {P: "p/q"} or null, "bound_terms": {USER: "p/q"}, "certified":
        bool}]}``. A set T is the list of its provider labels in file order (so no label can make
        two sets look alike); a transfer factor of null is infinite, and a bound term is C3's
        ``min (δ + 2 Σ_k ε'_k(T)) / μ_i`` at δ = 0.
    """
    instance = summary.instance
    protocol = instance.protocol
    tree = ConversationTree(protocol)
    users: dict[str, Any] = {}
    for i, user in enumerate(instance.users):
        users[user.label] = {
            "actions": list(user.actions),
            "features": list(user.features),
            "opt": str(summary.optima[i]),
            "benchmarks": [
                {
                    "T": _labels(instance, s),
                    "value": str(s.benchmarks[i]),
                    "rule": _shared_rule_to_json(s, s.shared_rules[i], tree),
                }
                for s in summary.subsets
            ],
            "alignment": [
                {"T": _labels(instance, s), **_weak_to_json(instance, s.alignment[i])}
                for s in summary.subsets
                if s.alignment
            ],
        }
    return {
        "title": instance.title,
        "hash": summary.hash,
        "states": list(instance.states),
        "worlds": {w.label: {"prob": str(w.prob), "state": w.state} for w in instance.worlds},
        "providers": {p.label: {"signals": list(p.signals)} for p in instance.providers},
        "protocol": {
            "turns": list(protocol.turns),
            "provider_messages": list(protocol.provider_messages),
            "user_messages": list(protocol.user_messages),
        },
        "garblings": [
            {"T": _labels(instance, s), "cells": [list(c) for c in s.cell_worlds]} for s in summary.subsets
        ],
        "users": users,
        "strong_alignment": [
            {"T": _labels(instance, s), **_strong_to_json(instance, s.strong)}
            for s in summary.subsets
            if s.strong is not None
        ],
    }


def _labels(instance: Instance, subset: SubsetSummary) -> list[str]:
    return [instance.providers[j].label for j in sorted(subset.providers)]


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _weak_to_json(instance: Instance, result: WeakAlignment) -> dict[str, Any]:
    return {
        "error": str(result.error),
        "transfer_factor": _exact(result.transfer_factor),
        "weights": {instance.providers[j].label: str(w) for j, w in zip(result.providers, result.weights)},
        "offset": str(result.offset),
        "certified": result.certified,
    }


def _strong_to_json(instance: Instance, result: StrongAlignment) -> dict[str, Any]:
    weights = result.weights
    return {
        "holds": result.holds,
        "margin": _exact(result.margin),
        "weights": None
        if weights is None
        else {instance.providers[j].label: str(w) for j, w in zip(result.providers, weights)},
        "bound_terms": {instance.users[b.user].label: str(b.bound_term) for b in result.bounds},
        "certified": result.certified,
    }
