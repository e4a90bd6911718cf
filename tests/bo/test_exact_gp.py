"""The exact GP against BoTorch's posterior, and diverse batches from a finite set."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.bo.batch import believer_batch, exact_batch, observed_incumbent, prune
from core.bo.exact_gp import fit_exact_gp
from core.bo.methods.exact_search import warp


@pytest.fixture(scope="module")
def bowl():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 3))
    y = 1 - ((X - 0.3) ** 2).sum(1) + 0.01 * rng.standard_normal(30)
    gp, model = fit_exact_gp(X, y, seed=0)
    return X, y, gp, model


def test_posterior_matches_botorch(bowl):
    X, y, gp, model = bowl
    Z = torch.rand(20, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        posterior = model.posterior(Z)
    mean, variance = gp.mean_and_variance(Z, chunk_size=7)
    torch.testing.assert_close(gp.y_mean + gp.y_std * mean, posterior.mean.squeeze(-1), rtol=0, atol=1e-7)
    torch.testing.assert_close(gp.y_std**2 * variance, posterior.variance.squeeze(-1), rtol=1e-5, atol=1e-9)
    joint_mean, cov = gp.joint(Z)
    torch.testing.assert_close(joint_mean, mean) and torch.testing.assert_close(cov.diagonal(), variance)
    assert observed_incumbent(gp) == pytest.approx(float(gp.mean_and_variance(gp.X)[0].max()))


def test_copula_warp_keeps_the_order():
    y = np.array([0.8, 0.1, 0.79, 0.8])
    warped = warp(y, "copula")
    assert warped[1] < warped[2] < warped[0] == warped[3]
    np.testing.assert_array_equal(warp(y, "none"), y)


def test_believer_spreads_a_batch_that_top_q_piles_up():
    # a cluster of 20 near-copies with a high mean, and 20 points elsewhere almost as good
    mean = torch.tensor([1.0] * 20 + [0.9] * 20, dtype=torch.float64)
    cov = torch.eye(40, dtype=torch.float64) * 0.02
    cov[:20, :20] = 0.5
    cov[20:, 20:] += torch.eye(20, dtype=torch.float64) * 0.48
    picks = believer_batch(mean, cov, q=5, best_f=1.0)
    assert len(set(picks)) == 5 and picks[0] < 20
    assert sum(p < 20 for p in picks) == 1  # one from the cluster, then elsewhere


@pytest.mark.parametrize("rule", ["believer", "qlognei"])
def test_exact_batch_is_distinct_and_starts_near_the_top(bowl, rule):
    X, y, gp, model = bowl
    candidates = torch.rand(300, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    best_f = observed_incumbent(gp)
    picks = exact_batch(gp, candidates, q=6, best_f=best_f, rule=rule, keep=100, model=model)
    assert len(picks) == len(set(picks)) == 6
    assert set(picks) <= set(prune(gp, candidates, best_f, 100).tolist())
    assert np.linalg.norm(candidates[picks[0]].numpy() - 0.3) < 0.35
