"""The paper's random baseline: latent points from the prior, decoded like BO's."""

from __future__ import annotations

import itertools
import time

import numpy as np

from core.bo.history import History
from core.bo.problem import BOProblem
from core.bo.redraw import draw_queries
from core.bo.methods.base import Method, Proposal, derived_seed, table_graphs, unobserved_rows


class RandomPrior(Method):
    """``z ~ N(0, I)`` scaled to the reference latents' mean and std (D-VAE's
    ``--random-baseline`` with ``--sample-dist normal``).

    Decode mode decodes each ``z`` as BO does, with the same re-draws: an observed or
    invalid decode is skipped for the point's next decode, then for the next prior point
    (:mod:`core.bo.redraw`), so no query is wasted. Pool mode, where only dataset
    architectures can be scored, takes for each ``z`` the unobserved pool architecture with
    the nearest latent mean that no earlier point of the batch took.

    Args:
        max_redraws: decode mode: extra batches of prior points when a round is short.
    """

    name = "random-prior"
    uses_decoder = True

    def __init__(self, max_redraws: int = 4):
        self.max_redraws = int(max_redraws)

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        seed = derived_seed(seed, round_index)
        rng = np.random.default_rng(seed)
        dim = problem.latents.shape[1]

        def batches():
            for _ in range(1 + self.max_redraws):
                yield rng.standard_normal((batch_size, dim)) * problem.latent_std + problem.latent_mean

        if problem.mode == "pool":
            rows = unobserved_rows(problem, history)
            chosen = nearest_distinct_rows(problem.latents, next(batches()), rows)
            return Proposal([problem.table.keys[r] for r in chosen], table_graphs(problem, chosen),
                            problem.latents[chosen])
        started = time.perf_counter()
        counter = itertools.count()
        drawn = draw_queries(batches(), lambda z: problem.decoder(z, derived_seed(seed, next(counter))),
                             set(problem.train_keys) | history.queried_keys(), batch_size)
        points = np.stack(drawn.points) if drawn.points else np.zeros((0, dim))
        return Proposal(drawn.keys, drawn.graphs, points,
                        info={**drawn.info(), "decode_seconds": time.perf_counter() - started})


def nearest_distinct_rows(latents: np.ndarray, z: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each point of ``z`` (``q x d``) in turn, the row of ``rows`` with the nearest
    latent mean that no earlier point took (fewer when ``rows`` run out)."""
    if len(rows) == 0:
        return rows
    candidates = latents[rows]  # m x d
    distances = (z * z).sum(1)[:, None] + (candidates * candidates).sum(1)[None] - 2 * z @ candidates.T  # q x m
    taken = np.zeros(len(rows), dtype=bool)
    chosen = []
    for row_distances in distances[: len(rows)]:
        index = int(np.argmin(np.where(taken, np.inf, row_distances)))
        taken[index] = True
        chosen.append(rows[index])
    return np.array(chosen, dtype=np.int64)
