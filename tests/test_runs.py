"""core.runs: atomic writes honour the umask; the loaders say which file is wrong and how."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from core import runs
from core.errors import RunDirError, RunFileError


@pytest.fixture
def umask():
    """Set the process umask for a test, then restore it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda value: os.umask(value)
    os.umask(saved)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_honour_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    runs.atomic_write_json(tmp_path / "a.json", {"x": 1})
    runs.atomic_write_bytes(tmp_path / "sub" / "b.bin", b"data")
    runs.atomic_write_parquet(tmp_path / "c.parquet", pd.DataFrame({"key": ["a"]}))
    for name in ("a.json", "sub/b.bin", "c.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
    assert not list(tmp_path.rglob("*.tmp"))


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "config.json"
    runs.atomic_write_text(path, "old")
    runs.atomic_write_text(path, "new")
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_importing_core_runs_does_not_import_torch():
    import subprocess

    code = "import sys, core.runs; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert out == "False"


def test_run_file_error_is_one_line_and_a_fix():
    error = RunFileError("runs/a/metrics.json", "not valid JSON\n(Expecting value)", line=3, fix="run it again")
    assert str(error) == "runs/a/metrics.json:3: not valid JSON (Expecting value)\n  fix: run it again"
    assert isinstance(error, RunDirError) and error.line == 3 and error.problem == "not valid JSON (Expecting value)"


def test_read_json_names_the_line_of_a_bad_byte(tmp_path):
    (tmp_path / "metrics.json").write_bytes(b'{\n"a": 1,\n"b": "\xff"}')
    with pytest.raises(RunFileError, match=r"metrics.json:3: byte 0xff is not UTF-8") as caught:
        runs.load_metrics(tmp_path)
    assert caught.value.fix and "python -m core evaluate" in caught.value.fix


def test_peek_model_reads_the_settings_without_loading_weights(tmp_path):
    payload = {"state_dict": {"w": torch.zeros(2, 3)}, "model_config": {"hidden_dim": 8, "encoding": "onehot"},
               "space": "nbg-cora", "epoch": 4}
    torch.save(payload, tmp_path / "model.pt")
    peeked = runs.peek_model(tmp_path / "model.pt")
    assert peeked["space"] == "nbg-cora" and peeked["model_config"] == payload["model_config"]
    assert runs.model_mismatch(peeked, {"space": "nbg-cora", "model": {"hidden_dim": 8}}) is None
    assert "hidden_dim 8" in runs.model_mismatch(peeked, {"space": "nbg-cora", "model": {"hidden_dim": 16}})
    assert "'nbg-cora'" in runs.model_mismatch(peeked, {"space": "enas6", "model": {}})


def test_peek_model_never_runs_code_from_the_file(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    torch.save({"state_dict": {}, "model_config": {}, "space": "nbg-cora", "boom": Boom()}, tmp_path / "model.pt")
    runs.peek_model(tmp_path / "model.pt")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("damage,expected", [
    (lambda p: p.write_bytes(p.read_bytes()[:100]), "not a complete PyTorch file"),
    (lambda p: p.write_bytes(b""), "not a complete PyTorch file"),
    (lambda p: torch.save([1, 2], p), "holds a list"),
])
def test_peek_model_says_what_is_wrong(tmp_path, damage, expected):
    path = tmp_path / "model.pt"
    torch.save({"state_dict": {}, "model_config": {}, "space": "nbg-cora"}, path)
    damage(path)
    with pytest.raises(RunFileError, match=expected):
        runs.peek_model(path)


def test_latents_checks(tmp_path):
    frame = pd.DataFrame({"key": ["a", "b"], "split": ["train", "test"], "y": [0.1, 0.2], "mu_0": [0.0, 1.0],
                          "mu_1": [1.0, 0.0]})
    frame.to_parquet(tmp_path / "latents.parquet")
    assert runs.check_latents_file(tmp_path / "latents.parquet") == ["mu_0", "mu_1"]
    assert runs.read_latents(tmp_path).shape == (2, 5)
    frame.drop(columns="mu_0").to_parquet(tmp_path / "latents.parquet")
    with pytest.raises(RunFileError, match="not mu_0 .. mu_0"):
        runs.read_latents(tmp_path)
    (tmp_path / "latents.parquet").write_bytes(b"PAR1" + b"\0" * 20)
    with pytest.raises(RunFileError, match="not a complete Parquet file"):
        runs.read_latents(tmp_path)


def test_history_checks(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,loss\n1,0.5\n2,0.25\n")
    assert list(runs.load_history(tmp_path)["loss"]) == [0.5, 0.25]
    (tmp_path / "history.csv").write_text("")
    assert runs.load_history(tmp_path).empty
    (tmp_path / "history.csv").write_text("epoch,loss\n1,0.5\n2,oops\n")
    with pytest.raises(RunFileError, match=r"history.csv:3: column 'loss' holds 'oops'"):
        runs.load_history(tmp_path)


@pytest.mark.parametrize("content,expected", [
    ("[]", "holds a JSON list"),
    ("{}", "has no \"space\" entry"),
    ('{"space": "nbg-cora", "model": 3}', "its \"model\" entry is a number"),
    ('{"space": "nope"}', "unknown search space 'nope'"),
])
def test_config_checks(tmp_path, content, expected):
    (tmp_path / "config.json").write_text(content)
    with pytest.raises(RunFileError, match=expected):
        runs.load_config(tmp_path)


def test_embeddings_checks(tmp_path):
    good = {"node_types": ["in", "conv", "out"], "snapshots": [{"epoch": 0, "vectors": [[0, 1], [1, 0], [1, 1]]}]}
    (tmp_path / "embeddings.json").write_text(json.dumps(good))
    assert runs.load_embeddings(tmp_path) == good
    good["snapshots"].append({"epoch": 1, "vectors": [[0, 1, 2], [1, 0, 2], [1, 1, 2]]})
    (tmp_path / "embeddings.json").write_text(json.dumps(good))
    with pytest.raises(RunFileError, match="rows of different lengths"):
        runs.load_embeddings(tmp_path)
