"""``dvae-local`` on the planted problem: its candidates are exactly the neighbourhood of the
best observed cells, it never queries an observed cell, and bad settings are refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from core import runs
from core.__main__ import main
from core.bo import race
from core.bo.features import onehot_adjacency
from core.bo.found import methods_of, query_frame
from core.bo.history import History
from core.bo.loop import result_path, run_search
from core.bo.methods import DVAELocalSearch, make_method
from core.bo.methods import dvae as dvae_module
from core.bo.methods import exact_search
from core.bo.summary import load_results, summarise_bo, summary_markdown
from core.errors import OpEmbedError

from .planted import FEW_LABEL_CONFIG, PLANTED_CONFIG, PlantedSpace, planted_problem
from .test_neighbourhood import hamming

LOCAL = dataclasses.replace(FEW_LABEL_CONFIG, rounds=4, local_parents=3, local_depth=1)


def expected_candidates(problem, history, parents: int, depth: int) -> set[str]:
    """By brute force: unobserved keys at most ``depth`` op changes from one of the
    ``parents`` best observed cells (planted cells differ only in their operations)."""
    values = {key: value for key, (value, _) in problem.train_evaluations().items()}
    values.update({q.key: q.value for q in history.queries if q.status == "new" and q.value is not None})
    best = sorted(values, key=lambda key: (-values[key], key))[:parents]
    observed = set(problem.train_keys) | history.queried_keys()
    return {key for key in problem.candidate_keys if key not in observed and min(hamming(key, p) for p in best) <= depth}


def counting(function, sizes: list[int]):
    """``function(gp, candidates, ...)`` that first notes ``len(candidates)`` in ``sizes``."""
    def wrapped(gp, candidates, *args, **kwargs):
        sizes.append(len(candidates))
        return function(gp, candidates, *args, **kwargs)
    return wrapped


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("config", [LOCAL, dataclasses.replace(PLANTED_CONFIG, rounds=4)], ids=["few-label", "paper"])
def test_candidates_are_exactly_the_neighbourhood(tmp_path, monkeypatch, config, depth):
    config = dataclasses.replace(config, local_parents=3, local_depth=depth)
    scored: list[int] = []  # how many candidates the GP scored each round (exact or sparse GP)
    for module, name in ((exact_search, "exact_batch"), (dvae_module, "propose_from_pool")):
        monkeypatch.setattr(module, name, counting(getattr(module, name), scored))

    problem = planted_problem("pool", seed=3)
    method = make_method("dvae-local", config)
    result = run_search(problem, method, 0, config, tmp_path / "local.json")
    start = problem.with_start(config.protocol, config.init, 0)
    local_rounds = 0
    for index, record in enumerate(result["rounds"]):
        history = History.from_rounds(result["rounds"][:index], problem.pool_point)
        expected = expected_candidates(start, history, 3, depth)
        rows, info = method.candidate_rows(start, history, config.batch_size)
        assert record["info"]["local_candidates"] == len(expected)
        if len(expected) >= config.batch_size:
            local_rounds += 1
            assert {problem.table.keys[row] for row in rows} == expected and not info["local_fallback"]
            assert scored[index] == len(expected) and set(record["keys"]) <= expected
        else:  # the paper protocol labels half the planted space: a neighbourhood can run dry
            unobserved = start.candidate_keys - history.queried_keys()
            assert info["local_fallback"] and {problem.table.keys[row] for row in rows} == unobserved
            assert scored[index] == len(unobserved)
    assert local_rounds >= 2
    keys = [key for record in result["rounds"] for key in record["keys"]]
    assert len(keys) == len(set(keys)) == config.rounds * config.batch_size
    assert not set(keys) & start.train_keys  # never an observed cell
    assert all(status == "new" for record in result["rounds"] for status in record["status"])


def test_a_short_neighbourhood_falls_back_to_the_whole_pool(tmp_path):
    config = dataclasses.replace(LOCAL, rounds=2, batch_size=20, local_parents=1)  # 12 neighbours < 20
    problem = planted_problem("pool", seed=0)
    result = run_search(problem, make_method("dvae-local", config), 0, config, tmp_path / "short.json")
    assert all(record["info"]["local_fallback"] for record in result["rounds"])
    assert [len(record["keys"]) for record in result["rounds"]] == [20, 20]


def test_a_resumed_local_search_is_the_uninterrupted_one(tmp_path):
    strip = lambda rounds: [{k: v for k, v in r.items() if k not in ("seconds", "info")} for r in rounds]  # noqa: E731
    problem = planted_problem("pool", seed=2)
    straight = run_search(problem, make_method("dvae-local", LOCAL), 1, LOCAL, tmp_path / "straight.json")
    path = tmp_path / "resumed.json"
    run_search(problem, make_method("dvae-local", LOCAL), 1, dataclasses.replace(LOCAL, rounds=2), path)
    resumed = run_search(problem, make_method("dvae-local", LOCAL), 1, LOCAL, path)
    assert strip(resumed["rounds"]) == strip(straight["rounds"])


def test_onehot_adjacency_features(tmp_path):
    problem = planted_problem("pool", seed=0)
    features = onehot_adjacency(problem.table, problem.space.num_node_types)
    assert features.shape == (256, 16)  # 4 operation slots x 4 types; the input, output and chain are constant
    assert (features.sum(1) == 4).all() and set(np.unique(features)) == {0.0, 1.0}
    config = dataclasses.replace(LOCAL, features="onehot-adjacency")
    result = run_search(problem, make_method("dvae-local", config), 0, config, tmp_path / "onehot.json")
    assert result["config"]["features"] == "onehot-adjacency"
    assert all(record["info"]["features"] == "onehot-adjacency" for record in result["rounds"])
    assert all(status == "new" for record in result["rounds"] for status in record["status"])


def test_bad_settings_are_refused(tmp_path):
    config = LOCAL
    with pytest.raises(OpEmbedError, match="--mode decode"):
        run_search(planted_problem("decode"), make_method("dvae-local", config), 0, config, tmp_path / "a.json")

    class Unmutable(PlantedSpace):
        mutation_kinds = ()

    problem = planted_problem("pool")
    problem.space = Unmutable()
    with pytest.raises(OpEmbedError, match="no mutation operator"):
        run_search(problem, make_method("dvae-local", config), 0, config, tmp_path / "b.json")

    other = tmp_path / "run"
    other.mkdir()
    runs.atomic_write_json(other / runs.CONFIG, {"space": "nbg-cora"})
    problem = dataclasses.replace(planted_problem("pool"), run_dir=other)
    onehot = dataclasses.replace(config, features="onehot-adjacency")
    with pytest.raises(OpEmbedError, match="nbg-cora.*planted"):
        run_search(problem, make_method("dvae-local", onehot), 0, onehot, tmp_path / "c.json")
    run_search(problem, make_method("dvae-local", config), 0, dataclasses.replace(config, rounds=1),
               tmp_path / "d.json")  # the latent features read the run's latents, not its cells
    with pytest.raises(OpEmbedError, match="exact GP"):
        DVAELocalSearch(dataclasses.replace(PLANTED_CONFIG, features="onehot-adjacency"))
    with pytest.raises(ValueError, match="local_depth"):
        dataclasses.replace(config, local_depth=3)
    with pytest.raises(ValueError, match="local_parents"):
        dataclasses.replace(config, local_parents=0)


def _bo(run, *extra):
    return ["bo", str(run), "--rounds", "1", "--batch-size", "2", "--seeds", "1", "--quiet", "--device", "cpu", *extra]


@pytest.mark.parametrize("extra, names", [
    (("--method", "dvae-local", "--mode", "decode"), "--mode decode"),
    (("--method", "random-search", "--features", "onehot-adjacency"), "--features"),
    (("--method", "dvae-local", "--features", "onehot-adjacency", "--surrogate", "sparse"), "--surrogate sparse"),
    (("--method", "dvae-local", "--local-parents", "0"), "--local-parents"),
    (("--method", "dvae-local", "--local-candidates", "-1"), "--local-candidates"),
    (("--method", "dvae-local", "--conditional-runs", "-2"), "--conditional-runs"),
    (("--method", "dvae-local", "--features", "onehot-adjacency", "--protocol", "paper"), "sparse GP"),
])
def test_the_flags_are_checked_in_one_line(tmp_path, capsys, extra, names):
    run = tmp_path / "run"
    run.mkdir()
    runs.atomic_write_json(run / runs.CONFIG, {"space": "nbg-cora"})
    assert main(_bo(run, *extra)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("error: ") and names in lines[0] and len(lines) <= 2
    assert len(lines) == 1 or lines[1].lstrip().startswith("fix: ")
    assert sorted(p.name for p in run.iterdir()) == ["config.json"]  # nothing written


def test_a_space_without_a_mutation_operator_is_one_line(tmp_path, capsys, monkeypatch):
    from core.spaces.nas_bench_graph import NasBenchGraphSpace

    monkeypatch.setattr(NasBenchGraphSpace, "mutation_kinds", ())
    run = tmp_path / "run"
    run.mkdir()
    runs.atomic_write_json(run / runs.CONFIG, {"space": "nbg-cora"})
    assert main(_bo(run, "--method", "dvae-local")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --method dvae-local: nbg-cora has no mutation operator") and "Traceback" not in err


def test_bo_summary_and_the_best_cells_list_show_the_method(tmp_path):
    """Result files sort dvae-local after dvae (METHODS order): bo-summary's tables, the race
    and the Best cells page's method list (core.bo.found.methods_of) show it."""
    config = dataclasses.replace(LOCAL, rounds=2)
    problem = planted_problem("pool", seed=0)
    for name in ("evolution", "random-search", "dvae-local", "dvae"):
        run_search(problem, make_method(name, config), 0, config, result_path(tmp_path, name, 0))
    assert [r["method"] for r in load_results(tmp_path)] == ["dvae", "dvae-local", "random-search", "evolution"]
    assert methods_of(query_frame([tmp_path])) == ["dvae", "dvae-local", "random-search", "evolution"]
    summary = summarise_bo([tmp_path], checkpoints=(1, 2))
    assert list(summary["method"]) == ["dvae", "dvae-local", "random-search", "evolution"]
    assert "| dvae-local |" in summary_markdown(summary)
    frame = race.race_frame([tmp_path], budgets=(5, 10))
    assert "| dvae-local |" in race.race_wide_markdown(frame) and "dvae-local" in set(frame["method"])
    assert json.loads(result_path(tmp_path, "dvae-local", 0).read_text())["start_seed"] == 0
