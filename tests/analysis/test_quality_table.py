"""The time-to-quality table on a hand-made run with known answers."""

from __future__ import annotations

import json

import pandas as pd

from core.config import ModelConfig, TrainConfig
from core.__main__ import main
from core.analysis.quality_table import first_reached, quality_table, recipe, seed_summary, to_markdown
from core.runs import RunConfig


def _run(tmp_path, recon, metrics=None):
    run = tmp_path / "run"
    run.mkdir(parents=True)
    config = {"space": "enas6", "model": {"hidden_dim": 128, "latent_dim": 56, "encoding": "learned"},
              "train": {"batch_size": 128, "lr": 0.003, "schedule": "cosine", "warmup_epochs": 2.0, "grad_clip": 0.0}}
    (run / "config.json").write_text(json.dumps(config))
    epochs = list(range(1, len(recon) + 1))
    pd.DataFrame({"epoch": epochs, "loss": 1.0, "seconds": 30.0, "recon_greedy": recon, "valid_prior": 1.0,
                  "wall_seconds": [60.0 * e for e in epochs]}).to_csv(run / "history.csv", index=False)
    if metrics:
        (run / "metrics.json").write_text(json.dumps(metrics))
    return run


def test_wall_time_to_each_target_is_the_first_epoch_that_reaches_it(tmp_path):
    run = _run(tmp_path, [0.1, 0.5, 0.92, 0.85, 0.991, 0.999], {"recon_accuracy": 0.995, "rmse": 0.38})
    row = quality_table([run]).iloc[0]
    assert row["to 90 %"] == "3.0 min (ep 3)"
    assert row["to 99 %"] == "5.0 min (ep 5)"
    assert row["epochs"] == 6 and row["wall min"] == 6.0
    assert row["recon %"] == 99.5 and row["rmse"] == 0.38
    assert row["recipe"] == "h128 z56 b128, lr 0.003 cosine, warm-up 2"


def test_a_target_never_reached_is_a_dash(tmp_path):
    run = _run(tmp_path, [0.1, 0.95])
    table = quality_table([run])
    assert table.iloc[0]["to 99 %"] is None
    assert "| — |" in to_markdown(table)
    assert first_reached(pd.DataFrame({"epoch": [1]}), 0.9) is None


def test_recipe_names_clipping_and_kl_warmup():
    config = RunConfig("enas6", ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=64, latent_dim=16),
                       TrainConfig(batch_size=32, lr=1e-4, grad_clip=1.0, kl_warmup_epochs=5, eps_scale=0.1))
    assert recipe(config) == "h64 z16 b32, lr 0.0001 plateau, clip 1, KL warm-up 5, eps 0.1"


def test_seed_summary_pools_runs_of_one_encoding(tmp_path):
    first = _run(tmp_path / "a", [0.2, 0.6, 0.8, 0.8, 0.8, 0.8])  # 50 % at epoch 2, 75 % at epoch 3
    second = _run(tmp_path / "b", [0.2, 0.3, 0.4, 0.6, 0.7, 0.7])  # 50 % at epoch 4, never 75 %
    summary = seed_summary([first, second], targets=(0.5, 0.75))
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["runs"] == 2 and row["encoding"] == "learned"
    assert row["to 50 %"] == "2/2: epoch 3.0 ± 1.0, 3.0 ± 1.0 min"
    assert row["to 75 %"] == "1/2: epoch 3.0 ± 0.0, 3.0 ± 0.0 min"
    assert row["last 5 epochs recon_greedy %"] == "65.00 ± 11.00"  # last-five means 76 and 54


def test_quality_command_times_other_targets(tmp_path, capsys):
    run = _run(tmp_path, [0.2, 0.6, 0.8])
    assert main(["quality", str(run), "--targets", "0.5,0.75", "--by-encoding"]) == 0
    out = capsys.readouterr().out
    assert "| to 50 % | to 75 % |" in out and "1/1: epoch 3.0 ± 0.0" in out
    assert main(["quality", str(run), "--targets", "1.5"]) == 2
    assert "--targets 1.5" in capsys.readouterr().err
