"""A planted search problem that runs in seconds.

``PlantedSpace``: chain graphs ``input -> op -> op -> op -> op -> output`` over four
operation types (256 architectures). Every architecture has a planted 2-d "latent"
point; its value is a smooth bowl around the optimum's point, so a GP on the latents sees
the structure BO should exploit. The planted decoder maps a latent point to the
architectures with the nearest planted points (up to ``OPTIONS`` within ``invalid_radius``,
nearest first, as a stochastic decoder ranks its decodes by votes), and calls points far
from every architecture invalid: the identity-like encoder/decoder pair of a perfect D-VAE.
"""

from __future__ import annotations

import itertools

import numpy as np

from core.bo.config import BOConfig
from core.spaces import Graph
from core.bo.oracle import LookupOracle
from core.bo.problem import BOProblem
from core.spaces.base import END_TYPE, START_TYPE, ArchitectureTable, SearchSpace

NUM_OPS = 4  # operation nodes per graph
NUM_TYPES = 4  # operation types
OPTIONS = 3  # decodes the planted decoder offers per point


class PlantedSpace(SearchSpace):
    name = "planted"
    op_names = [f"op{i}" for i in range(NUM_TYPES)]
    max_nodes = NUM_OPS + 2

    def key(self, op_ids, adjacency, num_nodes):
        return "-".join(str(int(t) - 2) for t in op_ids[1 : int(num_nodes) - 1])

    def is_valid(self, op_ids, adjacency, num_nodes):
        n = int(num_nodes)
        if n != self.max_nodes or not super().is_valid(op_ids, adjacency, num_nodes):
            return False
        chain = np.zeros((n, n), dtype=np.uint8)
        chain[np.arange(n - 1), np.arange(1, n)] = 1
        return bool(np.array_equal(np.asarray(adjacency)[:n, :n] != 0, chain != 0))

    def load(self, data_dir=None):
        raise NotImplementedError("built by planted_problem")


def chain_adjacency() -> np.ndarray:
    n = NUM_OPS + 2
    adjacency = np.zeros((n, n), dtype=np.uint8)
    adjacency[np.arange(n - 1), np.arange(1, n)] = 1
    return adjacency


def planted_problem(mode: str = "decode", seed: int = 0, invalid_radius: float = 0.2) -> BOProblem:
    """The planted problem; the optimum is in the unobserved (test) half of the ``paper``
    protocol's split."""
    rng = np.random.default_rng(seed)
    space = PlantedSpace()
    ops = np.array(list(itertools.product(range(NUM_TYPES), repeat=NUM_OPS)))  # 256 x 4
    count = len(ops)
    op_ids = np.concatenate([np.full((count, 1), START_TYPE), ops + 2, np.full((count, 1), END_TYPE)], 1)
    adjacency = np.repeat(chain_adjacency()[None], count, 0)
    latents = rng.uniform(-1, 1, size=(count, 2))
    split = np.array(["train"] * (count // 2) + ["test"] * (count - count // 2))
    rng.shuffle(split)
    optimum = int(rng.choice(np.flatnonzero(split == "test")))
    y = 1.0 - ((latents - latents[optimum]) ** 2).sum(1)
    keys = [space.key(op_ids[i], adjacency[i], NUM_OPS + 2) for i in range(count)]
    table = ArchitectureTable(keys=keys, op_ids=op_ids, adjacency=adjacency,
                              num_nodes=np.full(count, NUM_OPS + 2), y=y, y_test=y - 0.01, split=split)

    def decoder(z, seed):
        distances = ((np.asarray(z)[:, None, :] - latents[None]) ** 2).sum(-1)  # q x A
        options = []
        for row_distances in distances:
            near = [int(row) for row in np.argsort(row_distances)[:OPTIONS] if row_distances[row] <= invalid_radius**2]
            options.append([(keys[row], table.graph(row)) for row in near])
        return options

    problem = BOProblem(space=space, table=table, latents=latents, mode=mode,
                        oracle=LookupOracle.from_table(table, "planted"), oracle_name="planted",
                        decoder=decoder, rank_values=y.copy())
    problem.optimum_key = keys[optimum]
    return problem


# small and quick: a 32-point GP, few acquisition restarts; the paper protocol (half labelled)
PLANTED_CONFIG = BOConfig(rounds=4, batch_size=5, protocol="paper", gp_inducing=32, gp_iterations=4,
                          num_restarts=2, raw_samples=32, acq_maxiter=20, population=10, tournament=3)
# the few-label protocol: 8 labelled architectures per seed, the exact GP
FEW_LABEL_CONFIG = BOConfig(rounds=4, batch_size=5, protocol="few-label", init=8, candidates=256,
                            pool_prune=200, population=10, tournament=3)


def queries_to(result: dict, key: str) -> int | None:
    """1-based index of the first new query of ``key`` in a result, or ``None``."""
    count = 0
    for record in result["rounds"]:
        for found, status in zip(record["keys"], record["status"]):
            count += 1
            if found == key and status == "new":
                return count
    return None
