"""The personalized and the anonymous game of an instance over finite strategy classes (SPEC.md §5).

A :class:`Game` fixes the instance, the mode and the class. Its :class:`ResponseTable` holds, for
every user and every rule each provider may play, her value, every outcome law of her best
responses and the payoff vector each law gives the providers: a profile's payoffs are then
lookups. The personalized game splits into one game per user (:meth:`Game.split`), each of which
is a game over that user alone.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Generic

from solver.conversation.classes import DEFAULT_CLASS_LIMIT, StrategyClass
from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.model import Instance, Table
from solver.core.numbers import ZERO
from solver.responses.response import (
    DEFAULT_LAW_LIMIT,
    Number,
    RuleRows,
    UserProblem,
    Walk,
    provider_payoff,
    rule_rows,
    user_problem,
    walk_response,
)

PayoffVector = tuple[Fraction, ...]
"""One payoff per provider, in provider order."""


class Mode(enum.Enum):
    """Which game: one rule per (provider, user), or one rule per provider for everybody."""

    PERSONALIZED = "personalized"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RuleResponse:
    """What one user does against one rule of one provider, over all her best responses.

    Attributes
    ----------
    value : Fraction
        ``V_i(σ)``.
    laws : tuple of Table
        Every distinct outcome law of her best responses; the canonical one first.
    payoffs : tuple of PayoffVector
        For each law, every provider's payoff ``λ_{k,i} E[U_{k,i}]`` from her outcome.
    """

    value: Fraction
    laws: tuple[Table, ...]
    payoffs: tuple[PayoffVector, ...]

    @property
    def canonical(self) -> PayoffVector:
        """Payoffs under the canonical response (SPEC.md §4)."""
        return self.payoffs[0]

    def best_for(self, provider: int) -> Fraction:
        """Largest payoff of a provider over her best responses (deviator-favourable ties)."""
        return max(p[provider] for p in self.payoffs)


def payoff_vector(instance: Instance, user: int, law: Table) -> PayoffVector:
    """Every provider's payoff ``λ_{k,i} E_I[U_{k,i}]`` from user i's outcome law, in provider order."""
    return tuple(provider_payoff(instance, k, user, law) for k in range(len(instance.providers)))


def respond_to_rule(
    instance: Instance, user: int, provider: int, rule: Rule, law_limit: int = DEFAULT_LAW_LIMIT
) -> RuleResponse:
    """Compute a :class:`RuleResponse` for one user facing one rule.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.
    law_limit : int
        Refuse when her best responses induce more distinct outcome laws than this.

    Returns
    -------
    RuleResponse
        Her value, all optimal laws (canonical first) and their payoff vectors.

    Notes
    -----
    One backward induction gives the value, the canonical law and every optimal law at once
    (:func:`scaled_rule_response`); laws and payoffs stay integers over her common denominators
    until they are made fractions here.
    """
    problem = user_problem(instance, user)
    rows = rule_rows(instance, provider, rule)
    scaled = scaled_rule_response(problem, rows, law_limit)
    mass_scale = scaled.mass_scale
    n_states, n_actions = problem.n_states, problem.n_actions

    def table(flat: tuple[int, ...]) -> Table:
        return tuple(
            tuple(Fraction(p, mass_scale) if p else ZERO for p in flat[a * n_states : (a + 1) * n_states])
            for a in range(n_actions)
        )

    denominators = [mass_scale * d for d in problem.payoff_scales]
    return RuleResponse(
        Fraction(scaled.value, mass_scale * problem.utility_scale),
        tuple(table(flat) for flat in scaled.laws),
        tuple(
            tuple(Fraction(p, d) if p else ZERO for p, d in zip(vector, denominators))
            for vector in scaled.payoffs
        ),
    )


@dataclass(frozen=True)
class ScaledRuleResponse(Generic[Number]):
    """A :class:`RuleResponse` in the numbers the kernel ran on, before it is made fractions.

    Attributes
    ----------
    value : Number
        ``V_i(σ)`` times ``mass_scale · utility_scale`` of the user's problem.
    laws : tuple of tuple of Number
        Every distinct optimal law flattened ``[a·|Y| + y]``, times ``mass_scale``; the canonical
        one first, the others in increasing order.
    payoffs : tuple of tuple of Number
        For each law, provider k's payoff times ``mass_scale · payoff_scales[k]``.
    mass_scale : int
        The denominator of the laws.
    """

    value: Number
    laws: tuple[tuple[Number, ...], ...]
    payoffs: tuple[tuple[Number, ...], ...]
    mass_scale: int


def scaled_rule_response(
    problem: UserProblem[Number], rule: RuleRows[Number], law_limit: int = DEFAULT_LAW_LIMIT
) -> ScaledRuleResponse[Number]:
    """One user's response to one rule over her best responses, on her common scales.

    Parameters
    ----------
    problem : UserProblem
        The user's side (:func:`solver.responses.response.user_problem`).
    rule : RuleRows
        The rule's side (:func:`solver.responses.response.rule_rows`).
    law_limit : int
        Refuse when her best responses induce more distinct outcome laws than this.

    Returns
    -------
    ScaledRuleResponse
        Value, laws and payoff vectors, unscaled.
    """
    walked: Walk[Number] = walk_response(problem, rule, all_laws=True, law_limit=law_limit)
    canonical: tuple[Number, ...] = walked.law
    every: set[tuple[Number, ...]] = set() if walked.laws is None else walked.laws
    # Over one positive denominator the integers sort as the fractions they stand for.
    laws: list[tuple[Number, ...]] = [canonical]
    laws.extend(sorted(every - {canonical}))
    payoffs: list[tuple[Number, ...]] = []
    for law in laws:
        vector: list[Number] = []
        for weights in problem.payoffs:
            total: Number = 0
            for p, w in zip(law, weights):
                if p:
                    total += p * w
            vector.append(total)
        payoffs.append(tuple(vector))
    return ScaledRuleResponse(walked.value, tuple(laws), tuple(payoffs), walked.mass_scale)


def respond_to_rules(
    instance: Instance, user: int, rules: Sequence[Rule], law_limit: int = DEFAULT_LAW_LIMIT
) -> list[tuple[int, RuleResponse]]:
    """The user's responses to the providers she finds optimal at a profile (SPEC.md §4).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of the user.
    rules : sequence of Rule
        One rule per provider.
    law_limit : int
        Refuse when her best responses to a rule induce more distinct outcome laws than this.

    Returns
    -------
    list of (int, RuleResponse)
        Each maximising provider, in file order, with her response to its rule.
    """
    responses = [respond_to_rule(instance, user, k, rule, law_limit) for k, rule in enumerate(rules)]
    top = max(r.value for r in responses)
    return [(k, r) for k, r in enumerate(responses) if r.value == top]


@dataclass(frozen=True)
class Game:
    """The personalized or anonymous game of an instance over one strategy class.

    Parameters
    ----------
    instance : Instance
        The instance.
    mode : Mode
        Personalized or anonymous.
    strategy_class : StrategyClass
        The class every provider's rules (per user, in the personalized game) are drawn from.
    users : tuple of int, optional
        The users the game is played over (default: all). A personalized game's slices have one.
    limit : int
        The largest class accepted per provider.
    law_limit : int
        The most distinct outcome laws accepted among a user's best responses to one rule.
    """

    instance: Instance
    mode: Mode
    strategy_class: StrategyClass
    users: tuple[int, ...] = ()
    limit: int = DEFAULT_CLASS_LIMIT
    law_limit: int = DEFAULT_LAW_LIMIT

    def __post_init__(self) -> None:
        if not self.users:
            object.__setattr__(self, "users", tuple(range(len(self.instance.users))))
        for i in self.users:
            if not 0 <= i < len(self.instance.users):
                raise ModelError(f"user index {i} out of range")

    @cached_property
    def rules(self) -> tuple[tuple[Rule, ...], ...]:
        """Each provider's rules in the class, counted first and refused above ``limit``."""
        return tuple(
            self.strategy_class.enumerate(self.instance, j, self.limit)
            for j in range(len(self.instance.providers))
        )

    @cached_property
    def table(self) -> ResponseTable:
        """The users' responses to every rule, computed once."""
        return ResponseTable.build(self.instance, self.users, self.rules, self.law_limit)

    def split(self) -> tuple[Game, ...]:
        """The personalized game's independent games, one per user (SPEC.md §5).

        Returns
        -------
        tuple of Game
            For each user, the game over that user alone; the same objects every time, so every
            engine that splits the game shares their response tables.
        """
        if self.mode is not Mode.PERSONALIZED:
            raise ModelError("only the personalized game splits into one game per user")
        return self._slices

    @cached_property
    def _slices(self) -> tuple[Game, ...]:
        return tuple(
            Game(self.instance, self.mode, self.strategy_class, (i,), self.limit, self.law_limit)
            for i in self.users
        )

    def profile_count(self) -> int:
        """Number of profiles of this game (per user, in a personalized slice).

        Returns
        -------
        int
            The product of the class sizes.
        """
        count = 1
        for j in range(len(self.instance.providers)):
            count *= self.strategy_class.count(self.instance, j)
        return count


@dataclass(frozen=True)
class ResponseTable:
    """``responses[u][j][r]``: the response of the u-th user of the game to rule r of provider j."""

    users: tuple[int, ...]
    responses: tuple[tuple[tuple[RuleResponse, ...], ...], ...]

    @classmethod
    def build(
        cls,
        instance: Instance,
        users: Sequence[int],
        rules: Sequence[Sequence[Rule]],
        law_limit: int = DEFAULT_LAW_LIMIT,
    ) -> ResponseTable:
        """Precompute every user's response to every rule.

        Parameters
        ----------
        instance : Instance
            The game.
        users : sequence of int
            The users.
        rules : sequence of sequence of Rule
            Each provider's rules.
        law_limit : int
            The most distinct outcome laws accepted among a user's best responses to one rule.

        Returns
        -------
        ResponseTable
            The table.
        """
        return cls(
            tuple(users),
            tuple(
                tuple(
                    tuple(respond_to_rule(instance, i, j, r, law_limit) for r in rules_j)
                    for j, rules_j in enumerate(rules)
                )
                for i in users
            ),
        )
