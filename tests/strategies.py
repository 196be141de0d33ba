"""Hypothesis strategies that build valid instances, rules and cases by construction.

Every instance is first written as a document (the dictionary a YAML or JSON file parses to) and
then read by :func:`solver.core.serialization.instance_from_dict`, so the strategies also exercise the
loader. Nothing is filtered: probabilities come from positive integer weights normalised exactly,
utilities are ``k/q`` with a small ``q`` (or the 0/1 utility of matching the state), and every
label a table refers to is declared. Shrinking therefore lands on small, readable instances (one
state, one provider, utilities 0 or 1, ``[P]``).

Sizes (SPEC.md §1, §11): 1–3 states, 1–3 providers with 1–3 signals, 1–2 users with 2–3 actions,
optionally 2 private features with a kernel, 1–4 worlds; protocols ``[P]`` and ``[U, P]``, and
occasionally ``[P, P]`` and ``[U, P, U]``, with alphabets of 1–3 messages. Keyword arguments of
:func:`instance_documents` narrow the sizes or shape the information (``informative``,
``public``) so that a property meets the cases where it has something to say.

The edges of the model are reached by construction: stakes are ``k/q`` from ``k = 0``, so
``λ_{j,i} = 0`` is drawn; and, each with probability about ``1/RARE`` (shrinking away from it), a
signal that no world has, a user's last action valued as her first in every state, and a second
provider that sees what the first sees in every world. One-state, one-signal and one-message games
are sizes the ranges include.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from solver.conversation.garblings import Garbling, common_garbling
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict

MAX_STATES = 3
MAX_PROVIDERS = 3
MAX_SIGNALS = 3
MAX_USERS = 2
MIN_ACTIONS = 2
MAX_ACTIONS = 3
MAX_WORLDS = 4
FEATURE_COUNT = 2
DENOMINATORS = (1, 2, 4, 3)
"""Utility denominators ``q``; the first is where shrinking ends (utilities 0 or 1)."""
MAX_PROBABILITY_WEIGHT = 4
MAX_GRID = 4
"""Mixed rules have probabilities that are multiples of ``1/q`` for some ``q ≤ MAX_GRID``."""
RARE = 10
"""Each drawn edge of the model (unused signal, tied actions, twin providers) has probability ~1/RARE."""


def rarely(draw: st.DrawFn) -> bool:
    """True about once in :data:`RARE` draws; shrinks to False."""
    return bool(draw(st.integers(0, RARE - 1)) == RARE - 1)


TRICKY_LABELS = ("no", "null", "1", "~", "é", "a b", "x: y", "#c", "on", "0.5", "[z]", "-")
"""Labels that YAML would read as something else unless quoted, and labels with punctuation."""


@dataclass(frozen=True)
class Shape:
    """A protocol shape: the turns and the range of alphabet sizes drawn for it."""

    turns: tuple[str, ...]
    max_user_messages: int
    max_provider_messages: int
    min_provider_messages: int = 1
    min_user_messages: int = 1


SIGNAL = Shape(("P",), 0, 3)
REPORT_SIGNAL = Shape(("U", "P"), 3, 3)
TWO_SIGNALS = Shape(("P", "P"), 0, 3)
REPORT_SIGNAL_ACT = Shape(("U", "P", "U"), 3, 3)

DEFAULT_SHAPES: tuple[Shape, ...] = (
    SIGNAL,
    REPORT_SIGNAL,
    SIGNAL,
    REPORT_SIGNAL,
    SIGNAL,
    REPORT_SIGNAL,
    SIGNAL,
    REPORT_SIGNAL,
    TWO_SIGNALS,
    REPORT_SIGNAL_ACT,
)
"""``[P]`` and ``[U, P]`` four times in ten each, ``[P, P]`` and ``[U, P, U]`` once each."""

SMALL_SHAPES: tuple[Shape, ...] = (
    Shape(("P",), 0, 3),
    Shape(("U", "P"), 2, 2),
    Shape(("P",), 0, 3, min_provider_messages=2),
    Shape(("U", "P"), 2, 2, min_provider_messages=2, min_user_messages=2),
    Shape(("P", "P"), 0, 2),
    Shape(("U", "P", "U"), 2, 1, min_user_messages=2),
)
"""Trees small enough to enumerate every user strategy and every deterministic shared rule."""


# -- numbers -------------------------------------------------------------------------------------------


def decimal_spelling(value: Fraction) -> str | None:
    """The exact decimal spelling of a value, when it has one with few digits."""
    for digits in range(7):
        scaled = value * 10**digits
        if scaled.denominator == 1:
            whole, part = divmod(int(scaled), 10**digits)
            return f"{whole}.{part:0{digits}d}" if digits else f"{whole}.0"
    return None


@st.composite
def spellings(draw: st.DrawFn, value: Fraction, mixed: bool) -> int | str:
    """One exact spelling of a number: the canonical one, or an int, ``"p/q"``, ``"2p/2q"``, a decimal."""
    canonical: int | str = value.numerator if value.denominator == 1 else f"{value}"
    if not mixed:
        return canonical
    style = draw(st.sampled_from(("canonical", "unreduced", "decimal", "string")))
    if style == "unreduced":
        return f"{2 * value.numerator}/{2 * value.denominator}"
    if style == "decimal":
        decimal = decimal_spelling(value)
        return canonical if decimal is None else decimal
    if style == "string":
        return str(value)
    return canonical


@st.composite
def fractions_in_unit(draw: st.DrawFn, q: int) -> Fraction:
    """A number ``k/q`` in ``[0, 1]``."""
    return Fraction(draw(st.integers(0, q)), q)


@st.composite
def compositions(draw: st.DrawFn, total: int, parts: int) -> tuple[int, ...]:
    """Non-negative integers summing to ``total``; shrinks to everything on the last part."""
    result = []
    remaining = total
    for _ in range(parts - 1):
        k = draw(st.integers(0, remaining))
        result.append(k)
        remaining -= k
    result.append(remaining)
    return tuple(result)


# -- labels --------------------------------------------------------------------------------------------


@st.composite
def labels(draw: st.DrawFn, prefix: str, count: int, tricky: bool) -> list[str]:
    """``count`` distinct labels: ``prefix0, prefix1, ...``, or hard-to-quote ones."""
    if tricky and draw(st.booleans()):
        return draw(st.lists(st.sampled_from(TRICKY_LABELS), min_size=count, max_size=count, unique=True))
    return [f"{prefix}{k}" for k in range(count)]


# -- protocols -----------------------------------------------------------------------------------------


@st.composite
def protocol_documents(draw: st.DrawFn, shapes: Sequence[Shape] = DEFAULT_SHAPES) -> dict[str, Any]:
    """The ``protocol`` section of an instance file."""
    shape = draw(st.sampled_from(tuple(shapes)))
    provider_size = draw(st.integers(shape.min_provider_messages, shape.max_provider_messages))
    provider_messages = [f"m{k}" for k in range(provider_size)]
    document: dict[str, Any] = {}
    if shape.turns == ("P",) and draw(st.booleans()):
        document["turns"] = "signal"
    elif shape.turns == ("U", "P") and draw(st.booleans()):
        document["turns"] = "report-signal"
    else:
        document["turns"] = list(shape.turns)
    document["provider_messages"] = provider_messages
    if "U" in shape.turns:
        user_size = draw(st.integers(shape.min_user_messages, shape.max_user_messages))
        document["user_messages"] = [f"r{k}" for k in range(user_size)]
    elif draw(st.booleans()):
        document["user_messages"] = []
    return document


# -- instances -----------------------------------------------------------------------------------------


@st.composite
def instance_documents(
    draw: st.DrawFn,
    *,
    min_states: int = 1,
    max_states: int = MAX_STATES,
    min_providers: int = 1,
    max_providers: int = MAX_PROVIDERS,
    min_signals: int = 1,
    max_signals: int = MAX_SIGNALS,
    max_users: int = MAX_USERS,
    max_actions: int = MAX_ACTIONS,
    min_worlds: int = 1,
    max_worlds: int = MAX_WORLDS,
    features: bool = True,
    shapes: Sequence[Shape] = DEFAULT_SHAPES,
    tricky: bool = True,
    informative: bool = False,
    public: bool = False,
    zero_stakes: bool = True,
) -> dict[str, Any]:
    """A valid instance document (SPEC.md §11), built so that it passes every check.

    The k-th world's state and signals are the options ``k + offset`` (mod their number), offsets
    drawn, so that shrinking spreads worlds over states and signals instead of collapsing them.
    With ``informative``, the offsets of the states and of the first provider's signals are 0:
    the k-th world has the k-th state and, with enough signals, the first provider tells every
    world apart. With ``public``, the worlds fall into ``G`` groups (world k in group k mod G, G
    drawn) that every provider's signal reveals, plus a private refinement: the common garbling
    of any set of providers then has at least ``min(G, worlds)`` cells. Without ``zero_stakes``
    every stake is positive.
    """
    mixed = draw(st.booleans())

    def number(value: Fraction) -> int | str:
        return draw(spellings(value, mixed))

    q = draw(st.sampled_from(DENOMINATORS))

    def utility_table(actions: list[str], states: list[str]) -> dict[str, dict[str, int | str]]:
        return {a: {y: number(draw(fractions_in_unit(q))) for y in states} for a in actions}

    states = draw(labels("y", draw(st.integers(min_states, max_states)), tricky))
    provider_labels = draw(labels("P", draw(st.integers(min_providers, max_providers)), tricky))
    providers = {
        p: {"signals": draw(labels("s", draw(st.integers(min_signals, max_signals)), tricky))}
        for p in provider_labels
    }
    # A tie between providers: the second sees what the first sees, in every world.
    twin = provider_labels[1] if len(provider_labels) >= 2 and rarely(draw) else None
    if twin is not None:
        providers[twin] = {"signals": list(providers[provider_labels[0]]["signals"])}
    # A signal no world has: the worlds draw a provider's signals but its last one (not where the
    # shape of the information fixes every signal's place).
    used = {
        p: body["signals"][:-1]
        if len(body["signals"]) >= 2
        and p != twin
        and not public
        and not (informative and p == provider_labels[0])
        and rarely(draw)
        else body["signals"]
        for p, body in providers.items()
    }

    world_labels = draw(labels("w", draw(st.integers(min_worlds, max_worlds)), tricky))
    weights = [draw(st.integers(1, MAX_PROBABILITY_WEIGHT)) for _ in world_labels]
    total = sum(weights)

    def cyclic(options: list[str], k: int, fixed: bool = False) -> str:
        # An offset from the k-th option: shrinking to offset 0 spreads worlds over the options.
        return options[(k + (0 if fixed else draw(st.integers(0, len(options) - 1)))) % len(options)]

    groups = draw(st.integers(1, min(len(providers[p]["signals"]) for p in provider_labels))) if public else 1

    def grouped(options: list[str], k: int) -> str:
        # Signal g + groups * r: its index mod groups is the world's group g = k mod groups.
        g = k % groups
        return options[g + groups * draw(st.integers(0, (len(options) - 1 - g) // groups))]

    def signal(p: str, k: int) -> str:
        if public:
            return grouped(providers[p]["signals"], k)
        return cyclic(used[p], k, informative and p == provider_labels[0])

    def signals_of(k: int) -> dict[str, str]:
        said = {p: signal(p, k) for p in provider_labels if p != twin}
        if twin is not None:
            said[twin] = said[provider_labels[0]]
        return {p: said[p] for p in provider_labels}

    worlds = {
        w: {
            "prob": number(Fraction(weight, total)),
            "state": cyclic(states, k, informative),
            "signals": signals_of(k),
        }
        for k, (w, weight) in enumerate(zip(world_labels, weights))
    }

    user_labels = draw(labels("U", draw(st.integers(1, max_users)), tricky))
    users: dict[str, Any] = {}
    for label in user_labels:
        actions = draw(labels("a", draw(st.integers(MIN_ACTIONS, max_actions)), tricky))
        if draw(st.booleans()):
            utility = utility_table(actions, states)
        else:
            # Matching the state: the textbook user for whom information is worth the most.
            utility = {a: {y: int(k == m) for m, y in enumerate(states)} for k, a in enumerate(actions)}
        if rarely(draw):
            # A tie: her last action is worth what her first is, in every state.
            utility[actions[-1]] = dict(utility[actions[0]])
        body: dict[str, Any] = {"actions": actions, "utility": utility}
        if features and draw(st.booleans()):
            feature_labels = draw(labels("f", FEATURE_COUNT, tricky))
            body["features"] = feature_labels
            kernel = {}
            for w in world_labels:
                denominator = draw(st.integers(1, MAX_PROBABILITY_WEIGHT))
                parts = draw(compositions(denominator, FEATURE_COUNT))
                kernel[w] = {f: number(Fraction(k, denominator)) for f, k in zip(feature_labels, parts)}
            body["feature_kernel"] = kernel
        users[label] = body

    stakes = {
        p: {
            u: {
                "weight": number(Fraction(draw(st.integers(0 if zero_stakes else 1, 2 * q)), q)),
                "utility": utility_table(users[u]["actions"], states),
            }
            for u in user_labels
        }
        for p in provider_labels
    }

    document: dict[str, Any] = {"schema_version": 1}
    if draw(st.booleans()):
        document["title"] = "generated instance"
    document.update(
        {
            "states": states,
            "providers": providers,
            "users": users,
            "worlds": worlds,
            "stakes": stakes,
            "protocol": draw(protocol_documents(shapes)),
        }
    )
    return document


def instances(**bounds: Any) -> st.SearchStrategy[Instance]:
    """Valid instances, read from :func:`instance_documents` by the loader.

    Parameters
    ----------
    **bounds
        Passed to :func:`instance_documents` (``max_states``, ``shapes``, ``features`` ...).
    """
    return instance_documents(**bounds).map(instance_from_dict)


def small_instances(**bounds: Any) -> st.SearchStrategy[Instance]:
    """Instances whose trees and rule sets are small enough to enumerate (no tricky labels)."""
    bounds.setdefault("shapes", SMALL_SHAPES)
    bounds.setdefault("tricky", False)
    return instances(**bounds)


# -- rules ---------------------------------------------------------------------------------------------


def rule_shape(instance: Instance) -> tuple[int, int]:
    """Number of provider nodes and size of the provider alphabet."""
    return len(ConversationTree(instance.protocol).provider_nodes), len(instance.protocol.provider_messages)


@st.composite
def deterministic_tables(draw: st.DrawFn, inputs: int, nodes: int, size: int) -> Rule:
    """A deterministic rule with ``inputs`` rows, one message per (input, provider node).

    Either any message at each (input, node), or a pattern per node: reveal the input (up to a
    renaming) or say one message whatever the input. Patterned rules make nodes differ in what
    they tell, which is what makes a user's messages matter.
    """
    if draw(st.booleans()):
        choices = [[draw(st.integers(0, size - 1)) for _ in range(nodes)] for _ in range(inputs)]
    else:
        # Shrinks to revealing at even nodes and pooling at odd ones.
        patterns = [
            ((n % 2 == 0) != draw(st.booleans()), draw(st.integers(0, size - 1))) for n in range(nodes)
        ]
        choices = [
            [((s if reveal else 0) + offset) % size for reveal, offset in patterns] for s in range(inputs)
        ]
    return Rule.deterministic(choices, size)


@st.composite
def grid_tables(draw: st.DrawFn, inputs: int, nodes: int, size: int, max_q: int = MAX_GRID) -> Rule:
    """A mixed rule whose probabilities are multiples of ``1/q`` for some ``q ≤ max_q``."""
    q = draw(st.integers(1, max_q))
    return Rule(
        tuple(
            tuple(tuple(Fraction(k, q) for k in draw(compositions(q, size))) for _ in range(nodes))
            for _ in range(inputs)
        )
    )


def rule_tables(inputs: int, nodes: int, size: int) -> st.SearchStrategy[Rule]:
    """Deterministic or grid-valued mixed rules of the given shape."""
    return st.one_of(deterministic_tables(inputs, nodes, size), grid_tables(inputs, nodes, size))


def provider_rules(instance: Instance, provider: int) -> st.SearchStrategy[Rule]:
    """Rules that provider j may run: one row per signal of j (SPEC.md §2)."""
    nodes, size = rule_shape(instance)
    return rule_tables(len(instance.providers[provider].signals), nodes, size)


def shared_rules(instance: Instance, garbling: Garbling) -> st.SearchStrategy[Rule]:
    """T-shared rules, reading cells of the common garbling (SPEC.md §6)."""
    nodes, size = rule_shape(instance)
    return rule_tables(len(garbling.cells), nodes, size)


@st.composite
def provider_sets(draw: st.DrawFn, instance: Instance, min_size: int = 1) -> tuple[int, ...]:
    """A set T of providers with at least ``min_size`` members (fewer if there are not enough)."""
    m = len(instance.providers)
    chosen = draw(st.lists(st.integers(0, m - 1), min_size=min(min_size, m), max_size=m, unique=True))
    return tuple(sorted(chosen))


@dataclass(frozen=True)
class RuleCase:
    """A user meeting a rule run by a provider."""

    instance: Instance
    user: int
    provider: int
    rule: Rule


@st.composite
def rule_cases(
    draw: st.DrawFn,
    instance_strategy: st.SearchStrategy[Instance] | None = None,
    first_provider: bool = False,
) -> RuleCase:
    """An (instance, user, provider, rule) tuple with the rule reading that provider's signals.

    With ``first_provider`` the rule is run by the first provider (the informative one of
    ``instances(informative=True)``).
    """
    instance = draw(instances() if instance_strategy is None else instance_strategy)
    user = draw(st.integers(0, len(instance.users) - 1))
    provider = 0 if first_provider else draw(st.integers(0, len(instance.providers) - 1))
    rule = draw(provider_rules(instance, provider))
    return RuleCase(instance, user, provider, rule)


@dataclass(frozen=True)
class SharedCase:
    """A user, a set T with its common garbling, and a T-shared rule reading cells."""

    instance: Instance
    user: int
    garbling: Garbling
    rule: Rule


@st.composite
def shared_cases(
    draw: st.DrawFn, instance_strategy: st.SearchStrategy[Instance] | None = None, min_providers: int = 1
) -> SharedCase:
    """An (instance, user, T, T-shared rule) tuple, with at least ``min_providers`` in T if possible."""
    instance = draw(instances() if instance_strategy is None else instance_strategy)
    user = draw(st.integers(0, len(instance.users) - 1))
    garbling = common_garbling(instance, draw(provider_sets(instance, min_providers)))
    rule = draw(shared_rules(instance, garbling))
    return SharedCase(instance, user, garbling, rule)
