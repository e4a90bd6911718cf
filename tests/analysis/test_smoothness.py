import numpy as np
import pandas as pd
import pytest
import torch

from core import runs
from core.config import ModelConfig
from core.models.dvae import DVAE, DecodedGraphs
from core.analysis.smoothness import (
    aligned_edit_distance,
    great_circle,
    interpolate,
    nearest_neighbour_index,
    smoothness_metrics,
    smoothness_pairs,
    write_smoothness,
)
from core.spaces.base import ArchitectureTable
from core.spaces.enas import EnasSpace


def enas_table(count: int, layers: int = 3, seed: int = 0, y=None) -> ArchitectureTable:
    """Random ENAS cells (distinct keys not required for these tests)."""
    space = EnasSpace(layers)
    rng = np.random.default_rng(seed)
    flats = np.stack([  # per layer i: op id, then i skip bits
        np.concatenate([np.concatenate([[rng.integers(6)], rng.integers(2, size=i)]) for i in range(layers)])
        for _ in range(count)
    ])
    op_ids, adjacency = space._dense_from_flat(flats)
    y = np.arange(count, dtype=float) if y is None else np.asarray(y, dtype=float)
    return ArchitectureTable([f"a{i}" for i in range(count)], op_ids, adjacency,
                             np.full(count, space.max_nodes, dtype=np.int64), y, None, np.array(["train"] * count))


def latents_of(table: ArchitectureTable, mu: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y})
    return pd.concat([frame, pd.DataFrame(mu, columns=[f"mu_{i}" for i in range(mu.shape[1])])], axis=1)


def test_aligned_edit_distance_of_hand_made_graphs_is_three():
    # a: 0 -> conv3 -> sep3 -> out; b: same chain with conv5 in the middle and an extra skip 0 -> 2
    ops_a = np.array([0, 2, 3, 1])
    ops_b = np.array([0, 4, 3, 1])
    adj_a = np.zeros((4, 4), dtype=np.uint8)
    adj_a[[0, 1, 2], [1, 2, 3]] = 1
    adj_b = adj_a.copy()
    adj_b[0, 2] = 1  # +1 edge
    adj_b[1, 3] = 1  # +1 edge
    distance = aligned_edit_distance(ops_a[None], adj_a[None], np.array([4]), ops_b[None], adj_b[None], np.array([4]))
    assert distance.tolist() == [3]


def test_aligned_edit_distance_counts_inserted_nodes_and_ignores_padding_junk():
    ops_short = np.array([0, 2, 1, 7])  # 3 real nodes, junk after
    adj_short = np.zeros((4, 4), dtype=np.uint8)
    adj_short[[0, 1], [1, 2]] = 1
    adj_short[2, 3] = 1  # junk edge to a padding position
    ops_long = np.array([0, 2, 3, 1])
    adj_long = np.zeros((4, 4), dtype=np.uint8)
    adj_long[[0, 1, 2], [1, 2, 3]] = 1
    # node 2: output vs sep3 (1), node 3: absent vs output (1), edge 2->3 (1)
    d = aligned_edit_distance(ops_short[None], adj_short[None], np.array([3]), ops_long[None], adj_long[None], np.array([4]))
    assert d.tolist() == [3]
    same = aligned_edit_distance(ops_long[None], adj_long[None], [4], ops_long[None], adj_long[None], [4])
    assert same.tolist() == [0]


def test_knn_spread_of_a_planted_line():
    table = enas_table(100)
    mu = np.arange(100, dtype=float)[:, None] * np.array([[1.0, 0.0]])  # y = position on the line
    metrics = smoothness_metrics(EnasSpace(3), table, latents_of(table, mu), num_pairs=500, k=2, seed=0)
    # neighbours of an inner point are +-1 away in y; the two ends have neighbours 1 and 2 away
    assert metrics["knn_accuracy_spread"] == pytest.approx((98 * 1 + 2 * 1.5) / 100)
    assert metrics["random_accuracy_spread"] > 20  # random pairs on 0..99 are ~33 apart
    assert metrics["pearson_y"] == pytest.approx(1.0)  # latent distance == |dy| on the line
    assert metrics["spearman_y"] == pytest.approx(1.0)
    assert metrics["k"] == 2 and metrics["num_architectures"] == 100


