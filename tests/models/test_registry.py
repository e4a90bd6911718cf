"""The model registry and ``train --model``: names, old runs read as D-VAE, a bad model and
encoding pair is one line with exit status 2."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import get_args

import pytest

from core.__main__ import main
from core.config import ModelConfig, ModelName
from core.errors import OpEmbedError, RunFileError
from core.models import registry
from torch import nn
from core.runs import load_run_config

REPOSITORY = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPOSITORY / "assets").glob("*/*/config.json"))


def test_every_model_name_is_registered():
    assert tuple(registry.MODELS) == get_args(ModelName)
    assert all(issubclass(spec.model_class, nn.Module) and spec.names for spec in registry.MODELS.values())


def test_dvae_names_are_its_encoders_names():
    """The registry reads the D-VAE's names without torch (core.models.encodings); they are the encoders'."""
    from core.models.op_encoder import ENCODERS

    assert registry.MODELS["dvae"].names == {encoding: encoder.display_name for encoding, encoder in ENCODERS.items()}


@pytest.mark.parametrize("model,encoding,name", [("dvae", "onehot", "D-VAE"), ("dvae", "learned", "DVAE-EMB"),
                                                 ("gcn", "onehot", "GCN"), ("gcn", "learned", "GCN-EMB")])
def test_display_names(model, encoding, name):
    config = ModelConfig(num_node_types=8, max_nodes=7, model=model, encoding=encoding)
    assert registry.display_name(config) == name
    assert type(registry.build_model(dataclasses.replace(config, hidden_dim=8))) is registry.MODELS[model].model_class


BEFORE_THE_FLAG = [path for path in SHIPPED if "model" not in json.loads(path.read_text())["model"]]


def _shipped_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


def test_some_shipped_runs_predate_the_model_flag():
    """The backward-compatibility check below needs old runs to read."""
    assert BEFORE_THE_FLAG


@pytest.mark.parametrize("path", BEFORE_THE_FLAG, ids=_shipped_id)
def test_runs_from_before_the_model_flag_read_as_dvae(path):
    assert load_run_config(path.parent).model.model == "dvae"


@pytest.mark.parametrize("path", SHIPPED, ids=_shipped_id)
def test_every_shipped_run_reads_with_its_model(path):
    written = json.loads(path.read_text())["model"].get("model", "dvae")
    assert load_run_config(path.parent).model.model == written


def test_an_unknown_model_in_config_json_is_named(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"space": "nbg-cora", "model": {"encoding": "onehot",
                                                                                     "model": "transformer"},
                                                      "train": {}}))
    with pytest.raises(RunFileError, match='"model.model" must be "dvae" or'):
        load_run_config(tmp_path)


def test_check_model_encoding(monkeypatch):
    registry.check_model_encoding("gcn", "learned")
    monkeypatch.setitem(registry.MODELS, "gcn", dataclasses.replace(registry.MODELS["gcn"], names={"learned": "X"}))
    with pytest.raises(OpEmbedError, match="--model gcn --encoding onehot: gcn takes --encoding learned only"):
        registry.check_model_encoding("gcn", "onehot")


def test_a_bad_model_encoding_pair_is_one_line_with_exit_status_2(monkeypatch, tmp_path, capsys):
    """A learned-only model (as dvae-att will be) asked for one-hot operations."""
    monkeypatch.setitem(registry.MODELS, "gcn", dataclasses.replace(registry.MODELS["gcn"], names={"learned": "X"}))
    code = main(["train", "--space", "nbg-cora", "--model", "gcn", "--encoding", "onehot", "--preset", "tiny",
                 "--out", str(tmp_path / "run")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == ["error: --model gcn --encoding onehot: gcn takes --encoding learned only"]
    assert not (tmp_path / "run").exists()
