"""The decoder-state collision bound: hand-made graphs with known answers, and the claim itself
(no colliding graph is ever reconstructed exactly by greedy decoding) on a trained model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core import runs
from core.training.batch import make_batch
from core.analysis.evaluate import exact_matches
from core.analysis.recon_bound import Collisions, collisions, recon_bound, state_signatures
from core.spaces import get_space
from core.spaces.nas_bench_graph import dense_graph


def test_a_branch_repeating_the_first_operation_collides_on_type():
    # ops a b c a, all reading the input: nodes 1 and 4 have equal states; node 2 (b) follows
    # node 1 and the output follows node 4: an early-END risk at node 2
    types, adjacency = dense_graph([0, 0, 0, 0], [0, 1, 2, 0])
    signature = state_signatures(types, adjacency, 6)
    assert signature[1] == signature[4] and signature[1] != signature[2]
    found = collisions(types, adjacency, 6, max_nodes=6)
    assert found.end and not found.types  # the output is placed, not predicted


def test_equal_states_before_two_different_operations_are_a_type_collision():
    # ops a b a c: nodes 1 and 3 (both 'a' from the input) are followed by b and c
    types, adjacency = dense_graph([0, 0, 0, 0], [0, 1, 0, 2])
    found = collisions(types, adjacency, 6, max_nodes=6)
    assert found.types and not found.end


def test_equal_states_deciding_one_edge_differently_are_an_edge_collision():
    # ops a a b c: nodes 1 and 2 are both 'a' from the input; node 3 reads node 1, not node 2
    types, adjacency = dense_graph([0, 0, 1, 3], [0, 0, 1, 2])
    assert collisions(types, adjacency, 6, max_nodes=6).edges
    # reading node 2 instead is decided first (k = 2 before k = 1): no collision
    types, adjacency = dense_graph([0, 0, 2, 3], [0, 0, 1, 2])
    assert not collisions(types, adjacency, 6, max_nodes=6).edges


def test_a_chain_never_collides():
    types, adjacency = dense_graph([0, 1, 2, 3], [0, 0, 0, 0])
    assert collisions(types, adjacency, 6, max_nodes=6) == Collisions(types=False, end=False, edges=False)


def test_bound_over_a_table():
    space = get_space("nbg-cora")
    table = space.load(None)
    index = np.arange(0, len(table), 50)
    result = recon_bound(table, space.max_nodes, index)
    assert result.graphs == len(index)
    assert 0.7 < result.bound < 0.95  # a sixth of NAS-Bench-Graph cells branch into equal states
    assert result.bound <= 1 - max(result.type_collisions, result.edge_collisions) + 1e-12


def test_no_colliding_graph_is_reconstructed_exactly_by_a_trained_model():
    run = Path(__file__).resolve().parents[2] / "assets" / "demo" / "nbg-cora-learned"
    if not (run / runs.MODEL).exists():
        pytest.skip("the shipped demo model is not here")
    model, config = runs.load_model(run)
    space = get_space(config["space"])
    table = space.load(None)
    index = table.indices("test")[:600]
    batch = make_batch(table, index)
    with torch.no_grad():
        mu, _ = model.encode(batch.op_ids, batch.adjacency, batch.num_nodes)
    decoded = model.decode(mu, stochastic=False)
    exact = exact_matches(decoded, table.op_ids[index], table.adjacency[index], table.num_nodes[index])
    colliding = np.array([(lambda c: c.types or c.edges)(collisions(table.op_ids[i], table.adjacency[i],
                                                                    table.num_nodes[i], space.max_nodes))
                          for i in index])
    assert colliding.sum() > 30 and exact[~colliding].mean() > 0.5  # the model does reconstruct
    assert not exact[colliding].any()  # ... but never a colliding graph
