"""The cells the searches found: query order, budgets, found-by counts and median queries,
space ranks, and a key from another space named with its file."""

import json

import numpy as np
import pandas as pd
import pytest

from core.bo.found import found_cells, found_values, query_frame, space_ranks, top_found
from core.errors import RunFileError
from core.spaces.base import ArchitectureTable


def tiny_table() -> ArchitectureTable:
    keys = ["a", "b", "c", "d", "e"]
    return ArchitectureTable(keys=keys, op_ids=np.zeros((5, 3), dtype=np.int64),
                             adjacency=np.zeros((5, 3, 3), dtype=np.uint8), num_nodes=np.full(5, 3),
                             y=np.array([0.9, 0.8, 0.8, 0.5, 0.1]), y_test=None, split=np.array(["train"] * 5))


def write_result(run, method, seed, rounds):
    (run / "bo").mkdir(parents=True, exist_ok=True)
    body = {"method": method, "seed": seed, "rounds": [
        {"keys": keys, "values": values, "status": status} for keys, values, status in rounds]}
    (run / "bo" / f"{method}-seed{seed}.json").write_text(json.dumps(body))


@pytest.fixture
def two_searches(tmp_path):
    run = tmp_path / "run"
    write_result(run, "dvae", 0, [(["d", "b"], [0.5, 0.8], ["new", "new"]),
                                  (["b", None, "a"], [0.8, None, 0.9], ["duplicate", "invalid", "new"])])
    write_result(run, "dvae", 1, [(["b", "c"], [0.8, 0.8], ["new", "new"])])
    write_result(run, "evolution", 0, [(["e"], [0.1], ["new"])])
    return run


def test_queries_are_numbered_in_order_per_search(two_searches):
    queries = query_frame([two_searches])
    seed0 = queries[(queries.method == "dvae") & queries.seed.str.endswith("#0")]
    assert seed0["query"].tolist() == [1, 2, 3, 4, 5]
    assert seed0["status"].tolist() == ["new", "new", "duplicate", "invalid", "new"]
    assert set(queries.method) == {"dvae", "evolution"}


def test_found_cells_count_searches_and_median_first_query(two_searches):
    cells = found_cells(query_frame([two_searches]), "dvae", budget=500, table=tiny_table())
    assert cells["key"].tolist() == ["a", "b", "c", "d"]
    b = cells.set_index("key").loc["b"]
    assert b.found_by == 2 and b.searches == 2 and b.median_query == pytest.approx(1.5)  # queries 2 and 1
    assert cells.set_index("key").loc["a", "found_by"] == 1
    assert cells["space_rank"].tolist() == [1, 2, 2, 4]  # ties share the best rank


def test_a_budget_cuts_later_queries_and_duplicates_never_count(two_searches):
    queries = query_frame([two_searches])
    within_two = found_cells(queries, "dvae", budget=2, table=tiny_table())
    assert sorted(within_two["key"]) == ["b", "c", "d"]  # "a" came at query 5
    assert found_values(queries, "dvae", 2) == {"b": 0.8, "c": 0.8, "d": 0.5}
    assert top_found(within_two, 2)["rank"].tolist() == [1, 2]


def test_searches_of_two_runs_stay_apart(tmp_path):
    for name in ("x", "y"):
        write_result(tmp_path / name, "dvae", 0, [(["a"], [0.9], ["new"])])
    cells = found_cells(query_frame([tmp_path / "x", tmp_path / "y"]), "dvae", 50, tiny_table())
    assert cells.loc[0, "found_by"] == 2 and cells.loc[0, "searches"] == 2


def test_a_run_without_results_adds_nothing(tmp_path):
    assert query_frame([tmp_path]).empty
    assert found_cells(query_frame([tmp_path]), "dvae", 50, tiny_table()).empty


def test_a_key_from_another_space_names_its_file(two_searches):
    write_result(two_searches, "dvae", 2, [(["zz"], [0.3], ["new"])])
    with pytest.raises(RunFileError, match=r"dvae-seed2\.json: key 'zz' is not a cell"):
        found_cells(query_frame([two_searches]), "dvae", 50, tiny_table())


def test_space_ranks():
    assert space_ranks(np.array([0.9, 0.8, 0.7, 0.05]), tiny_table()).tolist() == [1, 2, 4, 6]


def test_a_decoded_cell_outside_the_table_is_kept_with_its_recorded_graph(tmp_path):
    from core.spaces import get_space

    space = get_space("nbg-cora")
    full = space.load()
    table = full.subset(np.arange(10))  # the run's table lacks row 100
    outside = full.graph(100)
    run = tmp_path / "run"
    write_result(run, "dvae", 0, [([full.keys[100], full.keys[3]], [0.95, 0.5], ["new", "new"])])
    body = json.loads((run / "bo" / "dvae-seed0.json").read_text())
    body["rounds"][0]["graphs"] = [outside.to_json(), None]
    (run / "bo" / "dvae-seed0.json").write_text(json.dumps(body))
    cells = found_cells(query_frame([run]), "dvae", 50, table, space)
    assert cells["key"].tolist() == [full.keys[100], full.keys[3]]
    assert np.array_equal(cells.loc[0, "graph"].adjacency, outside.adjacency)
    body["rounds"][0]["keys"][0] = full.keys[101]  # a recorded graph that is not the key's
    (run / "bo" / "dvae-seed0.json").write_text(json.dumps(body))
    with pytest.raises(RunFileError, match="is not a cell of this space"):
        found_cells(query_frame([run]), "dvae", 50, table, space)
