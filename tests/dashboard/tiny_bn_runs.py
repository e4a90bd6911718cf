"""A tiny bn-asia pair for the dashboard tests, written by hand as ``tiny_runs`` writes the
nbg-cora one.

``build_bn_runs(root)`` writes ``bn-onehot`` and ``bn-learned`` below ``root``: complete
runs of an untrained tiny DVAE_BN (the options bn-asia turns on, ``DVAE_BN_OPTIONS``), 3
epochs of history, random latent means for every network of the offline table,
metrics.json, embeddings.json for the learned run, and decode-mode BO results of the two
baselines that need no model (random search over the space's generator, evolution by edge
moves), so the Best cells page draws networks found outside the table.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from core.config import DVAE_BN_OPTIONS, ModelConfig, TrainConfig
from core.models.registry import build_model
from core.spaces import get_space
from tests.dashboard.tiny_runs import EPOCHS, LATENT_DIM, _history

SPACE = "bn-asia"
BO_SEEDS = (0, 1)


def write_bn_run(run_dir: Path, encoding: str, seed: int) -> Path:
    """One complete tiny bn-asia run of ``encoding``."""
    space = get_space(SPACE)
    run_dir.mkdir(parents=True, exist_ok=True)
    model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=16,
                               latent_dim=LATENT_DIM, encoding=encoding, embedding_dim=3, **DVAE_BN_OPTIONS)
    config = {"space": SPACE, "preset": "tiny", "model": dataclasses.asdict(model_config),
              "train": dataclasses.asdict(TrainConfig(epochs=EPOCHS, batch_size=32, lr=3e-3)),
              "node_types": space.node_type_names, "node_order": "stored"}
    (run_dir / "config.json").write_text(json.dumps(config, indent=2))
    _history(EPOCHS).to_csv(run_dir / "history.csv", index=False)
    torch.manual_seed(seed)
    torch.save({"state_dict": build_model(model_config).state_dict(), "model_config": dataclasses.asdict(model_config),
                "space": SPACE, "epoch": EPOCHS}, run_dir / "model.pt")

    table = space.load()
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y})
    mu = rng.normal(size=(len(table), LATENT_DIM)).astype(np.float32)
    frame = pd.concat([frame, pd.DataFrame(mu, columns=[f"mu_{i}" for i in range(LATENT_DIM)])], axis=1)
    frame.to_parquet(run_dir / "latents.parquet", index=False)
    metrics = {"run": str(run_dir), "space": SPACE, "encoding": encoding, "recon_accuracy": 0.5 + 0.1 * seed,
               "validity": 0.9, "uniqueness": 0.4, "novelty": 0.3, "rmse": 0.8, "rmse_std": 0.01, "pearson": 0.6,
               "pearson_std": 0.02}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if encoding == "learned":
        generator = np.random.default_rng(seed + 100)
        snapshots = [{"epoch": epoch, "vectors": generator.normal(size=(model_config.num_node_types, 3)).tolist()}
                     for epoch in (0, 1, EPOCHS)]
        (run_dir / "embeddings.json").write_text(json.dumps({"node_types": space.node_type_names,
                                                            "snapshots": snapshots}))
    return run_dir


def write_bn_searches(run_dir: Path) -> None:
    """Decode-mode results of random search and evolution (paper protocol, 2 rounds of 5)."""
    from core.bo.config import BOConfig
    from core.bo.loop import result_path, run_search
    from core.bo.methods import make_method
    from core.bo.problem import load_problem

    config = BOConfig(rounds=2, batch_size=5, protocol="paper")
    problem = load_problem(run_dir, mode="decode", need_decoder=False)
    for name in ("random-search", "evolution"):
        for seed in BO_SEEDS:
            run_search(problem, make_method(name, config), seed, config, result_path(run_dir, name, seed))


def build_bn_runs(root: Path) -> Path:
    """``root`` with the complete ``bn-onehot`` / ``bn-learned`` pair (BO results in the one-hot run)."""
    write_bn_run(root / "bn-onehot", "onehot", seed=1)
    write_bn_run(root / "bn-learned", "learned", seed=2)
    write_bn_searches(root / "bn-onehot")
    return root
