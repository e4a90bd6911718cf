"""The bn-asia space: keys, validity, the offline dataset, D-VAE's file, a training step."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core import runs
from core.bn.random_dags import random_dags, smallest_first_order
from core.config import ModelConfig, TrainConfig
from core.errors import DataFileError
from core.spaces import Graph, get_space, graphs_of
from core.spaces import bn_asia as bn_asia_module
from core.spaces import bn_asia_data
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.bn_asia import BnAsiaSpace
from core.spaces.bn_asia_data import RandomNetworks, asia_scorer, random_network_table
from core.spaces.bn_format import dvae_arrays, keys_of
from core.training.train import train_run

SMALL = RandomNetworks(num_networks=300, seed=3)


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    """Each test builds its tables in its own cache folder, with no table in memory."""
    monkeypatch.setenv("OPEMBED_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(bn_asia_data, "_TABLES", {})


@pytest.fixture
def space() -> BnAsiaSpace:
    return get_space("bn-asia")


def network_lines(networks: np.ndarray, orders: np.ndarray, scores) -> str:
    """D-VAE's file lines: node i is [its variable, a bit per earlier node]."""
    lines = []
    for network, order, score in zip(networks, orders, scores):
        nodes = [[int(order[i])] + [int(network[order[j], order[i]]) for j in range(i)] for i in range(len(order))]
        lines.append(f"{json.dumps(nodes)}, {score}\n")
    return "".join(lines)


def largest_first_order(network: np.ndarray) -> np.ndarray:
    """Another topological order: the largest ready variable first (relabel, then map back)."""
    flipped = network[::-1, ::-1]  # variable v becomes 7 - v
    return 7 - smallest_first_order(flipped[None])[0]


# ---------------------------------------------------------------- keys and validity
def test_two_node_orders_of_one_network_share_a_key_and_a_score(space):
    networks = random_dags(20, 8, 0.3, np.random.default_rng(5))
    for network in networks:
        orders = np.stack([smallest_first_order(network[None])[0], largest_first_order(network)])
        op_ids, adjacency = dvae_arrays(np.stack([network, network]), orders)
        if np.array_equal(orders[0], orders[1]):
            continue
        assert not np.array_equal(op_ids[0], op_ids[1])
        scores = space.score([Graph(op_ids[i], adjacency[i], 10) for i in range(2)])
        assert scores.valid.all() and scores.keys[0] == scores.keys[1] == keys_of(network[None])[0]
        assert scores.objective[0] == scores.objective[1] == pytest.approx(asia_scorer().network(network))


def test_the_key_is_the_variable_adjacency_in_fixed_order(space):
    network = np.zeros((8, 8), dtype=np.uint8)
    network[0, 2] = network[1, 3] = 1  # asia -> tub, smoke -> lung
    # nodes 1..8: smoke, lung, asia, tub, bronc, either, xray, dysp
    op_ids, adjacency = dvae_arrays(network[None], np.array([[1, 3, 0, 2, 4, 5, 6, 7]]))
    bits = ["0"] * 64
    bits[0 * 8 + 2] = bits[1 * 8 + 3] = "1"  # row the parent, column the child
    assert space.key(op_ids[0], adjacency[0], 10) == " ".join(bits)
    assert adjacency[0, 2, 1] == 0 and adjacency[0, 1, 2] == 1 and adjacency[0, 3, 4] == 1
    assert adjacency[0, 0].tolist() == [0, 1, 0, 1, 0, 1, 1, 1, 1, 0]  # all but lung and tub hang from the input
    assert adjacency[0, :, 9].tolist() == [0, 0, 1, 0, 1, 1, 1, 1, 1, 0]  # all but smoke and asia feed the output


def valid_graph() -> Graph:
    network = random_dags(1, 8, 0.3, np.random.default_rng(11))
    op_ids, adjacency = dvae_arrays(network, smallest_first_order(network))
    return Graph(op_ids[0], adjacency[0], 10)


def broken(kind: str) -> Graph:
    graph = valid_graph()
    op_ids, adjacency, num_nodes = graph.op_ids.copy(), graph.adjacency.copy(), 10
    if kind == "repeated variable":
        op_ids[4] = op_ids[3]
    elif kind == "missing variable":  # nine nodes: one variable left out
        op_ids = np.concatenate([op_ids[:8], [END_TYPE], [-1]])
        adjacency[:, 8] = 0
        adjacency[8, 9] = 0
        num_nodes = 9
    elif kind == "second input":
        op_ids[5] = START_TYPE
    elif kind == "early output":
        op_ids[5] = END_TYPE
    elif kind == "backward edge":
        adjacency[6, 2] = 1
    return Graph(op_ids, adjacency, num_nodes)


@pytest.mark.parametrize("kind", ["repeated variable", "missing variable", "second input", "early output",
                                  "backward edge"])
def test_invalid_graphs_get_no_key_and_are_never_scored(space, kind, monkeypatch):
    scored = []
    scorer = asia_scorer()

    class Spy:
        def networks(self, networks):
            scored.append(len(networks))
            return scorer.networks(networks)

    monkeypatch.setattr(bn_asia_module, "asia_scorer", Spy)
    graph = broken(kind)
    assert not space.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes)
    scores = space.score([graph, valid_graph()])
    assert scores.valid.tolist() == [False, True] and scores.keys[0] is None and np.isnan(scores.objective[0])
    assert scored == [1]  # only the valid graph reached the oracle


