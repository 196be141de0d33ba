"""Hypothesis strategies for the counterexample search: small valid instances, built by construction.

Each instance is written as a document (SPEC.md §11) and read by
:func:`solver.core.serialization.instance_from_dict`; nothing is filtered, so shrinking lands on small,
readable instances: one state, one provider, utilities 0 or 1 (users who match the state),
providers aligned with their users, weights 1, the protocol ``[P]`` with one message.

The edges of the model are drawn on purpose, each with probability about ``1/RARE`` and shrinking
away from it: a zero stake ``λ_{j,i} = 0``; a signal that no world has; a user's last action
valued as her first in every state (a tie); a second provider that sees what the first sees in
every world (a tie between providers). One-state and one-message games are drawn as sizes.

The k-th world's state and signals are the options ``k + offset`` (mod their number), offsets
drawn, so shrinking spreads worlds over states and signals instead of collapsing them (with
``informative``, the offsets are 0 and every provider tells worlds apart as far as its signals
allow). A provider's utility from a user is hers (*aligned*), one minus hers (*opposed*) or a
table of its own: the first shrinks furthest, and the first two make Weak Market Alignment exact.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from solver.core.model import Instance
from solver.core.numbers import ZERO, format_number
from solver.core.serialization import instance_from_dict

DENOMINATORS = (1, 2, 4, 3)
"""Utility denominators ``q``; the first is where shrinking ends (utilities 0 or 1)."""
MAX_PROBABILITY_WEIGHT = 4
STAKE_KINDS = ("aligned", "opposed", "table")
RARE = 10
"""Each edge of the model is drawn with probability about ``1/RARE``."""


def rarely(draw: st.DrawFn) -> bool:
    """True about once in :data:`RARE` draws; shrinks to False.

    Parameters
    ----------
    draw : DrawFn
        Hypothesis' draw.

    Returns
    -------
    bool
        Whether to draw an edge.
    """
    return bool(draw(st.integers(0, RARE - 1)) == RARE - 1)


def _spell(value: Fraction) -> int | str:
    return format_number(value)


@st.composite
def search_documents(
    draw: st.DrawFn,
    *,
    min_states: int = 1,
    max_states: int = 3,
    min_providers: int = 1,
    max_providers: int = 2,
    min_signals: int = 1,
    max_signals: int = 3,
    min_users: int = 1,
    max_users: int = 2,
    min_actions: int = 2,
    max_actions: int = 3,
    max_worlds: int = 4,
    min_messages: int = 1,
    max_messages: int = 3,
    informative: bool = False,
    stake_kinds: tuple[str, ...] = STAKE_KINDS,
    report: bool = False,
    hedge: bool = False,
    mirrored: bool = False,
    edges: bool = True,
) -> dict[str, Any]:
    """A valid instance document for the search (SPEC.md §11).

    Parameters
    ----------
    draw : DrawFn
        Hypothesis' draw.
    min_states, max_states, min_providers, max_providers, min_signals, max_signals : int
        Size ranges.
    min_users, max_users, min_actions, max_actions, max_worlds, min_messages, max_messages : int
        Size ranges (at least as many worlds as states).
    informative : bool
        Zero offsets: the k-th world has the k-th state and the k-th signal of every provider.
    stake_kinds : tuple of str
        The kinds of provider utility drawn: ``aligned``, ``opposed``, ``table``.
    report : bool
        Also draw the protocol ``[U, P]`` (the user reports first).
    hedge : bool
        Give every user one more action, ``safe``, worth the same in every state.
    mirrored : bool
        Providers in pairs whose average utility from each user is exactly hers: the first is her
        utility moved by ``d`` with ``|d| ≤ min(u, 1 − u)``, the second ``2u`` minus the first, so
        Weak Market Alignment holds for the pair with zero error while neither is aligned alone.
    edges : bool
        Draw the edges of the model (zero stakes, unused signals, tied actions, twin providers),
        each about once in :data:`RARE`; without, nothing is drawn for them at all.

    Returns
    -------
    dict
        The document.
    """
    q = draw(st.sampled_from(DENOMINATORS))

    def unit() -> Fraction:
        return Fraction(draw(st.integers(0, q)), q)

    states = [f"y{k + 1}" for k in range(draw(st.integers(min_states, max_states)))]
    providers = {
        f"P{j + 1}": [f"s{k + 1}" for k in range(draw(st.integers(min_signals, max_signals)))]
        for j in range(draw(st.integers(min_providers, max_providers)))
    }
    names = list(providers)
    # Ties between providers: the second sees what the first sees, in every world.
    twin = edges and len(names) >= 2 and rarely(draw)
    if twin:
        providers[names[1]] = list(providers[names[0]])
    # A signal no world has: worlds draw the provider's signals but its last one.
    used = {
        p: signals[:-1]
        if edges and len(signals) >= 2 and not (twin and p == names[1]) and rarely(draw)
        else signals
        for p, signals in providers.items()
    }
    if twin:
        used[names[1]] = used[names[0]]
    count = draw(st.integers(len(states), max(len(states), max_worlds)))
    weights = [draw(st.integers(1, MAX_PROBABILITY_WEIGHT)) for _ in range(count)]

    def cyclic(options: list[str], k: int) -> str:
        offset = 0 if informative else draw(st.integers(0, len(options) - 1))
        return options[(k + offset) % len(options)]

    def signals_of(k: int) -> dict[str, str]:
        said = {p: cyclic(used[p], k) for p in names if not (twin and p == names[1])}
        if twin:
            said[names[1]] = said[names[0]]
        return {p: said[p] for p in names}

    worlds = {
        f"w{k + 1}": {
            "prob": _spell(Fraction(weight, sum(weights))),
            # The first len(states) worlds cover every state, so no state is without a world.
            "state": states[k] if k < len(states) else cyclic(states, k),
            "signals": signals_of(k),
        }
        for k, weight in enumerate(weights)
    }

    def user_body() -> dict[str, Any]:
        actions = [f"a{k + 1}" for k in range(draw(st.integers(min_actions, max_actions)))]
        if draw(st.booleans()):
            utility = {a: {y: unit() for y in states} for a in actions}
        else:
            # Matching the state: the k-th action is right in the k-th state, cyclically.
            utility = {
                a: {y: Fraction(int(k % len(actions) == n)) for k, y in enumerate(states)}
                for n, a in enumerate(actions)
            }
        if edges and len(actions) >= 2 and rarely(draw):
            # A tie: her last action is worth what her first is, in every state.
            utility[actions[-1]] = dict(utility[actions[0]])
        if hedge:
            # A safe action worth the same in every state: the hedge of a user who is unsure.
            worth = Fraction(draw(st.integers(1, q)), q) if q > 1 else Fraction(1, 2)
            utility["safe"] = dict.fromkeys(states, worth)
            actions = [*actions, "safe"]
        return {"actions": actions, "utility": utility}

    count_users = draw(st.integers(min_users, max_users))
    # Users share one utility unless drawn otherwise (sharing is where shrinking ends).
    independent = draw(st.booleans())
    shared = user_body()
    users = {f"U{i + 1}": user_body() if independent and i else shared for i in range(count_users)}
    stakes: dict[str, Any] = {}
    for position, p in enumerate(names):
        stakes[p] = {}
        for u, body in users.items():
            partner = names[position - 1] if mirrored and position % 2 == 1 else None
            kind = "mirror" if partner is not None else draw(st.sampled_from(stake_kinds))
            if partner is not None:
                # The pair's average is exactly her utility: 2u − U of the partner.
                table = {
                    a: {y: 2 * v - stakes[partner][u]["utility"][a][y] for y, v in row.items()}
                    for a, row in body["utility"].items()
                }
            elif mirrored and position % 2 == 0 and position + 1 < len(names):
                # Her utility moved by d with |d| ≤ min(u, 1 − u), so that the mirror stays in [0, 1].
                table = {
                    a: {y: v + min(v, 1 - v) * draw(st.integers(-2, 2)) / 2 for y, v in row.items()}
                    for a, row in body["utility"].items()
                }
            elif kind == "aligned":
                table = {a: dict(row) for a, row in body["utility"].items()}
            elif kind == "opposed":
                table = {a: {y: 1 - v for y, v in row.items()} for a, row in body["utility"].items()}
            else:
                table = {a: {y: unit() for y in states} for a in body["actions"]}
            # A zero stake now and then: the provider gains nothing from this user (SPEC.md §8, C1).
            weight = ZERO if edges and rarely(draw) else Fraction(draw(st.integers(1, 2 * q)), q)
            stakes[p][u] = {"weight": weight, "utility": table}
    turns = ["U", "P"] if report and draw(st.booleans()) else ["P"]
    # After a report, two provider messages keep the rule sets small enough to enumerate.
    top = max_messages if turns == ["P"] else min(max_messages, max(2, min_messages))
    protocol: dict[str, Any] = {
        "turns": turns,
        "provider_messages": [f"m{k + 1}" for k in range(draw(st.integers(min(min_messages, top), top)))],
        "user_messages": ["r1", "r2"] if turns[0] == "U" else [],
    }

    def spell(value: Any) -> Any:
        if isinstance(value, Fraction):
            return _spell(value)
        if isinstance(value, dict):
            return {k: spell(v) for k, v in value.items()}
        return value

    return {
        "schema_version": 1,
        "title": "hypothesis search instance",
        "states": states,
        "providers": {p: {"signals": signals} for p, signals in providers.items()},
        "users": {u: {"actions": b["actions"], "utility": spell(b["utility"])} for u, b in users.items()},
        "worlds": worlds,
        "stakes": spell(stakes),
        "protocol": protocol,
    }


def search_instances(**bounds: Any) -> st.SearchStrategy[Instance]:
    """Instances for the search, read by the loader from :func:`search_documents`.

    Parameters
    ----------
    **bounds
        Passed to :func:`search_documents`.

    Returns
    -------
    SearchStrategy
        Valid instances.
    """
    return search_documents(**bounds).map(instance_from_dict)
