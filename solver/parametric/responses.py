"""Users' responses to one rule over generic exact numbers (SPEC.md §3–4).

This mirrors :func:`solver.responses.response.solve_user_response` (with every optimal law) and
:func:`solver.equilibria.games.respond_to_rule`: the same backward induction, the same canonical
choices (first maximiser in file order), the same order of laws (canonical first, then the others
in increasing lexicographic order), but written over any ordered field. Run on
:class:`fractions.Fraction` it is the point engine; run on
:class:`solver.parametric.values.ParamValue` every comparison it makes is traced, so its answer is
constant on a piece of the parameter's interval.

The instance may be a :class:`solver.core.model.Instance` or a parametric instance with the same
fields (:mod:`solver.parametric.family`). Numbers are never hashed: distinct laws are kept by
pairwise ``==``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.conversation.protocol import ConversationTree, History
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import PROVIDER_TURN
from solver.core.numbers import ZERO
from solver.responses.response import DEFAULT_LAW_LIMIT

Flat = tuple[Any, ...]
"""An outcome law flattened ``[action * n_states + state]``."""

GenericTable = tuple[tuple[Any, ...], ...]
"""A table ``[row][column]`` of generic numbers."""


@dataclass(frozen=True, eq=False)
class TracedResponse:
    """What one user does against one rule, over all her best responses, in generic numbers.

    Attributes
    ----------
    value : number
        ``V_i(σ)``.
    payoffs : tuple of tuple of number
        For each distinct optimal outcome law (canonical first, then increasing), every provider's
        payoff ``λ_{k,i} E_I[U_{k,i}]``, in provider order (as :class:`solver.equilibria.games.RuleResponse`).
    laws : tuple of table
        The distinct optimal outcome laws ``I_i(a, y)``, indexed ``[action][state]``, same order.
    """

    value: Any
    payoffs: tuple[tuple[Any, ...], ...]
    laws: tuple[GenericTable, ...]

    @property
    def canonical(self) -> tuple[Any, ...]:
        """Payoffs under the canonical response (SPEC.md §4)."""
        return self.payoffs[0]

    def best_for(self, provider: int) -> Any:
        """Largest payoff of a provider over her best responses (deviator-favourable ties)."""
        return max(p[provider] for p in self.payoffs)


def joint_prior(instance: Any, user: int) -> GenericTable:
    """User i's joint prior ``π_i(x, ω) = π(ω) κ_i(x | ω)`` in generic numbers (SPEC.md §1).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        User index.

    Returns
    -------
    tuple of tuple
        Indexed ``[feature][world]``.
    """
    person = instance.users[user]
    if person.feature_kernel is None:
        return (tuple(w.prob for w in instance.worlds),)
    kernel = person.feature_kernel
    return tuple(
        tuple(w.prob * kernel[k][x] for k, w in enumerate(instance.worlds))
        for x in range(len(person.features))
    )


def expected(law: GenericTable, utility: GenericTable) -> Any:
    """Return ``E_I[U] = Σ_{a,y} I(a, y) U(a, y)``.

    Parameters
    ----------
    law : table
        An outcome law ``[action][state]``.
    utility : table
        A utility table of the same shape.

    Returns
    -------
    number
        The expectation.
    """
    total: Any = ZERO
    for row_p, row_u in zip(law, utility):
        for p, u in zip(row_p, row_u):
            if p is not ZERO:
                total = total + p * u
    return total


def provider_payoff(instance: Any, provider: int, user: int, law: GenericTable) -> Any:
    """Provider j's payoff from user i's outcome: ``λ_{j,i} E_I[U_{j,i}]`` (SPEC.md §3).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    provider, user : int
        Indices of j and i.
    law : table
        User i's outcome law.

    Returns
    -------
    number
        The payoff.
    """
    stake = instance.stakes[provider][user]
    if stake.weight == 0:
        return ZERO
    return stake.weight * expected(law, stake.utility)


def payoff_vector(instance: Any, user: int, law: GenericTable) -> tuple[Any, ...]:
    """Every provider's payoff from user i's outcome law, in provider order.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user : int
        Index of the user.
    law : table
        Her outcome law.

    Returns
    -------
    tuple
        ``λ_{k,i} E_I[U_{k,i}]`` for each provider k.
    """
    return tuple(provider_payoff(instance, k, user, law) for k in range(len(instance.providers)))


def distinct(items: Sequence[Flat]) -> list[Flat]:
    """The distinct vectors of a sequence, by pairwise ``==`` of their entries, first occurrences kept.

    Parameters
    ----------
    items : sequence of tuple
        Vectors of generic numbers.

    Returns
    -------
    list of tuple
        One of each.
    """
    kept: list[Flat] = []
    for item in items:
        if not any(_same(item, other) for other in kept):
            kept.append(item)
    return kept


def _same(left: Flat, right: Flat) -> bool:
    return all(a is b or a == b for a, b in zip(left, right))


_Node = tuple[Any, list[Any], list[Flat]]
"""What the walk returns at a node: value, canonical law, every optimal law (distinct)."""


def _tree(instance: Any) -> ConversationTree:
    return ConversationTree(instance.protocol)


def _check_rule(instance: Any, tree: ConversationTree, provider: int, rule: Rule) -> None:
    if len(rule.table) != len(instance.providers[provider].signals):
        raise ModelError(
            f"the rule reads {len(rule.table)} inputs but provider {instance.providers[provider].label} "
            f"has {len(instance.providers[provider].signals)} signals; lift shared rules first"
        )
    if any(len(row) != len(tree.provider_nodes) for row in rule.table) or any(
        len(d) != len(instance.protocol.provider_messages) for row in rule.table for d in row
    ):
        raise ModelError("the rule does not match the protocol's provider nodes and alphabet")


def _shape(instance: Any, tree: ConversationTree, provider: int, rule: Rule) -> tuple[Any, ...] | None:
    """What a one-turn conversation's walk reads of a rule: each message's weight on every world.

    With a single provider turn and nothing after it, the walk is a sum over messages of one leaf
    each, and a leaf reads only its message's weights on the worlds: two rules with the same
    weight vectors, in any order of the messages, have the same value, canonical law and set of
    optimal laws. None for any other protocol, and for a rule with traced weights.
    """
    if tuple(instance.protocol.turns) != (PROVIDER_TURN,):
        return None
    node = tree.provider_node_index[()]
    rows = [rule.table[s][node] for s in instance.world_signals[provider]]
    messages = range(len(instance.protocol.provider_messages))
    vectors = [tuple(row[message] for row in rows) for message in messages]
    if not all(type(x) is Fraction or type(x) is int for vector in vectors for x in vector):
        return None  # a rule whose weights are traced numbers (not hashable)
    # As pairs of integers: a key that hashes without hashing Fractions.
    return tuple(sorted(tuple((int(x.numerator), int(x.denominator)) for x in vector) for vector in vectors))


def _memo_key(memo: dict[Any, Any], instance: Any, *parts: Any) -> tuple[Any, ...]:
    """A key of the trace's memo for something computed on ``instance``.

    The instance is kept in the memo too, so that its id stays its own while the memo lives.
    """
    memo[("instance", id(instance))] = instance
    return (*parts, id(instance))


def _checked_shape(instance: Any, memo: dict[Any, Any], provider: int, rule: Rule) -> tuple[Any, ...] | None:
    """The rule's :func:`_shape` once it is checked against the instance, kept per rule object."""
    key = _memo_key(memo, instance, "shape", provider, id(rule))
    known = memo.get(key)
    if known is not None and known[0] is rule:
        return known[1]  # type: ignore[no-any-return]
    tree = _tree(instance)
    _check_rule(instance, tree, provider, rule)
    shape = _shape(instance, tree, provider, rule)
    memo[key] = (rule, shape)  # the rule is kept, so its id stays its own while the memo lives
    return shape


