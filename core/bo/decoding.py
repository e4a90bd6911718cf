"""From latent points to architectures: stochastic decoding and a majority vote.

A *decoder* is any callable ``(z, seed) -> (keys, graphs)`` with ``z`` an ``q x d`` array;
``keys[i]`` is the architecture proposed for ``z[i]`` (``None`` when it has no valid
decode) and ``graphs[i]`` one graph with that key. :class:`LatentDecoder` does this with a
trained D-VAE; tests plug in a planted one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import torch

from ..evaluate import decode_many, valid_keys
from ..models.dvae import DVAE
from ..spaces.base import SearchSpace
from ..spaces.graph import Graph

Decoder = Callable[[np.ndarray, int], tuple[list[str | None], list[Graph | None]]]


def majority_vote(keys: list[str | None], num_points: int, attempts: int) -> list[int | None]:
    """For each point, the index (into ``keys``) of one decode of its most common valid key.

    Args:
        keys: ``attempts * num_points`` keys, attempt-major (``keys[a * num_points + i]``
            is attempt ``a`` of point ``i``); ``None`` for an invalid decode.
    Returns:
        ``num_points`` indices, ``None`` where every attempt was invalid. Ties go to the
        key seen first.
    """
    chosen: list[int | None] = []
    for point in range(num_points):
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for attempt in range(attempts):
            index = attempt * num_points + point
            key = keys[index]
            if key is not None:
                counts[key] += 1
                first.setdefault(key, index)
        chosen.append(first[counts.most_common(1)[0][0]] if counts else None)
    return chosen


class LatentDecoder:
    """Decode each latent point ``attempts`` times stochastically and keep its most common
    valid architecture (D-VAE's ``decode_from_latent_space``, 500 attempts there).

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

    def __call__(self, z: np.ndarray, seed: int) -> tuple[list[str | None], list[Graph | None]]:
        device = next(self.model.parameters()).device
        generator = torch.Generator(device=device).manual_seed(int(seed))
        points = torch.as_tensor(np.asarray(z), dtype=torch.float32, device=device)  # q x d
        repeated = points.repeat(self.attempts, 1)  # (attempts * q) x d, attempt-major
        decoded = decode_many(self.model, repeated, True, generator, self.batch_size)
        keys = valid_keys(self.space, decoded)
        chosen = majority_vote(keys, len(points), self.attempts)
        graphs = [
            None if i is None else Graph(decoded.op_ids[i].copy(), decoded.adjacency[i].copy(), int(decoded.num_nodes[i]))
            for i in chosen
        ]
        return [None if i is None else keys[i] for i in chosen], graphs
