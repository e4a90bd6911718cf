"""Property tests of the dense GraphRNN (``--model graphrnn``) against the per-graph reference
in reference_graphrnn.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding
with and without constraints, and the causal decoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ModelConfig
from core.devices import autocast
from core.models.graphrnn import GraphRNN
from core.models.registry import build_model, display_name
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints

from .reference_graphrnn import encode_one, greedy_decode_one, reconstruction_one
from .test_dvae import NUM_NODES, NUM_TYPES, random_graphs

pytestmark = pytest.mark.usefixtures("one_thread")


def make_graphrnn(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    torch.manual_seed(seed)
    settings = {"num_node_types": NUM_TYPES, "max_nodes": NUM_NODES, "hidden_dim": 12, "latent_dim": 5,
                "encoding": encoding, "embedding_dim": 3, "model": "graphrnn", **overrides}
    return build_model(ModelConfig(**settings)).to(dtype)


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
    model = make_graphrnn(encoding, bidirectional=bidirectional)
    op_ids, adjacency, num_nodes = random_graphs(6, seed=1, variable_size=True)
    mu, logvar = model.encode(op_ids, adjacency.double(), num_nodes)
    for b in range(len(op_ids)):
        ref_mu, ref_logvar = encode_one(model, op_ids[b].tolist(), adjacency[b].double(), int(num_nodes[b]))
        torch.testing.assert_close(mu[b : b + 1], ref_mu, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(logvar[b : b + 1], ref_logvar, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, teacher-forced decode,
    KL) and every gradient equal the slow per-graph loops."""
    model = make_graphrnn(encoding)
    op_ids, adjacency, num_nodes = random_graphs(5, seed=2, variable_size=True)
    adjacency = adjacency.double()
    eps = torch.randn(5, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(3))

    def fast():
        mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        z = mu + 0.01 * eps * torch.exp(0.5 * logvar)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return sum(model.reconstruction_terms(z, op_ids, adjacency, num_nodes)) + 0.5 * kld

    def slow():
        total = torch.zeros((), dtype=torch.float64)
        for b in range(len(op_ids)):
            types, n = op_ids[b].tolist(), int(num_nodes[b])
            mu, logvar = encode_one(model, types, adjacency[b], n)
            z = mu + 0.01 * eps[b : b + 1] * torch.exp(0.5 * logvar)
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            total = total + sum(reconstruction_one(model, z, types, adjacency[b], n)) + 0.5 * kld
        return total

    parameters = list(model.parameters())
    fast_loss, slow_loss = fast(), slow()
    fast_grads = torch.autograd.grad(fast_loss, parameters, allow_unused=True)
    slow_grads = torch.autograd.grad(slow_loss, parameters, allow_unused=True)
    torch.testing.assert_close(fast_loss, slow_loss, rtol=1e-10, atol=0)
    for (name, _), g_fast, g_slow in zip(model.named_parameters(), fast_grads, slow_grads):
        assert g_slow is not None and g_fast is not None, name
        scale = g_slow.abs().max().clamp_min(1e-12)
        assert (g_fast - g_slow).abs().max() / scale < 1e-10, name


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
    torch.testing.assert_close(parts.loss, parts.type_nll + parts.edge_bce + 0.5 * parts.kld)
    parts.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    assert decoded.op_ids.shape == (4, NUM_NODES) and (decoded.op_ids[:, 0] == START_TYPE).all()


@pytest.mark.parametrize("encoding,seed", [("onehot", 3), ("learned", 0)])
def test_greedy_decode_matches_per_graph_reference(encoding, seed):
    model = _ends_sometimes(make_graphrnn(encoding, seed=seed))
    z = _latents(model, 32, seed=8)
    batch = model.decode(z, stochastic=False)
    assert len(set(batch.num_nodes.tolist())) >= 3
    for b in range(32):
        types, edges = greedy_decode_one(model, z[b : b + 1])
        n = int(batch.num_nodes[b])
        assert batch.op_ids[b, :n].tolist() == types
        assert (batch.op_ids[b, n:] == -1).all()
        assert {tuple(e) for e in np.argwhere(batch.adjacency[b])} == edges


@pytest.mark.parametrize("rules", [DecodeConstraints(min_nodes=NUM_NODES, chain=True),
                                   DecodeConstraints(min_nodes=NUM_NODES - 1, single_input=True),
                                   DecodeConstraints(min_nodes=NUM_NODES, chain=True, single_input=True)],
                         ids=["chain", "single_input", "both"])
def test_constrained_greedy_decode_matches_per_graph_reference(rules):
    model = _ends_sometimes(make_graphrnn("learned", seed=1), bias=1.0)
    z = _latents(model, 24, seed=9)
    batch = model.decode(z, stochastic=False, constraints=rules)
    for b in range(24):
        types, edges = greedy_decode_one(model, z[b : b + 1], rules)
        n = int(batch.num_nodes[b])
        assert n >= rules.min_nodes and batch.op_ids[b, :n].tolist() == types
        assert {tuple(e) for e in np.argwhere(batch.adjacency[b])} == edges


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
