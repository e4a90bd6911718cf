"""RunConfig: every config.json written so far reads back, typed; what a run wrote survives
a round trip; a damaged config is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import ModelConfig, TrainConfig
from core.errors import RunFileError
from core.runs import RunConfig, load_run_config, save_run_config

REPOSITORY = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPOSITORY / "assets").glob("*/*/config.json"))


def test_there_are_shipped_configs():
    names = {path.parent.name for path in SHIPPED}
    assert {"enas6-onehot", "enas6-learned", "nbg-cora-onehot", "nbg-cora-learned"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_every_shipped_config_reads_and_keeps_what_it_wrote(path):
    written = json.loads(path.read_text())
    config = load_run_config(path.parent)
    assert isinstance(config.model, ModelConfig) and isinstance(config.train, TrainConfig)
    assert config.space == written["space"] and config.encoding == written["model"]["encoding"]
    again = config.to_json()
    for key, value in written.items():  # fields an older run did not write take defaults
        if isinstance(value, dict):
            assert {k: again[key][k] for k in value} == value, key
        else:
            assert again[key] == value, key


def test_round_trip(tmp_path):
    config = RunConfig("nbg-cora", ModelConfig(num_node_types=11, max_nodes=6, hidden_dim=8, encoding="learned"),
                       TrainConfig(epochs=3), node_types=("input", "output"), preset="tiny",
                       versions={"python": "3.11"}, device="cpu")
    save_run_config(tmp_path, config)
    assert load_run_config(tmp_path) == config


def test_sizes_come_from_the_space_and_node_types_too(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"space": "nbg-cora", "model": {"encoding": "onehot"},
                                                      "train": {"epochs": 2}}))
    config = load_run_config(tmp_path)
    assert (config.model.num_node_types, config.model.max_nodes) == (11, 6)
    assert config.node_types[:3] == ("input", "output", "gat") and config.train.epochs == 2


@pytest.mark.parametrize("content,expected", [
    ({"space": "nbg-cora", "model": {"encoding": "binary"}, "train": {}}, '"model.encoding" must be "onehot" or'),
    ({"space": "nbg-cora", "train": {}}, 'has no "model" object'),
    ({"space": "nbg-cora", "model": {"encoding": "onehot"}}, 'has no "train" object'),
])
def test_a_damaged_config_is_named(tmp_path, content, expected):
    (tmp_path / "config.json").write_text(json.dumps(content))
    with pytest.raises(RunFileError, match=expected) as caught:
        load_run_config(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / "config.json"))
