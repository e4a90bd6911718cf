"""Run discovery: statuses, names, the default A/B pair. Pure Python, no Streamlit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.runs.status import count_epochs
from dashboard.discovery import BROKEN, COMPLETE, MISSING_METRICS, TRAINING, default_pair, discover_runs, find_run_dirs
from tests.dashboard.tiny_runs import BROKEN_KINDS, write_run


def _config(path: Path, encoding: str, epochs: int = 2, space: str = "nbg-cora") -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(
        {"space": space, "model": {"encoding": encoding}, "train": {"epochs": epochs}}))


def _touch(path: Path, *names: str) -> None:
    """Minimal well-formed run files (discovery checks their content, so not just bytes)."""
    config = json.loads((path / "config.json").read_text()) if (path / "config.json").exists() else {}
    for name in names:
        _write_valid(path / name, config)


def _write_valid(file: Path, config: dict) -> None:
    import pandas as pd
    import torch

    if file.name == "model.pt":
        torch.save({"state_dict": {}, "model_config": dict(config["model"]), "space": config["space"], "epoch": 2},
                   file)
    elif file.name == "latents.parquet":
        pd.DataFrame({"key": ["a", "b"], "mu_0": [0.0, 1.0]}).to_parquet(file)
    elif file.name == "history.csv":
        file.write_text("epoch,loss\n")
    elif file.name == "embeddings.json":
        file.write_text(json.dumps({"node_types": ["in", "out"], "snapshots": [{"epoch": 0, "vectors": [[0.0], [1.0]]}]}))
    else:
        file.write_text("{}")


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

    found = {r.name: r.status for r in discover_runs(runs)}
    assert sorted(found) == ["a", "b", "d", "e", "nested/c"]
    assert found["a"].state == COMPLETE and found["a"].missing == ()
    assert found["b"].state == MISSING_METRICS
    assert "metrics.json" in found["b"].missing and "embeddings.json" in found["b"].missing
    assert found["nested/c"].state == TRAINING
    assert (found["nested/c"].epochs_done, found["nested/c"].epochs_total) == (3, 10)
    assert found["d"].state == BROKEN and "not valid JSON" in found["d"].error
    assert found["e"].state == BROKEN and "config.json: missing" in found["e"].error


def test_missing_dirs_and_demo_prefix(tmp_path):
    assert discover_runs(tmp_path / "absent", None) == []
    _config(tmp_path / "demo" / "x", "onehot")
    runs = discover_runs(tmp_path / "absent", tmp_path / "demo")
    assert [r.name for r in runs] == ["demo/x"]
    assert runs[0].source == "demo"


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


# ---------------------------------------------------------------- damaged runs
def test_every_damaged_file_makes_its_run_broken_and_is_named(broken_runs):
    found = {r.name: r.status for r in discover_runs(broken_runs)}
    assert found["cora-onehot"].state == COMPLETE and found["cora-learned"].state == COMPLETE
    for name, (file, _) in BROKEN_KINDS.items():
        run = found[name]
        assert run.state == BROKEN, (name, run.state, run.error)
        assert run.error.startswith(file), (name, run.error)
        for text in (run.error, run.fix or ""):
            assert str(broken_runs) not in text and str(broken_runs.resolve()) not in text, (name, text)


@pytest.mark.parametrize("name,expected", [
    ("bad-metrics-not-json", "metrics.json:1: not valid JSON"),
    ("bad-history-byte", "history.csv:2: byte 0xff"),
    ("bad-model-other-space", "model.pt: holds a model of space 'enas6'"),
    ("bad-model-missing", "model.pt: missing, yet training finished"),
    ("bad-latents-truncated", "latents.parquet: not a complete Parquet file"),
    ("bad-config-link-outside", "config.json: a link to a file outside the runs folders"),
])
def test_broken_statuses_say_what_is_wrong(broken_runs, name, expected):
    run = {r.name: r.status for r in discover_runs(broken_runs)}[name]
    assert run.error.startswith(expected), run.error
    assert run.fix


def test_count_epochs_survives_any_bytes(tmp_path):
    (tmp_path / "history.csv").write_bytes(b"epoch,loss\n1,\xff\xfe\n2,\x00\n")
    assert count_epochs(tmp_path / "history.csv") == 2
    assert count_epochs(tmp_path / "absent.csv") is None


def test_links_out_of_the_roots_are_not_followed(tmp_path):
    outside = write_run(tmp_path / "elsewhere" / "secret-run", "onehot", seed=1, complete=False)
    root = tmp_path / "runs"
    write_run(root / "mine", "onehot", seed=2, complete=False)
    (root / "linked-out").symlink_to(outside.parent, target_is_directory=True)
    (root / "linked-in").symlink_to(root / "mine", target_is_directory=True)
    assert [p.name for p in find_run_dirs(root)] == ["linked-in", "mine"]
    names = [r.name for r in discover_runs(root)]
    assert names == ["linked-in"] or names == ["mine"]  # one run, found once
    allowed = [p.name for p in find_run_dirs(root, roots=[root.resolve(), outside.parent.resolve()])]
    assert "secret-run" in allowed  # a second root given at launch may be reached
