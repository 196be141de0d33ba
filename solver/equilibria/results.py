"""Frozen results of equilibrium computations, with provenance (SPEC.md §5, §9).

An :class:`Equilibrium` is a profile σ reported with, for each user, her utility (the same under
every best response) and the providers she may use, and for each provider the range of its payoff
over the best-response selections b that make (σ, b) an equilibrium. A :class:`SolveResult` carries
how it was obtained: method, class, tie policy for deviations, δ, and whether it is exact.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from solver.conversation.classes import StrategyClass
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.equilibria.games import Mode
from solver.responses.response import TiePolicy


class Method(enum.Enum):
    """The engine that found a :class:`SolveResult`'s equilibria."""

    ENUMERATE = "enumerate"
    """Exhaustive enumeration (:mod:`solver.equilibria.enumeration`)."""
    MIP = "mip"
    """The mixed-integer program (:mod:`solver.equilibria.mip`), every candidate re-checked exactly."""


@dataclass(frozen=True)
class UserOutcome:
    """A user's side of an equilibrium.

    Attributes
    ----------
    user : int
        Her index.
    utility : Fraction
        Her utility, ``max_j V_i(σ_j)``.
    providers : tuple of int
        The providers she uses in some admissible selection b, canonical choice first.
    """

    user: int
    utility: Fraction
    providers: tuple[int, ...]


@dataclass(frozen=True)
class Equilibrium:
    """A profile σ with the outcomes of the selections b that make (σ, b) an equilibrium.

    Attributes
    ----------
    users : tuple of int
        The users the profile is played over (all users, or one user in a personalized slice).
    profile : tuple of int
        The index of each provider's rule in its class.
    rules : tuple of Rule
        Each provider's rule.
    outcomes : tuple of UserOutcome
        One per user in ``users``.
    payoffs : tuple of (Fraction, Fraction)
        Each provider's lowest and highest payoff over admissible selections (from ``users`` only).
    deviations : tuple of (Fraction, Fraction)
        Each provider's best deviation payoff in the class under the deviation tie policy, lowest
        and highest over the admissible selections b (it depends on b: SPEC.md §4, case 3).
    canonical : bool
        Whether the canonical selection (SPEC.md §4) is among the admissible selections.
    """

    users: tuple[int, ...]
    profile: tuple[int, ...]
    rules: tuple[Rule, ...]
    outcomes: tuple[UserOutcome, ...]
    payoffs: tuple[tuple[Fraction, Fraction], ...]
    deviations: tuple[tuple[Fraction, Fraction], ...]
    canonical: bool

    def key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """What two engines must agree on besides the numbers: users and profile."""
        return self.users, self.profile


@dataclass(frozen=True)
class SolveResult:
    """Every equilibrium of a game over a finite class, with provenance.

    Attributes
    ----------
    mode : Mode
        Personalized or anonymous.
    strategy_class : StrategyClass
        The finite strategy class (its ``name`` is ``deterministic``, ``grid:2``, ...).
    policy : TiePolicy
        The tie policy used to evaluate deviations.
    delta : Fraction
        δ of δ-equilibrium.
    method : Method
        The engine.
    exact : bool
        Whether every reported number and the completeness of the list were established in exact
        arithmetic.
    complete : bool
        False when the search was interrupted: the list holds what was found.
    equilibria : tuple of Equilibrium
        Anonymous game: the equilibria. Personalized game: the equilibria of each user's slice that
        take part in some equilibrium of the whole game, user by user.
    count : int
        The number of equilibrium profiles of the whole game.
    worst, best : tuple of (Fraction or None)
        Per user, her lowest and highest utility over all equilibria (None when there is none).
    notes : tuple of str
        Warnings, such as disagreements found when re-verifying solver candidates.
    """

    mode: Mode
    strategy_class: StrategyClass
    policy: TiePolicy
    delta: Fraction
    method: Method
    exact: bool
    complete: bool
    equilibria: tuple[Equilibrium, ...]
    count: int
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]
    notes: tuple[str, ...] = ()


def _number(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def equilibrium_to_json(instance: Instance, equilibrium: Equilibrium) -> dict[str, Any]:
    """The JSON form of an equilibrium, labels as keys and numbers as exact strings.

    Parameters
    ----------
    instance : Instance
        The game.
    equilibrium : Equilibrium
        The equilibrium.

    Returns
    -------
    dict
        ``{"users": {USER: {"provider", "providers", "utility"}}, "providers": {P: {"payoff",
        "deviation"}}, "rules": {P: {...}}}``, where a payoff and a deviation payoff are each a
        pair ``[lowest, highest]`` over the admissible selections (equal when b does not matter).
    """
    tree = ConversationTree(instance.protocol)
    users = {
        instance.users[o.user].label: {
            "provider": instance.providers[o.providers[0]].label,
            "providers": [instance.providers[j].label for j in o.providers],
            "utility": str(o.utility),
        }
        for o in equilibrium.outcomes
    }
    providers = {}
    for j, provider in enumerate(instance.providers):
        low, high = equilibrium.payoffs[j]
        providers[provider.label] = {
            "payoff": [str(low), str(high)],
            "deviation": [str(d) for d in equilibrium.deviations[j]],
        }
    rules = {
        p.label: equilibrium.rules[j].to_document(p.signals, tree) for j, p in enumerate(instance.providers)
    }
    result: dict[str, Any] = {
        "users": users,
        "providers": providers,
        "rules": rules,
        "canonical_selection_admissible": equilibrium.canonical,
    }
    if len(equilibrium.users) == 1 and len(instance.users) > 1:
        result["slice"] = instance.users[equilibrium.users[0]].label
    return result


DEFAULT_MAX_LISTED = 1_000
"""The most equilibria a JSON result lists by default (``--max-output-equilibria``)."""

_Listed = TypeVar("_Listed")


def listed_equilibria(equilibria: Sequence[_Listed], limit: int | None) -> Sequence[_Listed]:
    """The equilibria a JSON result lists: the first ``limit`` of them (all when None).

    Parameters
    ----------
    equilibria : sequence
        Every equilibrium, in order.
    limit : int, optional
        The most listed.

    Returns
    -------
    sequence
        A prefix of ``equilibria``.
    """
    return equilibria if limit is None else equilibria[:limit]


def result_to_json(instance: Instance, result: SolveResult, limit: int | None = None) -> dict[str, Any]:
    """The JSON form of a solve result.

    Parameters
    ----------
    instance : Instance
        The game.
    result : SolveResult
        The result.
    limit : int, optional
        The most equilibria listed (all when None). The counts, worst and best stay over every
        equilibrium; ``equilibria_listed`` says how many are listed and ``truncated`` whether
        some were left out.

    Returns
    -------
    dict
        ``{"equilibria": [...], "equilibria_listed": N, "truncated": bool, "worst": {USER:
        "p/q"}, "best": {...}, "count": N, "exact": bool, ...provenance}``.
    """
    labels = [u.label for u in instance.users]
    listed = listed_equilibria(result.equilibria, limit)
    return {
        "mode": result.mode.value,
        "class": result.strategy_class.name,
        "tie_policy": result.policy.value,
        "delta": str(result.delta),
        "method": result.method.value,
        "exact": result.exact,
        "complete": result.complete,
        "count": result.count,
        "worst": {label: _number(v) for label, v in zip(labels, result.worst)},
        "best": {label: _number(v) for label, v in zip(labels, result.best)},
        "equilibria_listed": len(listed),
        "truncated": len(listed) < len(result.equilibria),
        "equilibria": [equilibrium_to_json(instance, e) for e in listed],
        "notes": list(result.notes),
    }
