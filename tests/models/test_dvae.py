"""Property tests of the dense D-VAE against the per-graph reference in reference_dvae.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ModelConfig
from core.models.dvae import DVAE, gru_cell
from core.models.op_encoder import LearnedOpEncoder, OneHotOpEncoder
from core.spaces.base import END_TYPE

from .per_graph import (NUM_NODES, NUM_TYPES, assert_batch_terms_are_single_graph_sums, assert_bf16_loss_close,
                        assert_compact_decoding_equals_dense, assert_encoder_matches, assert_gradients_match,
                        assert_greedy_decodes_match, make_model, random_graphs)
from .reference_dvae import encode_one, greedy_decode_one, reconstruction_one


def make_dvae(encoding="onehot", dtype=torch.float32, seed=0, **overrides):
    return make_model("dvae", encoding, dtype, seed, **overrides)


def test_gru_cell_matches_torch():
    torch.manual_seed(0)
    cell = torch.nn.GRUCell(5, 7)
    x, h = torch.randn(4, 5), torch.randn(4, 7)
    gates = torch.nn.functional.linear(x, cell.weight_ih, cell.bias_ih)
    torch.testing.assert_close(gru_cell(gates, h, cell.weight_hh, cell.bias_hh), cell(x, h))


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_encoder_matches_per_graph_reference(encoding, bidirectional):
    assert_encoder_matches(make_dvae(encoding, torch.float64, bidirectional=bidirectional), encode_one)


def _reference_loss(model, z, op_ids, adjacency, num_nodes):
    total = torch.zeros((), dtype=z.dtype)
    for b in range(len(op_ids)):
        type_nll, edge_bce = reconstruction_one(model, z[b : b + 1], op_ids[b].tolist(), adjacency[b], int(num_nodes[b]))
        total = total + type_nll + edge_bce
    return total


@pytest.mark.parametrize("dtype,rtol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_fast_loss_and_gradients_match_per_graph_reference(dtype, rtol, encoding):
    """The fast path's teacher-forced loss and every gradient equal the slow per-graph loop."""
    model = make_dvae(encoding, dtype)
    op_ids, adjacency, num_nodes = random_graphs(5, seed=2, variable_size=True)
    adjacency = adjacency.to(dtype)
    z = torch.randn(5, model.config.latent_dim, dtype=dtype, generator=torch.Generator().manual_seed(3))

    def fast():
        type_nll, edge_bce = model.reconstruction_terms(z, op_ids, adjacency, num_nodes)
        return type_nll + edge_bce

    # the encoder's parameters are not part of the reconstruction terms: passed over
    checked = assert_gradients_match(model, fast, lambda: _reference_loss(model, z, op_ids, adjacency, num_nodes),
                                     rtol=rtol, gradient_rtol=rtol * 10, every_parameter=False)
    assert len(checked) >= 8


