"""Several seeds' sparse GPs fitted as one batched GPyTorch model (``batch_shape = [S]``).

The evaluation protocol fits the same sparse GP (:mod:`core.analysis.gp`) with ``S`` seeds. Each fit
is hundreds of small steps (``1000 x 500`` kernels) whose time goes to GPyTorch's per-call
overhead, not to arithmetic; stacking the seeds into one model with a batch dimension runs
them in one call per step. Every seed keeps its own draws: its inducing points, lengthscale
start and minibatch order come from its own ``torch.Generator(seed)`` exactly as in
:func:`core.analysis.gp.fit_sparse_gp`, and Adam and natural-gradient steps act on each seed's
parameters independently, so a batched fit is the seeds' separate fits up to rounding
(``tests/analysis/test_gp_batch.py``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import gpytorch
import numpy as np
import torch
from gpytorch.distributions import MultivariateNormal
from gpytorch.kernels import RBFKernel, ScaleKernel
from gpytorch.likelihoods import GaussianLikelihood
from gpytorch.means import ConstantMean
from gpytorch.models import ApproximateGP
from gpytorch.variational import NaturalVariationalDistribution, VariationalStrategy
from torch import Tensor

from core.analysis.gp import GP_INDUCING, GP_ITERATIONS, GP_LR, GP_NGD_LR, GP_THREADS, _median_distance, torch_threads


class BatchSVGPModel(ApproximateGP):
    """``S`` independent sparse variational GPs: ``inducing_points`` is ``S x M x d``."""

    def __init__(self, inducing_points: Tensor):
        seeds, num_inducing, dim = inducing_points.shape
        batch = torch.Size([seeds])
        distribution = NaturalVariationalDistribution(num_inducing, batch_shape=batch)
        strategy = VariationalStrategy(self, inducing_points, distribution, learn_inducing_locations=True)
        super().__init__(strategy)
        self.mean_module = ConstantMean(batch_shape=batch)
        self.covar_module = ScaleKernel(RBFKernel(ard_num_dims=dim, batch_shape=batch), batch_shape=batch)

    def forward(self, x: Tensor) -> MultivariateNormal:
        """``x``: ``S x n x d``. Returns the ``S`` priors at ``x``."""
        return MultivariateNormal(self.mean_module(x), self.covar_module(x))


@dataclass
class BatchSparseGP:
    """``S`` fitted sparse GPs sharing the training statistics of ``y`` (standardised units)."""

    model: BatchSVGPModel
    likelihood: GaussianLikelihood
    y_mean: float
    y_std: float
    seconds: float = 0.0
    threads: int | None = GP_THREADS

    @torch.no_grad()
    def predict_standardised(self, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """Each seed's predictive mean at ``X`` (``n x d``): ``S x n``, standardised units."""
        self.model.eval()
        self.likelihood.eval()
        dtype = next(self.model.parameters()).dtype
        seeds = self.model.variational_strategy.inducing_points.shape[0]
        X_t = torch.as_tensor(np.asarray(X), dtype=dtype)
        means = []
        with gpytorch.settings.fast_pred_var(), torch_threads(self.threads):
            for start in range(0, len(X_t), batch_size):
                chunk = X_t[start : start + batch_size]
                means.append(self.likelihood(self.model(chunk.expand(seeds, *chunk.shape))).mean)
        return torch.cat(means, dim=-1).double().numpy()

    def standardise(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, dtype=np.float64) - self.y_mean) / self.y_std


def fit_sparse_gps(X_train: np.ndarray, y_train: np.ndarray, seeds: Sequence[int],
                   num_inducing: int = GP_INDUCING, iterations: int = GP_ITERATIONS, lr: float = GP_LR,
                   ngd_lr: float = GP_NGD_LR, batch_size: int | None = None, dtype: torch.dtype = torch.float32,
                   threads: int | None = GP_THREADS) -> BatchSparseGP:
    """One sparse GP per seed of ``seeds``, fitted together (see the module docstring; the
    arguments are :func:`core.analysis.gp.fit_sparse_gp`'s). A ``float32`` fit that fails numerically
    is redone in ``float64``."""
    with torch.random.fork_rng(devices=[]), torch_threads(threads):
        torch.manual_seed(int(seeds[0]))
        try:
            gp = _fit(X_train, y_train, seeds, num_inducing, iterations, lr, ngd_lr, batch_size, dtype)
        except RuntimeError:
            if dtype == torch.float64:
                raise
            torch.manual_seed(int(seeds[0]))
            gp = _fit(X_train, y_train, seeds, num_inducing, iterations, lr, ngd_lr, batch_size, torch.float64)
    gp.threads = threads
    return gp


