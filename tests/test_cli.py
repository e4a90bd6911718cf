"""The command line: clear one-line errors (exit 2), never a traceback; table output."""

from __future__ import annotations

import json

import pandas as pd

from core.__main__ import main
from core.analysis.metrics_table import format_metrics_table


def test_missing_data_file_says_how_to_fetch(tmp_path, capsys):
    code = main(["train", "--space", "enas6", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
                 "--preset", "tiny", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "final_structures6.txt" in err and "python -m core fetch enas6" in err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_malformed_line_names_file_and_line(tmp_path, capsys):
    good = "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.73\n"
    lines = [good] * 1200
    lines[1049] = "[[1], [4, 0], [5, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.73\n"
    (tmp_path / "final_structures6.txt").write_text("".join(lines))
    code = main(["train", "--space", "enas6", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
                 "--preset", "tiny", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "final_structures6.txt:1050" in err and "Traceback" not in err


def test_unknown_space_lists_valid_names(tmp_path, capsys):
    code = main(["train", "--space", "nbg-nope", "--out", str(tmp_path / "r"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "nbg-cora" in err


def test_evaluate_without_model_is_a_clear_error(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"space": "nbg-cora", "model": {"encoding": "onehot"}, "train": {}}))
    code = main(["evaluate", str(run), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "model.pt" in err and "Traceback" not in err


def test_broken_config_names_the_line(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text('{\n  "space": "nbg-cora",\n  oops\n}')
    code = main(["evaluate", str(run)])
    err = capsys.readouterr().err
    assert code == 2 and "config.json:3" in err


def test_table_needs_metrics(tmp_path, capsys):
    code = main(["table", str(tmp_path)])
    assert code == 2 and "python -m core evaluate" in capsys.readouterr().err


def test_metrics_table_layout():
    table = format_metrics_table({"a": {"space": "s", "encoding": "learned", "recon_accuracy": 0.9996,
                                        "validity": 1.0, "uniqueness": 0.3726, "novelty": 1.0,
                                        "rmse": 0.384, "rmse_std": 0.002, "pearson": 0.92, "pearson_std": 0.001}})
    row = table.splitlines()[2]
    assert "| 99.96 | 100.00 | 37.26 | 100.00 | 0.384 ± 0.002 | 0.920 ± 0.001 |" in row


def test_table_models_names_each_runs_model_recipe_and_wall_time(tmp_path, capsys):
    from tests.dashboard.tiny_runs import write_run

    run = write_run(tmp_path / "cora-gcn-learned", "learned", seed=3, model="gcn")
    history = run / "history.csv"
    frame = pd.read_csv(history)
    frame["wall_seconds"] = 90.0 * frame["epoch"]
    frame.to_csv(history, index=False)
    assert main(["table", str(run), "--models", "--paper"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("| paper | D-VAE | enas6 |") and len(lines) == 2 + 5 + 1
    cells = [cell.strip() for cell in lines[-1].split("|")[1:-1]]
    assert cells[1:5] == ["GCN-EMB", "nbg-cora", "tiny, 3 epochs", "4.5"]
    metrics = json.loads((run / "metrics.json").read_text())
    (run / "metrics.json").write_text(json.dumps({**metrics, "eval_config": {"encode_times": 2, "decode_times": 2}}))
    assert main(["table", str(run), "--models"]) == 0
    assert "| tiny, 3 epochs; recon over 2 x 2 decodes |" in capsys.readouterr().out


def test_bo_summary_figure_names_a_format_it_can_write(tmp_path, capsys):
    code = main(["bo-summary", str(tmp_path), "--figure", str(tmp_path / "regret.txt")])
    err = capsys.readouterr().err
    assert code == 2 and "--figure" in err and ".png, .svg, .pdf or .html" in err and "Traceback" not in err
