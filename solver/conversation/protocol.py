"""Conversation trees of a protocol (SPEC.md §2).

A transcript (history) is a tuple of message indices, one per turn spoken so far. The tree of a
protocol has provider nodes (histories after which the provider speaks), user nodes and leaves
(complete transcripts, after which the user acts).

Files write a history as the list of its message labels (:meth:`ConversationTree.labels`): two
different histories are two different lists whatever the labels are. The joined spelling of
:meth:`ConversationTree.spell` is for text meant for people only; messages ``x``, ``y/z`` and
``x/y``, ``z`` spell alike there.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from functools import cached_property

from solver.core.model import PROVIDER_TURN, USER_TURN, Protocol

History = tuple[int, ...]
"""A transcript: the index of the message spoken at each turn so far."""


@dataclass(frozen=True)
class ConversationTree:
    """All transcripts of a protocol, by kind of node.

    Parameters
    ----------
    protocol : Protocol
        The turn sequence and alphabets.
    """

    protocol: Protocol

    @property
    def length(self) -> int:
        """Number of turns."""
        return len(self.protocol.turns)

    def histories(self, length: int) -> tuple[History, ...]:
        """Every transcript with ``length`` turns, in lexicographic (file) order.

        Parameters
        ----------
        length : int
            Number of turns spoken.

        Returns
        -------
        tuple of History
            The transcripts.
        """
        sizes = [len(self.protocol.alphabet(t)) for t in range(length)]
        return tuple(itertools.product(*(range(s) for s in sizes)))

    @cached_property
    def provider_nodes(self) -> tuple[History, ...]:
        """Histories after which the provider speaks, by length then lexicographically."""
        return _shape(self.protocol).provider_nodes

    @cached_property
    def user_nodes(self) -> tuple[History, ...]:
        """Histories after which the user speaks."""
        return _shape(self.protocol).user_nodes

    @cached_property
    def leaves(self) -> tuple[History, ...]:
        """Complete transcripts, after which the user acts."""
        return _shape(self.protocol).leaves

    @cached_property
    def provider_node_index(self) -> dict[History, int]:
        """Position of every provider node in :attr:`provider_nodes`."""
        return _shape(self.protocol).provider_node_index

    @cached_property
    def provider_turn_count(self) -> int:
        """Number of provider turns in the protocol."""
        return self.protocol.turns.count(PROVIDER_TURN)

    def labels(self, history: History) -> list[str]:
        """A transcript as the list of its message labels, the form every file writes.

        Parameters
        ----------
        history : History
            The transcript.

        Returns
        -------
        list of str
            The label of the message spoken at each turn (empty for the empty transcript).
        """
        return [self.protocol.alphabet(t)[m] for t, m in enumerate(history)]

    def spell(self, history: History) -> str:
        """Write a transcript readably, e.g. ``"report_a/m1"`` (``"∅"`` when empty).

        For people only: labels containing ``/`` or named ``∅`` make two transcripts spell alike, so
        no file, key or name is built from it (use :meth:`labels`).

        Parameters
        ----------
        history : History
            The transcript.

        Returns
        -------
        str
            Its labels joined by ``/``.
        """
        if not history:
            return "∅"
        return "/".join(self.protocol.alphabet(t)[m] for t, m in enumerate(history))


@dataclass(frozen=True)
class _Shape:
    """The nodes of a protocol's tree, computed once per protocol and shared by all its trees."""

    provider_nodes: tuple[History, ...]
    user_nodes: tuple[History, ...]
    leaves: tuple[History, ...]
    provider_node_index: dict[History, int]


@functools.lru_cache(maxsize=256)
def _shape(protocol: Protocol) -> _Shape:
    tree = ConversationTree(protocol)

    def nodes(kind: str) -> tuple[History, ...]:
        found: list[History] = []
        for t, turn in enumerate(protocol.turns):
            if turn == kind:
                found.extend(tree.histories(t))
        return tuple(found)

    provider_nodes = nodes(PROVIDER_TURN)
    return _Shape(
        provider_nodes,
        nodes(USER_TURN),
        tree.histories(len(protocol.turns)),
        {h: k for k, h in enumerate(provider_nodes)},
    )
