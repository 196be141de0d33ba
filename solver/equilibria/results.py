"""Frozen results of equilibrium computations, with provenance (SPEC.md §5, §9).

An :class:`Equilibrium` is a profile σ reported with, for each user, her utility (the same under
every best response), the providers she may use and her admissible selections, and for each
provider the range of its payoff over the best-response selections b that make (σ, b) an
equilibrium. A :class:`SolveResult` carries how it was obtained: method, class, tie policy for
deviations, δ, and whether it is exact.

The users' side of an equilibrium (:func:`find_user_selections`) plays each admissible selection
out: the provider she uses, the message she says at each of her turns and the action she takes
after each transcript, and the outcome law ``I_i(a, y)`` this induces (SPEC.md §3–4).
Equilibria that differ only by a renaming of the provider messages are grouped
(:func:`relabelling_key`, :func:`relabelling_groups`).

Every ``pluralis solve --json`` document, whatever the class, has the top-level fields of
:data:`SOLVE_FIELDS` (:func:`solve_document`).
"""

from __future__ import annotations

import enum
import itertools
import math
import operator
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, SupportsIndex, TypeVar, overload

from solver.conversation.classes import StrategyClass
from solver.conversation.protocol import ConversationTree, History
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import PROVIDER_TURN, Instance, Table
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode, payoff_vector
from solver.responses.response import (
    DEFAULT_LAW_LIMIT,
    Response,
    TiePolicy,
    UserStrategy,
    solve_response,
    solve_user_response,
)


class Method(enum.Enum):
    """The engine that found a :class:`SolveResult`'s equilibria."""

    ENUMERATE = "enumerate"
    """Exhaustive enumeration (:mod:`solver.equilibria.enumeration`)."""
    MIP = "mip"
    """The mixed-integer program (:mod:`solver.equilibria.mip`), every candidate re-checked exactly."""


