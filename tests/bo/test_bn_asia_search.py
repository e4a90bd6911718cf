"""Decode-mode search on bn-asia with its exact BIC oracle: every query of every baseline is a
valid DAG, scored by BIC, never a repeat; random search draws from the space's generator, not
the table; evolution moves one edge (added, removed or reversed) and never makes a cycle."""

from __future__ import annotations

import numpy as np
import pytest

from core.bn.bic import is_acyclic
from core.bn.edge_moves import edge_moves
from core.bo.config import BOConfig
from core.bo.loop import run_search
from core.bo.methods import make_method
from core.bo.mutation import neighbours
from core.bo.oracle import LookupOracle
from core.bo.problem import BOProblem
from core.spaces import Graph, get_space
from core.spaces.bn_asia_data import asia_scorer
from core.spaces.bn_format import adjacency_of_key, variable_adjacency

SPACE = get_space("bn-asia")
ROWS = 300  # a tiny table: the first networks of the offline dataset, a third labelled
CONFIG = BOConfig(rounds=3, batch_size=8, protocol="paper", population=20, tournament=5, max_redraws=2)


def tiny_problem() -> BOProblem:
    """bn-asia with ``ROWS`` networks (every third labelled), random 2-d latents, the exact
    BIC oracle and a planted decoder: each point decodes to a few random networks, the first
    often an already labelled one, some points to nothing (invalid)."""
    table = SPACE.load().subset(np.arange(ROWS))
    split = np.where(np.arange(ROWS) % 3 == 0, "train", "test")
    table = type(table)(keys=table.keys, op_ids=table.op_ids, adjacency=table.adjacency, num_nodes=table.num_nodes,
                        y=table.y, y_test=None, split=split)
    labelled = [table.keys[row] for row in np.flatnonzero(split == "train")]

    def decoder(z, seed):
        rng = np.random.default_rng(seed)
        options = []
        for _ in range(len(z)):
            if rng.random() < 0.2:
                options.append([])  # no valid decode
                continue
            graphs = SPACE.random_graphs(3, rng)
            choices = [(SPACE.key(g.op_ids, g.adjacency, g.num_nodes), g) for g in graphs]
            row = int(np.flatnonzero(split == "train")[rng.integers(len(labelled))])
            options.append([(table.keys[row], table.graph(row)), *choices])  # a labelled network first: re-drawn
        return options

    latents = np.random.default_rng(0).normal(size=(ROWS, 2))
    return BOProblem(space=SPACE, table=table, latents=latents, mode="decode",
                     oracle=LookupOracle(SPACE.lookup, "bn-asia bench"), oracle_name="bn-asia bench",
                     decoder=decoder, rank_values=table.y, protocol="paper")


@pytest.mark.parametrize("method", ["random-search", "evolution", "random-prior"])
def test_every_query_is_a_new_valid_dag_scored_by_bic(method, tmp_path):
    problem = tiny_problem()
    result = run_search(problem, make_method(method, CONFIG), 0, CONFIG, tmp_path / f"{method}.json")
    keys = [key for record in result["rounds"] for key in record["keys"]]
    values = [value for record in result["rounds"] for value in record["values"]]
    statuses = [status for record in result["rounds"] for status in record["status"]]
    assert len(keys) == CONFIG.rounds * CONFIG.batch_size
    assert statuses == ["new"] * len(keys)
    assert len(set(keys)) == len(keys) and not set(keys) & problem.train_keys  # never a repeat
    networks = np.stack([adjacency_of_key(key) for key in keys])
    assert is_acyclic(networks).all()
    np.testing.assert_allclose(values, asia_scorer().networks(networks), rtol=0, atol=1e-9)  # the exact BIC
    for record in result["rounds"]:
        for key, graph in zip(record["keys"], record["graphs"]):
            graph = Graph.from_json(graph)
            assert SPACE.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes)
            assert SPACE.key(graph.op_ids, graph.adjacency, graph.num_nodes) == key
    if method == "random-search":  # from the generator: almost every network is outside the 300-row table
        assert sum(key not in problem.key_rows for key in keys) >= len(keys) - 2
    if method == "evolution":
        assert all(record["info"]["random_fallbacks"] == 0 for record in result["rounds"])


def test_evolution_children_are_one_edge_move_away():
    table = SPACE.load()
    for row in (0, 7, 123):
        parent = variable_adjacency(table.op_ids[row : row + 1], table.adjacency[row : row + 1])[0].astype(int)
        found = neighbours(SPACE, table.graph(row))
        assert len(found) == len(edge_moves(parent)) > 0  # every move gives a distinct network
        for key, child in found:
            difference = np.abs(adjacency_of_key(key).astype(int) - parent)
            assert difference.sum() in (1, 2)  # added or removed: one entry; reversed: two
            if difference.sum() == 2:
                assert (difference == difference.T).all()  # the same pair, turned around
            assert SPACE.is_valid(child.op_ids, child.adjacency, child.num_nodes)


def test_edge_moves_by_hand():
    """A -> B -> C: add A -> C (C -> A would close a cycle), remove either edge, reverse
    either edge (B -> A gives C <- B -> A; C -> B gives A -> B <- C)."""
    chain = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    moves = edge_moves(chain)
    assert [kind for kind, _ in moves] == ["add", "remove", "remove", "reverse", "reverse"]
    assert moves[0][1][0, 2] == 1 and is_acyclic(np.stack([m for _, m in moves])).all()
    assert not any(m[2, 0] for _, m in moves)  # never the cycle A -> B -> C -> A
