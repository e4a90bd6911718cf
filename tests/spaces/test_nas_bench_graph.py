import numpy as np
import pytest
from nas_bench_graph import Arch, light_read

from core.errors import OpEmbedError
from core.spaces import SPACE_NAMES, get_space
from core.spaces.base import END_TYPE, START_TYPE
from core.spaces.nas_bench_graph import NBG_DATASETS, NasBenchGraphSpace, dense_graph


@pytest.fixture(scope="module")
def cora() -> NasBenchGraphSpace:
    return NasBenchGraphSpace("cora")


@pytest.fixture(scope="module")
def proteins() -> NasBenchGraphSpace:
    return NasBenchGraphSpace("proteins")


def graph(space, link, ops):
    """Dense graph of an architecture given by links and operation names."""
    return dense_graph(link, [space.op_names.index(op) for op in ops])


def test_cora_table(cora):
    table = cora.load()
    assert len(table) == 26_206
    assert len(set(table.keys)) == 26_206
    assert set(table.keys) == {str(key) for key in light_read("cora")}
    assert table.op_ids.shape == (26_206, 6) and table.adjacency.shape == (26_206, 6, 6)
    assert len(table.indices("train")) == int(26_206 * 0.9)
    assert cora.load() is table  # built once
    assert cora.max_nodes == 6 and cora.num_node_types == 11


def test_proteins_table(proteins):
    table = proteins.load()
    assert len(table) == 2_021
    assert set(table.keys) == {str(key) for key in light_read("proteins")}
    assert proteins.op_names == ["gcn", "sage", "arma", "fc", "skip"]
    assert table.op_ids.max() < proteins.num_node_types


def test_split_is_seeded_permutation(cora):
    table = cora.load()
    train = np.random.default_rng(0).permutation(len(table))[: int(len(table) * 0.9)]
    assert np.array_equal(np.sort(train), table.indices("train"))


def test_lookup_returns_bench_values(cora):
    bench = light_read("cora")
    table = cora.load()
    for row in (0, 1234, 26_205):
        entry = bench[int(table.keys[row])]
        expected = (pytest.approx(entry["valid_perf"]), pytest.approx(entry["perf"]))
        assert cora.lookup(table.keys[row]) == expected
        assert table.y[row] == pytest.approx(entry["valid_perf"])
        assert table.y_test[row] == pytest.approx(entry["perf"])
    assert cora.lookup("-5") is None


def test_key_of_known_architectures(cora, proteins):
    # a chain of four GCNs: link list 8, ops gcn = 1 in base 10
    op_ids, adjacency = graph(cora, [0, 1, 2, 3], ["gcn"] * 4)
    assert cora.key(op_ids, adjacency, 6) == "81111"
    assert cora.is_valid(op_ids, adjacency, 6)
    # proteins hashes with the nine-operation list too: gcn = 1, sage = 4
    op_ids, adjacency = graph(proteins, [0, 1, 2, 3], ["gcn", "sage", "gcn", "sage"])
    assert proteins.key(op_ids, adjacency, 6) == "81414"
    assert proteins.is_valid(op_ids, adjacency, 6)


def test_isomorphic_graph_gets_canonical_key(cora):
    # link [0,1,0,0] regularises to [0,0,0,1] with ops (gcn, gat, gin, sage): 1 1 0 2 4
    op_ids, adjacency = graph(cora, [0, 1, 0, 0], ["gcn", "sage", "gat", "gin"])
    assert cora.is_valid(op_ids, adjacency, 6)
    assert cora.key(op_ids, adjacency, 6) == "11024"
    package_hash = Arch([0, 1, 0, 0], ["gcn", "sage", "gat", "gin"]).valid_hash()
    assert cora.key(op_ids, adjacency, 6) == str(package_hash)
    assert cora.lookup("11024") is not None


def test_dense_graph_feeds_leaves_to_output(cora):
    op_ids, adjacency = graph(cora, [0, 0, 1, 1], ["gat", "gcn", "gin", "fc"])
    assert op_ids.tolist() == [START_TYPE, 2, 3, 4, 9, END_TYPE]
    edges = {(int(a), int(b)) for a, b in zip(*np.nonzero(adjacency))}
    assert edges == {(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)}


@pytest.mark.parametrize("name", ["cora", "proteins"])
def test_rows_valid_and_keys_round_trip(name):
    space = NasBenchGraphSpace(name)
    table = space.load()
    sample = np.random.default_rng(1).choice(len(table), size=min(len(table), 800), replace=False)
    for i in sample:
        assert space.is_valid(table.op_ids[i], table.adjacency[i], table.num_nodes[i])
        assert space.key(table.op_ids[i], table.adjacency[i], table.num_nodes[i]) == table.keys[i]


def test_invalid_graphs(cora):
    op_ids, adjacency = graph(cora, [0, 0, 1, 1], ["gat", "gcn", "gin", "fc"])
    assert cora.is_valid(op_ids, adjacency, 6)

    two_inputs = adjacency.copy()
    two_inputs[2, 3] = 1  # operation 2 reads two nodes
    assert not cora.is_valid(op_ids, two_inputs, 6)
    with pytest.raises(ValueError):
        cora.key(op_ids, two_inputs, 6)

    inner_to_output = adjacency.copy()
    inner_to_output[1, 5] = 1  # node 1 has successors, so it is no leaf
    assert not cora.is_valid(op_ids, inner_to_output, 6)

    input_to_output = adjacency.copy()
    input_to_output[0, 5] = 1
    assert not cora.is_valid(op_ids, input_to_output, 6)

    bad_type = op_ids.copy()
    bad_type[2] = cora.num_node_types
    assert not cora.is_valid(bad_type, adjacency, 6)

    all_skip, skip_adjacency = graph(cora, [0, 1, 2, 3], ["skip"] * 4)
    assert not cora.is_valid(all_skip, skip_adjacency, 6)  # not in the bench

    assert not cora.is_valid(op_ids, adjacency, 5)


def test_proteins_rejects_nine_op_types(proteins):
    # type 7 would be "graph" in the nine-op list but does not exist for proteins
    op_ids, adjacency = graph(proteins, [0, 1, 2, 3], ["gcn"] * 4)
    op_ids[1] = 7
    assert not proteins.is_valid(op_ids, adjacency, 6)


def test_get_space_nbg():
    for dataset in NBG_DATASETS:
        assert f"nbg-{dataset}" in SPACE_NAMES
    space = get_space("nbg-citeseer")
    assert isinstance(space, NasBenchGraphSpace) and space.name == "nbg-citeseer"
    assert space.objective_name == "valid accuracy" and space.test_name == "test accuracy"
    with pytest.raises(OpEmbedError, match="nbg-cora"):
        get_space("nbg-mnist")
    with pytest.raises(OpEmbedError):
        NasBenchGraphSpace("mnist")
