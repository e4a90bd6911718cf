"""Oracles: NAS-Bench-Graph lookups equal the bench, user functions load by spec."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from nas_bench_graph import light_read

from core.bo.oracle import FunctionOracle, LookupOracle, load_oracle, rank_among
from core.errors import OpEmbedError
from core.spaces import get_space


@pytest.fixture(scope="module")
def cora():
    space = get_space("nbg-cora")
    return space, space.load()


def test_nbg_lookup_equals_the_bench(cora):
    space, table = cora
    bench = light_read("cora")
    oracle = LookupOracle(space.lookup, "nbg-cora bench")
    for row in (0, 1, 1234, len(table) - 1):
        key = table.keys[row]
        entry = bench[int(key)] if int(key) in bench else bench[key]
        assert oracle(key) == (entry["valid_perf"], entry["perf"])
        assert table.y[row] == entry["valid_perf"] and table.y_test[row] == entry["perf"]
    assert oracle("not-a-key") is None


def test_table_oracle_keeps_the_first_of_repeated_keys(cora):
    _, table = cora
    small = table.subset(np.array([5, 5, 7]))
    oracle = LookupOracle.from_table(small)
    assert oracle(table.keys[5]) == (table.y[5], table.y_test[5])
    assert oracle(table.keys[8]) is None


def test_load_oracle_from_a_module(tmp_path, monkeypatch):
    (tmp_path / "my_scores.py").write_text(
        "def accuracy(key):\n    return None if key == 'x' else 0.5 + len(key) / 100\n"
        "def pair(key):\n    return 0.7, 0.6\n"
        "NOT_CALLABLE = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    oracle = load_oracle("my_scores:accuracy")
    assert isinstance(oracle, FunctionOracle) and oracle.name == "my_scores:accuracy"
    assert oracle("abc") == (0.53, None)
    assert oracle("x") is None
    assert load_oracle("my_scores:pair")("k") == (0.7, 0.6)
    for spec, message in [
        ("my_scores", "module:function"),
        ("no_such_module_xyz:f", "cannot import"),
        ("my_scores:missing", "has no"),
        ("my_scores:NOT_CALLABLE", "not callable"),
    ]:
        with pytest.raises(OpEmbedError, match=message):
            load_oracle(spec)
    sys.modules.pop("my_scores", None)


def test_rank_among():
    values = np.array([0.9, 0.5, 0.7, 0.7])
    assert rank_among(values, 0.9) == 1
    assert rank_among(values, 0.7) == 2
    assert rank_among(values, 0.1) == 5
    assert rank_among(values, None) is None
