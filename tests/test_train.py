"""Training: checkpoints, resume equals an unbroken run, atomic files, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from core import runs
from core.config import ModelConfig, TrainConfig
from core.errors import RunDirError
from core.spaces import get_space
from core.train import train_run


@pytest.fixture(scope="module")
def small_space():
    space = get_space("nbg-cora")
    table = space.load(None)
    rng = np.random.default_rng(0)
    index = np.concatenate([rng.choice(table.indices("train"), 96, replace=False),
                            rng.choice(table.indices("test"), 16, replace=False)])
    return space, table.subset(index)


def _configs(space, epochs, encoding="learned"):
    model = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                        latent_dim=3, encoding=encoding)
    train = TrainConfig(epochs=epochs, batch_size=32, lr=3e-3, seed=5, checkpoint_every=1)
    return model, train


def test_run_directory_files(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 2)
    train_run(space, table, model_config, train_config, tmp_path / "run", torch.device("cpu"), progress=False)
    run = tmp_path / "run"
    for name in (runs.CONFIG, runs.MODEL, runs.CHECKPOINT, runs.HISTORY, runs.EMBEDDINGS, runs.LATENTS):
        assert (run / name).exists(), name
    history = pd.read_csv(run / runs.HISTORY)
    assert list(history["epoch"]) == [1, 2]
    assert {"loss", "type_nll", "edge_bce", "kld", "seconds"} <= set(history.columns)
    embeddings = runs.read_json(run / runs.EMBEDDINGS)
    assert [s["epoch"] for s in embeddings["snapshots"]] == [0, 1, 2]
    assert np.array(embeddings["snapshots"][0]["vectors"]).shape == (space.num_node_types, 3)
    latents = pd.read_parquet(run / runs.LATENTS)
    assert len(latents) == len(table) and {"key", "split", "y", "y_test", "mu_0", "mu_2"} <= set(latents.columns)
    model, config = runs.load_model(run)
    assert config["space"] == "nbg-cora" and model.config == model_config
    assert not list(run.glob("*.tmp"))


def test_resume_reaches_the_same_weights_as_an_unbroken_run(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 3)
    device = torch.device("cpu")
    train_run(space, table, model_config, train_config, tmp_path / "whole", device, progress=False)

    _, first_part = _configs(space, 2)
    train_run(space, table, model_config, first_part, tmp_path / "broken", device, progress=False)
    train_run(space, table, model_config, train_config, tmp_path / "broken", device, resume=True, progress=False)

    whole = torch.load(tmp_path / "whole" / runs.MODEL, weights_only=True)["state_dict"]
    resumed = torch.load(tmp_path / "broken" / runs.MODEL, weights_only=True)["state_dict"]
    for name in whole:
        assert torch.equal(whole[name], resumed[name]), name
    a = pd.read_csv(tmp_path / "whole" / runs.HISTORY)
    b = pd.read_csv(tmp_path / "broken" / runs.HISTORY)
    np.testing.assert_array_equal(a["loss"].to_numpy(), b["loss"].to_numpy())


def test_training_is_seeded(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 1, encoding="onehot")
    for name in ("a", "b"):
        train_run(space, table, model_config, train_config, tmp_path / name, torch.device("cpu"), progress=False)
    a = pd.read_parquet(tmp_path / "a" / runs.LATENTS)
    b = pd.read_parquet(tmp_path / "b" / runs.LATENTS)
    pd.testing.assert_frame_equal(a, b)


def test_existing_run_is_not_overwritten_and_resume_needs_a_checkpoint(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 1)
    train_run(space, table, model_config, train_config, tmp_path / "run", torch.device("cpu"), progress=False)
    before = (tmp_path / "run" / runs.MODEL).read_bytes()
    with pytest.raises(RunDirError, match="--resume"):
        train_run(space, table, model_config, train_config, tmp_path / "run", torch.device("cpu"), progress=False)
    assert (tmp_path / "run" / runs.MODEL).read_bytes() == before
    with pytest.raises(RunDirError, match="nothing to resume"):
        train_run(space, table, model_config, train_config, tmp_path / "empty", torch.device("cpu"),
                  resume=True, progress=False)


def test_warm_start_copies_embeddings(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 1)
    train_run(space, table, model_config, train_config, tmp_path / "source", torch.device("cpu"), progress=False)
    source = runs.read_json(tmp_path / "source" / runs.EMBEDDINGS)["snapshots"][-1]["vectors"]
    train_run(space, table, model_config, train_config, tmp_path / "warm", torch.device("cpu"),
              init_embeddings_from=tmp_path / "source", progress=False)
    warm = runs.read_json(tmp_path / "warm" / runs.EMBEDDINGS)["snapshots"][0]["vectors"]
    np.testing.assert_allclose(warm, source)