def test_an_unconnected_network_is_valid(space):
    op_ids, adjacency = dvae_arrays(np.zeros((1, 8, 8)), np.arange(8)[None])
    assert space.is_valid(op_ids[0], adjacency[0], 10)
    assert space.lookup(space.key(op_ids[0], adjacency[0], 10))[0] == pytest.approx(asia_scorer().network(np.zeros((8, 8))))
    assert space.lookup("0 1") is None


# ---------------------------------------------------------------- the offline dataset
def test_offline_table_is_deterministic_for_a_seed(tmp_path, monkeypatch):
    table = random_network_table(SMALL)
    monkeypatch.setenv("OPEMBED_CACHE_DIR", str(tmp_path / "other-cache"))  # built again from scratch
    monkeypatch.setattr(bn_asia_data, "_TABLES", {})
    again = random_network_table(SMALL)
    assert again.keys == table.keys
    for name in ("op_ids", "adjacency", "y", "split"):
        np.testing.assert_array_equal(getattr(again, name), getattr(table, name))
    other = random_network_table(RandomNetworks(num_networks=300, seed=4))
    assert other.keys != table.keys


def test_offline_table_holds_distinct_valid_networks_scored_and_split(space):
    table = random_network_table(SMALL)
    assert len(table) == 300 and len(set(table.keys)) == 300 and table.y_test is None
    assert (table.split == "train").sum() == 270 and (table.split == "test").sum() == 30
    scores = space.score(graphs_of(table))
    assert scores.valid.all() and scores.keys == table.keys
    np.testing.assert_allclose(scores.objective, table.y)
    with pytest.raises(ValueError):
        table.y[0] = 0.0  # read-only


def test_offline_table_is_cached_and_a_broken_cache_is_rebuilt(tmp_path, monkeypatch):
    table = random_network_table(SMALL)
    cached = list((tmp_path / "cache" / "bn_asia").glob("*.npz"))
    assert len(cached) == 1
    monkeypatch.setattr(bn_asia_data, "_TABLES", {})
    monkeypatch.setattr(bn_asia_data, "distinct_random_networks", lambda config: pytest.fail("rebuilt"))
    assert random_network_table(SMALL).keys == table.keys  # read from the cache file
    cached[0].write_bytes(b"not a zip file")
    monkeypatch.undo()
    monkeypatch.setenv("OPEMBED_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(bn_asia_data, "_TABLES", {})
    assert random_network_table(SMALL).keys == table.keys


# ---------------------------------------------------------------- D-VAE's file
def test_the_file_is_loaded_rescored_and_its_scores_kept_beside(space, tmp_path):
    networks = random_dags(40, 8, 0.3, np.random.default_rng(8))
    orders = np.stack([largest_first_order(network) for network in networks])
    file_scores = -10000.0 - np.arange(40)
    (tmp_path / "asia_200k.txt").write_text(network_lines(networks, orders, file_scores))
    table = space.load(tmp_path)
    assert len(table) == 40 and (table.split == "train").sum() == 36
    for row in range(40):  # the rows are shuffled: the file's score names each row's line
        original = int(-10000.0 - table.y_test[row])
        assert table.keys[row] == keys_of(networks[original][None])[0]
        assert table.y[row] == pytest.approx(asia_scorer().network(networks[original]))
        np.testing.assert_array_equal(table.op_ids[row, 1:9], orders[original] + 2)  # the file's node order kept


@pytest.mark.parametrize("line, problem", [
    ('[[0], [1, 1], [2, 0, 0]], -100.0', "3 nodes, expected 8"),
    ('[[0], [1, 1], [1, 0, 0], [3, 0, 0, 0], [4, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0], '
     '[7, 0, 0, 0, 0, 0, 0, 0]], -100.0', "variable 1 appears twice"),
    ('[[0], [1, 2], [2, 0, 0], [3, 0, 0, 0], [4, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0], '
     '[7, 0, 0, 0, 0, 0, 0, 0]], -100.0', "parent bit 2"),
    ('[[0], [1, 1], [2, 0, 0], [3, 0, 0, 0], [4, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0], '
     '[8, 0, 0, 0, 0, 0, 0, 0]], -100.0', "variable 8"),
    ('[[0], [1, 1], [2, 0, 0], [3, 0, 0, 0], [4, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0], '
     '[7, 0, 0, 0, 0, 0, 0, 0]], "high"', "is not a finite number"),
    ("not a network", "not a list of nodes followed by a BIC"),
])
def test_a_malformed_line_is_named(space, tmp_path, line, problem):
    networks = random_dags(3, 8, 0.3, np.random.default_rng(0))
    good = network_lines(networks, smallest_first_order(networks), [-1.0, -2.0, -3.0])
    path = tmp_path / "asia_200k.txt"
    path.write_text(good + line + "\n")
    with pytest.raises(DataFileError) as error:
        space.load(tmp_path)
    first_line = str(error.value).splitlines()[0]
    assert first_line.startswith(f"{path}:4: ") and problem in first_line


# ---------------------------------------------------------------- a training step
def test_a_tiny_model_trains_on_the_space_and_its_decodes_are_scored(space, tmp_path, one_thread):
    table = random_network_table(RandomNetworks(num_networks=120, seed=2))
    model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                               latent_dim=3, encoding="learned")
    train_config = TrainConfig(epochs=1, batch_size=32, lr=3e-3, seed=0, monitor_graphs=8, monitor_prior_points=8)
    train_run(space, table, model_config, train_config, tmp_path / "run", torch.device("cpu"), progress=False)
    model, config = runs.load_model(tmp_path / "run")
    assert config["space"] == "bn-asia"
    decoded = model.decode(torch.zeros(4, 3), stochastic=False)
    scores = space.score(graphs_of(decoded))
    assert len(scores.keys) == 4 and np.isnan(scores.objective[~scores.valid]).all()
