"""Common garblings (SPEC.md §6) against networkx's connected components.

The cells of ``x^P_T`` are the connected components of the graph on the worlds that joins two
worlds when some provider in T sees the same signal in both. The engine computes them by
union–find; networkx, an independent implementation, must find the same partition for every T.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
from hypothesis import given

from solver.conversation.garblings import common_garbling
from solver.core.model import Instance
from solver.core.serialization import load
from tests.strategies import instances

ROOT = Path(__file__).resolve().parent.parent


def _components(instance: Instance, providers: tuple[int, ...]) -> list[tuple[int, ...]]:
    graph = nx.Graph()
    graph.add_nodes_from(range(len(instance.worlds)))
    for j in providers:
        for v, w in itertools.combinations(range(len(instance.worlds)), 2):
            if instance.world_signals[j][v] == instance.world_signals[j][w]:
                graph.add_edge(v, w)
    return sorted((tuple(sorted(c)) for c in nx.connected_components(graph)), key=lambda c: c[0])


@given(instances())
def test_cells_are_the_connected_components(instance: Instance) -> None:
    m = len(instance.providers)
    for size in range(1, m + 1):
        for providers in itertools.combinations(range(m), size):
            garbling = common_garbling(instance, providers)
            assert list(garbling.cells) == _components(instance, providers)
            worlds = range(len(instance.worlds))
            assert all(garbling.cells[garbling.cell_of_world[w]].count(w) == 1 for w in worlds)


def test_complementary_halves_join_into_one_cell() -> None:
    # Worlds w00, w01, w10, w11 (file order). alpha sees b1: it joins w00–w01 and w10–w11; beta
    # sees b2: it joins w00–w10 and w01–w11. Together every world is joined (the file's own
    # provenance note: one cell); alone, each provider's cells are its two signals.
    instance = load(ROOT / "instances" / "complementary_halves.yaml")
    assert common_garbling(instance, (0, 1)).cells == ((0, 1, 2, 3),)
    assert common_garbling(instance, (0,)).cells == ((0, 1), (2, 3))
    assert common_garbling(instance, (1,)).cells == ((0, 2), (1, 3))
