"""Thin BoTorch models over a fitted sparse GP, with Kriging-believer fantasies.

The GPyTorch SVGP of :mod:`core.analysis.gp` gives, for inputs ``X`` (whitened variational
strategy, ``L = chol(K_zz + jitter I)``, ``q(v) = N(m, S)``)::

    mean(X) = mu_0 + K_xz L^-T m
    cov(X)  = K_xx - K_xz L^-T (I - S) L^-1 K_zx

Going through GPyTorch's ``ApproximateGP.__call__`` costs about 20 ms per call for a few
points (lazy-tensor bookkeeping), and ``optimize_acqf`` makes thousands of calls per batch.
:class:`SVGPPosteriorModel` precomputes ``L^-T m`` and ``L^-T (I - S) L^-1`` once and
evaluates the two lines above in plain, differentiable torch (RBF kernel with ARD and an
output scale, constant mean: the model :mod:`core.analysis.gp` fits).

Both models can *believe* pending points ``P``: the GP is conditioned on fantasy values
of the latent function at ``P`` equal to its own posterior mean. The mean is unchanged and
the covariance shrinks to zero at ``P``::

    cov(X | P) = cov(X) - cov(X, P) (cov(P) + jitter I)^-1 cov(P, X)

That is how a sequential greedy batch spreads out (D-VAE's ``batched_greedy_ei`` does the
same: its fantasies have zero randomness, i.e. sit at the mean). The fantasies are
noise-free on purpose: with the likelihood's noise in ``cov(P)`` a fantasy barely changes a
posterior whose variance is below the noise, and the whole batch piles onto one point.

:class:`PoolPosteriorModel` holds the joint posterior of a finite pool; its inputs are
candidate indices, and believing a candidate is a rank-one update of that joint.

Both return a ``GPyTorchPosterior`` in the GP's standardised units. The tests check them
against GPyTorch's own predictions and against exact conditioning.
"""

from __future__ import annotations

import torch
from botorch.models.model import Model
from botorch.posteriors.gpytorch import GPyTorchPosterior
from gpytorch.distributions import MultivariateNormal
from linear_operator import to_linear_operator
from linear_operator.utils.cholesky import psd_safe_cholesky
from torch import Tensor

from core.analysis.gp import SparseGP


def _default_jitter(dtype: torch.dtype) -> float:
    return 1e-6 if dtype == torch.float64 else 1e-4


class _SingleOutputModel(Model):
    """A BoTorch model with one output and no batch dimensions."""

    @property
    def num_outputs(self) -> int:
        return 1

    @property
    def batch_shape(self) -> torch.Size:
        return torch.Size([])


