"""A sparse variational Gaussian process on latent points (GPyTorch), as D-VAE's surrogate.

D-VAE's reference (``bayesian_optimization/bo.py`` with its Theano ``SparseGP``) fits a
sparse GP with ``M = 500`` inducing points on the training latent means, ``X`` as it is
(not standardised) and ``y`` standardised with the training mean and std, trained by Adam on
minibatches of ``2 * M`` points for ``max_iter = 100`` epochs at ``lr = 0.0005``. The test
RMSE it reports is in those standardised units (the paper's 0.384 on ENAS).

This module keeps that model (500 learned inducing points initialised from a seeded random
subset of the training inputs, an ARD RBF kernel with an output scale, a Gaussian
likelihood, minibatches of ``2 * M``, raw ``X``, ``y`` standardised with the training
statistics) and changes the optimiser, for speed on two CPU cores:

* The variational distribution ``q(u)`` is trained by natural gradient descent
  (``gpytorch.optim.NGD``, lr 0.1) and the kernel, likelihood and inducing locations by
  Adam at lr 0.03, for 2 epochs (:data:`GP_ITERATIONS`). One minibatch step of M = 500,
  B = 1000 costs about 0.2 s on one core, so the reference's 100 epochs (1,700 steps on
  17k points) would take about six minutes per fit. With plain Adam the GPyTorch SVGP needs
  tens of epochs to reach the RMSE that NGD reaches in two (measured on 17k x 56 ENAS-shaped
  data: Adam lr 0.01 gives test RMSE 0.55 after 3 epochs and 0.335 after 10; NGD gives
  0.364, 0.344, 0.341 after 1, 2, 3 epochs; on the latents of a trained nbg-cora run NGD
  gives 0.861, 0.864, 0.863, 0.863 after 1, 2, 3, 6 epochs).
* The kernel lengthscales start at the median distance between training points and the
  noise at 0.1 (in standardised units), so the fit does not depend on the latents' scale.
* ``float32`` by default; a fit that fails numerically is redone in ``float64``.
* On the CPU, fitting and predicting run on one thread (:data:`GP_THREADS`; ``threads``
  changes it). The matrices (``1000 x 500``) are too small for intra-op threads to pay off
  when anything else runs: on the 2-core development machine with other jobs, a fit on
  17k x 56 took 4.7 s on one thread and 44 s on two.

``natural_gradient=False, lr=0.0005, iterations=100`` gives the reference's schedule
(Adam on a Cholesky-parameterised ``q(u)``).
"""

from __future__ import annotations

import contextlib
import copy
import time
from dataclasses import dataclass

import gpytorch
import numpy as np
import torch
from gpytorch.distributions import MultivariateNormal
from gpytorch.kernels import RBFKernel, ScaleKernel
from gpytorch.likelihoods import GaussianLikelihood
from gpytorch.means import ConstantMean
from gpytorch.models import ApproximateGP
from gpytorch.variational import (
    CholeskyVariationalDistribution,
    NaturalVariationalDistribution,
    VariationalStrategy,
)
from torch import Tensor
from tqdm import tqdm

from core.config import GP_INDUCING, GP_ITERATIONS, GP_LR  # noqa: F401  (defined free of torch)

GP_NGD_LR = 0.1  # natural-gradient learning rate of q(u)
GP_THREADS = 1  # CPU threads while fitting and predicting (None: torch's setting)


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Run the block with ``threads`` intra-op CPU threads (``None``: leave them), then restore."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SVGPModel(ApproximateGP):
    """Sparse variational GP: constant mean, ``ScaleKernel(RBF with ARD)``, learned inducing points.

    Args:
        inducing_points: ``M x d`` initial inducing locations.
        natural: parameterise ``q(u)`` by natural parameters (train it with NGD) instead of
            a Cholesky factor (train it with Adam).
    """

    def __init__(self, inducing_points: Tensor, natural: bool = True):
        num_inducing, dim = inducing_points.shape
        if natural:
            distribution = NaturalVariationalDistribution(num_inducing)
        else:
            distribution = CholeskyVariationalDistribution(num_inducing)
        strategy = VariationalStrategy(self, inducing_points, distribution, learn_inducing_locations=True)
        super().__init__(strategy)
        self.mean_module = ConstantMean()
        self.covar_module = ScaleKernel(RBFKernel(ard_num_dims=dim))

    def forward(self, x: Tensor) -> MultivariateNormal:
        """``x``: ``... x n x d``. Returns the prior at ``x``."""
        return MultivariateNormal(self.mean_module(x), self.covar_module(x))


