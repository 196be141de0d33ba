"""Users' best responses (SPEC.md §3–4): exact backward induction on unnormalised masses.

For a rule run by provider c and met by user i, the value ``V_i(σ)`` is computed without any
division. Ties are explicit: the canonical selection (first maximiser in file order), the
selections favourable or adversarial to a given provider, and the full tie set.

One kernel walks the conversation tree: :func:`solve_user_response` gives, in a single pass,
her value, her tie set, the strategy a tie policy selects with its law and, when asked, every
outcome law of her best responses. :func:`solve_response`, :func:`user_value`,
:func:`find_tie_set` and :func:`find_optimal_laws` each read one part of its result.

The walk (:func:`walk_response`) reads integers over common denominators: a user's prior,
utility and the providers' stakes in her are scaled once per (instance, user)
(:func:`user_problem`), a rule once per call (:func:`rule_rows`), and fractions are made only of
the results. The same walk runs on floats (:data:`FLOATS`), which is how the exact kernel is
compared with floating point (``benchmarks/bench_kernel.py``).
"""

from __future__ import annotations

import enum
import functools
import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, TypeVar

from solver.conversation.protocol import ConversationTree, History
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import PROVIDER_TURN, Instance, Protocol, Table
from solver.core.numbers import ZERO

DEFAULT_LAW_LIMIT = 100_000


class TiePolicy(enum.Enum):
    """How a user breaks ties among her optimal choices (SPEC.md §4)."""

    CANONICAL = "canonical"
    """First maximising provider, message and action in file order."""
    FAVOURABLE = "deviator-favourable"
    """Among optimal choices, the best for a given provider (the deviator)."""
    ADVERSARIAL = "adversarial"
    """Among optimal choices, the worst for a given provider."""


@dataclass(frozen=True)
class UserStrategy:
    """A user's deterministic message and action maps ``(μ, d)``, keyed by (feature, history).

    Attributes
    ----------
    messages : tuple of ((int, History), int)
        At each user node, the index of the message she sends.
    actions : tuple of ((int, History), int)
        At each leaf, the index of the action she takes.
    """

    messages: tuple[tuple[tuple[int, History], int], ...]
    actions: tuple[tuple[tuple[int, History], int], ...]


@dataclass(frozen=True)
class Response:
    """A user's response to one rule: her value, a strategy and the law it induces.

    Attributes
    ----------
    value : Fraction
        ``V_i(σ)``, her utility under any optimal strategy.
    law : Table
        The induced distribution ``I_i(a, y)``, indexed ``[action][state]``.
    strategy : UserStrategy
        The selected optimal strategy.
    """

    value: Fraction
    law: Table
    strategy: UserStrategy


@dataclass(frozen=True)
class TieSet:
    """Every optimal choice of a user facing one rule: the product of these sets is her tie set.

    Attributes
    ----------
    messages : tuple of ((int, History), tuple of int)
        At each user node, her optimal messages.
    actions : tuple of ((int, History), tuple of int)
        At each leaf, her optimal actions.
    """

    messages: tuple[tuple[tuple[int, History], tuple[int, ...]], ...]
    actions: tuple[tuple[tuple[int, History], tuple[int, ...]], ...]


@dataclass(frozen=True)
class ProfileResponse:
    """A user's best response to a whole profile: the provider she picks and her response to it."""

    provider: int
    response: Response


def expected(law: Table, utility: Table) -> Fraction:
    """Return ``E_I[U] = Σ_{a,y} I(a, y) U(a, y)``.

    Parameters
    ----------
    law : Table
        An outcome law ``[action][state]``.
    utility : Table
        A utility table of the same shape.

    Returns
    -------
    Fraction
        The expectation.
    """
    return sum((p * u for row_p, row_u in zip(law, utility) for p, u in zip(row_p, row_u) if p), ZERO)


