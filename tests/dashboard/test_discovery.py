"""Run discovery: statuses, names, the default A/B pair. Pure Python, no Streamlit."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.discovery import BROKEN, COMPLETE, MISSING_METRICS, TRAINING, default_pair, discover_runs


def _config(path: Path, encoding: str, epochs: int = 2, space: str = "nbg-cora") -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(
        {"space": space, "model": {"encoding": encoding}, "train": {"epochs": epochs}}))


def _touch(path: Path, *names: str) -> None:
    for name in names:
        (path / name).write_text("x")


def _history(path: Path, epochs: int) -> None:
    (path / "history.csv").write_text("epoch,loss\n" + "".join(f"{e},1.0\n" for e in range(1, epochs + 1)))


def test_statuses(tmp_path):
    runs = tmp_path / "runs"
    _config(runs / "a", "onehot")
    _history(runs / "a", 2)
    _touch(runs / "a", "model.pt", "latents.parquet", "metrics.json")
    _config(runs / "b", "learned")
    _history(runs / "b", 2)
    _touch(runs / "b", "model.pt", "latents.parquet")
    _config(runs / "nested" / "c", "learned", epochs=10)
    _history(runs / "nested" / "c", 3)
    (runs / "d").mkdir()
    (runs / "d" / "config.json").write_text("{oops")
    (runs / "e").mkdir()
    _touch(runs / "e", "history.csv")
    (runs / "not-a-run").mkdir()

    found = {r["name"]: r for r in discover_runs(runs)}
    assert sorted(found) == ["a", "b", "d", "e", "nested/c"]
    assert found["a"]["status"] == COMPLETE and found["a"]["missing"] == []
    assert found["b"]["status"] == MISSING_METRICS
    assert "metrics.json" in found["b"]["missing"] and "embeddings.json" in found["b"]["missing"]
    assert found["nested/c"]["status"] == TRAINING
    assert (found["nested/c"]["epochs_done"], found["nested/c"]["epochs_total"]) == (3, 10)
    assert found["d"]["status"] == BROKEN and "not valid JSON" in found["d"]["error"]
    assert found["e"]["status"] == BROKEN and "config.json: missing" in found["e"]["error"]


def test_missing_dirs_and_demo_prefix(tmp_path):
    assert discover_runs(tmp_path / "absent", None) == []
    _config(tmp_path / "demo" / "x", "onehot")
    runs = discover_runs(tmp_path / "absent", tmp_path / "demo")
    assert [r["name"] for r in runs] == ["demo/x"]
    assert runs[0]["source"] == "demo"


def test_default_pair_prefers_same_space_and_complete(tmp_path):
    for name, encoding, space in [("e-onehot", "onehot", "enas6"), ("c-onehot", "onehot", "nbg-cora"),
                                  ("c-learned", "learned", "nbg-cora")]:
        _config(tmp_path / name, encoding, space=space)
        _history(tmp_path / name, 2)
        _touch(tmp_path / name, "model.pt", "latents.parquet", "metrics.json", "embeddings.json")
    runs = discover_runs(tmp_path)
    a, b = default_pair(runs)
    assert Path(a).name == "c-onehot" and Path(b).name == "c-learned"


def test_default_pair_single_run(tmp_path):
    _config(tmp_path / "only", "learned")
    a, b = default_pair(discover_runs(tmp_path))
    assert Path(a).name == "only" and b is None
    assert default_pair([]) == (None, None)