def _walk(
    instance: Any, user: int, provider: int, rule: Rule, all_laws: bool, law_limit: int
) -> tuple[Any, Flat, list[Flat]]:
    """The backward induction of SPEC.md §4 in generic numbers: value, canonical law, optimal laws.

    On traced numbers the result is kept in the trace's memo by the rule's :func:`_shape` (when it
    has one), so rules that weigh the worlds alike are walked once per traced evaluation.
    """
    tree = _tree(instance)
    trace = getattr(instance, "trace", None)
    if trace is None:
        _check_rule(instance, tree, provider, rule)
        return _walk_tree(instance, tree, user, provider, rule, all_laws, law_limit)
    shape = _checked_shape(instance, trace.memo, provider, rule)
    if shape is None:
        return _walk_tree(instance, tree, user, provider, rule, all_laws, law_limit)
    key = _memo_key(trace.memo, instance, "walk", user, shape, all_laws, law_limit)
    known = trace.memo.get(key)
    if known is None:
        known = trace.memo[key] = _walk_tree(instance, tree, user, provider, rule, all_laws, law_limit)
    return known  # type: ignore[no-any-return]


def _walk_tree(
    instance: Any,
    tree: ConversationTree,
    user: int,
    provider: int,
    rule: Rule,
    all_laws: bool,
    law_limit: int,
) -> tuple[Any, Flat, list[Flat]]:
    """The walk itself (:func:`_walk`)."""
    protocol = instance.protocol
    turns, length = protocol.turns, len(protocol.turns)
    n_provider_messages, n_user_messages = len(protocol.provider_messages), len(protocol.user_messages)
    person = instance.users[user]
    n_actions, n_states = len(person.actions), len(instance.states)
    size = n_actions * n_states
    states = instance.world_states
    node_index = tree.provider_node_index
    utility = person.utility
    rows = [rule.table[s] for s in instance.world_signals[provider]]
    zero_law: Flat = (ZERO,) * size

    def add(left: list[Flat], right: list[Flat]) -> list[Flat]:
        result = distinct([tuple(_plus(p, q) for p, q in zip(a, b)) for a in left for b in right])
        if len(result) > law_limit:
            raise ClassTooLargeError(
                f"the set of optimal outcome laws of user {person.label}", len(result), law_limit, Limit.LAW
            )
        return result

    def walk(history: History, mass: list[Any]) -> _Node:
        t = len(history)
        if t == length:
            totals: list[Any] = [None] * n_states
            for w, m in enumerate(mass):
                if m is not None:
                    y = states[w]
                    totals[y] = m if totals[y] is None else totals[y] + m
            present = [(y, m) for y, m in enumerate(totals) if m is not None]
            values = [_sum(m * row[y] for y, m in present) for row in utility]
            top = max(values)
            optimal = [a for a, v in enumerate(values) if v is top or v == top]
            choice = optimal[0]
            law = [ZERO] * size
            for y, m in present:
                law[choice * n_states + y] = m
            laws: list[Flat] = []
            if all_laws:
                for a in optimal:
                    option = list(zero_law)
                    for y, m in present:
                        option[a * n_states + y] = m
                    laws.append(tuple(option))
                laws = distinct(laws)
            return top, law, laws
        if turns[t] == PROVIDER_TURN:
            node = node_index[history]
            value: Any = ZERO
            law = [ZERO] * size
            laws = [zero_law]
            for message in range(n_provider_messages):
                child = [
                    None if m is None or not rows[w][node][message] else m * rows[w][node][message]
                    for w, m in enumerate(mass)
                ]
                part_value, part_law, part_laws = walk((*history, message), child)
                value = value + part_value
                law = [_plus(p, q) for p, q in zip(law, part_law)]
                if all_laws:
                    laws = add(laws, part_laws)
            return value, law, laws
        results = [walk((*history, message), mass) for message in range(n_user_messages)]
        top = max(r[0] for r in results)
        optimal = [message for message, r in enumerate(results) if r[0] is top or r[0] == top]
        choice = optimal[0]
        laws = distinct([law for message in optimal for law in results[message][2]]) if all_laws else []
        return top, results[choice][1], laws

    value: Any = ZERO
    law: list[Any] = [ZERO] * size
    every_law: list[Flat] = [zero_law]
    for prior in joint_prior(instance, user):
        part_value, part_law, part_laws = walk((), list(prior))
        value = value + part_value
        law = [_plus(p, q) for p, q in zip(law, part_law)]
        if all_laws:
            every_law = add(every_law, part_laws)
    return value, tuple(law), every_law