@dataclass
class SparseGP:
    """A fitted sparse GP and the training statistics of ``y``.

    ``model`` and ``likelihood`` work in standardised units:
    ``y_std_units = (y - y_mean) / y_std``.
    """

    model: SVGPModel
    likelihood: GaussianLikelihood
    y_mean: float
    y_std: float
    seconds: float = 0.0
    threads: int | None = GP_THREADS  # CPU threads while predicting

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    @torch.no_grad()
    def predict_standardised(self, X: np.ndarray, include_noise: bool = True,
                             batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and variance in standardised units.

        Args:
            X: ``n x d`` inputs.
            include_noise: add the likelihood's noise to the variance (the predictive
                distribution of ``y``); ``False`` gives the latent function's variance.
            batch_size: points per forward pass.
        Returns:
            ``mean`` and ``variance``, each ``n``.
        """
        self.model.eval()
        self.likelihood.eval()
        means, variances = [], []
        X_t = torch.as_tensor(np.asarray(X), dtype=self.dtype)
        threads = self.threads if self.device.type == "cpu" else None
        with gpytorch.settings.fast_pred_var(), torch_threads(threads):
            for start in range(0, len(X_t), batch_size):
                dist = self.model(X_t[start : start + batch_size].to(self.device))
                if include_noise:
                    dist = self.likelihood(dist)
                means.append(dist.mean.cpu())
                variances.append(dist.variance.cpu())
        return torch.cat(means).double().numpy(), torch.cat(variances).double().numpy()

    def predict(self, X: np.ndarray, include_noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and variance in the original units of ``y``. Each ``n``."""
        mean, variance = self.predict_standardised(X, include_noise)
        return mean * self.y_std + self.y_mean, variance * self.y_std**2

    def standardise(self, y: np.ndarray) -> np.ndarray:
        """``(y - y_mean) / y_std`` with the training statistics."""
        return (np.asarray(y, dtype=np.float64) - self.y_mean) / self.y_std


def _median_distance(X: Tensor, generator: torch.Generator, sample: int = 1000) -> float:
    """Median pairwise Euclidean distance over a random sample of rows (lengthscale init)."""
    index = torch.randperm(len(X), generator=generator)[:sample]
    distances = torch.cdist(X[index], X[index])
    upper = distances[torch.triu(torch.ones_like(distances, dtype=torch.bool), 1)]
    median = float(upper.median()) if len(upper) else 1.0
    return median if median > 0 else 1.0


