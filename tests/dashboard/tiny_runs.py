"""Tiny run directories for the dashboard tests, written by hand.

``build_tiny_runs(root)`` writes, below ``root``:

* ``cora-onehot`` and ``cora-learned``: complete runs on ``nbg-cora`` (an untrained tiny
  D-VAE, 3 epochs of history, random latent means for every architecture, metrics.json;
  the learned run also has embeddings.json with snapshots at epochs 0, 1 and 3).
* ``cora-half``: a run still training (config.json and history.csv only).
* ``cora-broken``: a config.json that is not valid JSON.

``build_broken_runs(root)`` writes the complete pair and one run per kind of damage in
``BROKEN_KINDS`` (a truncated file, a file of another space, garbage JSON ...).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.config import ModelConfig, TrainConfig
from core.models.dvae import DVAE
from core.models.registry import build_model
from core.spaces import get_space

SPACE = "nbg-cora"
LATENT_DIM = 4
EPOCHS = 3


def _config(encoding: str, epochs: int = EPOCHS, model: str = "dvae") -> tuple[ModelConfig, dict]:
    space = get_space(SPACE)
    model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=16,
                               latent_dim=LATENT_DIM, encoding=encoding, embedding_dim=3, model=model)
    config = {
        "space": SPACE,
        "preset": "tiny",
        "model": dataclasses.asdict(model_config),
        "train": dataclasses.asdict(TrainConfig(epochs=epochs, batch_size=32, lr=3e-3)),
        "node_types": space.node_type_names,
    }
    return model_config, config


def _history(epochs: int) -> pd.DataFrame:
    epoch = np.arange(1, epochs + 1)
    return pd.DataFrame({
        "epoch": epoch,
        "loss": 30.0 / epoch,
        "type_nll": 10.0 / epoch,
        "edge_bce": 19.0 / epoch,
        "kld": np.full(epochs, 100.0),
        "lr": np.full(epochs, 3e-3),
        "seconds": np.full(epochs, 1.5),
    })


def write_run(run_dir: Path, encoding: str, seed: int, complete: bool = True, model: str = "dvae") -> Path:
    """A tiny run directory of ``model`` (``--model``); ``complete=False`` writes config.json
    and history.csv only."""
    run_dir.mkdir(parents=True, exist_ok=True)
    model_config, config = _config(encoding, model=model)
    (run_dir / "config.json").write_text(json.dumps(config, indent=2))
    _history(EPOCHS if complete else 1).to_csv(run_dir / "history.csv", index=False)
    if not complete:
        return run_dir

    torch.manual_seed(seed)
    network = build_model(model_config)
    torch.save({"state_dict": network.state_dict(), "model_config": dataclasses.asdict(model_config),
                "space": SPACE, "epoch": EPOCHS}, run_dir / "model.pt")

    table = get_space(SPACE).load()
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y, "y_test": table.y_test})
    mu = rng.normal(size=(len(table), LATENT_DIM)).astype(np.float32)
    frame = pd.concat([frame, pd.DataFrame(mu, columns=[f"mu_{i}" for i in range(LATENT_DIM)])], axis=1)
    frame.to_parquet(run_dir / "latents.parquet", index=False)

    metrics = {
        "run": str(run_dir), "space": SPACE, "encoding": encoding,
        "recon_accuracy": 0.5 + 0.1 * seed, "validity": 0.9, "uniqueness": 0.4, "novelty": 0.3,
        "rmse": 0.8, "rmse_std": 0.01, "pearson": 0.6, "pearson_std": 0.02,
    }
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))

    if encoding == "learned":
        generator = np.random.default_rng(seed + 100)
        snapshots = [{"epoch": epoch, "vectors": generator.normal(size=(model_config.num_node_types, 3)).tolist()}
                     for epoch in (0, 1, EPOCHS)]
        (run_dir / "embeddings.json").write_text(json.dumps(
            {"node_types": get_space(SPACE).node_type_names, "snapshots": snapshots}))
    return run_dir


def build_tiny_runs(root: Path) -> Path:
    """``root`` with a one-hot run, a learned run, a half-written run and a broken one."""
    write_run(root / "cora-onehot", "onehot", seed=1)
    write_run(root / "cora-learned", "learned", seed=2)
    write_run(root / "cora-half", "learned", seed=3, complete=False)
    broken = root / "cora-broken"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "config.json").write_text('{"space": "nbg-cora", "model": ')
    return root


# ---------------------------------------------------------------- damaged runs
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _other_space_model(path: Path) -> None:
    from core.spaces import EnasSpace

    space = EnasSpace(6)
    config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=16,
                         latent_dim=LATENT_DIM, encoding="onehot")
    torch.save({"state_dict": DVAE(config).state_dict(), "model_config": dataclasses.asdict(config),
                "space": "enas6", "epoch": EPOCHS}, path)


def _checkpoint_truncated(path: Path) -> None:
    torch.save({"model": {}, "epoch": EPOCHS, "padding": torch.zeros(1000)}, path)
    _truncate(path)


def _link_outside(path: Path) -> None:
    outside = path.parent.parent.parent / f"outside-{path.parent.name}.json"
    outside.write_text(path.read_text())  # a readable config: the link alone must keep it unread
    path.unlink()
    path.symlink_to(outside)


# run name -> (file, how it is damaged); the run's error must name the file
BROKEN_KINDS = {
    "bad-history-byte": ("history.csv", lambda p: p.write_bytes(b"epoch,loss\n1,\xff\n")),
    "bad-latents-truncated": ("latents.parquet", _truncate),
    "bad-model-truncated": ("model.pt", _truncate),
    "bad-model-other-space": ("model.pt", _other_space_model),
    "bad-model-missing": ("model.pt", lambda p: p.unlink()),
    "bad-metrics-not-json": ("metrics.json", lambda p: p.write_text('{"recon_accuracy": ')),
    "bad-metrics-list": ("metrics.json", lambda p: p.write_text("[0.5]")),
    "bad-config-list": ("config.json", lambda p: p.write_text("[]")),
    "bad-config-empty": ("config.json", lambda p: p.write_text("{}")),
    "bad-embeddings-truncated": ("embeddings.json", _truncate),
    "bad-checkpoint-truncated": ("checkpoint.pt", _checkpoint_truncated),
    "bad-config-link-outside": ("config.json", _link_outside),
    "bad-smoothness-types": ("smoothness.json", lambda p: p.write_text(json.dumps(
        {"spearman_edit": "high", "knn_spread_ratio": [1, 2], "knn_edit_ratio": None}))),
}


def _latents_nan(path: Path) -> None:
    frame = pd.read_parquet(path)
    frame.loc[0, "mu_0"] = np.nan
    frame.loc[1, "mu_1"] = np.inf
    frame.to_parquet(path, index=False)


def _latents_without_y(path: Path) -> None:
    pd.read_parquet(path).drop(columns="y").to_parquet(path, index=False)


def _bo_values_as_strings(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"method": "dvae", "seed": 0, "rounds": [
        {"keys": ["0"], "values": ["0.8"], "status": ["new"], "tests": [None]}]}))


# run name -> (file, how it is damaged) of files whose damage shows only when a page reads
# them (discovery does not read these values): every page still opens with no exception
DAMAGED_VALUES = {
    "odd-history-header-only": ("history.csv", lambda p: p.write_text("epoch,loss\n")),
    "odd-latents-nan": ("latents.parquet", _latents_nan),
    "odd-latents-no-y": ("latents.parquet", _latents_without_y),
    "odd-bo-strings": ("bo/dvae-seed0.json", _bo_values_as_strings),
}
# a folder name that would be an image fetched from a non-loopback address, were it Markdown
MARKDOWN_IMAGE_NAME = "z-![t](http:10.255.255.1:8799)"  # sorts after the good pair


def build_broken_runs(root: Path) -> Path:
    """``root`` with the complete ``cora-onehot`` / ``cora-learned`` pair, one learned run per
    entry of ``BROKEN_KINDS`` and of ``DAMAGED_VALUES``, damaged as it says, and a good run
    named :data:`MARKDOWN_IMAGE_NAME`."""
    write_run(root / "cora-onehot", "onehot", seed=1)
    write_run(root / "cora-learned", "learned", seed=2)
    kinds = {**BROKEN_KINDS, **DAMAGED_VALUES}
    for seed, (name, (file, damage)) in enumerate(kinds.items(), start=10):
        run = write_run(root / name, "learned", seed=seed)
        damage(run / file)
    write_run(root / MARKDOWN_IMAGE_NAME, "learned", seed=40)
    return root


# ---------------------------------------------------------------- seed groups
def _compact_seed(source: Path, out: Path, seed: int) -> None:
    """A compact copy of ``source`` that reads as another seed, with shifted figures."""
    from core.runs.compact import compact_run

    compact_run(source, out)
    config = json.loads((out / "config.json").read_text())
    config["train"]["seed"] = seed
    (out / "config.json").write_text(json.dumps(config, indent=2))
    metrics = json.loads((out / "metrics.json").read_text())
    metrics.update(rmse=metrics["rmse"] + 0.01 * seed, pearson=metrics["pearson"] - 0.01 * seed)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    history = pd.read_csv(out / "history.csv")
    history["loss"] *= 1 + 0.1 * seed
    history.to_csv(out / "history.csv", index=False)
    if (out / "embeddings.json").exists():
        data = json.loads((out / "embeddings.json").read_text())
        generator = np.random.default_rng(seed)
        for snapshot in data["snapshots"]:
            snapshot["vectors"] = (np.asarray(snapshot["vectors"]) + generator.normal(0, 0.3, (len(data["node_types"]), 3))).tolist()
        (out / "embeddings.json").write_text(json.dumps(data))


def build_group_runs(root: Path, seeds: int = 3) -> Path:
    """``root/onehot`` and ``root/learned``: seed groups of ``seeds`` tiny runs each, seed 0 a
    complete run and the others compact copies of it with shifted figures."""
    for encoding in ("onehot", "learned"):
        first = write_run(root / encoding / "seed0", encoding, seed=4)
        for seed in range(1, seeds):
            _compact_seed(first, root / encoding / f"seed{seed}", seed)
    return root