class SVGPPosteriorModel(_SingleOutputModel):
    """The latent-function posterior of a fitted :class:`~core.analysis.gp.SparseGP`.

    Args:
        gp: the fitted GP (its parameters are read, never changed).
        jitter: added to the diagonal of every posterior covariance (standardised units).
            Default ``None``: 1e-4 in float32, 1e-6 in float64.

    Shapes:
        ``posterior`` takes ``batch x n x d`` and returns an ``n``-point joint posterior.
    """

    def __init__(self, gp: SparseGP, jitter: float | None = None):
        super().__init__()
        model = gp.model
        strategy = model.variational_strategy
        with torch.no_grad():
            inducing = strategy.inducing_points.detach()  # M x d
            eye = torch.eye(len(inducing), dtype=inducing.dtype, device=inducing.device)
            kzz = model.covar_module(inducing).to_dense() + strategy.jitter_val * eye
            chol = torch.linalg.cholesky(kzz)  # M x M
            q = strategy.variational_distribution
            linv = torch.linalg.solve_triangular(chol, eye, upper=False)  # L^-1
            self._mean_weights = linv.T @ q.mean.detach()  # M: L^-T m
            self._cov_weights = linv.T @ (eye - q.covariance_matrix.detach()) @ linv  # M x M
            self._lengthscale = model.covar_module.base_kernel.lengthscale.detach().reshape(-1)  # d
            self._outputscale = model.covar_module.outputscale.detach()
            self._constant = model.mean_module.constant.detach()
        self._inducing = inducing / self._lengthscale  # M x d, in lengthscale units
        self._jitter = jitter if jitter is not None else _default_jitter(inducing.dtype)
        self._pending: Tensor | None = None  # k x d, scaled
        self._pending_chol: Tensor | None = None  # k x k: chol(cov(P) + jitter I)
        self._pending_weights: Tensor | None = None  # M x k: C K_zP

    def _rbf(self, a: Tensor, b: Tensor) -> Tensor:
        """``outputscale * exp(-|a - b|^2 / 2)`` of inputs already divided by the lengthscales."""
        squared = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2) - 2 * a @ b.transpose(-1, -2)
        return self._outputscale * torch.exp(-0.5 * squared.clamp_min(0))

    @torch.no_grad()
    def believe(self, pending: Tensor | None) -> "SVGPPosteriorModel":
        """Condition on fantasies at ``pending`` (``k x d``, or ``None`` to forget them)."""
        if pending is None or len(pending) == 0:
            self._pending = self._pending_chol = self._pending_weights = None
            return self
        scaled = pending.to(self._inducing.dtype) / self._lengthscale  # k x d
        kzp = self._rbf(self._inducing, scaled)  # M x k
        weights = self._cov_weights @ kzp  # M x k
        cov = self._rbf(scaled, scaled) - kzp.T @ weights  # k x k
        eye = torch.eye(len(scaled), dtype=cov.dtype, device=cov.device)
        self._pending_chol = psd_safe_cholesky(0.5 * (cov + cov.T) + self._jitter * eye)
        self._pending, self._pending_weights = scaled, weights
        return self

    def mean(self, X: Tensor) -> Tensor:
        """Posterior mean at ``X`` (``n x d``; believed points leave it unchanged). ``n``."""
        X = X.to(self._inducing.dtype) / self._lengthscale
        return self._constant + self._rbf(X, self._inducing) @ self._mean_weights

    def mean_and_variance(self, X: Tensor) -> tuple[Tensor, Tensor]:
        """Marginal posterior mean and variance at ``X`` (``n x d``), given the believed
        pending points: the diagonal of :meth:`distribution` without forming ``n x n``
        (differentiable; the jitter is included). Each ``n``."""
        X = X.to(self._inducing.dtype) / self._lengthscale
        kxz = self._rbf(X, self._inducing)  # n x M
        mean = self._constant + kxz @ self._mean_weights  # n
        variance = self._outputscale - ((kxz @ self._cov_weights) * kxz).sum(-1)  # n
        if self._pending is not None:
            cross = self._rbf(X, self._pending) - kxz @ self._pending_weights  # n x k
            solved = torch.linalg.solve_triangular(self._pending_chol, cross.T, upper=False)  # k x n
            variance = variance - (solved * solved).sum(0)
        return mean, variance + self._jitter

    def distribution(self, X: Tensor) -> MultivariateNormal:
        """Joint posterior at ``X`` (``batch x n x d``), given the believed pending points."""
        X = X.to(self._inducing.dtype) / self._lengthscale
        kxz = self._rbf(X, self._inducing)  # batch x n x M
        mean = self._constant + kxz @ self._mean_weights  # batch x n
        cov = self._rbf(X, X) - kxz @ self._cov_weights @ kxz.transpose(-1, -2)  # batch x n x n
        if self._pending is not None:
            cross = self._rbf(X, self._pending) - kxz @ self._pending_weights  # batch x n x k
            chol = self._pending_chol.expand(*cross.shape[:-2], *self._pending_chol.shape)
            solved = torch.linalg.solve_triangular(chol, cross.transpose(-1, -2), upper=False)  # batch x k x n
            cov = cov - solved.transpose(-1, -2) @ solved
        cov = 0.5 * (cov + cov.transpose(-1, -2))
        cov = cov + self._jitter * torch.eye(X.shape[-2], dtype=cov.dtype, device=cov.device)
        return MultivariateNormal(mean, to_linear_operator(cov))  # lazy: a safe Cholesky when sampled

    def posterior(self, X: Tensor, output_indices=None, observation_noise=False,
                  posterior_transform=None, **kwargs) -> GPyTorchPosterior:
        posterior = GPyTorchPosterior(self.distribution(X))
        return posterior if posterior_transform is None else posterior_transform(posterior)


class PoolPosteriorModel(_SingleOutputModel):
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
        base = SVGPPosteriorModel(gp, jitter=jitter)
        with torch.no_grad():
            joint = base.distribution(candidates)
            self._mean = joint.mean  # m
            self._cov = joint.covariance_matrix  # m x m (jitter included)
        self._jitter = base._jitter

    @property
    def mean(self) -> Tensor:
        return self._mean

    @torch.no_grad()
    def believe(self, index: int) -> None:
        """Condition on a noise-free fantasy at candidate ``index`` (its mean): a rank-one
        downdate of the joint covariance (whose diagonal holds the jitter)."""
        column = self._cov[:, index].clone()  # m
        self._cov -= torch.outer(column, column) / column[index].clamp_min(self._jitter)

    def posterior(self, X: Tensor, output_indices=None, observation_noise=False,
                  posterior_transform=None, **kwargs) -> GPyTorchPosterior:
        index = X[..., 0].round().long()  # batch x q
        mean = self._mean[index]  # batch x q
        cov = self._cov[index.unsqueeze(-1), index.unsqueeze(-2)]  # batch x q x q
        posterior = GPyTorchPosterior(MultivariateNormal(mean, to_linear_operator(cov)))
        return posterior if posterior_transform is None else posterior_transform(posterior)
