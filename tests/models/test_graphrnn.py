"""Property tests of the dense GraphRNN (``--model graphrnn``) against the per-graph reference
in reference_graphrnn.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding
with and without constraints, and the causal decoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.training.devices import autocast
from core.models.graphrnn import GraphRNN
from core.models.registry import display_name
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints

from . import reference_graphrnn
from .per_graph import (NUM_NODES, NUM_TYPES, assert_encoder_matches, assert_greedy_decodes_match,
                        assert_loss_and_gradients_match, assert_loss_parts_add_up, make_model, random_graphs)

pytestmark = pytest.mark.usefixtures("one_thread")


def make_graphrnn(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    return make_model("graphrnn", encoding, dtype, seed, **overrides)


def _ends_sometimes(model, bias=0.2):
    with torch.no_grad():  # an END logit that sometimes wins: graphs of several sizes
        model.add_vertex[2].bias[END_TYPE] += bias
    return model


def _latents(model, count, seed, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    dtype = model.fc_mu.weight.dtype
    return torch.randn(count, model.config.latent_dim, dtype=dtype, generator=generator) * scale


def test_registry_builds_graphrnn_and_names_it():
    model = make_graphrnn()
    assert isinstance(model, GraphRNN)
    assert display_name(model.config) == "GraphRNN" and display_name(make_graphrnn("learned").config) == "GraphRNN-EMB"
    assert model.add_edges is None  # S-VAE's one-shot edge MLP is not kept
    assert model.decoder_gru.input_size == NUM_TYPES + NUM_NODES - 1 and not model.decoder_gru.bidirectional
    assert make_graphrnn("learned").decoder_gru.input_size == 3 + NUM_NODES - 1
    with pytest.raises(NotImplementedError):
        model.scores(torch.zeros(1, 5, dtype=torch.float64))


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_encoder_matches_per_graph_reference(bidirectional, encoding):
    assert_encoder_matches(make_graphrnn(encoding, bidirectional=bidirectional), reference_graphrnn.encode_one)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, teacher-forced decode,
    KL) and every gradient equal the slow per-graph loops."""
    assert_loss_and_gradients_match(make_graphrnn(encoding), reference_graphrnn)


def test_the_decoder_is_causal():
    """Row i's type logits read rows < i only; bit j's logit reads rows < i and bits < j of row i
    (the reference's bidirectional decoder would read the rows it predicts)."""
    model = make_graphrnn("learned")
    op_ids, adjacency, num_nodes = random_graphs(1, seed=6)
    types, edges = model.string_targets(op_ids, adjacency.double(), num_nodes)
    z = _latents(model, 1, seed=1)
    type_logits, edge_logits = model.teacher_forced_scores(z, types, edges)
    row, column = 3, 2
    changed_types, changed_edges = types.clone(), edges.clone()
    changed_types[0, row] = (types[0, row] + 1) % NUM_TYPES
    changed_edges[0, row, column:] = 1 - edges[0, row, column:]
    changed_edges[0, row + 1 :] = 1 - edges[0, row + 1 :]
    other_types, other_edges = model.teacher_forced_scores(z, changed_types, changed_edges)
    torch.testing.assert_close(other_types[0, : row + 1], type_logits[0, : row + 1], rtol=0, atol=0)
    torch.testing.assert_close(other_edges[0, :row], edge_logits[0, :row], rtol=0, atol=0)
    torch.testing.assert_close(other_edges[0, row, : column + 1], edge_logits[0, row, : column + 1], rtol=0, atol=0)
    assert not torch.allclose(other_types[0, row + 1], type_logits[0, row + 1])
    assert not torch.allclose(other_edges[0, row, column + 1], edge_logits[0, row, column + 1])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_loss_parts_and_greedy_decode_in_low_precision(precision):
    """fp32 and bf16 autocast (the monitor's): the loss parts add up, gradients are finite and
    decoding runs."""
    model = make_graphrnn("learned", torch.float32)
    op_ids, adjacency, num_nodes = random_graphs(8, seed=4, variable_size=True)
    with autocast(torch.device("cpu"), precision):
        parts = model.loss(op_ids, adjacency, num_nodes, beta=0.5, generator=torch.Generator().manual_seed(0))
        decoded = model.decode(_latents(model, 4, seed=2), stochastic=False)
    assert_loss_parts_add_up(model, parts)
    assert decoded.op_ids.shape == (4, NUM_NODES) and (decoded.op_ids[:, 0] == START_TYPE).all()


@pytest.mark.parametrize("encoding,seed", [("onehot", 3), ("learned", 0)])
def test_greedy_decode_matches_per_graph_reference(encoding, seed):
    model = _ends_sometimes(make_graphrnn(encoding, seed=seed))
    z = _latents(model, 32, seed=8)
    batch = model.decode(z, stochastic=False)
    assert len(set(batch.num_nodes.tolist())) >= 3
    assert_greedy_decodes_match(model, z, batch, reference_graphrnn.greedy_decode_one)


@pytest.mark.parametrize("rules", [DecodeConstraints(min_nodes=NUM_NODES, chain=True),
                                   DecodeConstraints(min_nodes=NUM_NODES - 1, single_input=True),
                                   DecodeConstraints(min_nodes=NUM_NODES, chain=True, single_input=True)],
                         ids=["chain", "single_input", "both"])
def test_constrained_greedy_decode_matches_per_graph_reference(rules):
    model = _ends_sometimes(make_graphrnn("learned", seed=1), bias=1.0)
    z = _latents(model, 24, seed=9)
    batch = model.decode(z, stochastic=False, constraints=rules)
    assert (batch.num_nodes >= rules.min_nodes).all()
    assert_greedy_decodes_match(model, z, batch, reference_graphrnn.greedy_decode_one, rules)


def test_stochastic_decode_is_seeded_and_constraints_hold():
    model = _ends_sometimes(make_graphrnn("learned", torch.float32), bias=1.0)
    z = _latents(model, 64, seed=0, scale=1.0)
    first = model.decode(z, generator=torch.Generator().manual_seed(3))
    second = model.decode(z, generator=torch.Generator().manual_seed(3))
    assert np.array_equal(first.op_ids, second.op_ids) and np.array_equal(first.adjacency, second.adjacency)
    chain = model.decode(z, generator=torch.Generator().manual_seed(3),
                         constraints=DecodeConstraints(min_nodes=NUM_NODES, chain=True))
    assert (chain.num_nodes == NUM_NODES).all() and (chain.op_ids[:, 1:] != START_TYPE).all()
    assert all(chain.adjacency[b, v - 1, v] for b in range(64) for v in range(1, NUM_NODES))
    single = model.decode(z, generator=torch.Generator().manual_seed(4),
                          constraints=DecodeConstraints(min_nodes=4, single_input=True))
    for b in range(64):
        n = int(single.num_nodes[b])
        assert n >= 4 and (single.op_ids[b, 1:n] != START_TYPE).all()
        assert (single.adjacency[b, :, 1 : n - 1].sum(0) == 1).all()  # one input per operation
    inputs = single.adjacency[:, :, 1:].sum(1)
    assert (inputs[single.op_ids[:, 1:] != -1] >= 1).all()
