"""Ranking stochastic decodes by votes, and the model-backed decoder."""

from __future__ import annotations

import numpy as np
import torch

from core.bo.decoding import LatentDecoder, ranked_decodes
from core.config import ModelConfig
from core.models.dvae import DVAE

from .planted import PlantedSpace


def test_ranked_decodes_hand_worked():
    # 3 points x 4 attempts, attempt-major: keys[a * 3 + i]
    keys = [
        "a", None, "x",
        "b", None, "y",
        "b", None, "x",
        "a", None, "y",
    ]
    ranked = ranked_decodes(keys, num_points=3, attempts=4)
    # ties a/b -> "a" (seen first) then "b"; all invalid -> nothing; ties x/y -> "x" then "y"
    assert ranked == [[0, 3], [], [2, 5]]
    keys[9] = "b"
    assert [keys[i] for i in ranked_decodes(keys, 3, 4)[0]] == ["b", "a"]


def test_latent_decoder_shapes_validity_and_seed():
    space = PlantedSpace()
    torch.manual_seed(0)
    model = DVAE(ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes,
                             hidden_dim=8, latent_dim=3)).eval()
    decoder = LatentDecoder(model, space, attempts=4)
    z = np.random.default_rng(0).standard_normal((5, 3))
    options = decoder(z, seed=1)
    assert len(options) == 5
    for choices in options:
        assert len(choices) <= 4 and len({key for key, _ in choices}) == len(choices)
        for key, graph in choices:
            assert space.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes)
            assert space.key(graph.op_ids, graph.adjacency, graph.num_nodes) == key
    assert [[k for k, _ in c] for c in decoder(z, seed=1)] == [[k for k, _ in c] for c in options]
