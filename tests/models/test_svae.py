"""Property tests of the dense S-VAE (``--model svae``) against the per-graph reference in
reference_svae.py: encoder, loss and every gradient (fp64 to 1e-10), greedy decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.models.registry import display_name
from core.models.svae import SVAE
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints

from . import reference_svae
from .per_graph import (NUM_NODES, assert_encoder_matches, assert_greedy_decodes_match, assert_loss_and_gradients_match,
                        assert_loss_parts_add_up, make_model, random_graphs)


def make_svae(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    return make_model("svae", encoding, dtype, seed, **overrides)


def test_registry_builds_the_svae_and_names_it():
    assert isinstance(make_svae(), SVAE)
    assert display_name(make_svae().config) == "S-VAE" and display_name(make_svae("learned").config) == "S-VAE-EMB"


def test_the_string_by_hand():
    """Input 0, op 1 (from 0), op 2 (from 0 and 1), output 3 (from 2); N = 5, so one padding row."""
    model = make_svae(max_nodes=5)
    op_ids = torch.tensor([[START_TYPE, 4, 5, END_TYPE, 3]])  # the padding position holds any type
    adjacency = torch.zeros(1, 5, 5)
    adjacency[0, 0, 1] = adjacency[0, 0, 2] = adjacency[0, 1, 2] = adjacency[0, 2, 3] = 1
    types, edges = model.string_targets(op_ids, adjacency, torch.tensor([4]))
    assert types.tolist() == [[4, 5, END_TYPE, START_TYPE]]
    assert edges[0].tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_encoder_matches_per_graph_reference(bidirectional, encoding):
    assert_encoder_matches(make_svae(encoding, bidirectional=bidirectional), reference_svae.encode_one)


def test_a_graph_is_encoded_alone():
    """Each graph's code depends on that graph only (the reference's bidirectional reshape mixes
    the graphs of a batch; this one does not)."""
    model = make_svae()
    op_ids, adjacency, num_nodes = random_graphs(4, seed=5, variable_size=True)
    together = model.encode(op_ids, adjacency.double(), num_nodes)[0]
    alone = torch.cat([model.encode(op_ids[b : b + 1], adjacency[b : b + 1].double(), num_nodes[b : b + 1])[0]
                       for b in range(4)])
    torch.testing.assert_close(together, alone, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_loss_and_gradients_match_per_graph_reference(encoding):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, decode, KL) and every
    gradient equal the slow per-graph loops."""
    assert_loss_and_gradients_match(make_svae(encoding), reference_svae)


def test_loss_parts_in_fp32():
    assert_loss_parts_add_up(make_svae("learned", torch.float32))


@pytest.mark.parametrize("encoding,seed", [("onehot", 3), ("learned", 0)])
def test_greedy_decode_matches_per_graph_reference(encoding, seed):
    model = make_svae(encoding, seed=seed)
    with torch.no_grad():  # an END logit that sometimes wins: graphs of several sizes
        model.add_vertex[2].bias[END_TYPE] += 0.2
    z = torch.randn(32, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 3
    batch = model.decode(z, stochastic=False)
    assert len(set(batch.num_nodes.tolist())) >= 3
    assert_greedy_decodes_match(model, z, batch, reference_svae.greedy_decode_one)


def test_stochastic_decode_is_seeded_and_constraints_hold():
    model = make_svae("learned", torch.float32)
    z = torch.randn(64, model.config.latent_dim, generator=torch.Generator().manual_seed(0))
    first = model.decode(z, generator=torch.Generator().manual_seed(3))
    second = model.decode(z, generator=torch.Generator().manual_seed(3))
    assert np.array_equal(first.op_ids, second.op_ids) and np.array_equal(first.adjacency, second.adjacency)
    rules = DecodeConstraints(min_nodes=NUM_NODES, chain=True, single_input=False)
    constrained = model.decode(z, generator=torch.Generator().manual_seed(3), constraints=rules)
    assert (constrained.num_nodes == NUM_NODES).all() and (constrained.op_ids[:, 1:] != START_TYPE).all()
    assert all(constrained.adjacency[b, v - 1, v] for b in range(64) for v in range(1, NUM_NODES))
