"""The paper's random baseline: latent points from the prior, decoded like BO's."""

from __future__ import annotations

import time

import numpy as np

from ..history import History
from ..problem import BOProblem
from .base import Method, Proposal, derived_seed, nearest_rows, table_graphs, unobserved_rows


class RandomPrior(Method):
    """``z ~ N(0, I)`` scaled to the training latents' mean and std (D-VAE's
    ``--random-baseline`` with ``--sample-dist normal``).

    Decode mode decodes each ``z`` as BO does. Pool mode, where only dataset architectures
    can be scored, takes for each ``z`` the unobserved pool architecture with the nearest
    latent mean (two points may land on one architecture: the second is a duplicate).
    """

    name = "random-prior"
    uses_decoder = True

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        seed = derived_seed(seed, round_index)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((batch_size, problem.latents.shape[1])) * problem.latent_std + problem.latent_mean
        if problem.mode == "pool":
            rows = unobserved_rows(problem, history)
            if len(rows) == 0:
                return Proposal([])
            chosen = nearest_rows(problem, z, rows)
            return Proposal([problem.table.keys[r] for r in chosen], table_graphs(problem, chosen), z)
        started = time.perf_counter()
        keys, graphs = problem.decoder(z, seed)
        return Proposal(keys, graphs, z, info={"decode_seconds": time.perf_counter() - started})
