"""A single provider's optimal commitment as exact functions of a parameter (SPEC.md §4, §9).

The point engine (:func:`solver.oracle.deviation.solve_commitment`) fixes every user's choices
(which report she makes for each feature and which action she takes after each message), solves
one linear program per combination (obedience, truthful reporting, the probability simplices) and
takes the largest optimum. This module builds the same programs over generic numbers and solves
them with the parametric simplex of :mod:`solver.parametric.lp`; the maximum over combinations is
taken by traced comparisons. On a piece the optimal combination and its optimal basis are fixed,
so the provider's optimal payoff, the rule's probabilities and each user's utility (her value of
the rule, SPEC.md §4) are rational functions of the parameter.

Quantities: ``payoff.<provider>``, ``utility.<user>`` and ``rule.<signal>.<message>`` (with the
provider node's history between them when the protocol has user turns) in the anonymous game; in
the personalized game, one commitment per user, with ``payoff.<provider>.<user>`` and
``rule.<user>.<signal>.<message>``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import Instance
from solver.core.numbers import ONE, ZERO
from solver.equilibria.games import Mode
from solver.oracle.deviation import count_choices, solve_commitment, user_choices
from solver.oracle.problem import DEFAULT_CHOICE_LIMIT, DeviationContext, OracleMethod, UserChoice
from solver.parametric.family import ParametricInstance
from solver.parametric.lp import GenericLP, GenericStatus, solve_generic_lp
from solver.parametric.responses import joint_prior, value_of
from solver.parametric.sweep import Answer
from solver.parametric.values import is_identically_zero
from solver.responses.response import TiePolicy, provider_payoff, solve_response

Form = dict[int, Any]
"""A sparse linear form: variable → coefficient."""


def _weights(instance: Any, context: DeviationContext, user: int, utility: Any) -> list[list[list[Any]]]:
    """``w[x][s][a] = Σ_{ω: x_j(ω) = s} π_i(x, ω) · utility(a, y(ω))`` over generic numbers."""
    signal_of = instance.world_signals[context.provider]
    states = instance.world_states
    actions = len(instance.users[user].actions)
    result = []
    for prior in joint_prior(instance, user):
        table: list[list[Any]] = [[ZERO] * actions for _ in range(context.signals)]
        for w, p in enumerate(prior):
            if is_identically_zero(p):
                continue
            for a in range(actions):
                term = utility[a][states[w]]
                if not is_identically_zero(term):
                    table[signal_of[w]][a] = table[signal_of[w]][a] + p * term
        result.append(table)
    return result


def _add(target: Form, form: Form, factor: Any = ONE) -> None:
    for k, v in form.items():
        target[k] = target.get(k, ZERO) + factor * v


def build_commitment_program(
    instance: Any, context: DeviationContext, choices: Sequence[UserChoice]
) -> GenericLP:
    """The linear program of one combination of the users' choices, every user consulting.

    The program of :func:`solver.oracle.deviation.build_program` for a single provider (nobody
    can stay elsewhere), over generic numbers: variables ``σ(m | s, h)`` then the auxiliary maxima
    ``z``; rows obedience, truthful reporting (through ``z ≥ W``), and the simplices.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    context : DeviationContext
        The provider's variables' layout.
    choices : sequence of UserChoice
        One per user of the commitment.

    Returns
    -------
    GenericLP
        The program.
    """
    count = context.sigma_count()
    objective: Form = {}
    upper: list[Form] = []

    def term(weights: list[list[list[Any]]], x: int, h: int, m: int, a: int) -> Form:
        return {
            context.sigma(s, h, m): weights[x][s][a]
            for s in range(context.signals)
            if not is_identically_zero(weights[x][s][a])
        }

    for choice in choices:
        i = choice.user
        person = instance.users[i]
        stake = instance.stakes[context.provider][i]
        u = _weights(instance, context, i, person.utility)
        paid = _weights(instance, context, i, stake.utility)
        n_actions = len(person.actions)
        for x in range(len(person.features)):
            r = choice.reports[x]
            chosen: Form = {}
            for m in range(context.messages):
                d = choice.actions[x][m]
                _add(chosen, term(u, x, r, m, d))
                _add(objective, term(paid, x, r, m, d), stake.weight)
                for a in range(n_actions):
                    if a != d:
                        row = term(u, x, r, m, a)
                        _add(row, term(u, x, r, m, d), -ONE)
                        upper.append(row)
            for h in range(context.nodes):
                if h == r:
                    continue
                total: Form = {}
                for m in range(context.messages):
                    z = count
                    count += 1
                    total[z] = ONE
                    for a in range(n_actions):
                        row = term(u, x, h, m, a)
                        row[z] = row.get(z, ZERO) - ONE
                        upper.append(row)
                _add(total, chosen, -ONE)
                upper.append(total)
    equal = [
        {context.sigma(s, h, m): ONE for m in range(context.messages)}
        for s in range(context.signals)
        for h in range(context.nodes)
    ]

    def sparse(row: Form) -> tuple[tuple[int, Any], ...]:
        return tuple(sorted((k, v) for k, v in row.items() if not is_identically_zero(v)))

    return GenericLP(
        objective=tuple(objective.get(k, ZERO) for k in range(count)),
        upper_rows=tuple(sparse(r) for r in upper),
        upper_rhs=tuple(ZERO for _ in upper),
        equal_rows=tuple(sparse(r) for r in equal),
        equal_rhs=tuple(ONE for _ in equal),
    )


def _combinations(instance: Any, users: Sequence[int], limit: int) -> Iterator[tuple[UserChoice, ...]]:
    count = count_choices(instance, 0, users, False)
    if count > limit:
        raise ClassTooLargeError(
            f"the users' choice combinations against provider {instance.providers[0].label}",
            count,
            limit,
            Limit.CHOICE,
        )
    return itertools.product(*(list(user_choices(instance, 0, i, False)) for i in users))


def generic_commitment(
    instance: Any, users: Sequence[int], limit: int = DEFAULT_CHOICE_LIMIT
) -> tuple[Any, Rule, tuple[UserChoice, ...]]:
    """A single provider's optimal commitment towards some users, over generic numbers.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        A game with one provider.
    users : sequence of int
        The users the rule is offered to.
    limit : int
        Refuse above this many combinations of the users' choices.

    Returns
    -------
    (number, Rule, tuple of UserChoice)
        The optimal payoff, an optimal rule (the basic solution of the first optimal
        combination's program) and that combination.
    """
    if len(instance.providers) != 1:
        raise ModelError("an optimal commitment is defined for a single provider")
    context = DeviationContext(instance, 0)
    best: tuple[Any, Any, tuple[UserChoice, ...]] | None = None
    for choices in _combinations(instance, users, limit):
        solution = solve_generic_lp(build_commitment_program(instance, context, choices))
        if solution.status is GenericStatus.UNBOUNDED:
            raise AssertionError("a commitment program over probability simplices cannot be unbounded")
        if solution.status is GenericStatus.OPTIMAL and (best is None or solution.value > best[0]):
            best = (solution.value, solution.primal, choices)
    if best is None:
        raise AssertionError("the uninformative rule is feasible for some combination of choices")
    value, primal, choices = best
    rule = context.rule(lambda s, h, m: primal[context.sigma(s, h, m)])
    return value, rule, choices


def _rule_names(instance: Any, prefix: str) -> list[tuple[str, int, int, int]]:
    tree = ConversationTree(instance.protocol)
    provider = instance.providers[0]
    messages = instance.protocol.provider_messages
    several = len(tree.provider_nodes) > 1
    names = []
    for s, signal in enumerate(provider.signals):
        for h, node in enumerate(tree.provider_nodes):
            where = f"{signal}.{tree.spell(node)}" if several else signal
            for m, message in enumerate(messages):
                names.append((f"{prefix}{where}.{message}", s, h, m))
    return names


def _groups(instance: Any, mode: Mode) -> list[tuple[int, ...]]:
    everyone = tuple(range(len(instance.users)))
    return [everyone] if mode is Mode.ANONYMOUS else [(i,) for i in everyone]


class CommitEvaluation:
    """The sweep of a single provider's optimal commitment over ``full`` (an Evaluation).

    Parameters
    ----------
    mode : Mode
        Anonymous (one rule for every user) or personalized (one rule per user).
    limit : int
        The most combinations of the users' choices enumerated.
    """

    def __init__(self, mode: Mode = Mode.ANONYMOUS, limit: int = DEFAULT_CHOICE_LIMIT) -> None:
        self.mode = mode
        self.limit = limit

    def _names(self, instance: Any, group: tuple[int, ...]) -> tuple[str, str]:
        provider = instance.providers[0].label
        if self.mode is Mode.ANONYMOUS:
            return f"payoff.{provider}", "rule."
        user = instance.users[group[0]].label
        return f"payoff.{provider}.{user}", f"rule.{user}."

    def traced(self, family: ParametricInstance) -> Answer:
        """The commitment over the family's traced numbers.

        Parameters
        ----------
        family : ParametricInstance
            The family at a trace's point.

        Returns
        -------
        Answer
            Payoff, utilities and the rule's probabilities; the structure is the optimal
            combination of the users' choices for each commitment.
        """
        quantities: dict[str, Any] = {}
        structure = []
        for group in _groups(family, self.mode):
            value, rule, choices = generic_commitment(family, group, self.limit)
            payoff, prefix = self._names(family, group)
            quantities[payoff] = value
            for i in group:
                quantities[f"utility.{family.users[i].label}"] = value_of(family, i, 0, rule)
            for name, s, h, m in _rule_names(family, prefix):
                quantities[name] = rule.table[s][h][m]
            structure.append(choices)
        return Answer(quantities, {}, tuple(structure))

    def numeric(self, instance: Instance) -> tuple[Mapping[str, Fraction | None], Mapping[str, str]]:
        """The commitment at a rational point: the payoff by the point engine's oracle.

        The payoff is :func:`solver.oracle.deviation.solve_commitment` (exhaustive, certified). The
        rule is the same generic simplex on Fractions (an optimal rule need not be unique, and the
        point engine may pick another); the point engine then confirms that this rule attains the
        payoff under deviator-favourable ties, and gives each user's utility from it.

        Parameters
        ----------
        instance : Instance
            The instance at a rational point.

        Returns
        -------
        (dict, dict)
            The quantities and no verdicts.
        """
        quantities: dict[str, Fraction | None] = {}
        for group in _groups(instance, self.mode):
            bound = solve_commitment(instance, group, self.limit, method=OracleMethod.EXHAUSTIVE)
            if not bound.certified:
                raise AssertionError("the exhaustive commitment oracle could not certify its optimum")
            _, rule, _ = generic_commitment(instance, group, self.limit)
            attained = ZERO
            payoff, prefix = self._names(instance, group)
            quantities[payoff] = bound.value
            for i in group:
                response = solve_response(instance, i, 0, rule, TiePolicy.FAVOURABLE, 0)
                attained += provider_payoff(instance, 0, i, response.law)
                quantities[f"utility.{instance.users[i].label}"] = response.value
            if attained != bound.value:
                raise AssertionError(
                    f"the optimal rule pays {attained} under deviator-favourable ties, not the optimum "
                    f"{bound.value}"
                )
            for name, s, h, m in _rule_names(instance, prefix):
                quantities[name] = rule.table[s][h][m]
        return quantities, {}