def provider_payoff(instance: Instance, provider: int, user: int, law: Table) -> Fraction:
    """Provider j's payoff from user i's outcome: ``λ_{j,i} E_I[U_{j,i}]`` (SPEC.md §3).

    Parameters
    ----------
    instance : Instance
        The game.
    provider, user : int
        Indices of j and i.
    law : Table
        User i's outcome law.

    Returns
    -------
    Fraction
        The payoff, whichever provider the user consulted.
    """
    stake = instance.stakes[provider][user]
    if stake.weight == 0:
        return ZERO
    return stake.weight * expected(law, stake.utility)


@dataclass(frozen=True)
class UserResponse:
    """Everything one backward induction finds about user i facing one rule (SPEC.md §3–4).

    One walk over the conversation tree gives her value, her optimal choices at every node (the
    tie set), the strategy a tie policy selects among them with its law and, when asked, every
    outcome law of her best responses.

    Attributes
    ----------
    value : Fraction
        ``V_i(σ)``.
    law : Table
        The law ``I_i(a, y)`` of :attr:`strategy`, indexed ``[action][state]``.
    strategy : UserStrategy
        The optimal strategy selected by :attr:`policy` (canonical: first optimal message and
        action in file order).
    ties : TieSet
        Her optimal messages and actions at every (feature, node).
    laws : frozenset of Table, optional
        Every distinct law of her best responses (``None`` unless asked for).
    policy : TiePolicy
        The tie policy that selected :attr:`strategy`.
    beneficiary : int
        The provider whose utility that policy favours or opposes (unused when canonical).
    """

    value: Fraction
    law: Table
    strategy: UserStrategy
    ties: TieSet
    laws: frozenset[Table] | None
    policy: TiePolicy
    beneficiary: int

    @property
    def response(self) -> Response:
        """The selected response: value, strategy and its law."""
        return Response(self.value, self.law, self.strategy)


