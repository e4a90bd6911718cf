"""Oracles: NAS-Bench-Graph lookups equal the bench, user functions load by spec or by a name
registered under the ``opembed.oracles`` entry points."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint

import numpy as np
import pytest
from nas_bench_graph import light_read

from core.bo import oracle as oracle_module
from core.bo.oracle import (
    ORACLE_GROUP, FunctionOracle, LookupOracle, load_oracle, oracle_target, rank_among, registered_oracles,
)
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


def register(monkeypatch, **oracles: str) -> None:
    """Stand in for the installed entry points: ``name -> module:function`` under opembed.oracles,
    and one of another group."""
    points = [EntryPoint(name, value, ORACLE_GROUP) for name, value in oracles.items()]
    points.append(EntryPoint("elsewhere", "os:system", "console_scripts"))
    monkeypatch.setattr(oracle_module, "entry_points", lambda group: [p for p in points if p.group == group])


def test_a_registered_name_resolves_through_its_entry_point(tmp_path, monkeypatch):
    (tmp_path / "toy_scores.py").write_text("def accuracy(key):\n    return 0.25 + len(key) / 100\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    register(monkeypatch, toy="toy_scores:accuracy")
    assert registered_oracles() == {"toy": "toy_scores:accuracy"}
    assert oracle_target("toy") == "toy_scores:accuracy" and "toy_scores" not in sys.modules  # not imported yet
    oracle = load_oracle("toy")
    assert isinstance(oracle, FunctionOracle) and oracle.name == "toy"
    assert oracle("abc") == (0.28, None)
    assert load_oracle("toy_scores:accuracy")("a") == (0.26, None)  # module:function still works
    sys.modules.pop("toy_scores", None)


def test_an_unknown_name_is_one_line_naming_the_registered_ones(tmp_path, monkeypatch, capsys):
    from core.__main__ import main

    register(monkeypatch, toy="toy_scores:accuracy", bench2="b:f")
    with pytest.raises(OpEmbedError) as raised:
        load_oracle("nope")
    assert "\n" not in str(raised.value) and "opembed.oracles: bench2, toy" in str(raised.value)
    assert "elsewhere" not in str(raised.value)
    # `bo` refuses it before reading the run (there is none here)
    assert main(["bo", str(tmp_path / "no-run"), "--oracle", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == ("error: --oracle 'nope': no oracle of that name (registered under opembed.oracles: bench2, toy); "
                   "give a registered name or module:function\n")
    register(monkeypatch)
    with pytest.raises(OpEmbedError, match=r"opembed.oracles: none\)"):
        load_oracle("nope")


def test_rank_among():
    values = np.array([0.9, 0.5, 0.7, 0.7])
    assert rank_among(values, 0.9) == 1
    assert rank_among(values, 0.7) == 2
    assert rank_among(values, 0.1) == 5
    assert rank_among(values, None) is None
