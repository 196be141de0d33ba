"""Shared rules and the benchmark (SPEC.md §6).

A T-shared rule reads only the cell of the common garbling of T
(:mod:`solver.conversation.garblings`); ``Bench_i(T)`` is the best such rule for user i.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from solver.conversation.garblings import Garbling, common_garbling, count_shared_rules, shared_rules
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.responses.response import user_value

DEFAULT_BENCHMARK_LIMIT = 200_000


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
