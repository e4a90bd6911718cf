"""Several seeds' sparse GPs fitted as one batched model are the seeds' own fits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.analysis.gp import fit_sparse_gp
from core.analysis.gp_batch import fit_sparse_gps
from core.analysis.gp_metrics import gp_test_metrics


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    w = rng.normal(size=5)
    y = np.sin(X @ w) + 0.1 * rng.normal(size=600)
    X_test = rng.normal(size=(100, 5)).astype(np.float32)
    return X, y, X_test, np.sin(X_test @ w)


def test_a_batched_fit_is_each_seeds_own_fit_in_fp64(data):
    X, y, X_test, _ = data
    seeds = [0, 3, 7]
    batched = fit_sparse_gps(X, y, seeds, num_inducing=40, iterations=2, dtype=torch.float64).predict_standardised(X_test)
    for row, seed in enumerate(seeds):
        alone = fit_sparse_gp(X, y, num_inducing=40, iterations=2, seed=seed, dtype=torch.float64)
        np.testing.assert_allclose(batched[row], alone.predict_standardised(X_test)[0], atol=1e-6)


def test_the_protocols_figures_agree_batched_or_not(data):
    X, y, X_test, y_test = data
    batched = gp_test_metrics(X, y, X_test, y_test, seeds=3, num_inducing=40, iterations=2, progress=False)
    alone = gp_test_metrics(X, y, X_test, y_test, seeds=3, num_inducing=40, iterations=2, progress=False,
                            batched=False)
    np.testing.assert_allclose(batched["rmse_per_seed"], alone["rmse_per_seed"], atol=2e-3)
    np.testing.assert_allclose(batched["pearson_per_seed"], alone["pearson_per_seed"], atol=2e-3)
    assert len(batched["gp_seconds_per_seed"]) == 3
