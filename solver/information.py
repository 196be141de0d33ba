"""Shared information and the benchmark (SPEC.md §6).

The common garbling of a set T of providers is the meet of their signal partitions of the worlds:
join two worlds when some provider in T sees the same signal in both, and take connected
components. A T-shared rule reads only the cell; ``Bench_i(T)`` is the best such rule for user i.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import networkx as nx

from solver.errors import ClassTooLargeError, Limit, ModelError
from solver.model import Instance
from solver.numbers import ZERO
from solver.protocol import ConversationTree
from solver.response import user_value
from solver.rules import Rule

DEFAULT_BENCHMARK_LIMIT = 200_000


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
    graph = nx.Graph()
    graph.add_nodes_from(range(len(instance.worlds)))
    for j in members:
        first_world: dict[int, int] = {}
        for w, s in enumerate(instance.world_signals[j]):
            if s in first_world:
                graph.add_edge(first_world[s], w)
            else:
                first_world[s] = w
    cells = sorted((tuple(sorted(c)) for c in nx.connected_components(graph)), key=lambda c: c[0])
    cell_of_world = [0] * len(instance.worlds)
    for k, cell in enumerate(cells):
        for w in cell:
            cell_of_world[w] = k
    return Garbling(members, tuple(cells), tuple(cell_of_world))


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


def revealing_rule(instance: Instance, garbling: Garbling) -> Rule | None:
    """The T-shared rule that spells out the cell over the provider turns, if the alphabet allows.

    The cell index is written in base ``|M_P|`` across the provider turns, ignoring what the user
    says; with ``|M_P| ** (provider turns) < cells`` there is no such rule and ``None`` is returned.

    Parameters
    ----------
    instance : Instance
        The game.
    garbling : Garbling
        The common garbling of T.

    Returns
    -------
    Rule or None
        A deterministic rule with one row per cell.
    """
    tree = ConversationTree(instance.protocol)
    size = len(instance.protocol.provider_messages)
    turns = tree.provider_turn_count
    if turns == 0 or size**turns < len(garbling.cells):
        return None
    provider_turns = [t for t, kind in enumerate(instance.protocol.turns) if kind == "P"]
    table = []
    for c in range(len(garbling.cells)):
        row = []
        for node in tree.provider_nodes:
            digit = provider_turns.index(len(node))
            row.append((c // size**digit) % size)
        table.append(row)
    return Rule.deterministic(table, size)


def revelation_value(instance: Instance, user: int, garbling: Garbling) -> Fraction:
    """User i's value when she learns the cell: ``Σ_x Σ_cell max_a Σ_{ω ∈ cell} π_i(x, ω) u(a, y(ω))``.

    This bounds ``V_i(ρ)`` for every T-shared rule ρ, since such a rule's messages are a garbling
    of the cell.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    garbling : Garbling
        The common garbling of T.

    Returns
    -------
    Fraction
        The value of knowing the cell.
    """
    utility = instance.users[user].utility
    states = instance.world_states
    total = ZERO
    for prior in instance.joint_prior(user):
        for cell in garbling.cells:
            total += max(sum((prior[w] * row[states[w]] for w in cell), ZERO) for row in utility)
    return total


@dataclass(frozen=True)
class Benchmark:
    """``Bench_i(T)`` with a T-shared rule attaining it.

    Attributes
    ----------
    value : Fraction
        The benchmark.
    rule : Rule
        A deterministic maximiser, reading cells.
    garbling : Garbling
        The common garbling of T.
    revealing : bool
        Whether the value was obtained as the value of revealing the cell.
    """

    value: Fraction
    rule: Rule
    garbling: Garbling
    revealing: bool


def solve_benchmark(
    instance: Instance, user: int, providers: Iterable[str | int], limit: int = DEFAULT_BENCHMARK_LIMIT
) -> Benchmark:
    """Compute ``Bench_i(T) = max over T-shared rules ρ of V_i(ρ)`` (SPEC.md §6).

    When the provider alphabet can spell out every cell, the benchmark is the value of revealing
    the cell (an upper bound attained by :func:`revealing_rule`). Otherwise every deterministic
    T-shared rule is evaluated (a deterministic maximiser exists because ``V_i`` is convex in the
    rule).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    providers : iterable of str or int
        The set T.
    limit : int
        Refuse to enumerate more deterministic shared rules than this.

    Returns
    -------
    Benchmark
        The value and a maximising rule.
    """
    garbling = common_garbling(instance, providers)
    runner = garbling.providers[0]
    revealing = revealing_rule(instance, garbling)
    if revealing is not None:
        value = user_value(instance, user, runner, garbling.lift(instance, runner, revealing))
        # The revealing rule attains the bound exactly; a mismatch would be a kernel error.
        if value != revelation_value(instance, user, garbling):
            raise AssertionError("revealing the cell does not attain the revelation value")
        return Benchmark(value, revealing, garbling, True)
    count = count_shared_rules(instance, garbling)
    if count > limit:
        labels = ",".join(instance.providers[j].label for j in garbling.providers)
        raise ClassTooLargeError(
            f"the deterministic {{{labels}}}-shared rules", count, limit, Limit.BENCHMARK
        )
    best: tuple[Fraction, Rule] | None = None
    for rule in shared_rules(instance, garbling):
        value = user_value(instance, user, runner, garbling.lift(instance, runner, rule))
        if best is None or value > best[0]:
            best = (value, rule)
    assert best is not None
    return Benchmark(best[0], best[1], garbling, False)


def benchmark(
    instance: Instance, user: int, providers: Iterable[str | int], limit: int = DEFAULT_BENCHMARK_LIMIT
) -> Fraction:
    """Return ``Bench_i(T)`` (SPEC.md §6).

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    providers : iterable of str or int
        The set T.
    limit : int
        Refuse when there are more deterministic T-shared rules than this.

    Returns
    -------
    Fraction
        The benchmark.
    """
    return solve_benchmark(instance, user, providers, limit).value


def provider_subsets(instance: Instance) -> list[tuple[int, ...]]:
    """Every non-empty set T of providers, by size then file order.

    Parameters
    ----------
    instance : Instance
        The game.

    Returns
    -------
    list of tuple of int
        The subsets.
    """
    m = len(instance.providers)
    return [c for size in range(1, m + 1) for c in itertools.combinations(range(m), size)]


def all_benchmarks(instance: Instance) -> dict[int, dict[tuple[int, ...], Fraction]]:
    """``Bench_i(T)`` for every user i and every non-empty T.

    Parameters
    ----------
    instance : Instance
        The game.

    Returns
    -------
    dict
        ``result[i][T]``.
    """
    subsets = provider_subsets(instance)
    return {i: {t: benchmark(instance, i, t) for t in subsets} for i in range(len(instance.users))}


def optimum(instance: Instance, user: int, limit: int = DEFAULT_BENCHMARK_LIMIT) -> Fraction:
    """``OPT_i``: the best value any single provider's rule can give user i, ``max_j Bench_i({j})``.

    Parameters
    ----------
    instance : Instance
        The game.
    user : int
        Index of user i.
    limit : int
        Refuse when a provider has more deterministic rules than this.

    Returns
    -------
    Fraction
        The optimum.
    """
    return max(benchmark(instance, user, (j,), limit) for j in range(len(instance.providers)))
