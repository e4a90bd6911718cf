"""Graphs live with their space: one Graph type, graphs out of a batch, the first row of a
key, and a space scoring graphs (validity, key, objective)."""

import numpy as np

from core.models.dvae import DecodedGraphs
from core.spaces import Graph, graphs_of
from core.spaces.base import ArchitectureTable
from core.spaces.enas import EnasSpace

SPACE = EnasSpace(3)  # input, 3 layers, output: 5 nodes


def chain(ops: list[int]) -> Graph:
    """input -> ops (one after another, no skips) -> output."""
    n = len(ops) + 2
    adjacency = np.zeros((5, 5), dtype=np.uint8)
    for i in range(n - 1):
        adjacency[i, i + 1] = 1
    return Graph(np.array([0, *[op + 2 for op in ops], 1] + [-1] * (5 - n)), adjacency, n)


def table_of(graphs: list[Graph], y: list[float]) -> ArchitectureTable:
    keys = [SPACE.key(g.op_ids, g.adjacency, g.num_nodes) for g in graphs]
    return ArchitectureTable(keys, np.stack([g.op_ids for g in graphs]), np.stack([g.adjacency for g in graphs]),
                             np.array([g.num_nodes for g in graphs]), np.array(y), None, np.array(["train"] * len(y)))


def test_graphs_of_a_decoded_batch_and_a_table():
    graphs = [chain([0, 1, 2]), chain([3, 4, 5])]
    batch = DecodedGraphs(np.stack([g.op_ids for g in graphs]), np.stack([g.adjacency for g in graphs]),
                          np.array([5, 5]))
    out = graphs_of(batch)
    assert len(out) == 2 and all(isinstance(g, Graph) for g in out)
    np.testing.assert_array_equal(out[1].op_ids, graphs[1].op_ids)
    assert out[0].num_nodes == 5 and isinstance(out[0].num_nodes, int)
    table = table_of(graphs, [0.5, 0.6])
    assert [g.op_ids.tolist() for g in graphs_of(table, [1])] == [graphs[1].op_ids.tolist()]
    np.testing.assert_array_equal(table.graph(0).adjacency, graphs[0].adjacency)


def test_row_of_is_the_first_row_of_a_repeated_key():
    graphs = [chain([0, 1, 2]), chain([3, 4, 5]), chain([0, 1, 2])]
    table = table_of(graphs, [0.5, 0.6, 0.7])
    assert table.row_of(table.keys[0]) == 0 and table.keys[2] == table.keys[0]
    assert table.row_of(table.keys[1]) == 1
    assert table.row_of("not-a-key") is None


def test_score_says_validity_key_and_objective():
    known, unknown = chain([0, 1, 2]), chain([5, 5, 5])
    broken = Graph(known.op_ids, np.zeros((5, 5), dtype=np.uint8), 5)  # no edges: invalid
    table = table_of([known], [0.75])
    scores = SPACE.score([known, unknown, broken], table)
    assert scores.keys == [table.keys[0], SPACE.key(unknown.op_ids, unknown.adjacency, 5), None]
    np.testing.assert_array_equal(scores.valid, [True, True, False])
    np.testing.assert_allclose(scores.objective, [0.75, np.nan, np.nan])
    assert np.isnan(SPACE.score([known]).objective[0])  # no table: no objective
