"""``python -m core relabel``: a run under another space with the same architectures.

Two small NAS-Bench-Graph spaces stand in for nbg-cora and nbg-citeseer: the same 112
architectures (``NasBenchGraphSpace.load`` patched), different accuracies.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core import runs
from core.__main__ import main
from core.spaces.nas_bench_graph import NasBenchGraphSpace
from tests.tiny_tables import small_nbg_table

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def two_datasets(monkeypatch):
    """``{space name: table}``: cora's small table, and citeseer's: the same architectures
    with citeseer's accuracies (the bench's, which BO's oracle looks up)."""
    _, cora = small_nbg_table(96, 16)
    full = NasBenchGraphSpace("citeseer").load()
    rows = full.first_rows()
    citeseer = full.subset(np.array([rows[key] for key in cora.keys]))
    tables = {"nbg-cora": cora, "nbg-citeseer": citeseer}
    monkeypatch.setattr(NasBenchGraphSpace, "load", lambda self, data_dir=None: tables[self.name])
    return tables


def _train(run, space, capsys, *extra):
    code = main(["train", "--space", space, "--preset", "tiny", "--encoding", "learned", "--split", "all",
                 "--monitor-graphs", "16", "--monitor-prior-points", "16", "--no-progress", "--out", str(run), *extra])
    assert code in (0, None), capsys.readouterr().err


def test_training_on_either_dataset_gives_the_same_model(two_datasets, tmp_path, capsys):
    """Why relabelling is sound: the VAE never reads the accuracies, so the same
    architectures give the same weights and latents whichever dataset's labels they carry."""
    _train(tmp_path / "cora", "nbg-cora", capsys)
    _train(tmp_path / "citeseer", "nbg-citeseer", capsys)
    cora, _ = runs.load_model(tmp_path / "cora")
    citeseer, _ = runs.load_model(tmp_path / "citeseer")
    for (name, a), (_, b) in zip(cora.state_dict().items(), citeseer.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), name
    mu = [runs.latent_matrix(runs.read_latents(tmp_path / r)) for r in ("cora", "citeseer")]
    assert np.array_equal(mu[0], mu[1])


def test_relabel_copies_the_model_and_takes_the_new_labels(two_datasets, tmp_path, capsys):
    source, out = tmp_path / "cora", tmp_path / "citeseer"
    _train(source, "nbg-cora", capsys)
    assert main(["evaluate", str(source), "--no-progress", "--encode-times", "2", "--decode-times", "2",
                 "--prior-points", "20", "--gp-seeds", "1", "--gp-epochs", "1"]) in (0, None)
    capsys.readouterr()
    assert main(["relabel", str(source), "--space", "nbg-citeseer", "--out", str(out)]) in (0, None)

    config = json.loads((out / runs.CONFIG).read_text())
    assert config["space"] == "nbg-citeseer"
    assert config["relabelled_from"] == {"run": str(source), "space": "nbg-cora"}
    assert runs.load_run_config(out).model == runs.load_run_config(source).model
    for name in (runs.MODEL, runs.HISTORY, runs.EMBEDDINGS):
        assert (out / name).read_bytes() == (source / name).read_bytes(), name
    old, new = runs.read_latents(source), runs.read_latents(out)
    assert np.array_equal(runs.latent_matrix(old), runs.latent_matrix(new))
    assert list(new["split"]) == list(old["split"])
    citeseer = two_datasets["nbg-citeseer"]
    assert np.array_equal(new["y"].to_numpy(), citeseer.y) and np.array_equal(new["y_test"].to_numpy(), citeseer.y_test)
    assert not np.array_equal(new["y"].to_numpy(), old["y"].to_numpy())

    metrics, source_metrics = runs.load_metrics(out), runs.load_metrics(source)
    assert metrics["recon_accuracy"] == source_metrics["recon_accuracy"] and metrics["validity"] == source_metrics["validity"]
    assert "rmse" in source_metrics and "rmse" not in metrics  # the GP figures depend on the labels

    # BO on the copy searches the new labels
    assert main(["bo", str(out), "--method", "dvae", "--rounds", "1", "--batch-size", "2", "--seeds", "1", "--init", "8",
                 "--quiet", "--device", "cpu", "--no-resume"]) in (0, None)
    result = json.loads(next((out / runs.BO_DIR).glob("dvae-seed0*.json")).read_text())
    assert result["problem"]["space"] == "nbg-citeseer" and result["problem"]["space_best"] == citeseer.y.max()
    found = [v for r in result["rounds"] for v in r["values"] if v is not None]
    by_key = dict(zip(citeseer.keys, citeseer.y))
    keys = [k for r in result["rounds"] for k in r["keys"]]
    assert found and all(by_key[k] == v for k, v in zip(keys, found))


def test_relabel_refuses_a_space_of_other_architectures(two_datasets, tmp_path, capsys):
    source, out = tmp_path / "cora", tmp_path / "other"
    _train(source, "nbg-cora", capsys)
    cora = two_datasets["nbg-cora"]
    two_datasets["nbg-citeseer"] = cora.subset(np.arange(len(cora) - 1))
    code = main(["relabel", str(source), "--space", "nbg-citeseer", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "differ in their architectures" in err and "Traceback" not in err
    assert not out.exists()


def test_relabel_refuses_an_out_folder_with_run_files(two_datasets, tmp_path, capsys):
    source = tmp_path / "cora"
    _train(source, "nbg-cora", capsys)
    before = {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
    code = main(["relabel", str(source), "--space", "nbg-citeseer", "--out", str(source)])
    err = capsys.readouterr().err
    assert code == 2 and "already holds run files" in err
    assert {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()} == before
    assert pd.read_parquet(source / runs.LATENTS)["y"].tolist() == list(two_datasets["nbg-cora"].y)
