"""Property tests of the dense GCN model (``--model gcn``) against the per-graph reference in
reference_gcn.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ModelConfig
from core.models.gcn_aggregation import gcn_edges
from core.models.gcn_dvae import GCNDVAE
from core.models.registry import build_model, display_name

from .reference_gcn import encode_one, greedy_decode_one, reconstruction_one
from .test_dvae import NUM_NODES, NUM_TYPES, random_graphs

ORDERS = ["sequential", "synchronous"]


def make_gcn(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    torch.manual_seed(seed)
    config = ModelConfig(num_node_types=NUM_TYPES, max_nodes=NUM_NODES, hidden_dim=12, latent_dim=5,
                         encoding=encoding, embedding_dim=3, model="gcn", **overrides)
    return build_model(config).to(dtype)


def test_registry_builds_the_gcn_and_names_it():
    model = make_gcn("learned")
    assert isinstance(model, GCNDVAE) and len(model.gcn.layers) == 3
    assert display_name(model.config) == "GCN-EMB"
    assert display_name(make_gcn("onehot").config) == "GCN"
    assert not any(name.startswith(("encoder_", "message_backward", "graph_unify")) for name, _ in
                   model.named_parameters())  # no D-VAE encoder weights


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("undirected", [True, False])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_encoder_matches_per_graph_reference(order, undirected, encoding):
    model = make_gcn(encoding, gcn_order=order, bidirectional=undirected)
    op_ids, adjacency, num_nodes = random_graphs(6, seed=1, variable_size=True)
    mu, logvar = model.encode(op_ids, adjacency.double(), num_nodes)
    for b in range(len(op_ids)):
        ref_mu, ref_logvar = encode_one(model, op_ids[b].tolist(), adjacency[b].double(), int(num_nodes[b]))
        torch.testing.assert_close(mu[b : b + 1], ref_mu, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(logvar[b : b + 1], ref_logvar, rtol=1e-10, atol=1e-12)


def test_the_two_orders_differ_and_agree_on_one_level():
    """Sequential reads lower-index neighbours' states of the same level: another encoder.
    With one level (types only) there is nothing to order: the same numbers."""
    op_ids, adjacency, num_nodes = random_graphs(4, seed=3)
    sequential, synchronous = make_gcn(gcn_order="sequential"), make_gcn(gcn_order="synchronous")
    a, b = sequential.encode(op_ids, adjacency.double(), num_nodes)[0], synchronous.encode(op_ids, adjacency.double(),
                                                                                           num_nodes)[0]
    assert (a - b).abs().max() > 1e-3
    one_a, one_b = make_gcn(gcn_order="sequential", gcn_levels=1), make_gcn(gcn_order="synchronous", gcn_levels=1)
    torch.testing.assert_close(one_a.encode(op_ids, adjacency.double(), num_nodes),
                               one_b.encode(op_ids, adjacency.double(), num_nodes), rtol=0, atol=0)


def test_edge_weights_by_hand():
    """Path 0 -> 1 -> 2 plus 0 -> 2: every undirected degree is 2, so every weight is 1/3;
    directed, 0 -> 2 weighs 1 / sqrt((out_0 + 1)(in_2 + 1)) = 1/3, 0 -> 1 1 / sqrt(3 * 2), node 1's
    self loop 1 / (in_1 + 1) = 1/2."""
    adjacency = torch.tensor([[[0.0, 1, 1], [0, 0, 1], [0, 0, 0]]], dtype=torch.float64)
    undirected = gcn_edges(adjacency, undirected=True)
    assert undirected.index.shape == (2, 6 + 3)
    torch.testing.assert_close(undirected.weight, torch.full((9,), 1 / 3, dtype=torch.float64))
    directed = gcn_edges(adjacency, undirected=False)
    weights = {tuple(edge): float(w) for edge, w in zip(directed.index.T.tolist(), directed.weight)}
    assert weights[(0, 2)] == pytest.approx(1 / 3) and weights[(0, 1)] == pytest.approx(1 / 6 ** 0.5)
    assert weights[(1, 1)] == pytest.approx(1 / 2) and weights[(0, 0)] == pytest.approx(1.0)


def _loss_and_gradients(model, loss_of):
    loss = loss_of()
    return loss, torch.autograd.grad(loss, list(model.parameters()), allow_unused=True)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(order, encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, decode, KL) and every
    gradient, encoder included, equal the slow per-graph loops."""
    model = make_gcn(encoding, gcn_order=order)
    op_ids, adjacency, num_nodes = random_graphs(5, seed=2, variable_size=True)
    adjacency = adjacency.double()
    eps = torch.randn(5, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    beta = 0.5

    def fast():
        mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        z = mu + 0.01 * eps * torch.exp(0.5 * logvar)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return sum(model.reconstruction_terms(z, op_ids, adjacency, num_nodes)) + beta * kld

    def slow():
        total = torch.zeros((), dtype=torch.float64)
        for b in range(len(op_ids)):
            types, n = op_ids[b].tolist(), int(num_nodes[b])
            mu, logvar = encode_one(model, types, adjacency[b], n)
            z = mu + 0.01 * eps[b : b + 1] * torch.exp(0.5 * logvar)
            type_nll, edge_bce = reconstruction_one(model, z, types, adjacency[b], n)
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            total = total + type_nll + edge_bce + beta * kld
        return total

    fast_loss, fast_grads = _loss_and_gradients(model, fast)
    slow_loss, slow_grads = _loss_and_gradients(model, slow)
    torch.testing.assert_close(fast_loss, slow_loss, rtol=1e-10, atol=0)
    names = [name for name, _ in model.named_parameters()]
    for name, g_fast, g_slow in zip(names, fast_grads, slow_grads):
        assert g_slow is not None and g_fast is not None, name
        scale = g_slow.abs().max().clamp_min(1e-12)
        assert (g_fast - g_slow).abs().max() / scale < 1e-10, name
    assert {"gcn.layers.0.weight", "gcn.layers.2.bias", "add_vertex.0.weight"} <= set(names)


def test_model_loss_is_the_sum_of_its_parts_in_fp32():
    model = make_gcn("learned", torch.float32)
    op_ids, adjacency, num_nodes = random_graphs(8, seed=4, variable_size=True)
    parts = model.loss(op_ids, adjacency, num_nodes, beta=0.5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(parts.loss, parts.type_nll + parts.edge_bce + 0.5 * parts.kld)
    parts.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("encoding,seed", [("onehot", 5), ("learned", 10)])  # seeds whose decodes vary in size
def test_greedy_decode_matches_per_graph_reference(encoding, seed):
    model = make_gcn(encoding, seed=seed)
    z = torch.randn(16, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    batch = model.decode(z, stochastic=False)
    assert len(set(batch.num_nodes.tolist())) > 1  # graphs of several sizes: the running sum is compacted
    for b in range(16):
        types, edges = greedy_decode_one(model, z[b : b + 1])
        n = int(batch.num_nodes[b])
        assert batch.op_ids[b, :n].tolist() == types
        assert {tuple(e) for e in np.argwhere(batch.adjacency[b])} == edges


@pytest.mark.parametrize("stochastic", [False, True])
def test_compact_decoding_equals_the_dense_masked_path(stochastic):
    model = make_gcn("learned", seed=10)
    z = torch.randn(200, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    compact = model.decode(z, stochastic, torch.Generator().manual_seed(6), compact=True)
    dense = model.decode(z, stochastic, torch.Generator().manual_seed(6), compact=False)
    assert 0 < (compact.num_nodes < NUM_NODES).sum() < 200  # some graphs end early: rows are dropped
    assert np.array_equal(compact.op_ids, dense.op_ids) and np.array_equal(compact.adjacency, dense.adjacency)
