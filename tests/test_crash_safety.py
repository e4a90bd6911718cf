"""The kill drill: training is SIGKILLed right after each of its writes, in a real subprocess;
every such run must resume (``--resume``) to weights bit-identical to an unbroken run."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core import runs
from core.config import ModelConfig, TrainConfig
from core.errors import RunDirError
from core.training.train import FAULT_ENV, train_run
from tests.tiny_tables import small_nbg_table

REPO = Path(__file__).resolve().parents[1]
EPOCHS = 2
KILL_POINTS = ["config", *(f"e{epoch}:{name}" for epoch in range(1, EPOCHS + 1)
                           for name in ("checkpoint", "model", "history", "embeddings")), "latents"]

# the same run in the test process and in the killed subprocess; the subprocess reads the
# small table from an .npz, so it does not rebuild the NAS-Bench-Graph table each time
SCRIPT = """
import sys, numpy as np, torch
from pathlib import Path
sys.path.insert(0, {repo!r})
torch.set_num_threads(1)
from core.config import ModelConfig, TrainConfig
from core.spaces import get_space
from core.spaces.base import ArchitectureTable
import core.training.train
from core.training.train import train_run
core.training.train.FAULTS_ENABLED = True  # the kill drill arms the hook in its own process only
space = get_space("nbg-cora")
arrays = np.load({table!r})
table = ArchitectureTable(keys=list(arrays["keys"]), op_ids=arrays["op_ids"], adjacency=arrays["adjacency"],
                          num_nodes=arrays["num_nodes"], y=arrays["y"], y_test=arrays["y_test"],
                          split=arrays["split"])
model = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8, latent_dim=3,
                    encoding="learned")
train = TrainConfig(epochs={epochs}, batch_size=16, lr=3e-3, seed=3, checkpoint_every=1, schedule="cosine",
                    warmup_epochs=1, monitor_graphs=0)
train_run(space, table, model, train, Path(sys.argv[1]), torch.device("cpu"), resume=len(sys.argv) > 2,
          progress=False)
