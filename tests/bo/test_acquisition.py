"""Believer batches of LogEI: in the box, distinct, and the first point is the best."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.acquisition.analytic import LogExpectedImprovement

from core.bo.acquisition import incumbent, propose_from_pool, propose_in_box
from core.bo.posterior_models import SVGPPosteriorModel
from core.gp import fit_sparse_gp


@pytest.fixture(scope="module")
def bowl():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(150, 2))
    y = 1 - ((X - 0.3) ** 2).sum(1)
    return X, fit_sparse_gp(X, y, num_inducing=20, iterations=10, seed=0, dtype=torch.float64)


def test_box_batch_is_inside_and_spread(bowl):
    X, gp = bowl
    z = propose_in_box(gp, X.min(0), X.max(0), q=4, best_f=incumbent(gp, X), seed=0, raw_samples=32, maxiter=20)
    assert z.shape == (4, 2)
    assert (z >= X.min(0) - 1e-9).all() and (z <= X.max(0) + 1e-9).all()
    assert np.linalg.norm(z[0] - 0.3) < 0.3  # the first point goes to the bowl's top
    assert min(np.linalg.norm(z[i] - z[j]) for i in range(4) for j in range(i)) > 1e-3
    again = propose_in_box(gp, X.min(0), X.max(0), q=4, best_f=incumbent(gp, X), seed=0, raw_samples=32, maxiter=20)
    np.testing.assert_array_equal(z, again)


def test_pool_batch_starts_at_the_best_logei(bowl):
    X, gp = bowl
    candidates = np.random.default_rng(1).uniform(-1, 1, size=(60, 2))
    best_f = incumbent(gp, X)
    chosen = propose_from_pool(gp, candidates, q=10, best_f=best_f)
    assert len(chosen) == len(set(chosen)) == 10
    scores = LogExpectedImprovement(SVGPPosteriorModel(gp), best_f=best_f)(torch.tensor(candidates).unsqueeze(-2))
    assert chosen[0] == int(torch.argmax(scores))
    assert propose_from_pool(gp, candidates, q=10, best_f=best_f, max_pool=30)[0] == chosen[0]
    assert len(propose_from_pool(gp, candidates[:3], q=10, best_f=best_f)) == 3