def test_batch_loss_equals_sum_of_single_graph_losses():
    assert_batch_terms_are_single_graph_sums(make_dvae("learned"), atol=1e-5)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_greedy_decode_matches_per_graph_reference_and_single_decodes(encoding):
    model = make_dvae(encoding, torch.float64, seed=7)
    z = torch.randn(16, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    batch = model.decode(z, stochastic=False)
    for b in range(16):
        single = model.decode(z[b : b + 1], stochastic=False)
        assert np.array_equal(single.op_ids[0], batch.op_ids[b])
        assert np.array_equal(single.adjacency[0], batch.adjacency[b])
    assert_greedy_decodes_match(model, z, batch, greedy_decode_one)


def test_learned_encoder_frozen_to_identity_is_the_onehot_model():
    onehot = make_dvae("onehot", seed=11)
    torch.manual_seed(0)
    config = ModelConfig(num_node_types=NUM_TYPES, max_nodes=NUM_NODES, hidden_dim=12, latent_dim=5,
                         encoding="learned", embedding_dim=NUM_TYPES)
    learned = DVAE(config)
    state = onehot.state_dict()
    state["op_encoder.embedding.weight"] = torch.eye(NUM_TYPES)
    learned.load_state_dict(state)
    learned.op_encoder.embedding.weight.requires_grad_(False)
    assert isinstance(onehot.op_encoder, OneHotOpEncoder) and isinstance(learned.op_encoder, LearnedOpEncoder)

    op_ids, adjacency, num_nodes = random_graphs(8, seed=12)
    gen_a, gen_b = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    a = onehot.loss(op_ids, adjacency, num_nodes, generator=gen_a)
    b = learned.loss(op_ids, adjacency, num_nodes, generator=gen_b)
    assert torch.equal(a.loss, b.loss)
    z = torch.randn(8, 5, generator=torch.Generator().manual_seed(2))
    da, db = onehot.decode(z, stochastic=False), learned.decode(z, stochastic=False)
    assert np.array_equal(da.op_ids, db.op_ids) and np.array_equal(da.adjacency, db.adjacency)


def test_stochastic_decode_is_seeded_and_ends_with_output():
    model = make_dvae("learned")
    z = torch.randn(32, 5, generator=torch.Generator().manual_seed(0))
    first = model.decode(z, generator=torch.Generator().manual_seed(3))
    second = model.decode(z, generator=torch.Generator().manual_seed(3))
    assert np.array_equal(first.op_ids, second.op_ids) and np.array_equal(first.adjacency, second.adjacency)
    for b in range(32):
        n = int(first.num_nodes[b])
        assert first.op_ids[b, n - 1] == END_TYPE
        assert (first.op_ids[b, n:] == -1).all()
        assert not np.tril(first.adjacency[b]).any()


def test_kl_term_is_the_gaussian_kl():
    model = make_dvae()
    op_ids, adjacency, num_nodes = random_graphs(3, seed=5)
    parts = model.loss(op_ids, adjacency, num_nodes, beta=0.5, generator=torch.Generator().manual_seed(0))
    mu, logvar = model.encode(op_ids, adjacency, num_nodes)
    expected = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
    torch.testing.assert_close(parts.kld, expected)
    torch.testing.assert_close(parts.loss, parts.type_nll + parts.edge_bce + 0.5 * parts.kld)


@pytest.mark.parametrize("stochastic", [False, True])
def test_compact_decoding_equals_the_dense_masked_path(stochastic):
    """The CPU path drops finished graphs and updates only the rows that gained an edge; the
    CUDA path computes every row and masks. Same graphs, same random stream."""
    model = make_dvae("learned", torch.float64, seed=5)
    z = torch.randn(200, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    assert_compact_decoding_equals_dense(model, z, stochastic)  # some graphs end early: rows are dropped


def test_compact_decoding_leaves_the_generator_where_the_dense_path_does():
    """Dropping finished graphs (even all of them before the last node) makes the same
    random draws, so a generator shared by consecutive decode calls stays in step."""
    model = make_dvae("learned", torch.float64, seed=5)
    z = torch.randn(64, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    short = []
    for b in range(64):  # single graphs that end before the last node: the batch empties early
        generator = torch.Generator().manual_seed(b)
        if model.decode(z[b : b + 1], True, generator).num_nodes[0] < NUM_NODES - 1:
            short.append(b)
    assert short
    for b in short[:5]:
        compact_generator, dense_generator = torch.Generator().manual_seed(b), torch.Generator().manual_seed(b)
        model.decode(z[b : b + 1], True, compact_generator, compact=True)
        model.decode(z[b : b + 1], True, dense_generator, compact=False)
        assert torch.equal(torch.rand(4, generator=compact_generator), torch.rand(4, generator=dense_generator))


def test_bf16_autocast_trains_and_decodes_on_both_paths():
    """``--precision bf16``: the loss is close to fp32's, its gradients are finite, and the
    compact and dense decoders agree (mixing dtypes in their row updates is an error)."""
    from core.training.devices import autocast

    model = make_dvae("learned", seed=5)
    assert_bf16_loss_close(model)
    z = torch.randn(200, model.config.latent_dim, generator=torch.Generator().manual_seed(5)) * 2
    with autocast(torch.device("cpu"), "bf16"):
        assert_compact_decoding_equals_dense(model, z, True)