"""


def _configs():
    space, table = small_nbg_table(64, 16)
    model = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                        latent_dim=3, encoding="learned")
    train = TrainConfig(epochs=EPOCHS, batch_size=16, lr=3e-3, seed=3, checkpoint_every=1, schedule="cosine",
                        warmup_epochs=1, monitor_graphs=8, monitor_prior_points=8)
    return space, table, model, train


@pytest.fixture(scope="module")
def table_file(tmp_path_factory) -> Path:
    _, table, _, _ = _configs()
    path = tmp_path_factory.mktemp("table") / "table.npz"
    np.savez(path, keys=np.array(table.keys), op_ids=table.op_ids, adjacency=table.adjacency,
             num_nodes=table.num_nodes, y=table.y, y_test=table.y_test, split=table.split)
    return path


def _run(table_file: Path, out: Path, kill_at: str | None = None, resume: bool = False):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop(FAULT_ENV, None)
    if kill_at:
        env[FAULT_ENV] = kill_at
    script = SCRIPT.format(repo=str(REPO), table=str(table_file), epochs=EPOCHS)
    command = [sys.executable, "-c", script, str(out)] + (["resume"] if resume else [])
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def unbroken(table_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("unbroken") / "run"
    result = _run(table_file, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_run_killed_after_any_write_resumes_to_the_unbroken_weights(table_file, unbroken, tmp_path, kill_at):
    out = tmp_path / "run"
    killed = _run(table_file, out, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    resumed = _run(table_file, out, resume=True)
    assert resumed.returncode == 0, resumed.stderr
    whole = torch.load(unbroken / runs.MODEL, weights_only=True)["state_dict"]
    again = torch.load(out / runs.MODEL, weights_only=True)["state_dict"]
    for name in whole:
        assert torch.equal(whole[name], again[name]), (kill_at, name)
    a, b = pd.read_csv(unbroken / runs.HISTORY), pd.read_csv(out / runs.HISTORY)
    np.testing.assert_array_equal(a["loss"].to_numpy(), b["loss"].to_numpy())
    pd.testing.assert_frame_equal(pd.read_parquet(unbroken / runs.LATENTS), pd.read_parquet(out / runs.LATENTS))
    assert not list(out.glob(".*.tmp"))


def test_stale_temp_files_are_removed_by_the_next_command(tmp_path):
    space, table, model, train = _configs()
    out = tmp_path / "run"
    train_run(space, table, model, dataclasses.replace(train, epochs=1), out, torch.device("cpu"), progress=False)
    stale = out / ".model.pt.abc123.tmp"
    stale.write_bytes(b"half a model")
    train_run(space, table, model, dataclasses.replace(train, epochs=1), out, torch.device("cpu"), resume=True,
              progress=False)
    assert not stale.exists()


def test_a_fresh_start_never_overwrites_any_file_of_a_run(tmp_path):
    space, table, model, train = _configs()
    out = tmp_path / "run"
    out.mkdir()
    (out / runs.CONFIG).write_text('{"kept": true}')  # a run killed before its first checkpoint
    (out / runs.METRICS).write_text('{"recon_accuracy": 0.5}')
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(RunDirError, match="already holds a run"):
        train_run(space, table, model, train, out, torch.device("cpu"), progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_resume_refuses_to_rewrite_the_config_against_the_checkpoint(tmp_path):
    space, table, model, train = _configs()
    out = tmp_path / "run"
    plateau = dataclasses.replace(train, schedule="plateau")
    train_run(space, table, model, plateau, out, torch.device("cpu"), progress=False)
    config_before = (out / runs.CONFIG).read_bytes()
    with pytest.raises(RunDirError, match="already at epoch 2"):
        train_run(space, table, model, dataclasses.replace(plateau, epochs=1), out, torch.device("cpu"),
                  resume=True, progress=False)
    assert (out / runs.CONFIG).read_bytes() == config_before
    cosine = tmp_path / "cosine"
    train_run(space, table, model, train, cosine, torch.device("cpu"), progress=False)
    with pytest.raises(RunDirError, match="cosine schedule"):
        train_run(space, table, model, dataclasses.replace(train, epochs=4), cosine, torch.device("cpu"),
                  resume=True, progress=False)


def test_a_damaged_checkpoint_gives_a_clear_error(tmp_path):
    space, table, model, train = _configs()
    out = tmp_path / "run"
    train_run(space, table, model, dataclasses.replace(train, epochs=1), out, torch.device("cpu"), progress=False)
    data = (out / runs.CHECKPOINT).read_bytes()
    (out / runs.CHECKPOINT).write_bytes(data[: len(data) // 2])
    with pytest.raises(RunDirError, match="checkpoint.pt: "):
        train_run(space, table, model, train, out, torch.device("cpu"), resume=True, progress=False)




def test_every_command_that_writes_into_a_run_first_removes_stale_temp_files(tmp_path):
    from core.__main__ import main

    space, table, model, train = _configs()
    out = tmp_path / "run"
    train_run(space, table, model, dataclasses.replace(train, epochs=1), out, torch.device("cpu"), progress=False)
    stale = [out / ".metrics.json.x1.tmp", out / "projections" / ".pca.parquet.x2.tmp"]
    for path in stale:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    assert main(["project", str(out), "--method", "pca"]) == 0
    assert not any(path.exists() for path in stale)


def test_the_fault_variable_alone_does_nothing(table_file, tmp_path):
    script = SCRIPT.replace("core.training.train.FAULTS_ENABLED = True", "")
    env = {**os.environ, "OMP_NUM_THREADS": "1", FAULT_ENV: "config"}
    command = [sys.executable, "-c", script.format(repo=str(REPO), table=str(table_file), epochs=1), str(tmp_path / "r")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # not killed
    assert (tmp_path / "r" / runs.LATENTS).exists()
