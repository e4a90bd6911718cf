"""Time-to-quality: cheap per-epoch quality figures written beside the loss in ``history.csv``.

* ``recon_greedy``: the exact-match share of greedy decodes of ``mu`` on a fixed, seeded
  sample of test-split graphs (the training split when a space has no test split).
* ``valid_prior``: the valid share of greedy decodes of fixed prior points. The points are
  ``eps ~ N(0, I)`` drawn once, scaled to the mean and std of the sample's latent means
  (as ``evaluate`` scales its prior points to the training latents).

Both are greedy, so they move only when the model does, and cost one encode of the sample
and one decode of ``sample + prior points`` graphs: well under 5 % of an epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.training.batch import make_batch
from core.training.devices import autocast
from core.analysis.evaluate import exact_matches
from core.models.dvae import DVAE, DecodedGraphs
from core.spaces.base import ArchitectureTable, SearchSpace


def valid_share(space: SearchSpace, decoded: DecodedGraphs) -> float:
    """The share of decoded graphs that are valid architectures of ``space``."""
    valid = sum(space.is_valid(decoded.op_ids[i], decoded.adjacency[i], int(decoded.num_nodes[i]))
                for i in range(len(decoded)))
    return valid / max(len(decoded), 1)


@dataclass(frozen=True)
class QualityFigures:
    recon_greedy: float  # exact-match share of greedy decodes of mu
    valid_prior: float  # valid share of greedy decodes of the prior points


class QualityMonitor:
    """Fixed sample and prior points, chosen once per run from ``seed``.

    Args:
        space: the search space (validity).
        table: every architecture.
        num_graphs: graphs in the reconstruction sample (all of the split if it is smaller).
        num_prior_points: prior points decoded for validity.
        latent_dim: size of ``z``.
        seed: picks the sample and the prior points.
    """

    def __init__(self, space: SearchSpace, table: ArchitectureTable, num_graphs: int, num_prior_points: int,
                 latent_dim: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        pool = table.indices("test")
        if len(pool) == 0:
            pool = table.indices("train")
        self.index = np.sort(rng.choice(pool, min(num_graphs, len(pool)), replace=False))
        self.space = space
        self.batch = make_batch(table, self.index)
        self.target_ops = table.op_ids[self.index]
        self.target_adjacency = table.adjacency[self.index]
        self.target_nodes = table.num_nodes[self.index]
        self.prior_eps = torch.from_numpy(rng.standard_normal((num_prior_points, latent_dim)).astype(np.float32))

    @torch.no_grad()
    def measure(self, model: DVAE, precision: str = "fp32") -> QualityFigures:
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        batch = self.batch.to(device)
        with autocast(device, precision):
            mu, _ = model.encode(batch.op_ids, batch.adjacency, batch.num_nodes)
        mu = mu.float()  # S x d
        prior = self.prior_eps.to(device) * mu.std(0) + mu.mean(0)  # P x d
        with autocast(device, precision):
            decoded = model.decode(torch.cat([mu, prior]), stochastic=False)
        model.train(was_training)
        count = len(self.index)
        recon = exact_matches(decoded[:count], self.target_ops, self.target_adjacency, self.target_nodes)
        return QualityFigures(recon_greedy=float(recon.mean()),
                              valid_prior=valid_share(self.space, decoded[count:]))
