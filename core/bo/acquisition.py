"""Batch expected improvement on the sparse GP, with BoTorch.

The acquisition is ``qLogExpectedImprovement`` (the log of Monte-Carlo batch EI, which
stays finite and keeps gradients where EI underflows, as it does far from the data in 56
dimensions), in the GP's standardised units, maximising ``y``. The incumbent ``best_f`` is
the largest posterior mean at the observed points: the reference also takes the best
posterior mean (found by L-BFGS from its grid) rather than the largest noisy observation.

The GP is handed to BoTorch through the thin models of :mod:`core.bo.posterior_models`,
not ``ApproximateGPyTorchModel`` / ``SingleTaskVariationalGP``: those go through GPyTorch's
``ApproximateGP.__call__`` (about 20 ms per call for a handful of points), and a sequential
batch of 50 with L-BFGS-B makes thousands of calls (measured: 78 s per batch of 50 on one
core, against a few seconds with the precomputed posterior). Both models return the same
distribution as GPyTorch (checked in the tests).

* Decode mode (:func:`propose_in_box`): ``optimize_acqf`` with ``sequential=True`` over
  the box spanned by the training latents, so the batch is built greedily, each point
  maximising qLogEI jointly with the points already chosen (BoTorch's sequential greedy
  batch, like the reference's ``batched_greedy_ei``); ``raw_samples`` random box points
  seed ``num_restarts`` L-BFGS-B runs per point.
* Pool mode (:func:`propose_from_pool`): the same sequential greedy qLogEI, evaluated
  exactly at every unobserved candidate's latent mean (no continuous optimisation). Each
  step takes the candidate with the largest qLogEI given those already chosen (passed as
  ``X_pending``, so they enter the joint Monte-Carlo samples, not as fantasised data).
  Pools larger than ``max_pool`` are first cut to the ``max_pool`` candidates with the
  largest analytic LogEI.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from botorch.acquisition.analytic import LogExpectedImprovement
from botorch.acquisition.logei import qLogExpectedImprovement
from botorch.models.model import Model
from botorch.optim import optimize_acqf
from botorch.sampling import SobolQMCNormalSampler
from linear_operator.utils.warnings import NumericalWarning

from ..gp import SparseGP
from .posterior_models import PoolPosteriorModel, SVGPPosteriorModel


def incumbent(gp: SparseGP, X_observed: np.ndarray) -> float:
    """The largest posterior mean (standardised units) over the observed points ``n x d``."""
    mean, _ = gp.predict_standardised(X_observed, include_noise=False)
    return float(mean.max())


def _acquisition(model: Model, best_f: float, mc_samples: int, seed: int) -> qLogExpectedImprovement:
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples]), seed=int(seed))
    return qLogExpectedImprovement(model, best_f=best_f, sampler=sampler)


def propose_in_box(gp: SparseGP, lower: np.ndarray, upper: np.ndarray, q: int, best_f: float,
                   seed: int, num_restarts: int = 4, raw_samples: int = 256, maxiter: int = 50,
                   mc_samples: int = 128) -> np.ndarray:
    """A batch of ``q`` latent points maximising qLogEI over the box ``[lower, upper]``.

    Args:
        gp: the fitted surrogate.
        lower, upper: ``d`` box bounds (the training latents' minimum and maximum).
        q: batch size.
        best_f: incumbent in standardised units (see :func:`incumbent`).
        seed: seeds the raw samples and the quasi-MC sampler.
    Returns:
        ``q x d`` points.
    """
    dtype, device = gp.dtype, gp.device
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.maximum(np.asarray(upper, dtype=np.float64), lower + 1e-6)  # no empty side
    bounds = torch.tensor(np.stack([lower, upper]), dtype=dtype, device=device)  # 2 x d
    acquisition = _acquisition(SVGPPosteriorModel(gp), best_f, mc_samples, seed)
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        torch.manual_seed(int(seed))
        warnings.filterwarnings("ignore", message=".*float32.*")
        warnings.filterwarnings("ignore", category=NumericalWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=".*Optimization failed.*")
        candidates, _ = optimize_acqf(
            acquisition, bounds=bounds, q=int(q), num_restarts=int(num_restarts),
            raw_samples=int(raw_samples), sequential=True,
            options={"maxiter": int(maxiter), "batch_limit": int(num_restarts)},
        )
    return candidates.detach().cpu().double().numpy()  # q x d


@torch.no_grad()
def propose_from_pool(gp: SparseGP, candidates: np.ndarray, q: int, best_f: float, seed: int,
                      mc_samples: int = 128, max_pool: int = 4000) -> list[int]:
    """Indices of ``q`` distinct candidates chosen greedily by qLogEI.

    Args:
        gp: the fitted surrogate.
        candidates: ``m x d`` latent points (the unobserved pool's latent means).
        q: batch size (at most ``m`` are returned).
        best_f: incumbent in standardised units.
        seed: seeds the quasi-MC sampler.
        max_pool: larger pools are cut to this many by analytic LogEI first.
    Returns:
        ``min(q, m)`` row indices into ``candidates``, in the order chosen.
    """
    X = torch.as_tensor(np.asarray(candidates), dtype=gp.dtype, device=gp.device)  # m x d
    keep = torch.arange(len(X), device=gp.device)
    if len(X) > max_pool:
        analytic = LogExpectedImprovement(SVGPPosteriorModel(gp), best_f=best_f)
        scores = torch.cat([analytic(X[s : s + 1024].unsqueeze(-2)) for s in range(0, len(X), 1024)])
        keep = torch.topk(scores, max_pool).indices
    pool_model = PoolPosteriorModel(gp, X[keep])
    index = torch.arange(len(keep), dtype=X.dtype, device=X.device).unsqueeze(-1)  # m' x 1
    acquisition = _acquisition(pool_model, best_f, mc_samples, seed)
    available = torch.ones(len(keep), dtype=torch.bool, device=X.device)
    chosen: list[int] = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*float32.*")
        warnings.filterwarnings("ignore", category=NumericalWarning)
        for _ in range(min(int(q), len(keep))):
            acquisition.set_X_pending(index[chosen] if chosen else None)
            values = acquisition(index.unsqueeze(-2))  # m' (each candidate as a q = 1 batch)
            values[~available] = -float("inf")
            best = int(torch.argmax(values))
            chosen.append(best)
            available[best] = False
    return [int(keep[i]) for i in chosen]
