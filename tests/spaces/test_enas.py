import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataFileError, OpEmbedError
from core.runs import load_table
from core.spaces import get_space
from core.spaces.base import END_TYPE, START_TYPE, SearchSpace
from core.spaces.enas import EnasSpace


def synthetic_rows(count: int, num_layers: int, seed: int = 0) -> list[list[list[int]]]:
    """Random valid nested rows: layer i is [op, i skip bits]."""
    rng = random.Random(seed)
    return [
        [[rng.randrange(6)] + [rng.randrange(2) for _ in range(i)] for i in range(num_layers)]
        for _ in range(count)
    ]


def write_lines(path: Path, rows, accuracies) -> Path:
    path.write_text("".join(f"{json.dumps(row)}, {acc}\n" for row, acc in zip(rows, accuracies)))
    return path


def flatten(row) -> str:
    return " ".join(str(value) for layer in row for value in layer)


@pytest.fixture(scope="module")
def space() -> EnasSpace:
    return EnasSpace()


@pytest.fixture(scope="module")
def table(space, enas_data_dir):
    return space.load(enas_data_dir)


@pytest.fixture(scope="module")
def file_rows(enas_data_dir):
    """Every line of the real file as (nested row, accuracy), parsed independently."""
    lines = (enas_data_dir / "final_structures6.txt").read_text().splitlines()
    return [tuple(json.loads(f"[{line}]")) for line in lines]


# -- loading the real file ----------------------------------------------------------------
def test_split_sizes(table):
    assert len(table) == 19_020
    assert len(table.indices("train")) == 17_118
    assert len(table.indices("test")) == 1_902
    assert table.y_test is None
    assert table.op_ids.shape == (19_020, 8)
    assert table.adjacency.shape == (19_020, 8, 8)
    assert np.all(table.num_nodes == 8)


def test_first_thousand_lines_left_out(table, file_rows):
    kept = sorted((flatten(row), acc) for row, acc in file_rows[1000:])
    assert sorted(zip(table.keys, table.y.tolist())) == kept


def test_order_follows_reference_shuffle(table, file_rows):
    order = list(range(len(file_rows) - 1000))
    random.Random(0).shuffle(order)
    position = order.index(0)  # where line 1001 lands
    row, acc = file_rows[1000]
    assert table.keys[position] == flatten(row)
    assert table.y[position] == pytest.approx(acc)
    # every row, not just one
    expected = [flatten(file_rows[1000 + i][0]) for i in order]
    assert table.keys == expected


def test_key_round_trips_on_test_rows(space, table):
    for i in table.indices("test"):
        assert space.key(table.op_ids[i], table.adjacency[i], table.num_nodes[i]) == table.keys[i]


def test_every_row_is_valid(space, table):
    for i in range(len(table)):
        assert space.is_valid(table.op_ids[i], table.adjacency[i], table.num_nodes[i]), table.keys[i]


def test_dense_graph_of_a_row(space, tmp_path):
    row = [[1], [4, 0], [5, 1, 0], [0, 0, 1, 1], [2, 0, 0, 0, 0], [3, 1, 0, 0, 0, 1]]
    write_lines(tmp_path / "final_structures6.txt", synthetic_rows(1000, 6) + [row], [0.5] * 1001)
    table = space.load(tmp_path)
    assert len(table) == 1 and table.keys[0] == "1 4 0 5 1 0 0 0 1 1 2 0 0 0 0 3 1 0 0 0 1"
    assert table.op_ids[0].tolist() == [START_TYPE, 3, 6, 7, 2, 4, 5, END_TYPE]
    edges = set(zip(*np.nonzero(table.adjacency[0])))
    chain = {(i, i + 1) for i in range(7)}
    skips = {(0, 3), (1, 4), (2, 4), (0, 6), (4, 6)}
    assert edges == {(int(a), int(b)) for a, b in chain | skips}


# -- validity -------------------------------------------------------------------------------
def full_graph():
    """A 6-layer graph with every skip bit set: base-valid with many spare edges."""
    n = 8
    op_ids = np.array([START_TYPE, 2, 3, 4, 5, 6, 7, END_TYPE])
    adjacency = np.triu(np.ones((n, n), dtype=np.uint8), 1)
    adjacency[:, n - 1] = 0
    adjacency[n - 2, n - 1] = 1
    return op_ids, adjacency


def test_valid_hand_built(space):
    op_ids, adjacency = full_graph()
    assert space.is_valid(op_ids, adjacency, 8)
    assert space.key(op_ids, adjacency, 8) == "0 1 1 2 1 1 3 1 1 1 4 1 1 1 1 5 1 1 1 1 1"


def test_missing_chain_edge_is_invalid(space):
    op_ids, adjacency = full_graph()
    adjacency[1, 2] = 0  # node 1 keeps successors, node 2 keeps a predecessor
    assert SearchSpace.is_valid(space, op_ids, adjacency, 8)
    assert not space.is_valid(op_ids, adjacency, 8)


