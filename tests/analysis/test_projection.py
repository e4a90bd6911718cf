import os

import numpy as np
import pandas as pd
import pytest

from core import runs
from core.errors import OpEmbedError
from core.analysis.projection import load_or_compute_projection, normalized_params, project, projection_path


def planted_line(count: int = 50, dims: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Points on a line through 16-D space; ``t`` is the position along it."""
    t = np.linspace(-1.0, 1.0, count)
    direction = np.random.default_rng(0).normal(size=dims)
    direction /= np.linalg.norm(direction)
    return t[:, None] * direction + 3.0, t


def test_pca_recovers_a_planted_line():
    points, t = planted_line()
    xy = project(points, "pca")
    assert xy.shape == (50, 2)
    assert abs(np.corrcoef(xy[:, 0], t)[0, 1]) == pytest.approx(1.0)
    np.testing.assert_allclose(xy[:, 1], 0.0, atol=1e-9)
    np.testing.assert_allclose(np.abs(xy[:, 0]), np.abs(t), atol=1e-9)  # distances kept


def test_pca_of_one_dimensional_latents_pads_with_zeros():
    xy = project(np.arange(5.0)[:, None], "pca")
    assert xy.shape == (5, 2)
    np.testing.assert_allclose(xy[:, 1], 0.0)


def test_tsne_is_seeded_and_shaped():
    points = np.random.default_rng(1).normal(size=(40, 4))
    first = project(points, "tsne", n_neighbors=5, seed=3)
    second = project(points, "tsne", n_neighbors=5, seed=3)
    assert first.shape == (40, 2)
    np.testing.assert_allclose(first, second)


def test_umap_gets_seeded_low_memory_settings(monkeypatch):
    seen = {}

    class FakeUMAP:
        def __init__(self, **kwargs):
            seen.update(kwargs)

        def fit_transform(self, x):
            return x[:, :2]

    import umap  # imported by the projection itself only when a UMAP is asked for

    monkeypatch.setattr(umap, "UMAP", FakeUMAP)
    xy = project(np.random.default_rng(0).normal(size=(10, 3)), "umap", n_neighbors=50, min_dist=0.2, seed=7)
    assert xy.shape == (10, 2)
    assert seen["random_state"] == 7 and seen["low_memory"] is True
    assert seen["n_neighbors"] == 9  # clipped to A - 1
    assert seen["min_dist"] == 0.2


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("OPEMBED_SLOW_TESTS"), reason="real UMAP compiles numba code (~30 s); set OPEMBED_SLOW_TESTS=1")
def test_real_umap_is_reproducible():
    points = np.random.default_rng(0).normal(size=(60, 8))
    np.testing.assert_allclose(project(points, "umap", seed=1), project(points, "umap", seed=1))


def test_unknown_method_is_an_error():
    with pytest.raises(OpEmbedError, match="umap, pca, tsne"):
        project(np.zeros((5, 2)), "mds")


def test_projection_path_encodes_only_relevant_params(tmp_path):
    umap_path = projection_path(tmp_path, "umap", {"n_neighbors": 30})
    assert umap_path.parent == tmp_path / "projections"
    assert umap_path.name == "umap_metric-euclidean_min_dist-0.1_n_neighbors-30_seed-0.parquet"
    assert projection_path(tmp_path, "pca", {"n_neighbors": 30, "seed": 4}).name == "pca.parquet"
    assert projection_path(tmp_path, "tsne", {}).name == "tsne_metric-euclidean_n_neighbors-15_seed-0.parquet"
    assert normalized_params("umap", {"min_dist": "0.5"})["min_dist"] == 0.5
    with pytest.raises(OpEmbedError):
        projection_path(tmp_path, "umap", {"bogus": 1})


def test_load_or_compute_caches(tmp_path, monkeypatch):
    points, _ = planted_line(20, 4)
    frame = pd.DataFrame({"key": [f"k{i}" for i in range(20)], "split": "train", "y": np.arange(20.0)})
    frame = pd.concat([frame, pd.DataFrame(points, columns=[f"mu_{i}" for i in range(4)])], axis=1)
    runs.atomic_write_parquet(tmp_path / runs.LATENTS, frame)
    messages = []
    first = load_or_compute_projection(tmp_path, "pca", progress_callback=lambda f, m: messages.append((f, m)))
    assert list(first.columns) == ["key", "x", "y"] and first["key"].tolist() == frame["key"].tolist()
    assert projection_path(tmp_path, "pca").exists()
    assert messages[0][0] == 0.0 and messages[-1][0] == 1.0

    import core.analysis.projection as projection

    monkeypatch.setattr(projection, "project", lambda *a, **k: pytest.fail("cache not used"))
    cached = load_or_compute_projection(tmp_path, "pca")
    pd.testing.assert_frame_equal(first, cached)
