"""From latent points to architectures: stochastic decoding, ranked by votes.

A *decoder* is any callable ``(z, seed) -> options`` with ``z`` an ``q x d`` array;
``options[i]`` lists the distinct valid architectures decoded from ``z[i]`` as
``(key, graph)``, the most often decoded first (empty when no decode was valid). The first
is the point's proposal; :mod:`core.bo.redraw` takes the next one when the first is already
observed. :class:`LatentDecoder` does this with a trained D-VAE; tests plug in a planted one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import torch

from core.analysis.evaluate import decode_many, valid_keys
from core.models.dvae import DVAE
from core.spaces.base import SearchSpace
from core.spaces.graph import Graph

Options = list[list[tuple[str, Graph]]]  # per point: (key, graph), most decoded first
Decoder = Callable[[np.ndarray, int], Options]


def ranked_decodes(keys: list[str | None], num_points: int, attempts: int) -> list[list[int]]:
    """For each point, one index (into ``keys``) per distinct valid key, by vote count.

    Args:
        keys: ``attempts * num_points`` keys, attempt-major (``keys[a * num_points + i]``
            is attempt ``a`` of point ``i``); ``None`` for an invalid decode.
    Returns:
        ``num_points`` lists, most common key first (ties: the key seen first); empty where
        every attempt was invalid. The first entry is the majority vote.
    """
    ranked: list[list[int]] = []
    for point in range(num_points):
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for attempt in range(attempts):
            index = attempt * num_points + point
            key = keys[index]
            if key is not None:
                counts[key] += 1
                first.setdefault(key, index)
        ranked.append([first[key] for key, _ in counts.most_common()])  # most_common keeps first-seen order on ties
    return ranked


class LatentDecoder:
    """Decode each latent point ``attempts`` times stochastically; its distinct valid
    architectures ranked by how often they were decoded (the first is D-VAE's
    ``decode_from_latent_space`` proposal, 500 attempts there).

    Args:
        model: the trained D-VAE, in eval mode.
        space: checks validity and names the graphs.
        attempts: stochastic decodes per point. Default 50.
        batch_size: graphs decoded at once.
    """

    def __init__(self, model: DVAE, space: SearchSpace, attempts: int = 50, batch_size: int = 4096):
        self.model = model
        self.space = space
        self.attempts = int(attempts)
        self.batch_size = batch_size

    def __call__(self, z: np.ndarray, seed: int) -> Options:
        device = next(self.model.parameters()).device
        generator = torch.Generator(device=device).manual_seed(int(seed))
        points = torch.as_tensor(np.asarray(z), dtype=torch.float32, device=device)  # q x d
        repeated = points.repeat(self.attempts, 1)  # (attempts * q) x d, attempt-major
        decoded = decode_many(self.model, repeated, True, generator, self.batch_size)
        keys = valid_keys(self.space, decoded)
        return [[(keys[i], Graph(decoded.op_ids[i].copy(), decoded.adjacency[i].copy(), int(decoded.num_nodes[i])))
                 for i in indices] for indices in ranked_decodes(keys, len(points), self.attempts)]
