"""The exact GP of the few-label protocol: BoTorch's ``SingleTaskGP`` fitted by its marginal
likelihood, then evaluated in plain torch.

With 16 to a few hundred labels an exact GP is cheap and better calibrated than the sparse
GP of the paper protocol. Inputs are latent points mapped to the unit cube by the bounds of
the reference latents (:attr:`core.bo.problem.BOProblem.lower` / ``upper``), the scale
BoTorch's default priors assume; outputs are standardised (``Standardize``). The model is
BoTorch's default: constant mean, ARD RBF kernel with the dimension-scaled log-normal
lengthscale prior (Hvarfner et al. 2024), homoskedastic noise.

After the fit the hyperparameters are read out and the posterior is computed directly::

    mean(Z) = c + K_zx alpha,               alpha = (K_xx + s2 I)^-1 (y - c)
    cov(Z)  = K_zz - K_zx (K_xx + s2 I)^-1 K_xz

in float64, chunked over ``Z``. Going through GPyTorch's ``posterior`` for the 26k cells of
a NAS-Bench-Graph pool took 2-4 s per round (batched lazy tensors); this takes a fraction
(a test checks it against BoTorch's posterior).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from botorch.exceptions.warnings import InputDataWarning, OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms import Standardize
from gpytorch.mlls import ExactMarginalLogLikelihood
from torch import Tensor

from core.analysis.gp import torch_threads

FIT_MAXITER = 100  # L-BFGS-B iterations of the marginal-likelihood fit


@dataclass(frozen=True)
class ExactGP:
    """A fitted exact GP in standardised output units.

    Attributes:
        X: ``n x d`` training inputs (unit cube).
        lengthscale: ``d`` ARD lengthscales.
        noise: observation-noise variance.
        constant: prior mean.
        y_mean, y_std: the standardisation of the outputs.
        chol: ``n x n`` lower Cholesky factor of ``K_xx + noise I``.
        alpha: ``n`` the weights of the posterior mean.
    """

    X: Tensor
    lengthscale: Tensor
    noise: float
    constant: float
    y_mean: float
    y_std: float
    chol: Tensor
    alpha: Tensor

    def kernel(self, a: Tensor, b: Tensor) -> Tensor:
        """RBF kernel (output scale 1) between ``a`` (``m x d``) and ``b`` (``n x d``): ``m x n``."""
        a, b = a / self.lengthscale, b / self.lengthscale
        squared = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1) - 2 * a @ b.T
        return torch.exp(-0.5 * squared.clamp_min(0))

    def mean_and_variance(self, Z: Tensor, chunk_size: int = 8192) -> tuple[Tensor, Tensor]:
        """Marginal posterior mean and variance of the latent function at ``Z`` (``m x d``,
        unit cube), standardised units. Each ``m``."""
        means, variances = [], []
        for start in range(0, len(Z), chunk_size):
            cross = self.kernel(Z[start : start + chunk_size].to(self.X.dtype), self.X)  # c x n
            means.append(self.constant + cross @ self.alpha)
            solved = torch.linalg.solve_triangular(self.chol, cross.T, upper=False)  # n x c
            variances.append((1.0 - (solved * solved).sum(0)).clamp_min(1e-12))
        return torch.cat(means), torch.cat(variances)

    def joint(self, Z: Tensor) -> tuple[Tensor, Tensor]:
        """Joint posterior mean (``m``) and covariance (``m x m``) at ``Z`` (``m x d``)."""
        Z = Z.to(self.X.dtype)
        cross = self.kernel(Z, self.X)  # m x n
        solved = torch.linalg.solve_triangular(self.chol, cross.T, upper=False)  # n x m
        cov = self.kernel(Z, Z) - solved.T @ solved
        return self.constant + cross @ self.alpha, 0.5 * (cov + cov.T)

    def standardise(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, dtype=np.float64) - self.y_mean) / self.y_std

    def hyperparameters(self) -> dict:
        """What a round record keeps of the fit."""
        return {"lengthscale_median": float(self.lengthscale.median()), "noise": self.noise,
                "constant": self.constant}


def fit_exact_gp(X: np.ndarray, y: np.ndarray, seed: int, maxiter: int = FIT_MAXITER) -> tuple[ExactGP, SingleTaskGP]:
    """Fit BoTorch's ``SingleTaskGP`` to ``X`` (``n x d``, unit cube) and ``y`` (``n``).

    Args:
        X: inputs in the unit cube.
        y: outputs (higher is better); standardised inside.
        seed: seeds the fit (restarts after a failed optimisation draw from the priors).
        maxiter: L-BFGS-B iterations. Default :data:`FIT_MAXITER`.

    Returns:
        The fitted :class:`ExactGP` and the BoTorch model it was read from (for BoTorch
        acquisition functions).

    Example:
        >>> gp, model = fit_exact_gp(np.random.rand(16, 4), np.random.rand(16), seed=0)
        >>> mean, variance = gp.mean_and_variance(torch.rand(5, 4, dtype=torch.float64))
    """
    train_X = torch.as_tensor(np.asarray(X), dtype=torch.float64)  # n x d
    train_Y = torch.as_tensor(np.asarray(y), dtype=torch.float64).reshape(-1, 1)  # n x 1
    with torch_threads(1), torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        torch.manual_seed(int(seed))
        warnings.filterwarnings("ignore", category=InputDataWarning)
        warnings.filterwarnings("ignore", category=OptimizationWarning)
        model = SingleTaskGP(train_X, train_Y, outcome_transform=Standardize(m=1))
        mll = ExactMarginalLogLikelihood(model.likelihood, model)
        fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": int(maxiter)}})
        model.eval()
    return _read_out(model, train_X, train_Y), model


@torch.no_grad()
def _read_out(model: SingleTaskGP, X: Tensor, Y: Tensor) -> ExactGP:
    """The hyperparameters of a fitted model and the factors of its posterior."""
    transform = model.outcome_transform
    y_mean, y_std = float(transform.means.reshape(-1)[0]), float(transform.stdvs.reshape(-1)[0])
    standardised = (Y.reshape(-1) - y_mean) / y_std
    lengthscale = model.covar_module.lengthscale.detach().reshape(-1).to(X.dtype)
    noise = float(model.likelihood.noise.reshape(-1)[0])
    constant = float(model.mean_module.constant.reshape(-1)[0])
    partial = ExactGP(X, lengthscale, noise, constant, y_mean, y_std, torch.empty(0), torch.empty(0))
    eye = torch.eye(len(X), dtype=X.dtype)
    chol = torch.linalg.cholesky(partial.kernel(X, X) + (noise + 1e-9) * eye)
    alpha = torch.cholesky_solve((standardised - constant).unsqueeze(-1), chol).squeeze(-1)
    return ExactGP(X, lengthscale, noise, constant, y_mean, y_std, chol, alpha)
