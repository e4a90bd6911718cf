"""Run: lazy, cached access to what a run directory holds, and its status."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from core.errors import RunFileError
from core.runs import COMPLETE, Run, SpaceTables
from core.runs.status import BROKEN, TRAINING

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo" / "nbg-cora-learned"


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A copy of the shipped nbg-cora learned run (without its large BO folder)."""
    return Path(shutil.copytree(DEMO, tmp_path / "cora-learned", ignore=shutil.ignore_patterns("bo", "projections")))


def test_a_complete_run_reads_lazily_and_once(run_dir):
    run = Run.open(run_dir, name="mine")
    assert run.name == "mine" and run.status.state == COMPLETE and not run.status.broken
    assert run.config.space == "nbg-cora" and run.encoder.display_name == "DVAE-EMB"
    assert run.latents is run.latents  # read once
    assert len(run.latents) == len(run.table) == 26206
    key = str(run.latents["key"].iloc[3])
    np.testing.assert_allclose(run.latent_of(key), run.latents.filter(like="mu_").iloc[3].to_numpy(), rtol=1e-6)
    assert run.latent_of("not-a-key") is None
    assert run.history is not None and run.metrics["recon_accuracy"] > 0
    assert run.model is not None and not run.model.training
    assert run.latent_spread() > 0


def test_absent_files_read_as_none_and_damage_raises(run_dir):
    (run_dir / "metrics.json").unlink()
    (run_dir / "history.csv").write_text("epoch,loss\n1,oops\n")
    run = Run.open(run_dir)
    assert run.metrics is None
    with pytest.raises(RunFileError, match="history.csv:2"):
        run.history
    assert run.status.state == BROKEN and run.status.error.startswith("history.csv:2")


def test_a_run_without_latents_is_training(run_dir):
    (run_dir / "latents.parquet").unlink()
    run = Run.open(run_dir)
    assert run.status.state == TRAINING and "latents.parquet" in run.status.missing and run.latents is None


def test_runs_of_a_space_share_one_table(run_dir, tmp_path):
    other = Path(shutil.copytree(run_dir, tmp_path / "other"))
    tables = SpaceTables()
    a, b = Run.open(run_dir, tables=tables), Run.open(other, tables=tables)
    assert a.table is b.table


def test_version_changes_when_a_file_is_written(run_dir):
    run = Run.open(run_dir)
    before = run.version()
    (run_dir / "metrics.json").write_text((run_dir / "metrics.json").read_text())
    assert run.version() >= before and run.version() == run.mtime("metrics.json")
