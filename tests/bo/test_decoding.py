"""The majority vote over stochastic decodes, and the model-backed decoder."""

from __future__ import annotations

import numpy as np
import torch

from core.bo.decoding import LatentDecoder, majority_vote
from core.config import ModelConfig
from core.models.dvae import DVAE

from .planted import PlantedSpace


def test_majority_vote_hand_worked():
    # 3 points x 4 attempts, attempt-major: keys[a * 3 + i]
    keys = [
        "a", None, "x",
        "b", None, "y",
        "b", None, "x",
        "a", None, "y",
    ]
    chosen = majority_vote(keys, num_points=3, attempts=4)
    assert chosen == [0, None, 2]  # tie a/b -> "a" (seen first); all invalid; tie x/y -> "x"
    keys[9] = "b"
    assert keys[majority_vote(keys, 3, 4)[0]] == "b"


def test_latent_decoder_shapes_validity_and_seed():
    space = PlantedSpace()
    torch.manual_seed(0)
    model = DVAE(ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes,
                             hidden_dim=8, latent_dim=3)).eval()
    decoder = LatentDecoder(model, space, attempts=4)
    z = np.random.default_rng(0).standard_normal((5, 3))
    keys, graphs = decoder(z, seed=1)
    assert len(keys) == len(graphs) == 5
    for key, graph in zip(keys, graphs):
        assert (key is None) == (graph is None)
        if key is not None:
            assert space.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes)
            assert space.key(graph.op_ids, graph.adjacency, graph.num_nodes) == key
    assert decoder(z, seed=1)[0] == keys