def _plus(p: Any, q: Any) -> Any:
    if p is ZERO:
        return q
    if q is ZERO:
        return p
    return p + q


def _sum(items: Any) -> Any:
    total: Any = ZERO
    for item in items:
        total = _plus(total, item)
    return total


def _table(flat: Flat, n_states: int) -> GenericTable:
    return tuple(tuple(flat[a : a + n_states]) for a in range(0, len(flat), n_states))


def responses_for(
    instance: Any, user: int, provider: int, rule: Rule, law_limit: int = DEFAULT_LAW_LIMIT
) -> TracedResponse:
    """User i's value of a rule, her distinct optimal outcome laws and their payoffs (SPEC.md §4).

    The generic counterpart of :func:`solver.equilibria.games.respond_to_rule`: same value, same
    laws in the same order (canonical first, then the others increasing), same payoff vectors.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule (structural: its probabilities are rationals).
    law_limit : int
        Refuse when her best responses induce more distinct outcome laws than this.

    Returns
    -------
    TracedResponse
        Value, payoff vectors and laws.

    Raises
    ------
    ModelError
        When the rule does not fit the provider's signals or the protocol.
    ClassTooLargeError
        When a set of optimal laws met on the way outnumbers ``law_limit``.
    """
    trace = getattr(instance, "trace", None)
    key = None
    if trace is not None:
        shape = _checked_shape(instance, trace.memo, provider, rule)
        if shape is not None:
            key = _memo_key(trace.memo, instance, "responses", user, shape, law_limit)
            known = trace.memo.get(key)
            if known is not None:
                return known  # type: ignore[no-any-return]
    value, canonical, every_law = _walk(instance, user, provider, rule, True, law_limit)
    others = sorted(law for law in every_law if not _same(law, canonical))
    n_states = len(instance.states)
    laws = tuple(_table(law, n_states) for law in (canonical, *others))
    response = TracedResponse(value, tuple(payoff_vector(instance, user, law) for law in laws), laws)
    if key is not None and trace is not None:
        # Rules of one shape get the same numbers (the same objects), so that the equilibrium
        # search can tell them alike (:func:`solver.parametric.equilibria.rule_classes`).
        trace.memo[key] = response
    return response


def value_of(instance: Any, user: int, provider: int, rule: Rule) -> Any:
    """User i's value ``V_i(σ)`` of a rule run by a provider, in generic numbers (SPEC.md §4).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    number
        Her optimal expected utility.
    """
    return _walk(instance, user, provider, rule, False, DEFAULT_LAW_LIMIT)[0]


def canonical_response(instance: Any, user: int, provider: int, rule: Rule) -> tuple[Any, GenericTable]:
    """User i's value of a rule and the law of her canonical best response (SPEC.md §4).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    tuple
        ``(V_i(σ), I_i)`` with the law indexed ``[action][state]``.
    """
    value, law, _ = _walk(instance, user, provider, rule, False, DEFAULT_LAW_LIMIT)
    return value, _table(law, len(instance.states))
