"""One-step neighbours are valid, canonical and one operation or one edge away."""

from __future__ import annotations

import numpy as np

import pytest

from core.spaces import Graph
from core.bo.mutation import KINDS, mutation_kinds, mutations, neighbours
from core.spaces import get_space

from .planted import PlantedSpace, chain_adjacency


def test_graph_json_round_trip():
    graph = Graph(np.array([0, 2, 3, 1, -1]), np.triu(np.ones((5, 5), dtype=np.uint8), 1), 4)
    back = Graph.from_json(graph.to_json())
    assert np.array_equal(back.op_ids, graph.op_ids) and np.array_equal(back.adjacency, graph.adjacency)
    assert back.num_nodes == 4


def test_planted_neighbours_change_one_operation():
    space = PlantedSpace()
    graph = Graph(np.array([0, 2, 3, 4, 5, 1]), chain_adjacency(), 6)
    found = neighbours(space, graph)
    assert len(found) == 4 * 3  # each of four nodes to each of three other types
    for key, child in found:
        assert sum(a != b for a, b in zip(key.split("-"), "0-1-2-3".split("-"))) == 1
        assert space.is_valid(child.op_ids, child.adjacency, child.num_nodes)


def test_nbg_neighbours_are_in_the_bench():
    space = get_space("nbg-cora")
    table = space.load()
    keys = set(table.keys)
    for row in (0, 100, 5000):
        parent = table.graph(row)
        found = neighbours(space, parent)
        assert found
        for key, child in found:
            assert key in keys and key != table.keys[row]
            assert space.key(child.op_ids, child.adjacency, child.num_nodes) == key
        kinds = {kind for kind, _ in mutations(parent, space.num_node_types)}
        assert kinds == {"op", "flip", "move"}


def test_enas_neighbours_change_one_operation_or_one_edge(enas_data_dir):
    space = get_space("enas6")
    table = space.load(enas_data_dir)
    parent = table.keys[0].split()
    for key, child in neighbours(space, table.graph(0)):
        changed = [i for i, (a, b) in enumerate(zip(key.split(), parent)) if a != b]
        assert 1 <= len(changed) <= 2  # an op, a skip bit, or one skip edge moved
        assert space.is_valid(child.op_ids, child.adjacency, child.num_nodes)


def _valid_flips(space, table, rows) -> tuple[int, int]:
    flips = valid = 0
    for row in rows:
        for kind, child in mutations(table.graph(row), space.num_node_types, kinds=("flip",)):
            assert kind == "flip"
            flips += 1
            valid += space.is_valid(child.op_ids, child.adjacency, child.num_nodes)
    return flips, valid


def test_flip_never_gives_an_nbg_cell():
    """Each operation of every nbg-cora cell has exactly one input, so a flip (an edge into an
    operation added or removed) leaves one with none or two: never a cell. So nbg drops it."""
    space = get_space("nbg-cora")
    table = space.load()
    assert (table.adjacency[:, :, 1:-1].sum(1) == 1).all()  # A x 4: the operations' in-degrees
    assert _valid_flips(space, table, range(0, len(table), 97)) == (10 * len(range(0, len(table), 97)), 0)
    assert mutation_kinds(space) == ("op", "move") and mutation_kinds(get_space("enas6")) == KINDS


@pytest.mark.slow
def test_no_flip_of_the_whole_nbg_table_is_a_cell():
    """All 262,060 flips of the 26,206 nbg-cora cells are invalid (about 20 s)."""
    space = get_space("nbg-cora")
    table = space.load()
    assert _valid_flips(space, table, range(len(table))) == (10 * len(table), 0)


def test_dropping_flip_keeps_every_nbg_neighbour():
    space = get_space("nbg-cora")
    table = space.load()
    for row in (0, 777, 20000):
        parent = table.graph(row)
        every = {space.key(c.op_ids, c.adjacency, c.num_nodes) for _, c in mutations(parent, space.num_node_types)
                 if space.is_valid(c.op_ids, c.adjacency, c.num_nodes)} - {table.keys[row]}
        assert {key for key, _ in neighbours(space, parent)} == every


@pytest.mark.parametrize("kinds", [("op",), ("move",), ("op", "move")])
def test_mutations_of_the_kinds_asked_for(kinds):
    space = get_space("nbg-cora")
    graph = space.load().graph(5)
    found = mutations(graph, space.num_node_types, kinds)
    assert {kind for kind, _ in found} == set(kinds)
    assert len(found) == sum(1 for kind, _ in mutations(graph, space.num_node_types) if kind in kinds)
