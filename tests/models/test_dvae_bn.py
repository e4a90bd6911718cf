"""DVAE_BN's three options of the one D-VAE class (type messages, summed graph state, ``h0``
in the edge MLP) against the per-graph reference in reference_dvae_bn.py, and where they are on:
bn-asia's new dvae runs only."""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pytest
import torch

from core.cli.commands import add_common_arguments
from core.config import DVAE_BN_OPTIONS, ModelConfig, uses_bn_options
from core.errors import OpEmbedError
from core.models.message_passing import TypeMessage
from core.spaces import SPACE_NAMES, get_space
from core.cli.train import add_train_arguments, check_train_arguments, train_model_config, training_node_order

from . import reference_dvae_bn
from .per_graph import (NUM_NODES, assert_compact_decoding_equals_dense, assert_encoder_matches,
                        assert_greedy_decodes_match, assert_loss_and_gradients_match, make_model, random_graphs)

pytestmark = pytest.mark.usefixtures("one_thread")


def make_bn(encoding="onehot", dtype=torch.float64, seed=0, **overrides):
    return make_model("dvae", encoding, dtype, seed, **{**DVAE_BN_OPTIONS, **overrides})


def test_shapes():
    model = make_bn(dtype=torch.float32)
    H, T, E = 12, model.config.num_node_types, model.op_encoder.output_dim
    assert isinstance(model.message_forward, TypeMessage) and isinstance(model.message_backward, TypeMessage)
    assert model.message_forward.weight.shape == (2 * H, E)  # no vertex ids
    assert model.add_edge[0].weight.shape == (4 * H, 3 * H)  # [h_k, h_v, h0]
    op_ids, adjacency, num_nodes = random_graphs(6, seed=1, variable_size=True)
    mu, logvar = model.encode(op_ids, adjacency, num_nodes)
    assert mu.shape == logvar.shape == (6, 5)
    projection = model.message_forward.type_projection(model.op_encoder.table())
    assert projection.shape == (T, 2 * H)
    assert model.message_forward.of_nodes(projection, op_ids).shape == (6, NUM_NODES, H)
    decoded = model.decode(mu, stochastic=False)
    assert decoded.op_ids.shape == (6, NUM_NODES) and decoded.adjacency.shape == (6, NUM_NODES, NUM_NODES)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
@pytest.mark.parametrize("bidirectional,vertex_ids", [(True, False), (False, False), (True, True)])
def test_encoder_matches_per_graph_reference(encoding, bidirectional, vertex_ids):
    model = make_bn(encoding, bidirectional=bidirectional, vertex_ids=vertex_ids)
    assert_encoder_matches(model, reference_dvae_bn.encode_one)


@pytest.mark.parametrize("encoding,vertex_ids", [("onehot", False), ("learned", False), ("learned", True)])
def test_loss_and_every_gradient_match_per_graph_reference(encoding, vertex_ids):
    """The gradient check: the whole loss (encoder, teacher-forced decoder, KL) and the
    gradient of every parameter equal the per-graph loops in fp64 to 1e-10."""
    model = make_bn(encoding, vertex_ids=vertex_ids)
    checked = assert_loss_and_gradients_match(model, reference_dvae_bn)
    assert {"message_forward.weight", "message_backward.weight", "add_edge.0.weight", "fc_init.weight"} <= set(checked)


@pytest.mark.parametrize("encoding", ["onehot", "learned"])
def test_greedy_decodes_match_per_graph_reference(encoding):
    model = make_bn(encoding, seed=7)
    z = torch.randn(16, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    assert_greedy_decodes_match(model, z, model.decode(z, stochastic=False), reference_dvae_bn.greedy_decode_one)


@pytest.mark.parametrize("stochastic", [False, True])
def test_compact_decoding_equals_the_dense_masked_path(stochastic):
    model = make_bn("learned", seed=5)
    z = torch.randn(200, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    assert_compact_decoding_equals_dense(model, z, stochastic, some_end_early=False)


def test_the_encoding_does_not_depend_on_the_node_order():
    """Type messages without vertex ids and a summed graph state: a network encodes the same
    in every topological order of its nodes (here: two variables swapped)."""
    model = make_bn()
    op_ids = torch.tensor([[0, 2, 3, 4, 1], [0, 3, 2, 4, 1]])
    adjacency = torch.zeros(2, 5, 5, dtype=torch.float64)
    for b, (first, second) in enumerate([(1, 2), (2, 1)]):  # types 2 and 3 both feed type 4
        adjacency[b, 0, first] = adjacency[b, 0, second] = 1
        adjacency[b, first, 3] = adjacency[b, second, 3] = 1
        adjacency[b, 3, 4] = 1
    mu, logvar = model.encode(op_ids, adjacency, torch.tensor([5, 5]))
    torch.testing.assert_close(mu[0], mu[1], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(logvar[0], logvar[1], rtol=1e-12, atol=1e-12)


def test_the_options_are_off_by_default_and_for_other_models():
    plain = make_model("dvae")
    assert not uses_bn_options(plain.config) and not isinstance(plain.message_forward, TypeMessage)
    assert plain.add_edge[0].weight.shape[1] == 2 * 12
    for model in ("gcn", "dvae-att"):
        with pytest.raises(ValueError, match="options of --model dvae only"):
            make_model(model, "learned", messages="type")


def _train_args(*flags: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    add_common_arguments(parser)
    return parser.parse_args(["--out", "/tmp/never-written", *flags])


@pytest.mark.parametrize("space", SPACE_NAMES)
def test_only_bn_asia_turns_the_options_on(space):
    config = train_model_config(_train_args("--space", space), get_space(space))
    expected = ModelConfig(num_node_types=config.num_node_types, max_nodes=config.max_nodes, hidden_dim=64,
                           latent_dim=16, encoding="learned", **(DVAE_BN_OPTIONS if space == "bn-asia" else {}))
    assert config == expected


def test_the_flag_overrides_the_space_and_is_dvae_only():
    bn, cora = get_space("bn-asia"), get_space("nbg-cora")
    assert not uses_bn_options(train_model_config(_train_args("--space", "bn-asia", "--no-dvae-bn"), bn))
    assert train_model_config(_train_args("--space", "nbg-cora", "--dvae-bn"), cora).messages == "type"
    assert not uses_bn_options(train_model_config(_train_args("--space", "bn-asia", "--model", "gcn"), bn))
    with pytest.raises(OpEmbedError, match="--dvae-bn --model gcn"):
        check_train_arguments(_train_args("--space", "bn-asia", "--model", "gcn", "--dvae-bn"))


def test_old_runs_read_without_the_options():
    """A config.json written before the options reads as D-VAE (the dataclass defaults)."""
    from core.config import from_dict

    written = {field.name: getattr(ModelConfig(10, 10), field.name) for field in dataclasses.fields(ModelConfig)
               if field.name not in ("messages", "graph_state", "edge_reads_initial")}
    assert not uses_bn_options(from_dict(ModelConfig, written))


def test_canonical_node_order_is_refused_on_bn_asia():
    with pytest.raises(OpEmbedError, match="--node-order canonical: bn-asia trains on its stored order only"):
        training_node_order(_train_args("--space", "bn-asia", "--node-order", "canonical"), get_space("bn-asia"))
    assert training_node_order(_train_args("--space", "bn-asia"), get_space("bn-asia")) == "stored"
    assert np.all([get_space(name).single_order is None for name in SPACE_NAMES if name != "bn-asia"])
