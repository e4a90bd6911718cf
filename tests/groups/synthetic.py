"""Synthetic seed runs for the group tests: a real run's ``config.json`` with another seed
and encoding, and hand-written ``history.csv``, ``metrics.json`` and ``smoothness.json``
holding planted values (no training)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core import runs
from core.config import ModelConfig, TrainConfig
from core.runs import RunConfig

ENAS6_TYPES = ("input", "output", "conv3", "sep3", "conv5", "sep5", "avg3", "max3")


def write_seed_run(folder: Path, seed: int, encoding: str = "onehot", epoch_to_99: int | None = 40,
                   rmse: float | None = 0.35, spearman_edit: float = 0.4, epochs: int = 60,
                   preset: str = "fast") -> Path:
    """A seed run whose greedy reconstruction first reaches 99 % at ``epoch_to_99`` (never
    with ``None``), with GP RMSE ``rmse`` (no ``metrics.json`` with ``None``)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = RunConfig(space="enas6", preset=preset,
                       model=ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=128, latent_dim=56,
                                         encoding=encoding),
                       train=TrainConfig(epochs=epochs, batch_size=128, lr=3e-3, seed=seed, checkpoint_every=5),
                       node_types=ENAS6_TYPES, versions={"torch": "test"}, device="cpu")
    runs.save_run_config(folder, config)
    epoch = list(range(1, epochs + 1))
    recon = [0.999 if epoch_to_99 is not None and e >= epoch_to_99 else 0.5 for e in epoch]
    history = pd.DataFrame({"epoch": epoch, "loss": 1.0, "type_nll": 0.5, "edge_bce": 0.4, "kld": 0.1,
                            "lr": 1e-3, "seconds": 10.0, "recon_greedy": recon, "valid_prior": 1.0,
                            "monitor_seconds": 0.1, "wall_seconds": [10.0 * e for e in epoch]})
    runs.atomic_write_csv(folder / runs.HISTORY, history)
    if rmse is not None:
        runs.atomic_write_json(folder / runs.METRICS, {
            "space": "enas6", "encoding": encoding, "recon_accuracy": 0.99, "validity": 1.0, "uniqueness": 0.3,
            "rmse": rmse, "pearson": 1 - rmse})
    runs.atomic_write_json(folder / runs.SMOOTHNESS, {
        "pearson_edit": spearman_edit, "spearman_edit": spearman_edit, "pearson_y": 0.1, "spearman_y": 0.1,
        "knn_accuracy_spread": 0.004, "random_accuracy_spread": 0.006, "knn_edit_distance": 6.0,
        "random_edit_distance": 11.0, "num_architectures": 100, "num_pairs": 10, "k": 10})
    return folder


def write_group(root: Path, encoding: str, values: list[tuple[int | None, float | None]], **options) -> Path:
    """One seed run per ``(epoch_to_99, rmse)`` in ``root/seed<i>``; returns ``root``."""
    for seed, (epoch_to_99, rmse) in enumerate(values):
        write_seed_run(root / f"seed{seed}", seed, encoding, epoch_to_99=epoch_to_99, rmse=rmse, **options)
    return root