def fit_sparse_gp(X_train: np.ndarray, y_train: np.ndarray, num_inducing: int = GP_INDUCING,
                  iterations: int = GP_ITERATIONS, seed: int = 0, device: str | torch.device = "cpu",
                  progress: bool = False, lr: float = GP_LR, natural_gradient: bool = True,
                  ngd_lr: float = GP_NGD_LR, batch_size: int | None = None,
                  dtype: torch.dtype = torch.float32,
                  y_stats: tuple[float, float] | None = None,
                  threads: int | None = GP_THREADS) -> SparseGP:
    """Fit a sparse variational GP by maximising the ELBO on minibatches.

    Args:
        X_train: ``n x d`` inputs (used as they are, like the reference).
        y_train: ``n`` targets; standardised inside with their own mean and std (or with
            ``y_stats``).
        num_inducing: inducing points ``M``, initialised from a seeded random subset of
            ``X_train`` (all of it when ``n <= M``). Default 500.
        iterations: epochs over ``X_train``. Default 2.
        seed: seeds the inducing subset, the shuffling and the parameters.
        device: where to train.
        progress: show a tqdm bar over epochs.
        lr: Adam learning rate of the kernel, likelihood and inducing locations (and of
            ``q(u)`` when ``natural_gradient=False``). Default 0.03.
        natural_gradient: train ``q(u)`` with NGD (default) instead of Adam.
        ngd_lr: NGD learning rate. Default 0.1.
        batch_size: minibatch size. Default ``2 * M`` (the reference's).
        dtype: ``torch.float32`` (default) or ``torch.float64``; a ``float32`` fit that
            fails numerically is redone in ``float64``.
        y_stats: ``(mean, std)`` to standardise ``y_train`` with instead of its own, e.g.
            the initial training set's when BO refits on train + new observations.
        threads: CPU threads while fitting and predicting. Default 1; ``None`` keeps
            torch's setting.

    Returns:
        The fitted :class:`SparseGP`.

    Example:
        >>> gp = fit_sparse_gp(X, y, num_inducing=100)
        >>> mean, variance = gp.predict(X_test)  # each n_test, in the units of y
    """
    X_shape, n_targets = np.shape(X_train), np.size(y_train)
    if len(X_shape) != 2 or X_shape[0] != n_targets:
        raise ValueError(f"X_train must be n x d with n = len(y_train); got {X_shape} and {n_targets} targets")
    if n_targets < 2:
        raise ValueError("a GP needs at least two training points")
    options = dict(num_inducing=num_inducing, iterations=iterations, seed=seed, device=device,
                   progress=progress, lr=lr, natural_gradient=natural_gradient, ngd_lr=ngd_lr,
                   batch_size=batch_size, y_stats=y_stats)
    # every random draw (including GPyTorch's lazy init of q(u)) from the seed, leaving
    # the caller's global random state as it was
    where = torch.device(device)
    with torch.random.fork_rng(devices=[where.index or 0] if where.type == "cuda" else []), \
            torch_threads(threads if where.type == "cpu" else None):
        torch.manual_seed(int(seed))
        try:
            gp = _fit(X_train, y_train, dtype=dtype, **options)
        except RuntimeError:  # a Cholesky that is not positive definite, or a non-finite ELBO
            if dtype == torch.float64:
                raise
            torch.manual_seed(int(seed))
            gp = _fit(X_train, y_train, dtype=torch.float64, **options)
    gp.threads = threads
    return gp


def _fit(X_train, y_train, num_inducing, iterations, seed, device, progress, lr, natural_gradient,
         ngd_lr, batch_size, dtype, y_stats) -> SparseGP:
    """One fit in one dtype; see :func:`fit_sparse_gp`."""
    started = time.perf_counter()
    device = torch.device(device)
    X = torch.as_tensor(np.asarray(X_train), dtype=dtype)
    y_np = np.asarray(y_train, dtype=np.float64).reshape(-1)
    y_mean, y_std = (float(y_np.mean()), float(y_np.std())) if y_stats is None else map(float, y_stats)
    if not y_std > 0:
        y_std = 1.0
    y = torch.as_tensor((y_np - y_mean) / y_std, dtype=dtype)

    generator = torch.Generator().manual_seed(int(seed))
    num_inducing = min(int(num_inducing), len(X))
    inducing = X[torch.randperm(len(X), generator=generator)[:num_inducing]].clone()
    model = SVGPModel(inducing, natural=natural_gradient)
    likelihood = GaussianLikelihood()
    model.covar_module.base_kernel.lengthscale = _median_distance(X, generator)
    model.covar_module.outputscale = 1.0
    likelihood.noise = 0.1
    model.to(device=device, dtype=dtype)
    likelihood.to(device=device, dtype=dtype)
    X, y = X.to(device), y.to(device)

    model.train()
    likelihood.train()
    elbo = gpytorch.mlls.VariationalELBO(likelihood, model, num_data=len(X))
    if natural_gradient:
        optimizers = [
            gpytorch.optim.NGD(model.variational_parameters(), num_data=len(X), lr=ngd_lr),
            torch.optim.Adam([*model.hyperparameters(), *likelihood.parameters()], lr=lr),
        ]
    else:
        optimizers = [torch.optim.Adam([*model.parameters(), *likelihood.parameters()], lr=lr)]
    batch_size = int(batch_size or 2 * num_inducing)
    bar = tqdm(range(int(iterations)), desc="sparse GP", disable=not progress, leave=False)
    for _ in bar:
        order = torch.randperm(len(X), generator=generator).to(device)
        for start in range(0, len(X), batch_size):
            index = order[start : start + batch_size]
            for optimizer in optimizers:
                optimizer.zero_grad(set_to_none=True)
            loss = -elbo(model(X[index]), y[index])
            if not torch.isfinite(loss):
                raise RuntimeError("sparse GP: the ELBO is not finite")
            loss.backward()
            for optimizer in optimizers:
                optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    likelihood.eval()
    return SparseGP(model, likelihood, y_mean, y_std, time.perf_counter() - started)


