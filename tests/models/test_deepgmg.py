"""Property tests of the dense DeepGMG (``--model deepgmg``) against the per-graph reference
in reference_deepgmg.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding,
seeded and constrained decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.models.deepgmg import DeepGMG
from core.models.registry import display_name
from core.spaces import get_space
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.enas import EnasSpace

from . import reference_deepgmg
from .per_graph import (assert_batch_terms_are_single_graph_sums, assert_bf16_loss_close, assert_encoder_matches,
                        assert_greedy_decodes_match, assert_loss_and_gradients_match, assert_loss_parts_add_up,
                        make_model, random_graphs)
from .test_decode_constraints import _nbg_structurally_valid

pytestmark = pytest.mark.usefixtures("one_thread")


def make_deepgmg(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    return make_model("deepgmg", encoding, dtype, seed, **{"hidden_dim": 10, **overrides})


def test_registry_builds_deepgmg_and_names_it():
    assert isinstance(make_deepgmg(), DeepGMG)
    assert display_name(make_deepgmg().config) == "DeepGMG"
    assert display_name(make_deepgmg("learned").config) == "DeepGMG-EMB"


def test_propagation_by_hand():
    """Two nodes, one edge 0 -> 1, one round: node 1 gets GRU(f_e([h_0, 1, h_1]), h_1);
    node 0 has no predecessor and keeps its state, unless successors count (bidirectional)."""
    for bidirectional in (False, True):
        model = make_deepgmg(bidirectional=bidirectional, max_nodes=3)
        cell = model.decoder_cells[:1]
        states = torch.randn(1, 3, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        states[:, 2] = 0  # not placed yet
        adjacency = torch.zeros(1, 3, 3, dtype=torch.float64)
        adjacency[0, 0, 1] = 1
        out = model.propagate(model.fold_rounds(cell), states, adjacency)
        h0, h1 = states[:, 0], states[:, 1]
        one, zero = torch.ones(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64)
        torch.testing.assert_close(out[:, 1], cell[0](model.message(torch.cat([h0, one, h1], 1)), h1))
        expected0 = cell[0](model.message(torch.cat([h1, zero, h0], 1)), h0) if bidirectional else h0
        torch.testing.assert_close(out[:, 0], expected0)
        assert torch.equal(out[:, 2], states[:, 2])


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_encoder_matches_per_graph_reference(bidirectional, encoding):
    assert_encoder_matches(make_deepgmg(encoding, bidirectional=bidirectional), reference_deepgmg.encode_one)


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(bidirectional, encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, teacher-forced decoding
    with padding positions, KL) and every gradient equal the slow per-graph loops."""
    # the selection logit's new-node half and bias are the same for every candidate, so the
    # softmax cancels them: their gradient is zero up to rounding, measured against 1e-4 of the largest
    assert_loss_and_gradients_match(make_deepgmg(encoding, bidirectional=bidirectional), reference_deepgmg,
                                    gradient_floor=1e-4)


def test_batch_loss_equals_sum_of_single_graph_losses_in_fp32():
    """Each graph's loss is its own (the reference's batch-of-one), whatever its batch."""
    model = make_deepgmg("learned", torch.float32)
    assert_batch_terms_are_single_graph_sums(model, atol=1e-4)
    op_ids, adjacency, num_nodes = random_graphs(6, seed=4, variable_size=True)
    parts = model.loss(op_ids, adjacency, num_nodes, beta=0.5, generator=torch.Generator().manual_seed(0))
    assert_loss_parts_add_up(model, parts)


@pytest.mark.parametrize("encoding,seed,end_bias,edge_bias", [("onehot", 1, 0.0, 0.0), ("onehot", 1, 0.0, 0.5),
                                                              ("learned", 0, 0.3, 0.0)])
