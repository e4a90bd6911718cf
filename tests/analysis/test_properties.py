import networkx as nx
import numpy as np
import pytest

from core.analysis.properties import architecture_properties, property_correlations, property_latent_fit
from core.spaces.base import ArchitectureTable, SearchSpace


class ThreeOps(SearchSpace):
    name = "three"
    op_names = ["a", "b", "c"]
    max_nodes = 6


def table_of(graphs, y=None) -> ArchitectureTable:
    """``graphs``: (op_ids, edges, num_nodes); padded to 6 nodes."""
    count = len(graphs)
    op_ids = np.full((count, 6), -1, dtype=np.int64)
    adjacency = np.zeros((count, 6, 6), dtype=np.uint8)
    num_nodes = np.zeros(count, dtype=np.int64)
    for row, (ops, edges, n) in enumerate(graphs):
        op_ids[row, :n] = ops
        for i, j in edges:
            adjacency[row, i, j] = 1
        num_nodes[row] = n
    y = np.arange(count, dtype=float) if y is None else np.asarray(y, dtype=float)
    return ArchitectureTable([f"g{i}" for i in range(count)], op_ids, adjacency, num_nodes, y, None,
                             np.array(["train"] * count))


CHAIN = ([0, 2, 3, 4, 2, 1], [(i, i + 1) for i in range(5)], 6)
DIAMOND = ([0, 2, 3, 1], [(0, 1), (0, 2), (1, 3), (2, 3)], 4)  # shorter graph, padded
DENSE = ([0, 2, 2, 3, 1], [(i, j) for i in range(5) for j in range(i + 1, 5)], 5)


def test_chain_properties():
    props = architecture_properties(ThreeOps(), table_of([CHAIN]))
    row = props.iloc[0]
    assert row["depth"] == 5
    assert row["num_edges"] == 5 and row["num_skip_edges"] == 0
    assert (row["count_a"], row["count_b"], row["count_c"]) == (2, 1, 1)
    assert row["clustering"] == 0.0
    assert row["max_in_degree"] == 1
    assert row["density"] == pytest.approx(5 / 15)
    # path graph on 6 nodes: mean distance over ordered pairs = 70 / 30
    assert row["avg_shortest_path"] == pytest.approx(70 / 30)
    assert "y_test" not in props.columns


def test_padding_is_ignored_and_skips_counted():
    props = architecture_properties(ThreeOps(), table_of([DIAMOND, DENSE]))
    diamond, dense = props.iloc[0], props.iloc[1]
    assert diamond["depth"] == 2 and diamond["num_skip_edges"] == 2  # 0->2 and 1->3
    assert diamond["count_a"] == 1 and diamond["max_in_degree"] == 2
    assert dense["depth"] == 4 and dense["clustering"] == pytest.approx(1.0)
    assert dense["density"] == pytest.approx(1.0) and dense["avg_shortest_path"] == pytest.approx(1.0)


def test_matches_networkx_on_random_dags():
    rng = np.random.default_rng(0)
    graphs = []
    for _ in range(30):
        n = int(rng.integers(3, 7))
        edges = [(i, i + 1) for i in range(n - 1)] + [(i, j) for i in range(n) for j in range(i + 2, n) if rng.random() < 0.4]
        ops = [0, *rng.integers(2, 5, n - 2).tolist(), 1]
        graphs.append((ops, edges, n))
    props = architecture_properties(ThreeOps(), table_of(graphs))
    for row, (_, edges, n) in enumerate(graphs):
        graph = nx.DiGraph(edges)
        undirected = graph.to_undirected()
        assert props["depth"][row] == nx.dag_longest_path_length(graph)
        assert props["clustering"][row] == pytest.approx(nx.average_clustering(undirected))
        assert props["avg_shortest_path"][row] == pytest.approx(nx.average_shortest_path_length(undirected))


def test_correlations():
    graphs = [CHAIN, DIAMOND, DENSE, CHAIN]
    props = architecture_properties(ThreeOps(), table_of(graphs, y=[1.0, 2.0, 3.0, 1.0]))
    corr = property_correlations(props).set_index("property")
    assert list(corr.columns) == ["pearson_r", "p_value"]
    expected = np.corrcoef(props["num_edges"], props["y"])[0, 1]
    assert corr.loc["num_edges", "pearson_r"] == pytest.approx(expected)
    assert "key" not in corr.index and "y" not in corr.index


def test_constant_property_has_nan_correlation():
    props = architecture_properties(ThreeOps(), table_of([CHAIN, CHAIN, CHAIN], y=[1.0, 2.0, 3.0]))
    corr = property_correlations(props).set_index("property")
    assert np.isnan(corr.loc["depth", "pearson_r"])


def test_latent_fit_finds_an_encoded_property():
    rng = np.random.default_rng(0)
    graphs = [CHAIN, DIAMOND, DENSE] * 10
    props = architecture_properties(ThreeOps(), table_of(graphs))
    import pandas as pd

    latents = pd.DataFrame({"key": props["key"], "mu_0": props["num_edges"] + 0.01 * rng.normal(size=30),
                            "mu_1": rng.normal(size=30)})
    fit = property_latent_fit(props, latents).set_index("property")
    assert fit.loc["num_edges", "r2"] > 0.99