Selection = tuple[int, tuple[Fraction, ...]]
"""A user's selection b_i at a profile: the provider she uses and every provider's payoff from her."""


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
        The providers she uses in some admissible selection b, in file order.
    selections : tuple of Selection
        Her selections b_i that some admissible selection b holds: the provider she uses and every
        provider's payoff from her outcome, in the order of her options (providers in file order,
        with each provider her canonical response first). Empty when not recorded.
    """

    user: int
    utility: Fraction
    providers: tuple[int, ...]
    selections: tuple[Selection, ...] = ()


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


class LazyEquilibria(Sequence[Equilibrium]):
    """Equilibria given by their profiles and built on first access, each once.

    To a reader it is the tuple of its equilibria: ``len``, indexing (a slice gives a tuple),
    iteration, ``in``, equality with a tuple or another such sequence, and its hash are the
    tuple's. Only the equilibria read are built (:func:`solver.equilibria.regret.examine`), so a
    solve that lists a few of millions builds a few.

    Parameters
    ----------
    profiles : sequence of tuple of int
        The equilibrium profiles, in order.
    build : callable
        Builds the equilibrium at a profile.
    built : mapping of int to Equilibrium, optional
        Equilibria already built, by position.
    """

    __slots__ = ("_build", "_built", "_profiles")

    def __init__(
        self,
        profiles: Sequence[tuple[int, ...]],
        build: Callable[[tuple[int, ...]], Equilibrium],
        built: Mapping[int, Equilibrium] | None = None,
    ) -> None:
        self._profiles = profiles
        self._build = build
        self._built: dict[int, Equilibrium] = dict(built or {})

    @property
    def profiles(self) -> Sequence[tuple[int, ...]]:
        """The equilibrium profiles, in order, without building anything."""
        return self._profiles

    @property
    def built(self) -> int:
        """How many equilibria have been built so far."""
        return len(self._built)

    def __len__(self) -> int:
        return len(self._profiles)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Equilibrium: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Equilibrium, ...]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Equilibrium | tuple[Equilibrium, ...]:
        if isinstance(index, slice):
            return tuple(self[k] for k in range(*index.indices(len(self))))
        k = operator.index(index)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError("equilibrium index out of range")
        equilibrium = self._built.get(k)
        if equilibrium is None:
            equilibrium = self._build(self._profiles[k])
            self._built[k] = equilibrium
        return equilibrium

    def __iter__(self) -> Iterator[Equilibrium]:
        return (self[k] for k in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, LazyEquilibria)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"LazyEquilibria({len(self)} equilibria, {len(self._built)} built)"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (and deep-copied) as the tuple it stands for: the builder need not travel.
        return (tuple, (tuple(self),))


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
    equilibria : sequence of Equilibrium
        Anonymous game: the equilibria. Personalized game: the equilibria of each user's slice that
        take part in some equilibrium of the whole game, user by user. A tuple, or a
        :class:`LazyEquilibria` that builds each equilibrium when it is read.
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
    equilibria: Sequence[Equilibrium]
    count: int
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]
    notes: tuple[str, ...] = ()


def _number(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


# -- the users' side ----------------------------------------------------------------------------------


Node = tuple[int, History]
"""A (feature, transcript) pair: where a user speaks or acts."""


@dataclass(frozen=True)
class UserSelection:
    """One admissible selection b_i of a user, played out (SPEC.md §3–4).

    Attributes
    ----------
    provider : int
        The provider she uses.
    strategy : UserStrategy
        Her optimal message and action maps ``(μ, d)`` against that provider's rule, at every
        (feature, transcript), reached or not.
    law : Table
        The outcome law ``I_i(a, y)`` it induces, indexed ``[action][state]``.
    reach : tuple of (Node, Fraction)
        Every user node and leaf she reaches with positive probability, with that probability
        (jointly with her feature), in tree order.
    payoffs : tuple of Fraction
        Every provider's payoff ``λ_{j,i} E_I[U_{j,i}]`` from her outcome.
    """

    provider: int
    strategy: UserStrategy
    law: Table
    reach: tuple[tuple[Node, Fraction], ...]
    payoffs: tuple[Fraction, ...]

    @property
    def outcome(self) -> tuple[Fraction, ...]:
        """The probability of each action, ``Σ_y I_i(a, y)``, in file order."""
        return tuple(sum(row, ZERO) for row in self.law)


def play_strategy(
    instance: Instance, user: int, provider: int, rule: Rule, strategy: UserStrategy
) -> tuple[Table, tuple[tuple[Node, Fraction], ...]]:
    """The outcome law of a user's strategy against a rule, and where she gets to (SPEC.md §3).

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider running the rule.
    rule : Rule
        The rule, reading the provider's signals.
    strategy : UserStrategy
        Her message map at every user node and action map at every leaf.

    Returns
    -------
    law : Table
        ``I_i(a, y) = Σ π_i(x, ω) L_σ(ω, h) [d(x, h) = a]``, indexed ``[action][state]``.
    reach : tuple of (Node, Fraction)
        Each user node and leaf reached with positive probability, with that probability.
    """
    tree = ConversationTree(instance.protocol)
    turns = instance.protocol.turns
    index = tree.provider_node_index
    signals = instance.world_signals[provider]
    states = instance.world_states
    messages = dict(strategy.messages)
    actions = dict(strategy.actions)
    law = [[ZERO] * len(instance.states) for _ in instance.users[user].actions]
    reach: dict[Node, Fraction] = {}

    def walk(x: int, world: int, history: History, mass: Fraction) -> None:
        t = len(history)
        if t == tree.length or turns[t] != PROVIDER_TURN:
            reach[(x, history)] = reach.get((x, history), ZERO) + mass
        if t == tree.length:
            law[actions[(x, history)]][states[world]] += mass
        elif turns[t] == PROVIDER_TURN:
            for m, p in enumerate(rule.table[signals[world]][index[history]]):
                if p:
                    walk(x, world, (*history, m), mass * p)
        else:
            walk(x, world, (*history, messages[(x, history)]), mass)

    for x, prior in enumerate(instance.joint_prior(user)):
        for world, mass in enumerate(prior):
            if mass:
                walk(x, world, (), mass)
    order = {node: k for k, node in enumerate(_nodes(instance, tree))}
    return (
        tuple(tuple(row) for row in law),
        tuple(sorted(reach.items(), key=lambda item: order[item[0]])),
    )


def _nodes(instance: Instance, tree: ConversationTree) -> Iterator[Node]:
    """Every (feature, user node or leaf) of the game's largest feature set, features outermost."""
    features = max(len(u.features) for u in instance.users)
    nodes = sorted((*tree.user_nodes, *tree.leaves), key=lambda h: (len(h), h))
    return ((x, h) for x in range(features) for h in nodes)


def _played(instance: Instance, user: int, provider: int, rule: Rule, response: Response) -> UserSelection:
    law, reach = play_strategy(instance, user, provider, rule, response.strategy)
    return UserSelection(provider, response.strategy, law, reach, payoff_vector(instance, user, law))