def test_greedy_decode_matches_per_graph_reference(encoding, seed, end_bias, edge_bias):
    model = make_deepgmg(encoding, seed=seed)
    with torch.no_grad():  # graphs of several sizes, or nodes reading several others
        model.add_vertex.bias[END_TYPE] += end_bias
        model.add_edge.bias += edge_bias
    z = torch.randn(40, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 3
    batch = model.decode(z, stochastic=False)
    several_sizes = len(set(batch.num_nodes.tolist())) >= 3
    many_edges = batch.adjacency.sum() > 1.5 * (batch.num_nodes - 1).sum()
    assert several_sizes or many_edges
    assert_greedy_decodes_match(model, z, batch, reference_deepgmg.greedy_decode_one)


def test_stochastic_decode_is_seeded_and_its_random_stream_fixed():
    """The same seed gives the same graphs; a graph's decode does not depend on its batch;
    the draws do not depend on the graphs (the generator ends where it would for any z)."""
    model = make_deepgmg("learned", torch.float32)
    z = torch.randn(32, model.config.latent_dim, generator=torch.Generator().manual_seed(0))
    first = model.decode(z, generator=torch.Generator().manual_seed(3))
    second = model.decode(z, generator=torch.Generator().manual_seed(3))
    assert np.array_equal(first.op_ids, second.op_ids) and np.array_equal(first.adjacency, second.adjacency)
    for b in range(32):
        n = int(first.num_nodes[b])
        assert first.op_ids[b, n - 1] == END_TYPE and (first.op_ids[b, n:] == -1).all()
        assert not np.tril(first.adjacency[b]).any()
    states = []
    for scale in (0.0, 5.0):
        generator = torch.Generator().manual_seed(4)
        model.decode(z * scale, generator=generator)
        states.append(generator.get_state())
    assert torch.equal(states[0], states[1])


@pytest.mark.parametrize("stochastic", [False, True])
def test_constrained_nbg_decodes_are_valid(stochastic):
    space = get_space("nbg-cora")
    model = make_deepgmg("learned", torch.float32, num_node_types=space.num_node_types,
                         max_nodes=space.max_nodes).eval()
    with torch.no_grad():  # an untrained decoder that ends early and adds many edges: the rules must hold
        model.add_vertex.bias[END_TYPE] += 2.0
        model.add_edge.bias += 1.0
    z = torch.randn(200, model.config.latent_dim, generator=torch.Generator().manual_seed(1)) * 3
    free = model.decode(z, stochastic, generator=torch.Generator().manual_seed(2))
    generator = torch.Generator().manual_seed(2)
    held = model.decode(z, stochastic, generator=generator, constraints=space.decode_constraints())
    assert not all(_nbg_structurally_valid(space, free))
    assert all(_nbg_structurally_valid(space, held))
    assert (held.num_nodes == space.max_nodes).all() and (held.op_ids[:, 1:] != START_TYPE).all()
    free_generator = torch.Generator().manual_seed(2)
    model.decode(z, stochastic, generator=free_generator)
    assert torch.equal(generator.get_state(), free_generator.get_state())  # the same draws


@pytest.mark.parametrize("stochastic", [False, True])
def test_constrained_enas_decodes_are_valid_and_complete(stochastic):
    space = EnasSpace(6)
    model = make_deepgmg("onehot", torch.float32, num_node_types=space.num_node_types,
                         max_nodes=space.max_nodes).eval()
    with torch.no_grad():
        model.add_vertex.bias[END_TYPE] += 2.0
    z = torch.randn(100, model.config.latent_dim, generator=torch.Generator().manual_seed(3)) * 3
    held = model.decode(z, stochastic, generator=torch.Generator().manual_seed(4),
                        constraints=space.decode_constraints())
    assert all(space.is_valid(held.op_ids[i], held.adjacency[i], int(held.num_nodes[i])) for i in range(len(held)))
    assert (held.num_nodes == space.max_nodes).all()


def test_bf16_autocast_trains_and_decodes():
    from core.training.devices import autocast

    model = make_deepgmg("learned", torch.float32, seed=5)
    assert_bf16_loss_close(model)
    with autocast(torch.device("cpu"), "bf16"):
        decoded = model.decode(torch.randn(8, 5), generator=torch.Generator().manual_seed(1))
    assert (decoded.num_nodes >= 2).all()
