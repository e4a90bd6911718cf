"""The sparse GP: it fits a smooth function, and standardises with the training statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.gp import fit_sparse_gp, gp_test_metrics, rmse_and_pearson


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors run fastest on one thread, and the test machine is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
