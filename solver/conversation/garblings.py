"""Common garblings of sets of providers (SPEC.md §6).

The common garbling of a set T of providers is the meet of their signal partitions of the worlds:
join two worlds when some provider in T sees the same signal in both, and take connected
components. A T-shared rule reads only the cell of the garbling.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.model import Instance


@dataclass(frozen=True)
class Garbling:
    """The common garbling ``x^P_T`` of a set of providers.

    Attributes
    ----------
    providers : tuple of int
        The set T, in file order.
    cells : tuple of tuple of int
        The world indices of each cell; cells ordered by their first world in file order.
    cell_of_world : tuple of int
        The cell of every world.
    """

    providers: tuple[int, ...]
    cells: tuple[tuple[int, ...], ...]
    cell_of_world: tuple[int, ...]

    def labels(self, instance: Instance) -> tuple[str, ...]:
        """Cell labels: the labels of their worlds joined by ``+``.

        Parameters
        ----------
        instance : Instance
            The game.

        Returns
        -------
        tuple of str
            One label per cell.
        """
        return tuple("+".join(instance.worlds[w].label for w in cell) for cell in self.cells)

    def cell_of_signal(self, instance: Instance, provider: int) -> tuple[int, ...]:
        """The cell that provider j computes from each of its signals.

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            A provider in T.

        Returns
        -------
        tuple of int
            For each signal of j, its cell; a signal seen in no world maps to cell 0 (it never occurs).
        """
        if provider not in self.providers:
            raise ModelError(
                f"provider {instance.providers[provider].label} is not in the set T of this garbling"
            )
        result = [0] * len(instance.providers[provider].signals)
        for w, s in enumerate(instance.world_signals[provider]):
            result[s] = self.cell_of_world[w]
        return tuple(result)

    def lift(self, instance: Instance, provider: int, rule: Rule) -> Rule:
        """Turn a T-shared rule (reading cells) into the rule provider j runs (reading its signals).

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            A provider in T.
        rule : Rule
            A rule with one row per cell.

        Returns
        -------
        Rule
            ``σ(· | x_j, h) = ρ(· | cell(x_j), h)``.
        """
        if len(rule.table) != len(self.cells):
            raise ModelError(
                f"a shared rule needs one row per cell ({len(self.cells)}), got {len(rule.table)}"
            )
        return Rule(tuple(rule.table[c] for c in self.cell_of_signal(instance, provider)))

    def is_shared(self, instance: Instance, provider: int, rule: Rule) -> bool:
        """Whether a rule of provider j depends on its signal only through the cell.

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            A provider in T.
        rule : Rule
            A rule reading j's signals.

        Returns
        -------
        bool
            True when all signals that occur in one cell get the same row.
        """
        rows: dict[int, object] = {}
        for w, s in enumerate(instance.world_signals[provider]):
            c = self.cell_of_world[w]
            if rows.setdefault(c, rule.table[s]) != rule.table[s]:
                return False
        return True


def resolve_providers(instance: Instance, providers: Iterable[str | int]) -> tuple[int, ...]:
    """Turn provider labels or indices into a sorted tuple of indices (a non-empty set T).

    Parameters
    ----------
    instance : Instance
        The game.
    providers : iterable of str or int
        Labels or indices.

    Returns
    -------
    tuple of int
        The indices in file order.
    """
    result = {p if isinstance(p, int) else instance.provider_index(p) for p in providers}
    if not result:
        raise ModelError("a set T of providers must not be empty")
    for p in result:
        if not 0 <= p < len(instance.providers):
            raise ModelError(f"provider index {p} out of range")
    return tuple(sorted(result))


def common_garbling(instance: Instance, providers: Iterable[str | int]) -> Garbling:
    """Compute the common garbling of a set T of providers (SPEC.md §6).

    Parameters
    ----------
    instance : Instance
        The game.
    providers : iterable of str or int
        The set T.

    Returns
    -------
    Garbling
        The cells: connected components of the graph joining worlds where some j in T sees the
        same signal.
    """
    members = resolve_providers(instance, providers)
    # Connected components by union–find: each world points towards the first world of its cell.
    parent = list(range(len(instance.worlds)))

    def root(w: int) -> int:
        while parent[w] != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    for j in members:
        first_world: dict[int, int] = {}
        for w, s in enumerate(instance.world_signals[j]):
            if s in first_world:
                a, b = root(first_world[s]), root(w)
                parent[max(a, b)] = min(a, b)
            else:
                first_world[s] = w
    components: dict[int, list[int]] = {}
    for w in range(len(instance.worlds)):
        components.setdefault(root(w), []).append(w)
    cells = sorted((tuple(c) for c in components.values()), key=lambda c: c[0])
    cell_of_world = [0] * len(instance.worlds)
    for k, cell in enumerate(cells):
        for w in cell:
            cell_of_world[w] = k
    return Garbling(members, tuple(cells), tuple(cell_of_world))


def subset_label(instance: Instance, providers: tuple[int, ...]) -> str:
    """Write a set T for display: provider labels joined by commas in file order (``"P1,P2"``).

    JSON keys a set by the list of its labels instead.

    Parameters
    ----------
    instance : Instance
        The game.
    providers : tuple of int
        The set T.

    Returns
    -------
    str
        The label.
    """
    return ",".join(instance.providers[j].label for j in sorted(providers))


def count_shared_rules(instance: Instance, garbling: Garbling) -> int:
    """Number of deterministic T-shared rules: ``|M_P| ** (cells × provider nodes)``.

    Parameters
    ----------
    instance : Instance
        The game.
    garbling : Garbling
        The common garbling of T.

    Returns
    -------
    int
        The exact count.
    """
    tree = ConversationTree(instance.protocol)
    return int(len(instance.protocol.provider_messages) ** (len(garbling.cells) * len(tree.provider_nodes)))


def shared_rules(instance: Instance, garbling: Garbling) -> Iterator[Rule]:
    """Every deterministic T-shared rule, reading cells, in lexicographic order.

    Parameters
    ----------
    instance : Instance
        The game.
    garbling : Garbling
        The common garbling of T.

    Yields
    ------
    Rule
        Rules with one row per cell.
    """
    tree = ConversationTree(instance.protocol)
    size = len(instance.protocol.provider_messages)
    nodes = len(tree.provider_nodes)
    for flat in itertools.product(range(size), repeat=len(garbling.cells) * nodes):
        yield Rule.deterministic(
            [flat[c * nodes : (c + 1) * nodes] for c in range(len(garbling.cells))], size
        )