def test_output_with_two_predecessors_is_invalid(space):
    op_ids, adjacency = full_graph()
    adjacency[5, 7] = 1
    assert SearchSpace.is_valid(space, op_ids, adjacency, 8)
    assert not space.is_valid(op_ids, adjacency, 8)


def test_backward_edge_is_invalid(space):
    op_ids, adjacency = full_graph()
    adjacency[4, 2] = 1
    assert not space.is_valid(op_ids, adjacency, 8)


@pytest.mark.parametrize("node, node_type", [(0, 2), (3, START_TYPE), (3, END_TYPE), (3, 8), (7, 4)])
def test_wrong_types_are_invalid(space, node, node_type):
    op_ids, adjacency = full_graph()
    op_ids[node] = node_type
    assert not space.is_valid(op_ids, adjacency, 8)


def test_shorter_graph_is_valid_and_has_a_key(space):
    # 3 layers, padded to 8 nodes
    op_ids = np.array([START_TYPE, 2, 5, 7, END_TYPE, -1, -1, -1])
    adjacency = np.zeros((8, 8), dtype=np.uint8)
    for i in range(4):
        adjacency[i, i + 1] = 1
    adjacency[0, 3] = 1
    assert space.is_valid(op_ids, adjacency, 5)
    assert space.key(op_ids, adjacency, 5) == "0 3 0 5 1 0"


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad_line",
    [
        "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1]], 0.7",  # 5 layers
        "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [6, 0, 0, 0, 0, 1]], 0.7",  # op 6
        "[[1], [4, 2], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.7",  # bit 2
        "[[1], [4], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.7",  # no bit
        "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], high",
        "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]]",  # no accuracy
        "__import__('os').getcwd()",
        "",
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, bad_line):
    path = write_lines(tmp_path / "final_structures6.txt", synthetic_rows(5, 6), [0.5] * 5)
    lines = path.read_text().splitlines()
    lines[2] = bad_line
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError) as error:
        EnasSpace().load(tmp_path)
    assert "final_structures6.txt" in str(error.value)
    assert ":3:" in str(error.value)
    assert error.value.line == 3


def test_missing_file_says_how_to_fetch(tmp_path):
    with pytest.raises(DataFileError, match="python -m core fetch enas6"):
        EnasSpace().load(tmp_path)


def test_data_dir_from_environment(tmp_path, monkeypatch):
    write_lines(tmp_path / "final_structures6.txt", synthetic_rows(1010, 6), [0.1] * 1000 + [0.9] * 10)
    monkeypatch.setenv("OPEMBED_DATA_DIR", str(tmp_path))
    table = EnasSpace().load()
    assert len(table) == 10
    assert np.all(table.y == 0.9)  # the first 1,000 lines are not in the table
    assert len(table.indices("train")) == 9


def test_too_few_lines(tmp_path):
    write_lines(tmp_path / "final_structures6.txt", synthetic_rows(1000, 6), [0.5] * 1000)
    with pytest.raises(DataFileError, match="first 1000"):
        EnasSpace().load(tmp_path)


# -- other layer counts ---------------------------------------------------------------------
def test_twelve_layer_file(tmp_path):
    rows = synthetic_rows(1_100, 12, seed=1)
    write_lines(tmp_path / "final_structures12.txt", rows, [i / 1100 for i in range(1_100)])
    space = get_space("enas12")
    assert space.name == "enas12" and space.max_nodes == 14
    table = space.load(tmp_path)
    assert len(table) == 100
    assert table.op_ids.shape == (100, 14)
    assert table.adjacency.shape == (100, 14, 14)
    assert sorted(table.keys) == sorted(flatten(row) for row in rows[1000:])
    for i in range(len(table)):
        assert space.is_valid(table.op_ids[i], table.adjacency[i], table.num_nodes[i])
        assert space.key(table.op_ids[i], table.adjacency[i], table.num_nodes[i]) == table.keys[i]


def test_get_space_enas():
    space = get_space("enas6")
    assert isinstance(space, EnasSpace)
    assert space.name == "enas6" and space.max_nodes == 8 and space.num_node_types == 8
    assert space.op_names == ["conv3", "sep3", "conv5", "sep5", "avg3", "max3"]
    with pytest.raises(OpEmbedError, match="enas6"):
        get_space("enas")


def test_a_run_latents_file_stands_in_for_the_missing_data_file(enas_data_dir, tmp_path):
    space = get_space("enas6")
    table = space.load(enas_data_dir)
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y, "mu_0": 0.0}).to_parquet(
        run / "latents.parquet")
    missing = tmp_path / "no-data"
    with pytest.raises(DataFileError):
        load_table(space, missing)
    rebuilt = load_table(space, missing, [tmp_path / "not-a-run", run])
    assert rebuilt.keys == table.keys
    np.testing.assert_array_equal(rebuilt.op_ids, table.op_ids)
    np.testing.assert_array_equal(rebuilt.adjacency, table.adjacency)
    np.testing.assert_array_equal(rebuilt.split, table.split)
    np.testing.assert_array_equal(rebuilt.y, table.y)
    with pytest.raises(ValueError, match="21 integers"):
        space.table_from_keys(["1 2 3"], np.zeros(1), np.array(["train"]))
