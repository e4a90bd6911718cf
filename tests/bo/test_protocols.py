"""The few-label protocol's start, and no query ever spent on an observed architecture."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.bo.loop import run_search
from core.bo.methods import make_method
from core.bo.protocols import default_protocol, start_rows
from core.spaces import get_space

from .planted import FEW_LABEL_CONFIG, PLANTED_CONFIG, planted_problem

METHODS = ("dvae", "random-prior", "random-search", "evolution")


def test_start_rows_are_seeded_distinct_and_checked():
    rows = np.arange(100, 300)
    first = start_rows(rows, 16, seed=3)
    assert len(first) == len(set(first)) == 16 and set(first) <= set(rows)
    np.testing.assert_array_equal(first, start_rows(rows, 16, seed=3))
    assert set(first) != set(start_rows(rows, 16, seed=4))
    with pytest.raises(ValueError, match="--init"):
        start_rows(rows, 200, seed=0)


def test_default_protocols():
    assert default_protocol(get_space("nbg-cora")) == "few-label"
    assert default_protocol(get_space("enas6")) == "paper"


@pytest.mark.parametrize("mode", ["pool", "decode"])
def test_every_method_of_a_seed_starts_from_the_same_labels(tmp_path, mode):
    config = dataclasses.replace(FEW_LABEL_CONFIG, rounds=1)
    problem = planted_problem(mode, seed=0)
    starts = {}
    for name in METHODS:
        for seed in (0, 1):
            result = run_search(problem, make_method(name, config), seed, config, tmp_path / f"{name}-{seed}.json")
            assert result["problem"]["protocol"] == "few-label" and result["config"]["surrogate"] == "exact"
            keys = result["problem"]["start_keys"]
            assert len(keys) == result["problem"]["num_train"] == config.init
            values = [problem.table.y[problem.key_rows[k]] for k in keys]
            assert result["train_best"]["value"] == pytest.approx(max(values))
            starts[name, seed] = keys
    for name in METHODS:
        assert starts[name, 0] == starts["dvae", 0] and starts[name, 1] == starts["dvae", 1]
    assert starts["dvae", 0] != starts["dvae", 1]


@pytest.mark.parametrize("config", [FEW_LABEL_CONFIG, PLANTED_CONFIG], ids=["few-label", "paper"])
@pytest.mark.parametrize("mode", ["pool", "decode"])
def test_no_query_is_spent_on_an_observed_architecture(tmp_path, config, mode):
    """A planted decoder that offers each point its three nearest architectures (observed
    ones among them) within a wide radius: observed decodes are re-drawn, never queried."""
    config = dataclasses.replace(config, rounds=3, batch_size=8)
    redrawn = 0
    for name in METHODS:
        problem = planted_problem(mode, seed=1, invalid_radius=0.4)
        result = run_search(problem, make_method(name, config), 0, config, tmp_path / f"{name}.json")
        start = set(problem.with_start(config.protocol, config.init, 0).train_keys)
        keys = [key for record in result["rounds"] for key in record["keys"]]
        assert all(status == "new" for record in result["rounds"] for status in record["status"]), name
        assert len(keys) == len(set(keys)) and not set(keys) & start, name
        assert all(record["n_duplicate"] == record["n_invalid"] == 0 for record in result["rounds"])
        redrawn += sum(record["info"].get("redrawn_duplicate", 0) for record in result["rounds"])
    if mode == "decode":
        assert redrawn > 0  # the test did offer observed decodes


@pytest.mark.parametrize("mode", ["pool", "decode"])
def test_a_resumed_few_label_search_is_the_uninterrupted_one(tmp_path, mode):
    strip = lambda rounds: [{k: v for k, v in r.items() if k not in ("seconds", "info")} for r in rounds]  # noqa: E731
    problem = planted_problem(mode, seed=2)
    three = dataclasses.replace(FEW_LABEL_CONFIG, rounds=3)
    straight = run_search(problem, make_method("dvae", three), 1, three, tmp_path / "straight.json")
    path = tmp_path / "resumed.json"
    run_search(problem, make_method("dvae", three), 1, dataclasses.replace(three, rounds=1), path)
    resumed = run_search(problem, make_method("dvae", three), 1, three, path)
    assert strip(resumed["rounds"]) == strip(straight["rounds"])
