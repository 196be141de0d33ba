"""A summary of one instance: its parts, the common garblings and every benchmark (SPEC.md §6).

This is what ``pluralis inspect`` shows; :func:`summary_to_json` is its JSON form, every number
an exact string.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.information import common_garbling, optimum, provider_subsets, solve_benchmark
from solver.model import Instance
from solver.protocol import ConversationTree
from solver.serialization import content_hash


@dataclass(frozen=True)
class SubsetSummary:
    """One set T of providers: its label, its cells and every user's benchmark."""

    label: str
    providers: tuple[int, ...]
    cells: tuple[str, ...]
    benchmarks: tuple[Fraction, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class InstanceSummary:
    """Everything ``pluralis inspect`` reports about an instance."""

    instance: Instance
    hash: str
    subsets: tuple[SubsetSummary, ...]
    optima: tuple[Fraction, ...]


def subset_label(instance: Instance, providers: tuple[int, ...]) -> str:
    """Write a set T as provider labels joined by commas in file order (``"P1,P2"``).

    Parameters
    ----------
    instance : Instance
        The game.
    providers : tuple of int
        The set T.

    Returns
    -------
    str
        The label.
    """
    return ",".join(instance.providers[j].label for j in sorted(providers))


def summarize(instance: Instance) -> InstanceSummary:
    """Compute the garbling and benchmarks of every non-empty T, and every ``OPT_i``.

    Parameters
    ----------
    instance : Instance
        The game.

    Returns
    -------
    InstanceSummary
        The summary, exact.
    """
    tree = ConversationTree(instance.protocol)
    subsets = []
    for t in provider_subsets(instance):
        garbling = common_garbling(instance, t)
        found = [solve_benchmark(instance, i, t) for i in range(len(instance.users))]
        cells = garbling.labels(instance)
        subsets.append(
            SubsetSummary(
                subset_label(instance, t),
                t,
                cells,
                tuple(b.value for b in found),
                tuple(b.rule.describe(cells, tree) for b in found),
            )
        )
    optima = tuple(optimum(instance, i) for i in range(len(instance.users)))
    return InstanceSummary(instance, content_hash(instance), tuple(subsets), optima)


def summary_to_json(summary: InstanceSummary) -> dict[str, Any]:
    """The JSON form of a summary: labels as keys, numbers as exact strings.

    Parameters
    ----------
    summary : InstanceSummary
        The summary.

    Returns
    -------
    dict
        ``{"title", "hash", "states", "providers", "protocol", "garblings", "users": {USER:
        {"opt": "p/q", "benchmarks": {"P1,P2": "p/q"}, "benchmark_rules": {...}}}}``.
    """
    instance = summary.instance
    protocol = instance.protocol
    users: dict[str, Any] = {}
    for i, user in enumerate(instance.users):
        users[user.label] = {
            "actions": list(user.actions),
            "features": list(user.features),
            "opt": str(summary.optima[i]),
            "benchmarks": {s.label: str(s.benchmarks[i]) for s in summary.subsets},
            "benchmark_rules": {s.label: s.rules[i] for s in summary.subsets},
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
        "garblings": {s.label: list(s.cells) for s in summary.subsets},
        "users": users,
    }
