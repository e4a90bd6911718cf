import io
import zipfile

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import torch

import core.reports.export as export
from core import runs
from core.config import ModelConfig, TrainConfig, to_dict
from core.errors import OpEmbedError
from core.reports.export import build_all_figures, export_runs, export_zip, figure_bytes
from core.models.dvae import DVAE
from core.runs import SpaceTables
from core.spaces.base import ArchitectureTable
from core.spaces.enas import EnasSpace

SPACE = EnasSpace(3)  # 8 node types, 5 nodes


def tiny_table(count: int = 40) -> ArchitectureTable:
    rng = np.random.default_rng(0)
    flats = np.stack([
        np.concatenate([np.concatenate([[rng.integers(6)], rng.integers(2, size=i)]) for i in range(3)])
        for _ in range(count)
    ])
    op_ids, adjacency = SPACE._dense_from_flat(flats)
    keys = [SPACE.key(op_ids[i], adjacency[i], 5) for i in range(count)]
    return ArchitectureTable(keys, op_ids, adjacency, np.full(count, 5), rng.uniform(0.6, 0.8, count), None,
                             np.array(["train"] * (count - 5) + ["test"] * 5))


def make_run(path, encoding: str, table: ArchitectureTable, seed: int):
    config = ModelConfig(num_node_types=8, max_nodes=5, hidden_dim=16, latent_dim=4, encoding=encoding)
    torch.manual_seed(seed)
    model = DVAE(config)
    runs.atomic_write_json(path / runs.CONFIG, {"space": "enas3", "model": to_dict(config),
                                                "train": to_dict(TrainConfig(epochs=2)),
                                                "node_types": SPACE.node_type_names})
    runs.atomic_torch_save(path / runs.MODEL, {"state_dict": model.state_dict(), "model_config": to_dict(config),
                                               "space": "enas3", "epoch": 2})
    runs.atomic_write_csv(path / runs.HISTORY, pd.DataFrame(
        {"epoch": [1, 2], "loss": [5.0, 4.0], "type_nll": [2.0, 1.5], "edge_bce": [3.0, 2.5], "kld": [1.0, 2.0],
         "lr": [1e-3, 1e-3], "seconds": [0.1, 0.1]}))
    runs.atomic_write_json(path / runs.METRICS, {"recon_accuracy": 0.5, "rmse": 0.9, "rmse_std": 0.1})
    if encoding == "learned":
        runs.atomic_write_json(path / runs.EMBEDDINGS, {"node_types": SPACE.node_type_names, "snapshots": [
            {"epoch": e, "vectors": np.random.default_rng(e).normal(size=(8, 3)).tolist()} for e in (1, 2)]})
    mu = np.random.default_rng(seed).normal(size=(len(table), 4))
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y})
    frame = pd.concat([frame, pd.DataFrame(mu, columns=[f"mu_{i}" for i in range(4)])], axis=1)
    runs.atomic_write_parquet(path / runs.LATENTS, frame)
    (path / runs.BO_DIR).mkdir()
    for bo_seed, values in ((0, [0.7, 0.75]), (1, [0.72, 0.74])):  # the files `python -m core bo` writes
        runs.atomic_write_json(path / runs.BO_DIR / f"dvae-seed{bo_seed}.json", {
            "method": "dvae", "seed": bo_seed,
            "rounds": [{"values": values, "status": ["new", "new"]}]})
    return path


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    table = tiny_table()
    monkeypatch.setattr(SpaceTables, "load", lambda self, name, run_dirs=(), node_order="stored": table)
    dirs = []
    for name, encoding, seed in (("onehot", "onehot", 0), ("learned", "learned", 1)):
        (tmp_path / name).mkdir()
        dirs.append(make_run(tmp_path / name, encoding, table, seed))
    return dirs


def test_build_all_figures(two_runs):
    figures = build_all_figures(two_runs, projections=("pca",))
    expected = {
        "training_curves", "metrics_table", "latent_pca", "embedding_heatmap_onehot", "embedding_heatmap_learned",
        "embedding_scatter_learned", "embedding_trajectory_learned", "smoothness_edit_distance",
        "smoothness_accuracy_gap", "knn_spread", "property_correlation_enas3", "top_architectures_enas3",
        "property_latent_r2", "interpolation_onehot", "great_circle_learned", "bo_best_so_far", "bo_regret",
    }
    assert expected <= set(figures)
    for name, (fig, data) in figures.items():
        assert isinstance(fig, go.Figure), name
        assert isinstance(data, pd.DataFrame) and len(data), name
    assert set(figures["latent_pca"][1]["run"]) == {"D-VAE", "DVAE-EMB"}  # labelled as the pages label runs
    np.testing.assert_allclose(figures["embedding_heatmap_onehot"][0].data[0].z, np.eye(8))
    assert len(figures["interpolation_learned"][1]) == 8  # the Smoothness page's default steps


def small_set(*args, **kwargs):
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    return {"bars": (fig, pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})), "more": (fig, pd.DataFrame({"z": [0]}))}


def test_export_runs_writes_figures_and_csvs(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "build_all_figures", small_set)
    written = export_runs([tmp_path], "html", tmp_path / "out")
    assert sorted(p.name for p in written) == ["bars.csv", "bars.html", "more.csv", "more.html", "plotly.min.js"]
    assert 'src="plotly.min.js"' in (tmp_path / "out" / "bars.html").read_text()
    assert pd.read_csv(tmp_path / "out" / "bars.csv")["y"].tolist() == [1, 2]


def test_export_zip_renders_every_format(chromium, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "build_all_figures", small_set)
    archive = zipfile.ZipFile(io.BytesIO(export_zip([tmp_path], ["pdf", "html"])))
    assert sorted(archive.namelist()) == ["data/bars.csv", "data/more.csv", "figures/bars.html", "figures/bars.pdf",
                                          "figures/more.html", "figures/more.pdf", "figures/plotly.min.js"]
    assert archive.read("figures/bars.pdf")[:4] == b"%PDF"


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for every static-export test of this module (a start costs ~3 s);
    skips them where Chromium is not installed (`make test` installs it when it can)."""
    if export.chromium_path() is None:
        pytest.skip("Chromium not installed: static export cannot be tested")
    with export.kaleido_session():
        yield


def test_figure_bytes_static_formats(chromium):
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    assert figure_bytes(fig, "png")[:4] == b"\x89PNG"
    assert figure_bytes(fig, "pdf")[:4] == b"%PDF"
    assert b"<svg" in figure_bytes(fig, "svg")[:200]
    html = figure_bytes(fig, "html")
    assert b"<html>" in html[:100] and len(html) > 1_000_000  # plotly.js embedded


def test_missing_chromium_and_bad_format(monkeypatch):
    fig = go.Figure()
    with pytest.raises(OpEmbedError, match="bmp"):
        figure_bytes(fig, "bmp")
    monkeypatch.setattr(export, "chromium_path", lambda: None)
    with pytest.raises(OpEmbedError, match="apt-get install chromium"):
        figure_bytes(fig, "png")
