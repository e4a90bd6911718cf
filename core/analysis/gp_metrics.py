"""The evaluation protocol's GP figures: test RMSE and Pearson r of sparse GPs over seeds.

The fits are :func:`core.analysis.gp.fit_sparse_gp`; the RMSE is in units standardised with the
training mean and std, as D-VAE's reference reports it.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

import torch

from core.analysis.gp import GP_INDUCING, GP_ITERATIONS, fit_sparse_gp
from core.analysis.gp_batch import fit_sparse_gps


def rmse_and_pearson(prediction: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Root mean squared error and Pearson correlation of two ``n`` vectors."""
    prediction, target = np.asarray(prediction, dtype=np.float64), np.asarray(target, dtype=np.float64)
    rmse = float(np.sqrt(np.mean((prediction - target) ** 2)))
    if prediction.std() == 0 or target.std() == 0:
        return rmse, float("nan")
    return rmse, float(np.corrcoef(prediction, target)[0, 1])


def gp_test_metrics(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                    seeds: int = 10, num_inducing: int = GP_INDUCING, iterations: int = GP_ITERATIONS,
                    device: str | torch.device = "cpu", progress: bool = True, batched: bool = True,
                    **fit_options) -> dict:
    """Test RMSE (standardised with the TRAIN mean and std) and Pearson r of a sparse GP
    fitted on ``(X_train, y_train)``, over ``seeds`` seeds (0 .. seeds-1).

    Args:
        X_train, y_train: ``n x d`` and ``n``.
        X_test, y_test: ``m x d`` and ``m``.
        seeds: independent fits (inducing subset, shuffling).
        num_inducing, iterations: see :func:`fit_sparse_gp`.
        batched: fit the seeds together as one batched model (:mod:`core.analysis.gp_batch`; the same
            fits up to rounding, about 3x faster on the CPU); ``False``, or options the batch
            does not take, fit them one after another.
        fit_options: more keyword arguments of :func:`fit_sparse_gp` (``lr``, ...).

    Returns:
        ``rmse``, ``rmse_std``, ``pearson``, ``pearson_std`` (mean and std over seeds),
        ``rmse_per_seed``, ``pearson_per_seed`` and ``gp_seconds_per_seed`` (a batched fit's
        time shared equally).

    Example:
        >>> gp_test_metrics(Z[train], y[train], Z[test], y[test], seeds=2)["rmse"]
        0.41...
    """
    batchable = set(fit_options) <= {"lr", "ngd_lr", "batch_size", "dtype", "threads"} and \
        torch.device(device).type == "cpu"
    if batched and batchable and int(seeds) > 1:
        gps = fit_sparse_gps(X_train, y_train, list(range(int(seeds))), num_inducing=num_inducing,
                             iterations=iterations, **fit_options)
        means = gps.predict_standardised(X_test)
        found = [rmse_and_pearson(mean, gps.standardise(y_test)) for mean in means]
        return _summary([f[0] for f in found], [f[1] for f in found], [gps.seconds / int(seeds)] * int(seeds))
    rmses, pearsons, seconds = [], [], []
    for seed in tqdm(range(int(seeds)), desc="GP seeds", disable=not progress):
        gp = fit_sparse_gp(X_train, y_train, num_inducing=num_inducing, iterations=iterations,
                           seed=seed, device=device, progress=False, **fit_options)
        mean, _ = gp.predict_standardised(X_test)
        rmse, pearson = rmse_and_pearson(mean, gp.standardise(y_test))
        rmses.append(rmse)
        pearsons.append(pearson)
        seconds.append(gp.seconds)
    return _summary(rmses, pearsons, seconds)


def _summary(rmses: list[float], pearsons: list[float], seconds: list[float]) -> dict:
    return {
        "rmse": float(np.mean(rmses)),
        "rmse_std": float(np.std(rmses)),
        "pearson": float(np.mean(pearsons)),
        "pearson_std": float(np.std(pearsons)),
        "rmse_per_seed": rmses,
        "pearson_per_seed": pearsons,
        "gp_seconds_per_seed": seconds,
    }