def test_neighbours_never_include_self_even_with_duplicates():
    points = np.zeros((5, 2))  # all tied
    index = nearest_neighbour_index(points, 3)
    assert index.shape == (5, 3)
    assert not np.any(index == np.arange(5)[:, None])


def test_pairs_frame():
    table = enas_table(30, seed=1)
    pairs = smoothness_pairs(EnasSpace(3), table, latents_of(table, np.random.default_rng(0).normal(size=(30, 3))),
                             num_pairs=200, seed=2)
    assert list(pairs.columns) == ["key_a", "key_b", "latent_distance", "edit_distance", "abs_delta_y"]
    assert len(pairs) == 200 and (pairs["key_a"] != pairs["key_b"]).all()
    rows_a = pairs["key_a"].str[1:].astype(int).to_numpy()
    rows_b = pairs["key_b"].str[1:].astype(int).to_numpy()
    expected = aligned_edit_distance(table.op_ids[rows_a], table.adjacency[rows_a], table.num_nodes[rows_a],
                                     table.op_ids[rows_b], table.adjacency[rows_b], table.num_nodes[rows_b])
    np.testing.assert_array_equal(pairs["edit_distance"], expected)
    np.testing.assert_allclose(pairs["abs_delta_y"], np.abs(rows_a - rows_b))


def test_write_smoothness(tmp_path):
    table = enas_table(40, seed=3)
    runs.atomic_write_parquet(tmp_path / runs.LATENTS, latents_of(table, np.random.default_rng(1).normal(size=(40, 2))))
    result = write_smoothness(tmp_path, EnasSpace(3), table, num_pairs=100, k=3)
    saved = runs.read_json(tmp_path / runs.SMOOTHNESS)
    assert saved["config"]["num_pairs"] == 100 and saved["config"]["k"] == 3
    assert saved["knn_accuracy_spread"] == pytest.approx(result["knn_accuracy_spread"])


@pytest.fixture
def tiny_model() -> DVAE:
    torch.manual_seed(0)
    return DVAE(ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=16, latent_dim=4)).eval()


def test_interpolation_ends_are_the_endpoint_decodes(tiny_model):
    start, end = np.zeros(4), np.ones(4)
    graphs = interpolate(tiny_model, start, end, steps=5)
    assert isinstance(graphs, DecodedGraphs) and len(graphs) == 5
    ends = tiny_model.decode(torch.tensor(np.stack([start, end]), dtype=torch.float32), stochastic=False)
    np.testing.assert_array_equal(graphs.op_ids[[0, -1]], ends.op_ids)
    np.testing.assert_array_equal(graphs.adjacency[[0, -1]], ends.adjacency)


def test_great_circle_points_lie_on_the_circle(tiny_model):
    centre = np.array([0.5, -0.5, 1.0, 0.0])
    z, graphs = great_circle(tiny_model, centre, radius=2.0, steps=12, seed=4)
    assert z.shape == (12, 4) and len(graphs) == 12
    np.testing.assert_allclose(np.linalg.norm(z - centre, axis=1), 2.0)
    # points a half-turn apart are mirror images through the centre
    np.testing.assert_allclose(z[0] + z[6], 2 * centre, atol=1e-12)
    # the circle spans exactly a 2-D plane
    assert np.linalg.matrix_rank(z - centre, tol=1e-9) == 2
    z_again, _ = great_circle(tiny_model, centre, radius=2.0, steps=12, seed=4)
    np.testing.assert_allclose(z, z_again)
