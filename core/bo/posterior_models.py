"""Thin BoTorch models over a fitted sparse GP, built for fast acquisition optimisation.

The GPyTorch SVGP of :mod:`core.gp` gives, for inputs ``X`` (whitened variational
strategy, ``L = chol(K_zz + jitter I)``, ``q(v) = N(m, S)``)::

    mean(X) = mu_0 + K_xz L^-T m
    cov(X)  = K_xx - K_xz L^-T (I - S) L^-1 K_zx

Going through GPyTorch's ``ApproximateGP.__call__`` costs about 20 ms per call for a few
points (lazy-tensor bookkeeping), and ``optimize_acqf`` with a sequential batch of 50 makes
thousands of calls. :class:`SVGPPosteriorModel` precomputes ``L^-T m`` and
``L^-T (I - S) L^-1`` once and evaluates the two lines above in plain, differentiable torch.
:class:`PoolPosteriorModel` goes further for a finite pool: it holds the joint posterior
of every candidate, and its inputs are candidate indices, so a greedy batch costs only
indexing and small Cholesky factorisations.

Both return a ``GPyTorchPosterior`` in the GP's standardised units, which is all BoTorch's
Monte-Carlo acquisition functions need. ``tests/bo/test_posterior_models.py`` checks them
against GPyTorch's own predictions.
"""

from __future__ import annotations

import torch
from botorch.models.model import Model
from botorch.posteriors.gpytorch import GPyTorchPosterior
from gpytorch.distributions import MultivariateNormal
from linear_operator import to_linear_operator
from torch import Tensor

from ..gp import SparseGP


class SVGPPosteriorModel(Model):
    """The latent-function posterior of a fitted :class:`~core.gp.SparseGP`.

    Args:
        gp: the fitted GP (its parameters are read, never changed).
        jitter: added to the diagonal of every posterior covariance (standardised units).
            Default ``None``: 1e-4 in float32, 1e-6 in float64.
    """

    def __init__(self, gp: SparseGP, jitter: float | None = None):
        super().__init__()
        model = gp.model
        strategy = model.variational_strategy
        with torch.no_grad():
            inducing = strategy.inducing_points.detach()  # M x d
            kzz = model.covar_module(inducing).to_dense()
            kzz = kzz + strategy.jitter_val * torch.eye(len(inducing), dtype=kzz.dtype, device=kzz.device)
            chol = torch.linalg.cholesky(kzz)  # M x M
            q = strategy.variational_distribution
            m = q.mean.detach()  # M
            S = q.covariance_matrix.detach()  # M x M
            eye = torch.eye(len(inducing), dtype=kzz.dtype, device=kzz.device)
            linv = torch.linalg.solve_triangular(chol, eye, upper=False)  # L^-1
            self._mean_weights = linv.T @ m  # M: L^-T m
            self._cov_weights = linv.T @ (eye - S) @ linv  # M x M
            self._lengthscale = model.covar_module.base_kernel.lengthscale.detach().reshape(-1)  # d
            self._outputscale = model.covar_module.outputscale.detach()
            self._constant = model.mean_module.constant.detach()
        self._inducing = inducing / self._lengthscale  # M x d, in lengthscale units
        self._jitter = jitter if jitter is not None else (1e-6 if inducing.dtype == torch.float64 else 1e-4)

    @property
    def num_outputs(self) -> int:
        return 1

    @property
    def batch_shape(self) -> torch.Size:
        return torch.Size([])

    def _rbf(self, a: Tensor, b: Tensor) -> Tensor:
        """``outputscale * exp(-|a - b|^2 / 2)`` of inputs already divided by the lengthscales."""
        squared = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2) - 2 * a @ b.transpose(-1, -2)
        return self._outputscale * torch.exp(-0.5 * squared.clamp_min(0))

    def distribution(self, X: Tensor) -> MultivariateNormal:
        """Joint posterior at ``X`` (``batch x n x d``)."""
        X = X.to(self._inducing.dtype) / self._lengthscale
        kxz = self._rbf(X, self._inducing)  # batch x n x M
        kxx = self._rbf(X, X)  # batch x n x n
        mean = self._constant + kxz @ self._mean_weights  # batch x n
        cov = kxx - kxz @ self._cov_weights @ kxz.transpose(-1, -2)  # batch x n x n
        cov = 0.5 * (cov + cov.transpose(-1, -2))
        cov = cov + self._jitter * torch.eye(X.shape[-2], dtype=cov.dtype, device=cov.device)
        return MultivariateNormal(mean, to_linear_operator(cov))  # lazy: a safe Cholesky on sampling

    def posterior(self, X: Tensor, output_indices=None, observation_noise=False,
                  posterior_transform=None, **kwargs) -> GPyTorchPosterior:
        posterior = GPyTorchPosterior(self.distribution(X))
        return posterior if posterior_transform is None else posterior_transform(posterior)


class PoolPosteriorModel(Model):
    """The joint posterior over a finite pool; an input is a candidate's index.

    Args:
        gp: the fitted GP.
        candidates: ``m x d`` pool points.
        jitter: added to the covariance diagonal (default as :class:`SVGPPosteriorModel`).

    Shapes:
        ``posterior`` takes ``batch x q x 1`` float indices into ``candidates``.
    """

    def __init__(self, gp: SparseGP, candidates: Tensor, jitter: float | None = None):
        super().__init__()
        with torch.no_grad():
            joint = SVGPPosteriorModel(gp, jitter=jitter).distribution(candidates)
            self._mean = joint.mean  # m
            self._cov = joint.covariance_matrix  # m x m (jitter included)

    @property
    def num_outputs(self) -> int:
        return 1

    @property
    def batch_shape(self) -> torch.Size:
        return torch.Size([])

    def posterior(self, X: Tensor, output_indices=None, observation_noise=False,
                  posterior_transform=None, **kwargs) -> GPyTorchPosterior:
        index = X[..., 0].round().long()  # batch x q
        mean = self._mean[index]  # batch x q
        cov = self._cov[index.unsqueeze(-1), index.unsqueeze(-2)]  # batch x q x q
        posterior = GPyTorchPosterior(MultivariateNormal(mean, to_linear_operator(cov)))
        return posterior if posterior_transform is None else posterior_transform(posterior)
