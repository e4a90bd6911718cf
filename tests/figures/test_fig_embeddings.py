import numpy as np
import pytest

from core.figures import (
    embedding_heatmap,
    embedding_scatter,
    embedding_similarity,
    embedding_trajectory,
    onehot_vectors,
    op_colors,
)

NAMES = ["input", "output", "conv3", "sep3"]


def test_cosine_of_one_hot_vectors_is_the_identity():
    similarity = embedding_similarity(NAMES, onehot_vectors(NAMES), "cosine")
    np.testing.assert_allclose(similarity.to_numpy(), np.eye(4))
    assert list(similarity.index) == NAMES
    fig = embedding_heatmap(NAMES, onehot_vectors(NAMES))
    np.testing.assert_allclose(np.asarray(fig.data[0].z), np.eye(4))
    assert fig.data[0].texttemplate == "%{z:.2f}"  # annotated


def test_euclidean_distances():
    vectors = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [0.0, 0.0]])
    distance = embedding_similarity(NAMES, vectors, "euclidean")
    assert distance.loc["input", "output"] == pytest.approx(5.0)
    assert distance.loc["conv3", "conv3"] == 0.0


def test_scatter_2d_and_3d():
    vectors = np.random.default_rng(0).normal(size=(4, 5))
    fig = embedding_scatter(NAMES, vectors, dims=2)
    assert fig.data[0].type == "scatter" and list(fig.data[0].text) == NAMES
    assert list(fig.data[0].marker.color) == [op_colors(NAMES)[n] for n in NAMES]
    assert fig.layout.xaxis.title.text.startswith("PC 1")
    fig3 = embedding_scatter(NAMES, vectors, dims=3)
    assert fig3.data[0].type == "scatter3d"
    # E <= dims: coordinates are the vectors themselves
    small = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    fig_small = embedding_scatter(NAMES, small, dims=2)
    np.testing.assert_allclose(fig_small.data[0].x, small[:, 0])


def test_trajectory_has_one_line_per_operation():
    snapshots = [{"epoch": e, "vectors": (np.eye(4, 3) * e).tolist()} for e in (10, 1, 5)]
    fig = embedding_trajectory(snapshots, NAMES)
    assert [t.name for t in fig.data] == NAMES
    assert list(fig.data[0].customdata) == [1, 5, 10]  # sorted by epoch
    assert len(fig.data[2].x) == 3