@torch.no_grad()
def refit_variational(gp: SparseGP, X_train: np.ndarray, y_train: np.ndarray,
                      chunk_size: int = 4096) -> SparseGP:
    """A copy of ``gp`` whose ``q(u)`` is the exact ELBO optimum on ``(X_train, y_train)``,
    with the kernel, noise, constant mean and inducing points kept.

    With a Gaussian likelihood the optimal ``q`` has a closed form. In the whitened
    parameterisation ``u = L v`` (``L = chol(K_zz)``, prior ``v ~ N(0, I)``) the function
    values are ``f = A v + noise-free residual`` with ``A = K_xz L^-T`` (``n x M``), so::

        S^-1 = I + A^T A / sigma^2        m = S A^T (y - mu_0) / sigma^2

    which is the fixed point that natural-gradient steps move towards (a full-batch NGD
    step with lr 1 lands on it). It costs one ``n x M`` kernel and an ``M x M`` solve.
    ``y_train`` is standardised with ``gp``'s own training statistics.

    Args:
        gp: a fitted GP (left unchanged).
        X_train: ``n x d`` inputs.
        y_train: ``n`` targets in the original units.
        chunk_size: rows of the ``n x M`` kernel formed at once.
    Returns:
        The refitted copy.

    Example:
        >>> gp = fit_sparse_gp(X, y)                          # kernel and inducing points
        >>> gp = refit_variational(gp, X_all, y_all)          # exact q(u) on more data
    """
    started = time.perf_counter()
    model = copy.deepcopy(gp.model)
    likelihood = copy.deepcopy(gp.likelihood)
    strategy = model.variational_strategy
    device = gp.device
    inducing = strategy.inducing_points.detach().double()  # M x d
    kernel = copy.deepcopy(model.covar_module).double()
    num_inducing = len(inducing)
    eye = torch.eye(num_inducing, dtype=torch.float64, device=device)
    kzz = kernel(inducing).to_dense() + strategy.jitter_val * eye  # M x M
    chol = torch.linalg.cholesky(kzz)
    noise = float(likelihood.noise.detach().reshape(-1)[0])
    constant = float(model.mean_module.constant.detach().reshape(-1)[0])
    X = torch.as_tensor(np.asarray(X_train), dtype=torch.float64, device=device)
    y = torch.as_tensor(gp.standardise(y_train), dtype=torch.float64, device=device) - constant
    gram = torch.zeros(num_inducing, num_inducing, dtype=torch.float64, device=device)  # K_zx K_xz
    projected = torch.zeros(num_inducing, dtype=torch.float64, device=device)  # K_zx y
    with torch_threads(gp.threads if device.type == "cpu" else None):
        for start in range(0, len(X), chunk_size):
            kxz = kernel(X[start : start + chunk_size], inducing).to_dense()  # chunk x M
            gram += kxz.T @ kxz
            projected += kxz.T @ y[start : start + chunk_size]
        linv = torch.linalg.solve_triangular(chol, eye, upper=False)  # L^-1
        precision = eye + linv @ gram @ linv.T / noise  # S^-1 = I + A^T A / sigma^2
        precision = 0.5 * (precision + precision.T)
        natural_mean = linv @ projected / noise  # S^-1 m = A^T y / sigma^2
        distribution = strategy._variational_distribution
        dtype = gp.dtype
        if isinstance(distribution, NaturalVariationalDistribution):
            distribution.natural_vec.copy_(natural_mean.to(dtype))
            distribution.natural_mat.copy_((-0.5 * precision).to(dtype))
        else:
            covariance = torch.cholesky_inverse(torch.linalg.cholesky(precision))  # S
            distribution.variational_mean.copy_((covariance @ natural_mean).to(dtype))
            distribution.chol_variational_covar.copy_(torch.linalg.cholesky(covariance).to(dtype))
    strategy.variational_params_initialized.fill_(1)
    strategy._clear_cache()
    model.eval()
    likelihood.eval()
    return SparseGP(model, likelihood, gp.y_mean, gp.y_std, time.perf_counter() - started, gp.threads)
