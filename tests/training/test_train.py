"""Training: checkpoints, resume equals an unbroken run, atomic files, clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from core import runs
from core.config import ModelConfig, TrainConfig
from core.errors import RunDirError
from core.training.train import kl_weight, make_scheduler, train_run
from tests.tiny_tables import small_nbg_table


@pytest.fixture(scope="module")
def small_space():
    return small_nbg_table(96, 16)


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


def test_history_has_quality_figures_and_wall_time(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 2)
    train_run(space, table, model_config, train_config, tmp_path / "run", torch.device("cpu"), progress=False)
    history = pd.read_csv(tmp_path / "run" / runs.HISTORY)
    assert {"recon_greedy", "valid_prior", "wall_seconds", "monitor_seconds"} <= set(history.columns)
    assert history["recon_greedy"].between(0, 1).all() and history["valid_prior"].between(0, 1).all()
    wall = history["wall_seconds"].to_numpy()
    assert wall[1] > wall[0] >= history["seconds"].iloc[0]


def test_stop_at_recon_ends_the_run_with_its_final_files_and_stays_stopped(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 5)
    # every model meets a zero target: the run must end after its first epoch, fully written
    stopping = dataclasses.replace(train_config, stop_at_recon=0.0, stop_at_valid=0.0, checkpoint_every=10)
    run = tmp_path / "run"
    train_run(space, table, model_config, stopping, run, torch.device("cpu"), progress=False)
    assert list(pd.read_csv(run / runs.HISTORY)["epoch"]) == [1]
    assert torch.load(run / runs.MODEL, weights_only=True)["epoch"] == 1
    assert (run / runs.LATENTS).exists() and (run / runs.CHECKPOINT).exists()
    train_run(space, table, model_config, stopping, run, torch.device("cpu"), resume=True, progress=False)
    assert list(pd.read_csv(run / runs.HISTORY)["epoch"]) == [1]
    # an unreachable validity keeps it training to the last epoch
    never = dataclasses.replace(stopping, stop_at_valid=1.01)
    train_run(space, table, model_config, never, tmp_path / "never", torch.device("cpu"), progress=False)
    assert list(pd.read_csv(tmp_path / "never" / runs.HISTORY)["epoch"]) == [1, 2, 3, 4, 5]


def test_max_seconds_ends_the_run_after_the_epoch_that_passes_it_and_resume_continues(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 3)
    train_config = dataclasses.replace(train_config, checkpoint_every=10)
    run = tmp_path / "run"
    train_run(space, table, model_config, train_config, run, torch.device("cpu"), progress=False, max_seconds=0)
    assert list(pd.read_csv(run / runs.HISTORY)["epoch"]) == [1]  # checkpointed there, not at epoch 10
    assert torch.load(run / runs.MODEL, weights_only=True)["epoch"] == 1 and (run / runs.LATENTS).exists()
    train_run(space, table, model_config, train_config, run, torch.device("cpu"), resume=True, progress=False)
    assert list(pd.read_csv(run / runs.HISTORY)["epoch"]) == [1, 2, 3]


def test_cosine_schedule_warms_up_then_decays_to_the_floor():
    config = TrainConfig(epochs=10, lr=1.0, schedule="cosine", warmup_epochs=2, min_lr_ratio=0.1)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=config.lr)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=5)
    rates = []
    for _ in range(50):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    rates.append(optimizer.param_groups[0]["lr"])
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)  # 10 warm-up steps
    assert all(a <= b for a, b in zip(rates[:10], rates[1:10]))
    assert all(a >= b for a, b in zip(rates[10:], rates[11:]))
    assert rates[30] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * 20 / 40)))
    assert rates[-1] == pytest.approx(0.1)


def test_kl_weight_ramps_to_beta():
    config = TrainConfig(beta=0.01, kl_warmup_epochs=4)
    assert kl_weight(config, 0) == 0
    assert kl_weight(config, 1) == pytest.approx(0.0025)
    assert kl_weight(config, 10) == pytest.approx(0.01)
    assert kl_weight(TrainConfig(beta=0.01), 0) == 0.01


def test_gradient_clipping_changes_training(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 1)
    device = torch.device("cpu")
    train_run(space, table, model_config, train_config, tmp_path / "plain", device, progress=False)
    clipped = dataclasses.replace(train_config, grad_clip=1e-3)
    train_run(space, table, model_config, clipped, tmp_path / "clipped", device, progress=False)
    plain = pd.read_csv(tmp_path / "plain" / runs.HISTORY)["loss"].iloc[0]
    clip = pd.read_csv(tmp_path / "clipped" / runs.HISTORY)["loss"].iloc[0]
    assert clip > plain  # tiny clipped steps learn less in the first epoch


def test_a_killed_cosine_run_resumes_to_the_weights_of_an_unbroken_run(small_space, tmp_path, monkeypatch):
    space, table = small_space
    model_config, train_config = _configs(space, 3)
    config = dataclasses.replace(train_config, schedule="cosine", warmup_epochs=1, grad_clip=0.5,
                                 kl_warmup_epochs=2)
    device = torch.device("cpu")
    train_run(space, table, model_config, config, tmp_path / "whole", device, progress=False)

    import core.training.train as train_module

    real = train_module.iterate_batches
    calls = {"n": 0}

    def crashing(*args, **kwargs):  # the kill comes half-way through epoch 2
        calls["n"] += 1
        for number, batch in enumerate(real(*args, **kwargs)):
            if calls["n"] == 2 and number == 2:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(train_module, "iterate_batches", crashing)
    with pytest.raises(KeyboardInterrupt):
        train_run(space, table, model_config, config, tmp_path / "broken", device, progress=False)
    monkeypatch.setattr(train_module, "iterate_batches", real)
    train_run(space, table, model_config, config, tmp_path / "broken", device, resume=True, progress=False)
    whole = torch.load(tmp_path / "whole" / runs.MODEL, weights_only=True)["state_dict"]
    resumed = torch.load(tmp_path / "broken" / runs.MODEL, weights_only=True)["state_dict"]
    for name in whole:
        assert torch.equal(whole[name], resumed[name]), name


def test_split_all_trains_on_every_architecture_and_never_reads_y(small_space, tmp_path):
    space, table = small_space
    model_config, train_config = _configs(space, 1)
    everything = dataclasses.replace(train_config, split="all")
    train_run(space, table, model_config, everything, tmp_path / "all", torch.device("cpu"), progress=False)
    train_run(space, table, model_config, train_config, tmp_path / "train", torch.device("cpu"), progress=False)
    assert runs.load_config(tmp_path / "all")["train"]["split"] == "all"
    blind = dataclasses.replace(table, y=np.full(len(table), np.nan), y_test=None)
    train_run(space, blind, model_config, everything, tmp_path / "blind", torch.device("cpu"), progress=False)
    seen, unseen = runs.load_model(tmp_path / "all")[0], runs.load_model(tmp_path / "blind")[0]
    for name, weight in seen.state_dict().items():  # y replaced by NaN: the very same weights
        torch.testing.assert_close(weight, unseen.state_dict()[name], rtol=0, atol=0)
    trained, split = runs.load_model(tmp_path / "train")[0], runs.load_model(tmp_path / "all")[0]
    assert any(not torch.equal(a, b) for a, b in zip(trained.state_dict().values(), split.state_dict().values()))
