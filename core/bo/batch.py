"""Batches from a finite candidate set with the exact GP: diverse, so that 50 picks are not
one cell's neighbours.

* ``believer`` (default): the candidates' joint posterior is formed once; each pick is the
  candidate of largest LogEI, and the GP then *believes* it (a noise-free fantasy at its
  mean: a rank-one downdate of the joint covariance, and the incumbent rises to the fantasy
  when it is higher). A pick's neighbours lose the variance they shared with it, and with it
  their expected improvement, so the next pick goes elsewhere. This is D-VAE's
  ``batched_greedy_ei`` rule on a finite set.
* ``qlognei``: BoTorch's ``qLogNoisyExpectedImprovement`` maximised by
  ``optimize_acqf_discrete`` (sequential greedy, integrating over the pending picks'
  outcomes by Monte Carlo). It needs the BoTorch model and costs far more (measured on the
  nbg-cora demo latents, 1,000 candidates, one busy core: 7 s per batch with 16 labels,
  160 s with 466), so it is an option, not the default.

Large candidate sets are first cut to the ``prune`` of largest LogEI (marginals only).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator

import numpy as np
import torch
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.models import SingleTaskGP
from botorch.optim import optimize_acqf_discrete
from botorch.sampling import SobolQMCNormalSampler
from torch import Tensor

from core.analysis.gp import torch_threads
from core.bo.acquisition import log_expected_improvement
from core.bo.exact_gp import ExactGP

JITTER = 1e-9  # added to the believed variance before dividing by it


@torch.no_grad()
def prune(gp: ExactGP, candidates: Tensor, best_f: float, keep: int) -> Tensor:
    """Indices of the ``keep`` candidates (``m x d``) of largest marginal LogEI, best first."""
    mean, variance = gp.mean_and_variance(candidates)
    scores = log_expected_improvement(mean, variance, best_f)
    return torch.topk(scores, min(int(keep), len(scores))).indices


def believer_order(mean: Tensor, cov: Tensor, best_f: float) -> Iterator[int]:
    """Greedy LogEI with Kriging-believer fantasies over a finite set, picked lazily.

    Args:
        mean: ``m`` posterior means (standardised units).
        cov: ``m x m`` joint posterior covariance (copied, not changed).
        best_f: the incumbent (standardised units).

    Yields:
        Distinct indices into ``mean``, in the order picked (all ``m`` if asked for).
    """
    cov = cov.clone()
    available = torch.ones(len(mean), dtype=torch.bool)
    for _ in range(len(mean)):
        with torch.no_grad():
            scores = log_expected_improvement(mean, cov.diagonal().clamp_min(0), best_f)
            scores[~available] = -float("inf")
            best = int(torch.argmax(scores))
            available[best] = False
            best_f = max(best_f, float(mean[best]))
            column = cov[:, best].clone()
            cov -= torch.outer(column, column) / (column[best].clamp_min(0) + JITTER)
        yield best


def believer_batch(mean: Tensor, cov: Tensor, q: int, best_f: float) -> list[int]:
    """The first ``min(q, m)`` picks of :func:`believer_order`."""
    return list(itertools.islice(believer_order(mean, cov, best_f), int(q)))


def exact_order(gp: ExactGP, candidates: Tensor, best_f: float, keep: int = 2000) -> Iterator[int]:
    """The ``keep`` candidates of largest LogEI (``m x d``, unit cube), in the believer's
    order, lazily; indices into ``candidates``."""
    candidates = candidates.to(gp.X.dtype)
    kept = prune(gp, candidates, best_f, keep)
    mean, cov = gp.joint(candidates[kept])
    for index in believer_order(mean, cov, best_f):
        yield int(kept[index])


def exact_batch(gp: ExactGP, candidates: Tensor, q: int, best_f: float, rule: str = "believer",
                keep: int = 2000, model: SingleTaskGP | None = None, seed: int = 0) -> list[int]:
    """``q`` distinct candidates (``m x d``, unit cube) by ``rule``; indices into ``candidates``
    in the order picked.

    Args:
        gp: the fitted exact GP.
        candidates: ``m x d`` points.
        q: picks.
        best_f: the incumbent (standardised units) for ``believer``.
        rule: ``"believer"`` or ``"qlognei"``.
        keep: candidates kept by :func:`prune` first.
        model: the BoTorch model (``qlognei`` only).
        seed: seeds the Monte Carlo samples of ``qlognei``.

    Example:
        >>> picks = exact_batch(gp, torch.rand(500, 4, dtype=torch.float64), q=10, best_f=1.0)
    """
    with torch_threads(1):
        if rule == "believer":
            return list(itertools.islice(exact_order(gp, candidates, best_f, keep), int(q)))
        if model is None:
            raise ValueError("the qlognei rule needs the BoTorch model")
        candidates = candidates.to(gp.X.dtype)
        return _qlognei_batch(model, gp.X, candidates, prune(gp, candidates, best_f, keep), q, seed)


def _qlognei_batch(model: SingleTaskGP, X_observed: Tensor, candidates: Tensor, kept: Tensor, q: int,
                   seed: int) -> list[int]:
    """``optimize_acqf_discrete`` with ``qLogNoisyExpectedImprovement`` over the kept candidates."""
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([128]), seed=int(seed))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        acquisition = qLogNoisyExpectedImprovement(model, X_observed, sampler=sampler, cache_root=True)
        picked, _ = optimize_acqf_discrete(acquisition, q=min(int(q), len(kept)), choices=candidates[kept],
                                           max_batch_size=512, return_acq_values=False)
    chosen = candidates[kept]
    found = []
    for point in picked:
        index = int(torch.nonzero((chosen == point).all(-1))[0, 0])
        found.append(int(kept[index]))
    return found


def observed_incumbent(gp: ExactGP) -> float:
    """The largest posterior mean at the training inputs (standardised units)."""
    mean, _ = gp.mean_and_variance(gp.X)
    return float(mean.max())


def to_unit(points: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Latent points ``n x d`` into the unit cube of the box ``[lower, upper]`` (not clipped)."""
    span = np.maximum(np.asarray(upper) - np.asarray(lower), 1e-12)
    return (np.asarray(points, dtype=np.float64) - lower) / span
