"""Provider rules (SPEC.md §2): what a provider says at each of its nodes, given what it reads.

A :class:`Rule` is a table ``table[s][n]`` giving, for the s-th thing the rule reads (a signal of
the provider running it, or a cell of a common garbling for shared rules, SPEC.md §6) and the n-th
provider node of the conversation tree, a distribution over the provider alphabet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.conversation.protocol import ConversationTree
from solver.core.errors import ModelError
from solver.core.model import PROVIDER_TURN
from solver.core.numbers import ONE, ZERO

Distribution = tuple[Fraction, ...]
"""A probability distribution over the provider alphabet, in file order."""


@dataclass(frozen=True)
class Rule:
    """A provider rule: for each input and each provider node, a distribution over messages.

    Attributes
    ----------
    table : tuple of tuple of Distribution
        ``table[s][n]`` is the distribution at input s (signal or cell) and provider node n.
    """

    table: tuple[tuple[Distribution, ...], ...]

    def __post_init__(self) -> None:
        for s, row in enumerate(self.table):
            for n, distribution in enumerate(row):
                if any(p < 0 for p in distribution) or sum(distribution, ZERO) != ONE:
                    raise ModelError(
                        f"rule entry [{s}][{n}] is not a probability distribution: {distribution}"
                    )

    @classmethod
    def deterministic(cls, choices: Sequence[Sequence[int]], alphabet_size: int) -> Rule:
        """Build a deterministic rule from the message chosen at each (input, node).

        Parameters
        ----------
        choices : sequence of sequence of int
            ``choices[s][n]`` is the index of the message sent.
        alphabet_size : int
            Size of the provider alphabet.

        Returns
        -------
        Rule
            The rule with point-mass distributions.
        """
        points = [tuple(ONE if k == m else ZERO for k in range(alphabet_size)) for m in range(alphabet_size)]
        return cls(tuple(tuple(points[m] for m in row) for row in choices))

    @property
    def is_deterministic(self) -> bool:
        """Whether every distribution is a point mass."""
        return all(max(d) == ONE for row in self.table for d in row)

    def relabel(self, permutation: Sequence[int], tree: ConversationTree | None = None) -> Rule:
        """Rename messages: message m is sent as ``permutation[m]``.

        A provider node reached after an earlier provider turn is renamed too: the distribution
        spoken after ``h`` is spoken after the renamed ``h``. This needs the conversation tree;
        without it, only the distributions are renamed, which is a renaming exactly when no
        provider node follows a provider turn (``[P]``, ``[U, P]``).

        Parameters
        ----------
        permutation : sequence of int
            A permutation of the provider alphabet's indices.
        tree : ConversationTree, optional
            The conversation tree the rule is played on.

        Returns
        -------
        Rule
            The rule with messages renamed.
        """

        def move(d: Distribution) -> Distribution:
            out = [ZERO] * len(d)
            for m, p in enumerate(d):
                out[permutation[m]] = p
            return tuple(out)

        order = list(range(len(self.table[0]) if self.table else 0))
        if tree is not None:
            turns = tree.protocol.turns
            index = tree.provider_node_index
            for n, history in enumerate(tree.provider_nodes):
                renamed = tuple(
                    permutation[m] if turns[t] == PROVIDER_TURN else m for t, m in enumerate(history)
                )
                order[index[renamed]] = n
        return Rule(tuple(tuple(move(row[n]) for n in order) for row in self.table))

    def describe(self, inputs: Sequence[str], tree: ConversationTree) -> str:
        """Write the rule readably, e.g. ``"saw_guilty: m1 | saw_innocent: 1/2 m1 + 1/2 m2"``.

        Parameters
        ----------
        inputs : sequence of str
            Labels of the rule's inputs (the provider's signals or the cells).
        tree : ConversationTree
            The conversation tree, for node and message labels.

        Returns
        -------
        str
            One line.
        """
        messages = tree.protocol.provider_messages
        parts = []
        for label, row in zip(inputs, self.table):
            for node, distribution in zip(tree.provider_nodes, row):
                where = label if len(tree.provider_nodes) == 1 else f"{label}@{tree.spell(node)}"
                spoken = " + ".join(
                    messages[m] if p == ONE else f"{p} {messages[m]}" for m, p in enumerate(distribution) if p
                )
                parts.append(f"{where}: {spoken}")
        return " | ".join(parts)

    def to_document(self, inputs: Sequence[str], tree: ConversationTree) -> dict[str, list[dict[str, Any]]]:
        """Write the rule as a document: per input, one entry per provider node (exact strings).

        A node is written as its history, the list of message labels spoken before it, never as a
        joined spelling: no combination of labels makes two nodes look alike.

        Parameters
        ----------
        inputs : sequence of str
            Labels of the rule's inputs.
        tree : ConversationTree
            The conversation tree.

        Returns
        -------
        dict
            ``{input: [{"history": [label, ...], "distribution": {message: "p/q"}}, ...]}``, the
            nodes in tree order, zero probabilities left out.
        """
        messages = tree.protocol.provider_messages
        return {
            label: [
                {
                    "history": tree.labels(node),
                    "distribution": {messages[m]: str(p) for m, p in enumerate(d) if p},
                }
                for node, d in zip(tree.provider_nodes, row)
            ]
            for label, row in zip(inputs, self.table)
        }
