"""Runs of every model other than D-VAE go through every command unchanged: train
(``--model``), evaluate (with --constrained), project, smoothness, bo (both modes: latent pool
and decoded latent points) and export, labelled by the model's name.

nbg-cora cut to 112 architectures (every command reads the space through
``NasBenchGraphSpace.load``, patched here), the tiny preset, one thread.
"""

from __future__ import annotations

import json

import pytest

from core import runs
from core.__main__ import main
from core.spaces.nas_bench_graph import NasBenchGraphSpace
from tests.tiny_tables import small_nbg_table

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def small_cora(monkeypatch):
    _, table = small_nbg_table(96, 16)
    monkeypatch.setattr(NasBenchGraphSpace, "load", lambda self, data_dir=None: table)
    return table


def _ok(argv: list[str], capsys) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, None), captured.err
    return captured.out


@pytest.mark.parametrize("model,encoding,name,model_class", [("gcn", "learned", "GCN-EMB", "GCNDVAE"),
                                                              ("svae", "onehot", "S-VAE", "SVAE"),
                                                              ("graphrnn", "learned", "GraphRNN-EMB", "GraphRNN"),
                                                              ("dvae-att", "learned", "DVAE-EMB-ATT", "DVAEAtt"),
                                                              ("deepgmg", "onehot", "DeepGMG", "DeepGMG")])
def test_a_run_goes_through_every_command(small_cora, tmp_path, capsys, model, encoding, name, model_class):
    run = tmp_path / f"cora-{model}-{encoding}"
    _ok(["train", "--space", "nbg-cora", "--model", model, "--encoding", encoding, "--preset", "tiny",
         "--monitor-graphs", "16", "--monitor-prior-points", "16", "--no-progress", "--out", str(run)], capsys)
    config = json.loads((run / runs.CONFIG).read_text())
    assert config["model"]["model"] == model and config["model"]["encoding"] == encoding
    trained, _ = runs.load_model(run)
    assert type(trained).__name__ == model_class

    _ok(["evaluate", str(run), "--constrained", "--no-progress", "--encode-times", "2", "--decode-times", "2", "--prior-points", "20",
         "--gp-seeds", "1", "--gp-epochs", "1"], capsys)
    metrics = runs.load_metrics(run)
    assert {"recon_accuracy", "validity", "rmse", "pearson", "constrained_validity"} <= set(metrics), metrics
    _ok(["project", str(run), "--method", "pca"], capsys)
    _ok(["smoothness", str(run)], capsys)
    for mode in ("pool", "decode"):
        _ok(["bo", str(run), "--method", "dvae", "--mode", mode, "--rounds", "1", "--batch-size", "2", "--seeds", "1",
             "--init", "8", "--quiet", "--device", "cpu", "--no-resume", "--decode-attempts", "2"], capsys)
    assert list((run / runs.BO_DIR).glob("dvae-seed0*.json"))
    _ok(["bo-summary", str(run), "--figure", str(tmp_path / "regret.html")], capsys)
    assert "Bayesian optimisation on nbg-cora: regret" in (tmp_path / "regret.html").read_text()
    _ok(["export", str(run), "--format", "html", "--projection", "pca", "--out", str(tmp_path / "figures")], capsys)
    exported = {path.stem for path in (tmp_path / "figures").iterdir()}
    assert {"latent_pca", "training_curves"} <= exported
    latent = (tmp_path / "figures" / "latent_pca.csv").read_text()
    assert f",{name}\n" in latent  # labelled by the model's name
