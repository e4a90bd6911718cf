"""Believer batches of LogEI: in the box, distinct, and the first point is the best."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from botorch.acquisition.analytic import LogExpectedImprovement
from botorch.optim import optimize_acqf

from core.bo.acquisition import incumbent, log_expected_improvement, log_h, propose_from_pool, propose_in_box
from core.bo.posterior_models import SVGPPosteriorModel
from core.analysis.gp import fit_sparse_gp


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


def test_log_expected_improvement_is_botorchs(bowl):
    _, gp = bowl
    model = SVGPPosteriorModel(gp)
    X = torch.tensor(np.random.default_rng(2).uniform(-6, 6, size=(400, 2)))  # near and far from the data
    for best_f in (-3.0, 0.5, 1.0, 40.0):  # from deep improvement to u of about -1e3
        theirs = LogExpectedImprovement(model, best_f=best_f)(X.unsqueeze(-2))
        ours = log_expected_improvement(*model.mean_and_variance(X), best_f)
        torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-6)


def test_log_h_is_finite_with_finite_gradients_everywhere():
    u = torch.tensor([-1e9, -1e5, -1e4, -300.0, -30.0, -1.0, -0.5, 0.0, 3.0, 40.0], dtype=torch.float64,
                     requires_grad=True)
    value = log_h(u)
    value.sum().backward()
    assert torch.isfinite(value).all() and torch.isfinite(u.grad).all()
    assert (torch.diff(value) > 0).all()  # EI grows with the improvement
    exact = torch.log(torch.exp(-0.5 * u[5:] ** 2) / np.sqrt(2 * np.pi) + u[5:] * torch.special.ndtr(u[5:]))
    torch.testing.assert_close(value[5:], exact)


def test_box_ascent_reaches_botorchs_optimum(bowl):
    """The first point of a batch is LogEI's maximiser: at least as good as BoTorch's
    ``optimize_acqf`` (scipy L-BFGS-B) with a generous budget."""
    X, gp = bowl
    best_f = incumbent(gp, X)
    acquisition = LogExpectedImprovement(SVGPPosteriorModel(gp), best_f=best_f)
    bounds = torch.tensor(np.stack([X.min(0), X.max(0)]))
    torch.manual_seed(0)
    reference, _ = optimize_acqf(acquisition, bounds=bounds, q=1, num_restarts=8, raw_samples=256)
    ours = torch.tensor(propose_in_box(gp, X.min(0), X.max(0), q=1, best_f=best_f, seed=0)[:1])
    assert float(acquisition(ours.unsqueeze(0))) >= float(acquisition(reference.unsqueeze(0))) - 1e-3
