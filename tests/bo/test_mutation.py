"""One-step neighbours are valid, canonical and one operation or one edge away."""

from __future__ import annotations

import numpy as np

from core.spaces import Graph
from core.bo.mutation import mutations, neighbours
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