@torch.no_grad()
def _initialise_q(model: BatchSVGPModel, seeds: Sequence[int], num_inducing: int, dtype: torch.dtype) -> None:
    """Each seed's ``q(u)`` as GPyTorch would start it in a fit of its own: the whitened
    prior's natural parameters (``0``, ``-I / 2``) plus the mean noise drawn first after
    ``torch.manual_seed(seed)``."""
    strategy = model.variational_strategy
    distribution = strategy._variational_distribution
    for index, seed in enumerate(seeds):
        torch.manual_seed(int(seed))
        noise = torch.randn(num_inducing, dtype=dtype).mul_(distribution.mean_init_std)
        distribution.natural_vec[index].copy_(noise)
        distribution.natural_mat[index].copy_(-0.5 * torch.eye(num_inducing, dtype=dtype))
    strategy.variational_params_initialized.fill_(1)


def _fit(X_train, y_train, seeds, num_inducing, iterations, lr, ngd_lr, batch_size, dtype) -> BatchSparseGP:
    started = time.perf_counter()
    X = torch.as_tensor(np.asarray(X_train), dtype=dtype)  # n x d
    y_np = np.asarray(y_train, dtype=np.float64).reshape(-1)
    y_mean, y_std = float(y_np.mean()), float(y_np.std())
    y_std = y_std if y_std > 0 else 1.0
    y = torch.as_tensor((y_np - y_mean) / y_std, dtype=dtype)
    n, dim = X.shape
    num_inducing = min(int(num_inducing), n)
    generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    inducing = torch.stack([X[torch.randperm(n, generator=g)[:num_inducing]] for g in generators])  # S x M x d
    lengthscales = torch.tensor([_median_distance(X, g) for g in generators], dtype=dtype)
    model = BatchSVGPModel(inducing.clone())
    likelihood = GaussianLikelihood(batch_shape=torch.Size([len(seeds)]))
    model.covar_module.base_kernel.lengthscale = lengthscales[:, None, None].expand(len(seeds), 1, dim)
    model.covar_module.outputscale = torch.ones(len(seeds))
    likelihood.noise = torch.full((len(seeds), 1), 0.1)
    model.to(dtype=dtype)
    likelihood.to(dtype=dtype)
    _initialise_q(model, seeds, num_inducing, dtype)
    model.train()
    likelihood.train()
    elbo = gpytorch.mlls.VariationalELBO(likelihood, model, num_data=n)
    optimizers = [gpytorch.optim.NGD(model.variational_parameters(), num_data=n, lr=ngd_lr),
                  torch.optim.Adam([*model.hyperparameters(), *likelihood.parameters()], lr=lr)]
    batch_size = int(batch_size or 2 * num_inducing)
    for _ in range(int(iterations)):
        orders = torch.stack([torch.randperm(n, generator=g) for g in generators])  # S x n
        for start in range(0, n, batch_size):
            index = orders[:, start : start + batch_size]  # S x b
            for optimizer in optimizers:
                optimizer.zero_grad(set_to_none=True)
            loss = -elbo(model(X[index]), y[index]).sum()  # S x b x d inputs, one ELBO per seed
            if not torch.isfinite(loss):
                raise RuntimeError("sparse GP: the ELBO is not finite")
            loss.backward()
            for optimizer in optimizers:
                optimizer.step()
    model.eval()
    likelihood.eval()
    return BatchSparseGP(model, likelihood, y_mean, y_std, time.perf_counter() - started)
