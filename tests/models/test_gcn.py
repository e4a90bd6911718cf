"""Property tests of the dense GCN model (``--model gcn``) against the per-graph reference in
reference_gcn.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding."""

from __future__ import annotations

import pytest
import torch

from core.models.gcn_aggregation import gcn_edges
from core.models.gcn_dvae import GCNDVAE
from core.models.registry import display_name

from . import reference_gcn
from .per_graph import (assert_compact_decoding_equals_dense, assert_encoder_matches, assert_greedy_decodes_match,
                        assert_loss_and_gradients_match, assert_loss_parts_add_up, make_model, random_graphs)

ORDERS = ["sequential", "synchronous"]


def make_gcn(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    return make_model("gcn", encoding, dtype, seed, **overrides)


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
    assert_encoder_matches(make_gcn(encoding, gcn_order=order, bidirectional=undirected), reference_gcn.encode_one)


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


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(order, encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, decode, KL) and every
    gradient, encoder included, equal the slow per-graph loops."""
    checked = assert_loss_and_gradients_match(make_gcn(encoding, gcn_order=order), reference_gcn)
    assert {"gcn.layers.0.weight", "gcn.layers.2.bias", "add_vertex.0.weight"} <= set(checked)


def test_model_loss_is_the_sum_of_its_parts_in_fp32():
    assert_loss_parts_add_up(make_gcn("learned", torch.float32))


@pytest.mark.parametrize("encoding,seed", [("onehot", 5), ("learned", 10)])  # seeds whose decodes vary in size
def test_greedy_decode_matches_per_graph_reference(encoding, seed):
    model = make_gcn(encoding, seed=seed)
    z = torch.randn(16, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    batch = model.decode(z, stochastic=False)
    assert len(set(batch.num_nodes.tolist())) > 1  # graphs of several sizes: the running sum is compacted
    assert_greedy_decodes_match(model, z, batch, reference_gcn.greedy_decode_one)


@pytest.mark.parametrize("stochastic", [False, True])
def test_compact_decoding_equals_the_dense_masked_path(stochastic):
    model = make_gcn("learned", seed=10)
    z = torch.randn(200, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    assert_compact_decoding_equals_dense(model, z, stochastic)  # some graphs end early: rows are dropped
