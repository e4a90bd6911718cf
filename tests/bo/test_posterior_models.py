"""The thin BoTorch models give GPyTorch's own posterior."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.bo.posterior_models import PoolPosteriorModel, SVGPPosteriorModel
from core.analysis.gp import fit_sparse_gp


@pytest.fixture(scope="module")
def gp():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(80, 3))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    return fit_sparse_gp(X, y, num_inducing=16, iterations=5, seed=0, dtype=torch.float64)


def test_svgp_posterior_matches_gpytorch(gp):
    X = torch.tensor(np.random.default_rng(1).uniform(-1, 1, size=(2, 5, 3)))  # batch x n x d
    ours = SVGPPosteriorModel(gp, jitter=0.0).distribution(X)
    with torch.no_grad():
        theirs = gp.model(X)
    assert ours.mean.shape == (2, 5)
    assert torch.allclose(ours.mean, theirs.mean, atol=1e-6)
    assert torch.allclose(ours.covariance_matrix, theirs.covariance_matrix, atol=1e-5)


def test_posterior_has_gradients(gp):
    X = torch.zeros(1, 2, 3, dtype=torch.float64, requires_grad=True)
    SVGPPosteriorModel(gp).posterior(X).mean.sum().backward()
    assert X.grad is not None and torch.isfinite(X.grad).all()


def test_pool_posterior_indexes_the_joint(gp):
    candidates = torch.tensor(np.random.default_rng(2).uniform(-1, 1, size=(6, 3)))
    pool = PoolPosteriorModel(gp, candidates, jitter=0.0)
    index = torch.tensor([[[4.0], [1.0]]])  # 1 x q=2 x 1
    posterior = pool.posterior(index)
    direct = SVGPPosteriorModel(gp, jitter=0.0).distribution(candidates[[4, 1]])
    assert torch.allclose(posterior.mean.squeeze(-1), direct.mean.unsqueeze(0), atol=1e-8)
    assert torch.allclose(posterior.distribution.covariance_matrix, direct.covariance_matrix.unsqueeze(0), atol=1e-8)


def exact_condition(gp, X, P):
    """Posterior covariance at ``X`` given noise-free values at ``P`` (dense algebra)."""
    joint = SVGPPosteriorModel(gp, jitter=0.0).distribution(torch.cat([X, P])).covariance_matrix
    n = len(X)
    return joint[:n, :n] - joint[:n, n:] @ torch.linalg.solve(joint[n:, n:], joint[n:, :n])


def test_believer_matches_exact_conditioning(gp):
    rng = np.random.default_rng(3)
    X = torch.tensor(rng.uniform(-1, 1, size=(4, 3)))
    P = torch.tensor(rng.uniform(-1, 1, size=(3, 3)))
    model = SVGPPosteriorModel(gp, jitter=1e-12).believe(P)
    believed = model.distribution(X)
    assert torch.allclose(believed.mean, SVGPPosteriorModel(gp).distribution(X).mean)  # fantasies at the mean
    assert torch.allclose(believed.covariance_matrix, exact_condition(gp, X, P), atol=1e-8)
    assert (believed.variance < SVGPPosteriorModel(gp, jitter=0.0).distribution(X).variance).all()
    assert model.believe(None)._pending is None


def test_pool_believe_is_a_rank_one_update(gp):
    rng = np.random.default_rng(4)
    candidates = torch.tensor(rng.uniform(-1, 1, size=(5, 3)))
    pool = PoolPosteriorModel(gp, candidates, jitter=1e-12)
    pool.believe(2)
    expected = exact_condition(gp, candidates, candidates[[2]])
    index = torch.arange(5, dtype=torch.float64).reshape(1, 5, 1)
    assert torch.allclose(pool.posterior(index).distribution.covariance_matrix[0], expected, atol=1e-8)
    assert pool.posterior(index).distribution.covariance_matrix[0, 2, 2] < 1e-8  # a believed point keeps no variance


@pytest.mark.parametrize("pending", [0, 3])
def test_marginals_are_the_joints_diagonal(gp, pending):
    rng = np.random.default_rng(5)
    model = SVGPPosteriorModel(gp)
    model.believe(torch.tensor(rng.uniform(-1, 1, size=(pending, 3))) if pending else None)
    X = torch.tensor(rng.uniform(-1, 1, size=(7, 3)))
    joint = model.distribution(X)
    mean, variance = model.mean_and_variance(X)
    assert torch.allclose(mean, joint.mean, atol=1e-10)
    assert torch.allclose(model.mean(X), joint.mean, atol=1e-10)
    assert torch.allclose(variance, torch.diagonal(joint.covariance_matrix), atol=1e-10)
    if pending:  # believed points lose their variance
        assert model.mean_and_variance(model._pending * model._lengthscale)[1].max() < 1e-5
