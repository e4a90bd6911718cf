"""Where decode-mode acquisition looks: a region of the unit cube of the reference latents.

Maximising expected improvement over the whole box of the latents extrapolates: on the
nbg-cora demo runs the proposals sat a median distance of about 4.5 from the nearest
training latent (neighbours are 0.36 apart), 21 % of their coordinates on a face of the
box, and the GP's predictions there were unrelated to what decoded. Three regions:

* ``box``: the reference's, ``[min, max]`` of the reference latents (the whole unit cube).
* ``quantile``: ``[q, 1 - q]`` quantiles of the reference latents per dimension.
* ``trust-region`` (TuRBO, Eriksson et al. 2019): a box around the incumbent, side
  ``length`` times the GP's lengthscales over their geometric mean, that doubles after
  ``SUCCESS_TOLERANCE`` improving rounds in a row and halves after ``failure_tolerance``
  rounds without one, and starts again at ``LENGTH_INIT`` once below ``LENGTH_MIN``.
  Candidates perturb only some coordinates of the incumbent (each with probability
  ``min(1, 20 / d)``), as TuRBO does in high dimension.

The trust region's state is replayed from the history's per-round bests, so a resumed
search rebuilds it exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

LENGTH_INIT = 0.8
LENGTH_MIN = 0.5**7
LENGTH_MAX = 1.6
SUCCESS_TOLERANCE = 3
IMPROVEMENT = 1e-3  # a round improves when its best beats the incumbent by this share of it


@dataclass(frozen=True)
class TrustRegionState:
    """TuRBO's side length and counters after the finished rounds."""

    length: float = LENGTH_INIT
    successes: int = 0
    failures: int = 0
    restarts: int = 0


def failure_tolerance(dim: int, batch_size: int) -> int:
    """TuRBO's: ``ceil(max(4 / q, d / q))`` rounds without improvement halve the region."""
    return int(math.ceil(max(4.0 / batch_size, dim / batch_size)))


def replay_trust_region(round_bests: list[float | None], start_best: float, dim: int,
                        batch_size: int) -> TrustRegionState:
    """The trust region after rounds whose best new values were ``round_bests`` (``None``:
    nothing scored), starting from the start's best ``start_best``."""
    state, best = TrustRegionState(), start_best
    tolerance = failure_tolerance(dim, batch_size)
    for found in round_bests:
        improved = found is not None and found > best + IMPROVEMENT * abs(best)
        successes, failures = (state.successes + 1, 0) if improved else (0, state.failures + 1)
        length, restarts = state.length, state.restarts
        if successes >= SUCCESS_TOLERANCE:
            length, successes = min(2.0 * length, LENGTH_MAX), 0
        elif failures >= tolerance:
            length, failures = length / 2.0, 0
        if length < LENGTH_MIN:
            length, restarts = LENGTH_INIT, restarts + 1
        state = TrustRegionState(length, successes, failures, restarts)
        if found is not None:
            best = max(best, found)
    return state


def region_bounds(region: str, reference_unit: np.ndarray, center: np.ndarray | None = None,
                  lengthscale: np.ndarray | None = None, length: float = LENGTH_INIT,
                  quantile: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``lower``, ``upper`` (each ``d``, unit cube) of a region.

    Args:
        region: ``"box"``, ``"quantile"`` or ``"trust-region"``.
        reference_unit: ``r x d`` reference latents in the unit cube.
        center: ``d`` the incumbent (trust region).
        lengthscale: ``d`` the GP's lengthscales in unit-cube units (trust region).
        length: the trust region's side length.
        quantile: the quantile box's ``q``.
    """
    dim = reference_unit.shape[1]
    if region == "box":
        return np.zeros(dim), np.ones(dim)
    if region == "quantile":
        return np.quantile(reference_unit, quantile, axis=0), np.quantile(reference_unit, 1 - quantile, axis=0)
    if region != "trust-region":
        raise ValueError(f"unknown region {region!r}")
    if center is None or lengthscale is None:
        raise ValueError("the trust region needs its center and the GP's lengthscales")
    weights = np.asarray(lengthscale, dtype=np.float64)
    weights = weights / np.exp(np.mean(np.log(weights)))
    half = weights * length / 2.0
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


def region_candidates(lower: np.ndarray, upper: np.ndarray, count: int, seed: int,
                      center: np.ndarray | None = None) -> Tensor:
    """``count x d`` scrambled-Sobol points of the box ``[lower, upper]`` (float64). With a
    ``center`` each point keeps the center's value in all but a random subset of its
    coordinates (each perturbed with probability ``min(1, 20 / d)``, at least one)."""
    dim = len(lower)
    engine = torch.quasirandom.SobolEngine(dim, scramble=True, seed=int(seed))
    low, high = torch.as_tensor(lower), torch.as_tensor(upper)
    points = low + (high - low) * engine.draw(int(count), dtype=torch.float64)  # count x d
    if center is None:
        return points
    generator = torch.Generator().manual_seed(int(seed))
    mask = torch.rand(int(count), dim, generator=generator, dtype=torch.float64) <= min(1.0, 20.0 / dim)
    empty = ~mask.any(1)
    mask[empty, torch.randint(dim, (int(empty.sum()),), generator=generator)] = True
    return torch.where(mask, points, torch.as_tensor(center, dtype=torch.float64).expand_as(points))