def solve_user_response(
    instance: Instance,
    user: int,
    provider: int,
    rule: Rule,
    policy: TiePolicy = TiePolicy.CANONICAL,
    beneficiary: int | None = None,
    *,
    all_laws: bool = False,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> UserResponse:
    """Solve user i's decision problem against a rule by one backward induction (SPEC.md §4).

    This is the one kernel behind :func:`solve_response`, :func:`user_value`,
    :func:`find_tie_set` and :func:`find_optimal_laws`.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of the user i.
    provider : int
        Index of the provider c running the rule (its signals feed the rule).
    rule : Rule
        The rule, reading provider c's signals.
    policy : TiePolicy
        Canonical, or favourable/adversarial to ``beneficiary``: selects :attr:`UserResponse.strategy`.
    beneficiary : int, optional
        The provider whose utility ``U_{k,i}`` breaks ties; defaults to ``provider``.
    all_laws : bool
        Also collect every outcome law of her best responses.
    law_limit : int
        With ``all_laws``, refuse when an intermediate set of laws grows beyond this size.

    Returns
    -------
    UserResponse
        Her value, tie set, selected strategy and law, and (if asked) all optimal laws.

    Raises
    ------
    ModelError
        When the rule does not fit the provider's signals or the protocol.
    ClassTooLargeError
        When, with ``all_laws``, a set of laws met on the way outnumbers ``law_limit``.
    """
    problem = user_problem(instance, user)
    k = provider if beneficiary is None else beneficiary
    rows = rule_rows(instance, provider, rule)
    found = _walk(problem, rows, policy, k, all_laws, law_limit)
    n_states, n_actions = problem.n_states, problem.n_actions
    mass_scale = found.mass_scale

    def table(flat: Sequence[int]) -> Table:
        return tuple(
            tuple(Fraction(p, mass_scale) if p else ZERO for p in flat[a * n_states : (a + 1) * n_states])
            for a in range(n_actions)
        )

    law = table(found.law)
    laws = None
    if found.laws is not None:
        # The canonical law is among them: made fractions once.
        laws = frozenset(law if flat == found.law else table(flat) for flat in found.laws)
    # Every (feature, node) is visited exactly once, so the selected choices form a strategy.
    return UserResponse(
        value=Fraction(found.value, mass_scale * problem.utility_scale),
        law=law,
        strategy=UserStrategy(tuple(sorted(found.messages)), tuple(sorted(found.actions))),
        ties=TieSet(tuple(sorted(found.message_ties.items())), tuple(sorted(found.action_ties.items()))),
        laws=laws,
        policy=policy,
        beneficiary=k,
    )


Number = TypeVar("Number", int, float)
"""The numbers the kernel runs on: integers over common denominators (exact), or floats."""


@dataclass(frozen=True)
class UserProblem(Generic[Number]):
    """User i's side of every decision problem she meets, as numbers the walk reads (SPEC.md §3–4).

    Exact problems hold integers over one common denominator per kind (SPEC.md §9: no division
    inside the kernel) and are built once per (instance, user) by :func:`user_problem`. The same
    fields filled with floats (every scale 1) run the very same walk, which is how the kernel is
    compared with floating point.

    Attributes
    ----------
    label : str
        Her label, for error messages.
    tree : ConversationTree
        The conversation tree of the protocol.
    world_states : tuple of int
        The state index of every world.
    n_actions, n_states : int
        Her number of actions and the number of states.
    priors : tuple of tuple of Number
        Her joint prior ``[feature][world]`` times ``prior_scale``.
    prior_scale : int
        The common denominator of her joint prior.
    utility : tuple of tuple of Number
        Her utility ``[action][state]`` times ``utility_scale``.
    utility_scale : int
        The common denominator of her utility.
    sides : tuple of tuple of tuple of Number
        For each provider k, ``U_{k,i}`` ``[action][state]`` over its own denominator (only compared,
        to break ties for or against k).
    payoffs : tuple of tuple of Number
        For each provider k, ``λ_{k,i} U_{k,i}`` flattened ``[a·|Y| + y]`` times ``payoff_scales[k]``.
    payoff_scales : tuple of int
        The common denominator of each provider's ``λ_{k,i} U_{k,i}``.
    """

    label: str
    tree: ConversationTree
    world_states: tuple[int, ...]
    n_actions: int
    n_states: int
    priors: tuple[tuple[Number, ...], ...]
    prior_scale: int
    utility: tuple[tuple[Number, ...], ...]
    utility_scale: int
    sides: tuple[tuple[tuple[Number, ...], ...], ...]
    payoffs: tuple[tuple[Number, ...], ...]
    payoff_scales: tuple[int, ...]


@dataclass(frozen=True)
class RuleRows(Generic[Number]):
    """A rule as the walk reads it: in every world, the rows of the signal seen there.

    Attributes
    ----------
    rows : tuple of tuple of tuple of Number
        ``rows[ω][node][message]``: the rule's probability times ``scale``.
    scale : int
        The common denominator of the rule's probabilities.
    """

    rows: tuple[tuple[tuple[Number, ...], ...], ...]
    scale: int


@dataclass(frozen=True)
class Walk(Generic[Number]):
    """What one backward induction finds, in the numbers it ran on.

    Attributes
    ----------
    value : Number
        Her value times ``mass_scale · utility_scale``.
    law : tuple of Number
        The selected strategy's law flattened ``[a·|Y| + y]``, times ``mass_scale``.
    laws : set of tuple of Number, optional
        Every law of her best responses, likewise (``None`` unless asked for).
    messages, actions : list of ((int, History), int)
        The selected message at every user node and action at every leaf, in visiting order.
    message_ties, action_ties : dict
        Her optimal messages and actions at every (feature, node).
    mass_scale : int
        The denominator of every mass: ``prior_scale · rule_scale ** (provider turns)``.
    """

    value: Number
    law: tuple[Number, ...]
    laws: set[tuple[Number, ...]] | None
    messages: list[tuple[tuple[int, History], int]]
    actions: list[tuple[tuple[int, History], int]]
    message_ties: dict[tuple[int, History], tuple[int, ...]]
    action_ties: dict[tuple[int, History], tuple[int, ...]]
    mass_scale: int


@dataclass(frozen=True)
class Numbers(Generic[Number]):
    """How the rationals of an instance and a rule become the numbers the kernel runs on.

    Attributes
    ----------
    name : str
        ``"exact"`` or ``"float"``.
    scaled : callable
        A table of rationals to ``(D, table)``: its numbers and the scale ``D`` they are over.
    """

    name: str
    scaled: Callable[[Sequence[Sequence[Fraction]]], tuple[int, tuple[tuple[Number, ...], ...]]]


def _scaled(table: Sequence[Sequence[Fraction]]) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """A table of rationals as integers over their least common denominator ``D``: ``(D, D·table)``."""
    scale = math.lcm(*(p.denominator for row in table for p in row))
    return scale, tuple(
        tuple(p.numerator * (scale // p.denominator) if p else 0 for p in row) for row in table
    )


def _floats(table: Sequence[Sequence[Fraction]]) -> tuple[int, tuple[tuple[float, ...], ...]]:
    """A table of rationals as the nearest floats, over scale 1."""
    return 1, tuple(tuple(float(p) for p in row) for row in table)


EXACT: Numbers[int] = Numbers("exact", _scaled)
"""Integers over the least common denominator of each table: the kernel's only exact numbers."""
FLOATS: Numbers[float] = Numbers("float", _floats)
"""Floats: the same walk in floating point, to compare the exact kernel with (benchmarks only)."""

_PROBLEMS: dict[int, dict[tuple[str, int], UserProblem[Any]]] = {}
"""User problems by ``id(instance)``, then kind of numbers and user; an entry leaves with its instance."""


def user_problem(instance: Instance, user: int) -> UserProblem[int]:
    """User i's exact problem: her prior, utility and the providers' stakes in her on common scales.

    Built once per (instance, user) and kept while the instance lives, so that every rule of a
    response table reuses the same scaled integers and conversation tree.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.

    Returns
    -------
    UserProblem
        The integers and their denominators.
    """
    return problem_in(instance, user, EXACT)


def problem_in(instance: Instance, user: int, numbers: Numbers[Number]) -> UserProblem[Number]:
    """User i's problem in the given numbers, built once per (instance, numbers, user).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    numbers : Numbers
        :data:`EXACT` or :data:`FLOATS`.

    Returns
    -------
    UserProblem
        Her prior, utility and the providers' stakes in her, in those numbers.
    """
    key = id(instance)
    problems = _PROBLEMS.get(key)
    if problems is None:
        problems = _PROBLEMS[key] = {}
        weakref.finalize(instance, _PROBLEMS.pop, key, None)
    problem: UserProblem[Number] | None = problems.get((numbers.name, user))
    if problem is None:
        problem = problems[(numbers.name, user)] = _build_problem(instance, user, numbers)
    return problem


def _build_problem(instance: Instance, user: int, numbers: Numbers[Number]) -> UserProblem[Number]:
    person = instance.users[user]
    prior_scale, priors = numbers.scaled(instance.joint_prior(user))
    utility_scale, utility = numbers.scaled(person.utility)
    sides = tuple(numbers.scaled(stakes[user].utility)[1] for stakes in instance.stakes)
    weighted = [
        numbers.scaled([[stake.weight * u for row in stake.utility for u in row]])
        for stake in (stakes[user] for stakes in instance.stakes)
    ]
    return UserProblem(
        label=person.label,
        tree=_conversation_tree(instance.protocol),
        world_states=instance.world_states,
        n_actions=len(person.actions),
        n_states=len(instance.states),
        priors=priors,
        prior_scale=prior_scale,
        utility=utility,
        utility_scale=utility_scale,
        sides=sides,
        payoffs=tuple(table[0] for _, table in weighted),
        payoff_scales=tuple(scale for scale, _ in weighted),
    )


def rule_rows(instance: Instance, provider: int, rule: Rule) -> RuleRows[int]:
    """A rule run by provider c as the exact walk reads it, after checking that it fits.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        Index of the provider c running the rule.
    rule : Rule
        The rule, reading provider c's signals.

    Returns
    -------
    RuleRows
        Integers over the least common denominator of the rule's probabilities.

    Raises
    ------
    ModelError
        When the rule does not fit the provider's signals or the protocol.
    """
    return rows_in(instance, provider, rule, EXACT)


def rows_in(instance: Instance, provider: int, rule: Rule, numbers: Numbers[Number]) -> RuleRows[Number]:
    """A rule run by provider c in the given numbers, after checking that it fits.

    Parameters
    ----------
    instance : Instance
        The game.
    provider : int
        Index of the provider c running the rule.
    rule : Rule
        The rule, reading provider c's signals.
    numbers : Numbers
        :data:`EXACT` or :data:`FLOATS`.

    Returns
    -------
    RuleRows
        In every world, the rows of the signal seen there, and their scale.

    Raises
    ------
    ModelError
        When the rule does not fit the provider's signals or the protocol.
    """
    tree = _conversation_tree(instance.protocol)
    if len(rule.table) != len(instance.providers[provider].signals):
        raise ModelError(
            f"the rule reads {len(rule.table)} inputs but provider {instance.providers[provider].label} "
            f"has {len(instance.providers[provider].signals)} signals; lift shared rules first"
        )
    n_messages, n_nodes = len(instance.protocol.provider_messages), len(tree.provider_nodes)
    if any(len(row) != n_nodes or any(len(d) != n_messages for d in row) for row in rule.table):
        raise ModelError("the rule does not match the protocol's provider nodes and alphabet")
    # One scale for the whole rule: every distribution at every (input, node) in one table.
    scale, scaled = numbers.scaled([d for row in rule.table for d in row])
    by_input = [scaled[s * n_nodes : (s + 1) * n_nodes] for s in range(len(rule.table))]
    # Each world reads the rows of the provider's signal there.
    return RuleRows(tuple(by_input[s] for s in instance.world_signals[provider]), scale)


_SIGNS = {TiePolicy.CANONICAL: 0, TiePolicy.FAVOURABLE: 1, TiePolicy.ADVERSARIAL: -1}


def walk_response(
    problem: UserProblem[Number],
    rule: RuleRows[Number],
    policy: TiePolicy = TiePolicy.CANONICAL,
    beneficiary: int = 0,
    *,
    all_laws: bool = False,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> Walk[Number]:
    """The backward induction of SPEC.md §4 on numbers of one kind, once over every (feature, node).

    Exact callers pass integers (:func:`user_problem`, :func:`rule_rows`) and read the result over
    its scales; the same walk runs on floats.

    Parameters
    ----------
    problem : UserProblem
        The user's side.
    rule : RuleRows
        The rule's side.
    policy : TiePolicy
        Which optimal choice is selected.
    beneficiary : int
        The provider whose utility breaks ties (unused when canonical).
    all_laws : bool
        Also collect every outcome law of her best responses.
    law_limit : int
        With ``all_laws``, refuse when an intermediate set of laws grows beyond this size.

    Returns
    -------
    Walk
        Value, laws and choices, unscaled.

    Raises
    ------
    ClassTooLargeError
        When, with ``all_laws``, a set of laws met on the way outnumbers ``law_limit``.
    """
    return _walk(problem, rule, policy, beneficiary, all_laws, law_limit)


_Node = tuple[Number, Number, list[Number], set[tuple[Number, ...]] | None]
"""What the walk returns at a node: value, side value, selected law, every optimal law (scaled)."""


def _walk(
    problem: UserProblem[Number],
    rule: RuleRows[Number],
    policy: TiePolicy,
    beneficiary: int,
    all_laws: bool,
    law_limit: int,
) -> Walk[Number]:
    """The backward induction of SPEC.md §4.

    Every quantity is a number over one common denominator per kind: the joint prior over ``P``,
    the rule over ``R``, so that every leaf mass is over ``M = P·R^k`` with ``k`` provider turns;
    the user's utility over ``D_u`` (values over ``M·D_u``) and the beneficiary's over ``D_s``
    (side values, used only to compare).

    At a leaf she takes the actions of largest value; at her turn the messages of largest value;
    at the provider's turn the values add. Among her optimal choices the policy selects the first
    (canonical) or the first best (favourable) or worst (adversarial) for the beneficiary, by the
    side value of what she selects below. With ``all_laws``, optimal laws are unions over her
    optimal choices and Minkowski sums over the provider's messages and her features, each sum
    checked against ``law_limit``.
    """
    tree = problem.tree
    protocol = tree.protocol
    turns, length = protocol.turns, len(protocol.turns)
    n_provider_messages, n_user_messages = len(protocol.provider_messages), len(protocol.user_messages)
    n_states = problem.n_states
    size = problem.n_actions * n_states
    states = problem.world_states
    node_index = tree.provider_node_index
    sign = _SIGNS[policy]
    rows = rule.rows
    utility = problem.utility
    side_utility = problem.sides[beneficiary]

    ties_of_messages: dict[tuple[int, History], tuple[int, ...]] = {}
    ties_of_actions: dict[tuple[int, History], tuple[int, ...]] = {}
    chosen_messages: list[tuple[tuple[int, History], int]] = []
    chosen_actions: list[tuple[tuple[int, History], int]] = []
    zero_law: tuple[Number, ...] = (0,) * size

    def add(left: set[tuple[Number, ...]], right: set[tuple[Number, ...]]) -> set[tuple[Number, ...]]:
        result = {tuple([p + q for p, q in zip(a, b)]) for a in left for b in right}
        if len(result) > law_limit:
            raise ClassTooLargeError(
                f"the set of optimal outcome laws of user {problem.label}", len(result), law_limit, Limit.LAW
            )
        return result

    def walk(x: int, history: History, mass: Sequence[Number]) -> _Node[Number]:
        t = len(history)
        if t == length:
            totals: list[Number] = [0] * n_states
            for w, m in enumerate(mass):
                if m:
                    totals[states[w]] += m
            present = [(y, m) for y, m in enumerate(totals) if m]
            values = [sum([m * row[y] for y, m in present]) for row in utility]
            top = max(values)
            optimal = tuple([a for a, v in enumerate(values) if v == top])
            ties_of_actions[(x, history)] = optimal
            choice = optimal[0]
            side: Number = 0
            if sign:
                sides = {a: sum([m * side_utility[a][y] for y, m in present]) for a in optimal}
                choice = max(optimal, key=lambda a: sign * sides[a])
                side = sides[choice]
            chosen_actions.append(((x, history), choice))
            law = list(zero_law)
            for y, m in present:
                law[choice * n_states + y] = m
            laws: set[tuple[Number, ...]] | None = None
            if all_laws:
                laws = set()
                for a in optimal:
                    option = list(zero_law)
                    for y, m in present:
                        option[a * n_states + y] = m
                    laws.add(tuple(option))
            return top, side, law, laws
        if turns[t] == PROVIDER_TURN:
            node = node_index[history]
            value: Number = 0
            side_value: Number = 0
            total: list[Number] = list(zero_law)
            every: set[tuple[Number, ...]] | None = {zero_law} if all_laws else None
            for message in range(n_provider_messages):
                child = [m * rows[w][node][message] if m else 0 for w, m in enumerate(mass)]
                part_value, part_side, part_law, part_laws = walk(x, (*history, message), child)
                value += part_value
                side_value += part_side
                total = [p + q for p, q in zip(total, part_law)]
                if every is not None and part_laws is not None:
                    every = add(every, part_laws)
            return value, side_value, total, every
        results = [walk(x, (*history, message), mass) for message in range(n_user_messages)]
        top = max(r[0] for r in results)
        optimal = tuple([message for message, r in enumerate(results) if r[0] == top])
        ties_of_messages[(x, history)] = optimal
        choice = max(optimal, key=lambda message: sign * results[message][1]) if sign else optimal[0]
        chosen_messages.append(((x, history), choice))
        union = set().union(*(results[message][3] or () for message in optimal)) if all_laws else None
        return top, results[choice][1], results[choice][2], union

    value: Number = 0
    law: list[Number] = list(zero_law)
    every_law: set[tuple[Number, ...]] = {zero_law}
    for x, prior in enumerate(problem.priors):
        part_value, _, part_law, part_laws = walk(x, (), prior)
        value += part_value
        law = [p + q for p, q in zip(law, part_law)]
        if part_laws is not None:
            every_law = add(every_law, part_laws)
    return Walk(
        value=value,
        law=tuple(law),
        laws=every_law if all_laws else None,
        messages=chosen_messages,
        actions=chosen_actions,
        message_ties=ties_of_messages,
        action_ties=ties_of_actions,
        mass_scale=problem.prior_scale * rule.scale**tree.provider_turn_count,
    )


@functools.lru_cache(maxsize=64)
def _conversation_tree(protocol: Protocol) -> ConversationTree:
    """The conversation tree of a protocol, built once (with its node index) per protocol."""
    return ConversationTree(protocol)


def solve_response(
    instance: Instance,
    user: int,
    provider: int,
    rule: Rule,
    policy: TiePolicy = TiePolicy.CANONICAL,
    beneficiary: int | None = None,
) -> Response:
    """Compute user i's value of a rule and one optimal strategy, with explicit ties (SPEC.md §4).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of the user i.
    provider : int
        Index of the provider c running the rule (its signals feed the rule).
    rule : Rule
        The rule, reading provider c's signals.
    policy : TiePolicy
        Canonical, or favourable/adversarial to ``beneficiary``.
    beneficiary : int, optional
        The provider whose utility ``U_{k,i}`` breaks ties; defaults to ``provider``.

    Returns
    -------
    Response
        ``V_i(σ)``, the selected optimal strategy and its law ``I_i(a, y)``.
    """
    return solve_user_response(instance, user, provider, rule, policy, beneficiary).response


def user_value(instance: Instance, user: int, provider: int, rule: Rule) -> Fraction:
    """Return ``V_i(σ)`` for a rule run by a provider (SPEC.md §4).

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    Fraction
        The user's optimal expected utility.
    """
    return solve_user_response(instance, user, provider, rule).value


def find_tie_set(instance: Instance, user: int, provider: int, rule: Rule) -> TieSet:
    """Return every optimal message and action of user i against a rule, node by node.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.

    Returns
    -------
    TieSet
        At each (feature, node) the set of optimal choices; every combination is a best response.
    """
    return solve_user_response(instance, user, provider, rule).ties


def find_optimal_laws(
    instance: Instance, user: int, provider: int, rule: Rule, limit: int = DEFAULT_LAW_LIMIT
) -> frozenset[Table]:
    """Return every outcome law ``I_i`` that some best response of user i to a rule induces.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule.
    limit : int
        Refuse when an intermediate set of laws grows beyond this size.

    Returns
    -------
    frozenset of Table
        The distinct laws over the tie set (one law when the best response is unique in outcome).
    """
    laws = solve_user_response(instance, user, provider, rule, all_laws=True, law_limit=limit).laws
    assert laws is not None
    return laws


def _check_profile(instance: Instance, rules: Sequence[Rule]) -> None:
    """Refuse a profile that does not offer one rule per provider."""
    if len(rules) != len(instance.providers):
        raise ModelError(
            f"a profile needs one rule per provider ({len(instance.providers)}), got {len(rules)}"
        )


def respond_to_profile(
    instance: Instance,
    user: int,
    rules: Sequence[Rule],
    policy: TiePolicy = TiePolicy.CANONICAL,
    deviator: int | None = None,
) -> ProfileResponse:
    """User i's best response to a profile: the provider she picks and how she converses with it.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    rules : sequence of Rule
        The rule each provider offers her, in provider order.
    policy : TiePolicy
        ``CANONICAL``: first maximising provider and canonical strategy. ``FAVOURABLE``: the deviator
        if it is among her maximising providers, with her optimal strategy best for it; otherwise
        the maximising provider and strategy best for the deviator (strong Stackelberg ties).
        ``ADVERSARIAL``: among all optimal choices, the worst for the deviator.
    deviator : int, optional
        The provider the tie policy favours or opposes (required unless canonical).

    Returns
    -------
    ProfileResponse
        The chosen provider and the response.
    """
    _check_profile(instance, rules)
    if policy is TiePolicy.CANONICAL:
        canonical = [solve_response(instance, user, j, r) for j, r in enumerate(rules)]
        values = [r.value for r in canonical]
        best = values.index(max(values))
        return ProfileResponse(best, canonical[best])
    if deviator is None:
        raise ModelError(f"tie policy {policy.value} needs the deviating provider")
    responses = [solve_response(instance, user, j, r, policy, deviator) for j, r in enumerate(rules)]
    top = max(r.value for r in responses)
    optimal = [j for j, r in enumerate(responses) if r.value == top]
    if policy is TiePolicy.FAVOURABLE and deviator in optimal:
        return ProfileResponse(deviator, responses[deviator])
    sign = 1 if policy is TiePolicy.FAVOURABLE else -1
    utility = instance.stakes[deviator][user].utility
    chosen = max(optimal, key=lambda j: (sign * expected(responses[j].law, utility), -j))
    return ProfileResponse(chosen, responses[chosen])


def deviation_payoff_from_user(
    instance: Instance,
    user: int,
    rules: Sequence[Rule],
    deviator: int,
    provider: int,
    kept: Fraction,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
) -> Fraction:
    """Provider j's payoff from user i after j changes the rule it offers her (SPEC.md §4, cases 2–4).

    Case 1 (j's offer to her unchanged: she keeps ``b_i``) is the caller's; this is for a changed
    offer. Let ``top`` be her best value from the providers other than j.

    - Case 2, j attracts her: deviator-favourable ties, when j's value is at least ``top``;
      canonical ties, when it is above ``top`` or equal to it with j before every optimal rival in
      file order; adversarial ties, when it is above ``top``. She takes j's rule, with the policy's
      ties inside it.
    - Case 3, not attracted and her provider k in ``b`` is not j: she stays with k and keeps
      ``b_i``, so j gets ``kept``, its payoff from her equilibrium law.
    - Case 4, not attracted and she was with j: she re-chooses among her optimal other providers
      with the policy's ties (best for j, first in file order, worst for j).

    With adversarial ties, a tie between j and ``top`` gives the smaller of j's payoff if she takes
    j's rule and the payoff of cases 3–4.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    rules : sequence of Rule
        The rule each provider offers her after the deviation.
    deviator : int
        The deviating provider j.
    provider : int
        Her provider k in the equilibrium selection ``b_i``.
    kept : Fraction
        j's payoff from her under ``b_i`` (used when k is not j).
    policy : TiePolicy
        How ties are broken where she re-chooses.

    Returns
    -------
    Fraction
        ``λ_{j,i} E[U_{j,i}]`` under her reaction.
    """
    _check_profile(instance, rules)
    j = deviator
    own = solve_response(instance, user, j, rules[j], policy, j)
    own_payoff = provider_payoff(instance, j, user, own.law)
    rivals = [k for k in range(len(rules)) if k != j]
    if not rivals:
        return own_payoff
    responses = {k: solve_response(instance, user, k, rules[k], policy, j) for k in rivals}
    top = max(r.value for r in responses.values())
    optimal = [k for k in rivals if responses[k].value == top]
    if own.value > top:
        return own_payoff
    if own.value == top and (
        policy is TiePolicy.FAVOURABLE or (policy is TiePolicy.CANONICAL and j < optimal[0])
    ):
        return own_payoff
    if provider != j:
        if provider not in optimal:
            raise ModelError("her equilibrium provider must stay optimal when another provider deviates")
        fallback = kept
    else:
        payoffs = [provider_payoff(instance, j, user, responses[k].law) for k in optimal]
        if policy is TiePolicy.FAVOURABLE:
            fallback = max(payoffs)
        elif policy is TiePolicy.ADVERSARIAL:
            fallback = min(payoffs)
        else:
            fallback = payoffs[0]
    if own.value == top and policy is TiePolicy.ADVERSARIAL:
        return min(own_payoff, fallback)
    return fallback
