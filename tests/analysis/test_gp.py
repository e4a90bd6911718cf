"""The sparse GP: it fits a smooth function, and standardises with the training statistics."""

from __future__ import annotations

import gpytorch
import numpy as np
import pytest
import torch

from core.analysis.gp import fit_sparse_gp, refit_variational
from core.analysis.gp_metrics import gp_test_metrics, rmse_and_pearson

pytestmark = pytest.mark.usefixtures("one_thread")


def smooth_data(n: int, seed: int, scale: float = 1.0, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.02 * rng.standard_normal(n)
    return X, scale * y + shift


def test_fits_a_smooth_function():
    X, y = smooth_data(300, 0)
    X_test, y_test = smooth_data(200, 1)
    gp = fit_sparse_gp(X, y, num_inducing=30, iterations=10, seed=0)
    mean, variance = gp.predict_standardised(X_test)
    rmse, pearson = rmse_and_pearson(mean, gp.standardise(y_test))
    assert mean.shape == variance.shape == (200,)
    assert (variance > 0).all()
    assert rmse < 0.3
    assert pearson > 0.9


def test_standardises_with_the_training_statistics():
    X, y = smooth_data(300, 0, scale=50.0, shift=1000.0)  # far from zero mean, unit std
    gp = fit_sparse_gp(X, y, num_inducing=30, iterations=15, seed=0)
    assert gp.y_mean == pytest.approx(y.mean())
    assert gp.y_std == pytest.approx(y.std())
    mean_std, var_std = gp.predict_standardised(X[:20])
    mean, var = gp.predict(X[:20])
    np.testing.assert_allclose(mean, mean_std * y.std() + y.mean(), rtol=1e-10)
    np.testing.assert_allclose(var, var_std * y.std() ** 2, rtol=1e-10)
    assert np.abs(mean - y[:20]).mean() < 0.3 * y.std()  # original units


def test_y_stats_override():
    X, y = smooth_data(100, 0)
    gp = fit_sparse_gp(X, y, num_inducing=10, iterations=1, y_stats=(5.0, 2.0))
    assert (gp.y_mean, gp.y_std) == (5.0, 2.0)
    np.testing.assert_allclose(gp.standardise(np.array([7.0])), [1.0])


def test_test_metrics_use_train_statistics():
    X, y = smooth_data(200, 0)
    X_test, y_test = smooth_data(100, 1)
    metrics = gp_test_metrics(X, y, X_test, y_test + 10.0, seeds=2, num_inducing=20, iterations=10, progress=False)
    assert len(metrics["rmse_per_seed"]) == len(metrics["pearson_per_seed"]) == 2
    assert metrics["rmse"] > 10.0 / y.std() - 1  # the shift is measured in train-std units
    assert metrics["pearson"] > 0.9  # the shift does not change the correlation


def test_seeded_fits_repeat_and_float64_works():
    X, y = smooth_data(100, 0)
    first = fit_sparse_gp(X, y, num_inducing=10, iterations=2, seed=3)
    second = fit_sparse_gp(X, y, num_inducing=10, iterations=2, seed=3)
    np.testing.assert_array_equal(first.predict(X[:5])[0], second.predict(X[:5])[0])
    double = fit_sparse_gp(X, y, num_inducing=10, iterations=2, dtype=torch.float64)
    assert double.dtype == torch.float64


def test_reference_schedule_option():
    X, y = smooth_data(100, 0)
    gp = fit_sparse_gp(X, y, num_inducing=10, iterations=2, natural_gradient=False, lr=0.0005)
    assert np.isfinite(gp.predict(X[:5])[0]).all()


def test_threads_are_restored():
    X, y = smooth_data(50, 0)
    torch.set_num_threads(2)
    gp = fit_sparse_gp(X, y, num_inducing=5, iterations=1, threads=1)
    gp.predict(X[:3])
    assert torch.get_num_threads() == 2


def test_bad_inputs():
    with pytest.raises(ValueError, match="n x d"):
        fit_sparse_gp(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="two"):
        fit_sparse_gp(np.zeros((1, 2)), np.zeros(1))


def _exact_posterior(gp, X, y, X_test):
    """The exact GP posterior (mean, latent variance; standardised units) under ``gp``'s
    kernel, noise and constant mean."""
    kernel = gp.model.covar_module
    with torch.no_grad():
        X, X_test = torch.as_tensor(X), torch.as_tensor(X_test)
        k_train = kernel(X).to_dense()
        k_cross = kernel(X_test, X).to_dense()
        k_test = kernel(X_test).to_dense()
        noise = float(gp.likelihood.noise)
        constant = float(gp.model.mean_module.constant)
        residual = torch.as_tensor(gp.standardise(y)) - constant
        system = k_train + noise * torch.eye(len(X), dtype=X.dtype)
        mean = constant + k_cross @ torch.linalg.solve(system, residual)
        variance = torch.diag(k_test - k_cross @ torch.linalg.solve(system, k_cross.T))
    return mean.numpy(), variance.numpy()


@pytest.mark.parametrize("natural", [True, False])
def test_refit_variational_is_the_exact_gp_when_inducing_points_are_the_data(natural):
    rng = np.random.default_rng(3)
    X, X_test = rng.normal(size=(40, 3)), rng.normal(size=(9, 3))
    y = np.sin(X).sum(1)
    gp = fit_sparse_gp(X, y, num_inducing=40, iterations=20, dtype=torch.float64, natural_gradient=natural)
    with torch.no_grad():
        gp.model.variational_strategy.inducing_points.copy_(torch.as_tensor(X))
    fitted_mean, _ = gp.predict_standardised(X_test, include_noise=False)
    refit = refit_variational(gp, X, y)
    mean, variance = refit.predict_standardised(X_test, include_noise=False)
    exact_mean, exact_variance = _exact_posterior(gp, X, y, X_test)
    np.testing.assert_allclose(mean, exact_mean, atol=1e-4)
    np.testing.assert_allclose(variance, exact_variance, atol=1e-4)
    assert np.abs(fitted_mean - exact_mean).max() > 1e-3  # 20 epochs of NGD/Adam are not there yet
    # the original is left as it was
    again, _ = gp.predict_standardised(X_test, include_noise=False)
    np.testing.assert_array_equal(again, fitted_mean)


def test_refit_variational_maximises_the_elbo():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 4))
    y = np.cos(X[:, 0]) + 0.1 * rng.normal(size=300)
    gp = fit_sparse_gp(X, y, num_inducing=30, iterations=2, dtype=torch.float64)
    refit = refit_variational(gp, X, y)

    def elbo(fitted):
        fitted.model.train()
        fitted.likelihood.train()
        objective = gpytorch.mlls.VariationalELBO(fitted.likelihood, fitted.model, num_data=len(X))
        with torch.no_grad():
            value = float(objective(fitted.model(torch.as_tensor(X)), torch.as_tensor(fitted.standardise(y))))
        fitted.model.eval()
        fitted.likelihood.eval()
        return value

    best = elbo(refit)
    assert best > elbo(gp)
    natural = refit.model.variational_strategy._variational_distribution
    for _ in range(3):  # any perturbation of q(u) lowers it
        nudged = refit_variational(gp, X, y)
        nudged_distribution = nudged.model.variational_strategy._variational_distribution
        with torch.no_grad():
            nudged_distribution.natural_vec.add_(0.05 * torch.randn_like(natural.natural_vec))
        nudged.model.variational_strategy._clear_cache()
        assert elbo(nudged) < best