def find_user_selection(
    instance: Instance,
    user: int,
    provider: int,
    rule: Rule,
    payoffs: Sequence[Fraction] | None = None,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> UserSelection:
    """A best response of a user to a rule that gives the providers the payoffs asked for.

    Her canonical response is tried first, then the responses favourable and adversarial to each
    provider, then every combination of her optimal choices at the nodes she can reach.

    Parameters
    ----------
    instance : Instance
        The game.
    user, provider : int
        Indices of the user and of the provider whose rule she uses.
    rule : Rule
        That provider's rule.
    payoffs : sequence of Fraction, optional
        Every provider's payoff from her outcome (None: her canonical response).
    law_limit : int
        The most combinations of her optimal choices tried.

    Returns
    -------
    UserSelection
        The selection, played out.

    Raises
    ------
    ModelError
        When no best response gives those payoffs.
    ClassTooLargeError
        When ``law_limit`` combinations were tried without finding one.
    """
    wanted = None if payoffs is None else tuple(payoffs)
    canonical = solve_user_response(instance, user, provider, rule)
    seen: set[UserStrategy] = set()
    for response in itertools.chain((canonical.response,), _policy_responses(instance, user, provider, rule)):
        if response.strategy in seen:
            continue
        seen.add(response.strategy)
        if wanted is None or payoff_vector(instance, user, response.law) == wanted:
            return _played(instance, user, provider, rule, response)
    base = canonical.strategy
    reachable = _reachable(instance, user, provider, rule)
    ties = canonical.ties
    free = [(kind, node, choices) for kind, table in (("m", ties.messages), ("a", ties.actions))
            for node, choices in table if node in reachable and len(choices) > 1]  # fmt: skip
    size = math.prod(len(choices) for _, _, choices in free)
    label = instance.users[user].label
    for tried, combination in enumerate(itertools.product(*(choices for _, _, choices in free))):
        if tried >= law_limit:
            raise ClassTooLargeError(
                f"the best responses of user {label} searched for her equilibrium outcome",
                size,
                law_limit,
                Limit.LAW,
            )
        messages, actions = dict(base.messages), dict(base.actions)
        for (kind, node, _), choice in zip(free, combination):
            (messages if kind == "m" else actions)[node] = choice
        strategy = UserStrategy(tuple(sorted(messages.items())), tuple(sorted(actions.items())))
        law, reach = play_strategy(instance, user, provider, rule, strategy)
        found = payoff_vector(instance, user, law)
        if found == wanted:
            return UserSelection(provider, strategy, law, reach, found)
    raise ModelError(
        f"no best response of user {label} to the rule of provider {instance.providers[provider].label} "
        "gives the payoffs of her selection"
    )


def _policy_responses(instance: Instance, user: int, provider: int, rule: Rule) -> Iterator[Response]:
    """Her responses favourable, then adversarial, to each provider in turn."""
    for policy in (TiePolicy.FAVOURABLE, TiePolicy.ADVERSARIAL):
        for beneficiary in range(len(instance.providers)):
            yield solve_response(instance, user, provider, rule, policy, beneficiary)


def _reachable(instance: Instance, user: int, provider: int, rule: Rule) -> set[Node]:
    """The user nodes and leaves some strategy of hers reaches with positive probability."""
    tree = ConversationTree(instance.protocol)
    turns = instance.protocol.turns
    index = tree.provider_node_index
    signals = instance.world_signals[provider]
    found: set[Node] = set()

    def walk(x: int, world: int, history: History) -> None:
        t = len(history)
        if t < tree.length and turns[t] == PROVIDER_TURN:
            for m, p in enumerate(rule.table[signals[world]][index[history]]):
                if p:
                    walk(x, world, (*history, m))
            return
        found.add((x, history))
        if t < tree.length:
            for m in range(len(instance.protocol.user_messages)):
                walk(x, world, (*history, m))

    for x, prior in enumerate(instance.joint_prior(user)):
        for world, mass in enumerate(prior):
            if mass:
                walk(x, world, ())
    return found


def find_user_selections(
    instance: Instance,
    rules: Sequence[Rule],
    outcome: UserOutcome,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> tuple[UserSelection, ...]:
    """A user's side of an equilibrium: each of her admissible selections, played out (SPEC.md §3–4).

    Parameters
    ----------
    instance : Instance
        The game.
    rules : sequence of Rule
        The rule each provider offers her.
    outcome : UserOutcome
        Her outcome at the equilibrium. When it records no selections, her canonical response to
        each provider she may use is played out.
    law_limit : int
        The most combinations of her optimal choices tried for one selection.

    Returns
    -------
    tuple of UserSelection
        One per selection of ``outcome``, in its order.
    """
    wanted: Sequence[tuple[int, tuple[Fraction, ...] | None]] = outcome.selections or tuple(
        (k, None) for k in outcome.providers
    )
    return tuple(
        find_user_selection(instance, outcome.user, k, rules[k], payoffs, law_limit) for k, payoffs in wanted
    )


def selection_to_json(instance: Instance, user: int, selection: UserSelection) -> dict[str, Any]:
    """A user's selection as JSON, labels as keys and numbers as exact strings.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Her index.
    selection : UserSelection
        The selection.

    Returns
    -------
    dict
        ``{"provider", "messages": {FEATURE: [{"history", "message", "probability"}]}, "actions":
        {FEATURE: [{"history", "action", "probability"}]}, "law": {ACTION: {STATE: p}}, "outcome":
        {ACTION: p}, "payoffs": {PROVIDER: p}}``. Every node of her strategy is listed, each with
        the probability that she gets there (``"0"`` off the path of play); histories are lists of
        message labels.
    """
    tree = ConversationTree(instance.protocol)
    u = instance.users[user]
    reach = dict(selection.reach)
    messages: dict[str, list[dict[str, Any]]] = {f: [] for f in u.features}
    for (x, history), m in selection.strategy.messages:
        messages[u.features[x]].append(
            {
                "history": tree.labels(history),
                "message": instance.protocol.user_messages[m],
                "probability": str(reach.get((x, history), ZERO)),
            }
        )
    actions: dict[str, list[dict[str, Any]]] = {f: [] for f in u.features}
    for (x, history), a in selection.strategy.actions:
        actions[u.features[x]].append(
            {
                "history": tree.labels(history),
                "action": u.actions[a],
                "probability": str(reach.get((x, history), ZERO)),
            }
        )
    return {
        "provider": instance.providers[selection.provider].label,
        "messages": {f: entries for f, entries in messages.items() if entries},
        "actions": actions,
        "law": {
            a: {y: str(p) for y, p in zip(instance.states, row)} for a, row in zip(u.actions, selection.law)
        },
        "outcome": {a: str(p) for a, p in zip(u.actions, selection.outcome)},
        "payoffs": {p.label: str(v) for p, v in zip(instance.providers, selection.payoffs)},
    }


def describe_strategy(instance: Instance, user: int, selection: UserSelection) -> str:
    """What a user says and does where she gets to, in one line.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Her index.
    selection : UserSelection
        The selection.

    Returns
    -------
    str
        For example ``"m1 → convict, m2 → acquit"``: her message at each of her turns (``says
        r1``, ``says r2 after r1/m1``) and her action after each transcript (``r1/m1 → a``), per
        feature (``f1: ...; f2: ...``) when she has several. Transcripts she never reaches are left
        out.
    """
    tree = ConversationTree(instance.protocol)
    u = instance.users[user]
    reached = {node for node, p in selection.reach if p}
    parts = []
    for x, feature in enumerate(u.features):
        said = [
            f"says {instance.protocol.user_messages[m]}" + (f" after {tree.spell(h)}" if h else "")
            for (fx, h), m in selection.strategy.messages
            if fx == x and (x, h) in reached
        ]
        done = [
            f"{tree.spell(h)} → {u.actions[a]}"
            for (fx, h), a in selection.strategy.actions
            if fx == x and (x, h) in reached
        ]
        if said or done:
            text = ", ".join(said + done)
            parts.append(text if len(u.features) == 1 else f"{feature}: {text}")
    return "; ".join(parts)


def describe_outcome(instance: Instance, user: int, selection: UserSelection) -> str:
    """The probability of each action a user may take, e.g. ``"acquit 2/5, convict 3/5"``.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Her index.
    selection : UserSelection
        The selection.

    Returns
    -------
    str
        Her actions of positive probability, in file order, each with its probability.
    """
    actions = instance.users[user].actions
    return ", ".join(f"{a} {p}" for a, p in zip(actions, selection.outcome) if p)


def describe_selection(instance: Instance, user: int, selection: UserSelection) -> str:
    """A user's selection in one line: what she says and does where she gets to, and her outcome.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Her index.
    selection : UserSelection
        The selection.

    Returns
    -------
    str
        :func:`describe_strategy` and :func:`describe_outcome`, e.g. ``"m1 → convict, m2 →
        acquit; outcome: acquit 7/10, convict 3/10"``.
    """
    strategy = describe_strategy(instance, user, selection)
    outcome = f"outcome: {describe_outcome(instance, user, selection)}"
    return f"{strategy}; {outcome}" if strategy else outcome


def outcome_to_json(
    instance: Instance, outcome: UserOutcome, selections: Sequence[UserSelection]
) -> dict[str, Any]:
    """A user's side of an equilibrium as JSON.

    Parameters
    ----------
    instance : Instance
        The game.
    outcome : UserOutcome
        Her outcome.
    selections : sequence of UserSelection
        Her selections played out (:func:`find_user_selections`).

    Returns
    -------
    dict
        ``{"provider": P, "providers": [P, ...], "utility": "p/q", "responses": [...]}``: the first
        provider she may use, all of them, her utility, and each admissible selection
        (:func:`selection_to_json`).
    """
    return {
        "provider": instance.providers[outcome.providers[0]].label,
        "providers": [instance.providers[j].label for j in outcome.providers],
        "utility": str(outcome.utility),
        "responses": [selection_to_json(instance, outcome.user, s) for s in selections],
    }


def equilibrium_to_json(
    instance: Instance, equilibrium: Equilibrium, law_limit: int = DEFAULT_LAW_LIMIT
) -> dict[str, Any]:
    """The JSON form of an equilibrium, labels as keys and numbers as exact strings.

    Parameters
    ----------
    instance : Instance
        The game.
    equilibrium : Equilibrium
        The equilibrium.
    law_limit : int
        The most combinations of a user's optimal choices tried to play out one of her selections.

    Returns
    -------
    dict
        ``{"users": {USER: {"provider", "providers", "utility", "responses"}}, "providers": {P:
        {"payoff", "deviation"}}, "rules": {P: {...}}}``, where a payoff and a deviation payoff are
        each a pair ``[lowest, highest]`` over the admissible selections (equal when b does not
        matter), and each user's ``responses`` play out her admissible selections
        (:func:`outcome_to_json`).
    """
    tree = ConversationTree(instance.protocol)
    users = {
        instance.users[o.user].label: outcome_to_json(
            instance, o, find_user_selections(instance, equilibrium.rules, o, law_limit)
        )
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


# -- equilibria that differ by a renaming of the messages ---------------------------------------------


def relabelling_key(instance: Instance, equilibrium: Equilibrium) -> Hashable:
    """What an equilibrium keeps under every renaming of the provider messages.

    A renaming π of the provider alphabet sends every rule σ_j to the rule that says π(m) where σ_j
    said m (after the renamed transcript). Each user's decision problem against the renamed rule
    is hers against σ_j with messages renamed, so values, outcome laws and payoffs are kept. Two
    equilibria have the same key exactly when one profile is a renaming of the other (one π for
    every provider) and they agree on users, utilities, selections, payoffs and deviations.

    Parameters
    ----------
    instance : Instance
        The game.
    equilibrium : Equilibrium
        The equilibrium.

    Returns
    -------
    hashable
        The key.
    """
    tree = ConversationTree(instance.protocol)
    size = len(instance.protocol.provider_messages)
    rules = equilibrium.rules
    if tree.provider_turn_count <= 1:
        # No provider node follows a provider turn: a renaming only permutes the message columns of
        # the profile's table, so the sorted columns are the key.
        profile: Hashable = tuple(
            sorted(tuple(d[m] for rule in rules for row in rule.table for d in row) for m in range(size))
        )
    else:
        profile = min(
            tuple(rule.relabel(permutation, tree).table for rule in rules)
            for permutation in itertools.permutations(range(size))
        )
    return (
        equilibrium.users,
        profile,
        equilibrium.outcomes,
        equilibrium.payoffs,
        equilibrium.deviations,
        equilibrium.canonical,
    )


def relabelling_groups(keys: Sequence[Hashable]) -> tuple[int, ...]:
    """Number equal keys' groups 1, 2, ... in order of first appearance.

    Parameters
    ----------
    keys : sequence of hashable
        One key per equilibrium (:func:`relabelling_key`, with more fields where needed).

    Returns
    -------
    tuple of int
        Each equilibrium's group.
    """
    numbers: dict[Hashable, int] = {}
    return tuple(numbers.setdefault(key, len(numbers) + 1) for key in keys)


def groups_to_json(groups: Sequence[int], listed: int) -> list[dict[str, int]]:
    """The groups that hold a listed equilibrium: ``{"group", "size", "representative"}``.

    Parameters
    ----------
    groups : sequence of int
        Each equilibrium's group (:func:`relabelling_groups`), in order.
    listed : int
        How many equilibria, from the first, a document lists.

    Returns
    -------
    list of dict
        Per group with a listed member, in order: its number, its size over every equilibrium and
        the number (from 1) of its first equilibrium, the one a grouped table shows.
    """
    sizes: dict[int, int] = {}
    first: dict[int, int] = {}
    for k, g in enumerate(groups):
        sizes[g] = sizes.get(g, 0) + 1
        first.setdefault(g, k + 1)
    shown = sorted({g for g in groups[:listed]})
    return [{"group": g, "size": sizes[g], "representative": first[g]} for g in shown]


# -- the solve document ---------------------------------------------------------------------------------


SOLVE_SCHEMA = "pluralis.solve/1"
"""The schema of every ``pluralis solve --json`` document (README, "JSON output")."""

SOLVE_FIELDS = (
    "kind",
    "mode",
    "class",
    "searched_class",
    "tie_policy",
    "delta",
    "method",
    "oracle",
    "exact",
    "status",
    "complete",
    "count",
    "finite_count",
    "finite_complete",
    "checked",
    "worst",
    "best",
    "equilibria_listed",
    "truncated",
    "group_count",
    "groups",
    "equilibria",
    "commitments",
    "certificates",
    "certificates_removed",
    "other_tie_policies",
    "notes",
)
"""The top-level fields of every solve document, in order, whatever the class (README, "JSON output")."""


def solve_document(**fields: Any) -> dict[str, Any]:
    """A solve document with exactly the fields of :data:`SOLVE_FIELDS`, in that order.

    Parameters
    ----------
    **fields
        Every field of :data:`SOLVE_FIELDS`.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    ModelError
        When a field is missing or unknown.
    """
    missing = [f for f in SOLVE_FIELDS if f not in fields]
    unknown = [f for f in fields if f not in SOLVE_FIELDS]
    if missing or unknown:
        raise ModelError(
            f"a solve document needs the fields {SOLVE_FIELDS}; missing {missing}, unknown {unknown}"
        )
    return {f: fields[f] for f in SOLVE_FIELDS}


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


def result_to_json(
    instance: Instance,
    result: SolveResult,
    limit: int | None = None,
    other_tie_policies: dict[str, Any] | None = None,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> dict[str, Any]:
    """The JSON form of a solve result over a finite class (``"kind": "finite"``).

    Parameters
    ----------
    instance : Instance
        The game.
    result : SolveResult
        The result.
    limit : int, optional
        The most equilibria listed (all when None). The counts, worst, best and groups stay over
        every equilibrium; ``equilibria_listed`` says how many are listed and ``truncated`` whether
        some were left out.
    other_tie_policies : dict, optional
        How many equilibria the other tie policies give, when counted.
    law_limit : int
        The most combinations of a user's optimal choices tried to play out one of her selections.

    Returns
    -------
    dict
        The fields of :data:`SOLVE_FIELDS`: ``{"kind": "finite", "equilibria": [...], "count": N,
        "worst": {USER: "p/q"}, "best": {...}, "groups": [...], ...provenance}``; each equilibrium
        carries its ``group`` of renamings (:func:`relabelling_groups`).
    """
    labels = [u.label for u in instance.users]
    listed = listed_equilibria(result.equilibria, limit)
    groups = relabelling_groups([relabelling_key(instance, e) for e in result.equilibria])
    equilibria = []
    for e, group in zip(listed, groups):
        entry = equilibrium_to_json(instance, e, law_limit)
        entry["group"] = group
        equilibria.append(entry)
    return solve_document(
        kind="finite",
        mode=result.mode.value,
        **{"class": result.strategy_class.name},
        searched_class=None,
        tie_policy=result.policy.value,
        delta=str(result.delta),
        method=result.method.value,
        oracle=None,
        exact=result.exact,
        status=None,
        complete=result.complete,
        count=result.count,
        finite_count=None,
        finite_complete=None,
        checked=None,
        worst={label: _number(v) for label, v in zip(labels, result.worst)},
        best={label: _number(v) for label, v in zip(labels, result.best)},
        equilibria_listed=len(listed),
        truncated=len(listed) < len(result.equilibria),
        group_count=len(set(groups)),
        groups=groups_to_json(groups, len(listed)),
        equilibria=equilibria,
        commitments=[],
        certificates=[],
        certificates_removed=[],
        other_tie_policies=other_tie_policies,
        notes=list(result.notes),
    )
