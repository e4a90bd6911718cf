"""The round loop on the planted problem: BO beats random search, results resume exactly."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from core.bo.history import History
from core.bo.loop import result_path, run_search
from core.bo.methods import make_method
from core.bo.methods.base import Method, Proposal
from core.errors import OpEmbedError

from .planted import PLANTED_CONFIG, planted_problem, queries_to

SEEDS = range(8)


def test_bo_finds_the_optimum_faster_than_random_search(tmp_path):
    config = dataclasses.replace(PLANTED_CONFIG, rounds=3)  # 15 queries among 128 candidates
    budget = config.rounds * config.batch_size
    found = {}
    for name in ("dvae", "random-search"):
        found[name] = []
        for seed in SEEDS:
            problem = planted_problem("pool", seed=seed)
            result = run_search(problem, make_method(name, config), seed, config, tmp_path / f"{name}-{seed}.json")
            found[name].append(queries_to(result, problem.optimum_key) or budget + 1)
    bo, random = np.array(found["dvae"]), np.array(found["random-search"])
    assert bo.mean() < random.mean() - 5, (bo, random)
    assert (bo <= budget).sum() > (random <= budget).sum(), (bo, random)


def test_decode_mode_records_points_and_counts(tmp_path):
    config = dataclasses.replace(PLANTED_CONFIG, rounds=2, batch_size=3)
    problem = planted_problem("decode", seed=0)
    result = run_search(problem, make_method("dvae", config), 0, config, tmp_path / "dvae.json")
    assert len(result["rounds"]) == 2 and result["complete"]
    for record in result["rounds"]:
        queries = len(record["keys"])
        assert len(record["points"]) == queries and all(len(point) == 2 for point in record["points"])
        assert record["status"] == ["new"] * queries  # re-drawn, never a wasted query
        assert queries + record["n_short"] == 3
        assert record["info"]["points_decoded"] >= queries and record["info"]["gp_points"] >= 128
    first = result["rounds"][0]
    assert result["rounds"][1]["info"]["gp_points"] == first["info"]["gp_points"] + len(first["keys"])


def test_invalid_decodes_are_redrawn_and_cost_no_query(tmp_path):
    config = dataclasses.replace(PLANTED_CONFIG, rounds=2, batch_size=3, max_redraws=2)
    problem = planted_problem("decode", seed=0, invalid_radius=0.0)  # nothing decodes
    result = run_search(problem, make_method("random-prior", config), 0, config, tmp_path / "rp.json")
    assert [r["n_invalid"] for r in result["rounds"]] == [0, 0]
    assert [r["n_short"] for r in result["rounds"]] == [3, 3]
    assert [r["info"]["redrawn_invalid"] for r in result["rounds"]] == [9, 9]  # 3 batches of 3 points
    assert result["rounds"][-1]["best_so_far"] is None


def test_the_sparse_refit_gives_invalid_queries_the_worst_value():
    from core.bo.history import Query
    from core.bo.methods.dvae import surrogate_data

    problem = planted_problem("decode", seed=0)
    history = History([Query(None, None, None, "invalid", point=np.zeros(2)) for _ in range(2)])
    X, y = surrogate_data(problem, history)
    assert len(X) == len(problem.train_rows) + 2
    assert np.all(y[-2:] == problem.table.y[problem.train_rows].min())


class Scripted(Method):
    """Proposes fixed keys: a training architecture, a new one, the new one again, nothing."""

    name = "scripted"

    def __init__(self, keys):
        self.keys = keys

    def propose(self, problem, history, batch_size, seed, round_index):
        return Proposal(list(self.keys))


def test_duplicates_are_counted_and_never_best(tmp_path):
    problem = planted_problem("pool", seed=0)
    train_best = problem.train_best()
    new = problem.table.keys[problem.candidate_rows[0]]
    config = dataclasses.replace(PLANTED_CONFIG, rounds=2, batch_size=4)
    result = run_search(problem, Scripted([train_best["key"], new, new, None]), 0, config, tmp_path / "s.json")
    first, second = result["rounds"]
    assert first["status"] == ["duplicate", "new", "duplicate", "invalid"]
    assert second["status"] == ["duplicate", "duplicate", "duplicate", "invalid"]
    assert first["values"][0] == pytest.approx(train_best["value"])
    assert first["best_so_far"] == pytest.approx(problem.table.y[problem.candidate_rows[0]])
    assert first["best_so_far_rank"] == problem.rank(first["best_so_far"])


def _strip(rounds):
    return [{k: v for k, v in r.items() if k not in ("seconds", "info")} for r in rounds]


@pytest.mark.parametrize("name", ["dvae", "random-search", "evolution"])
def test_resume_appends_and_matches_an_uninterrupted_search(tmp_path, name):
    problem = planted_problem("pool", seed=1)
    method = make_method(name, PLANTED_CONFIG)
    three = dataclasses.replace(PLANTED_CONFIG, rounds=3)
    straight = run_search(problem, method, 5, three, tmp_path / "straight.json")

    path = tmp_path / "resumed.json"
    two = run_search(problem, method, 5, dataclasses.replace(PLANTED_CONFIG, rounds=2), path)
    assert len(two["rounds"]) == 2 and two["complete"]
    resumed = run_search(problem, method, 5, three, path)
    assert len(resumed["rounds"]) == 3
    assert _strip(resumed["rounds"][:2]) == _strip(two["rounds"])  # first rounds unchanged
    assert _strip(resumed["rounds"]) == _strip(straight["rounds"])
    assert json.loads(path.read_text())["rounds"][2]["keys"] == straight["rounds"][2]["keys"]

    # pool mode writes no latent points or graphs: they are the table's, rebuilt on resume
    assert all("points" not in record and "graphs" not in record for record in resumed["rounds"])

    # a file from before (points and graphs written) resumes to the same search
    old = json.loads(path.read_text())
    old["rounds"] = old["rounds"][:2]
    for record in old["rounds"]:
        record["graphs"] = [problem.table.graph(problem.key_rows[key]).to_json() for key in record["keys"]]
        record["points"] = [problem.latents[problem.key_rows[key]].tolist() for key in record["keys"]]
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))
    assert _strip(run_search(problem, method, 5, three, old_path)["rounds"])[2] == _strip(straight["rounds"])[2]

    # a killed search: the file holds one finished round and is not complete
    partial = json.loads((tmp_path / "straight.json").read_text())
    partial["rounds"], partial["complete"] = partial["rounds"][:1], False
    killed = tmp_path / "killed.json"
    killed.write_text(json.dumps(partial))
    assert _strip(run_search(problem, method, 5, three, killed)["rounds"]) == _strip(straight["rounds"])


def test_finished_files_are_skipped_and_other_settings_refused(tmp_path):
    problem = planted_problem("pool", seed=0)
    method = make_method("random-search", PLANTED_CONFIG)
    path = tmp_path / "rs.json"
    first = run_search(problem, method, 0, PLANTED_CONFIG, path)
    stamp = path.stat().st_mtime_ns
    again = run_search(problem, method, 0, PLANTED_CONFIG, path)
    assert again["rounds"] == first["rounds"] and path.stat().st_mtime_ns == stamp
    other = dataclasses.replace(PLANTED_CONFIG, batch_size=7)
    with pytest.raises(OpEmbedError, match="no-resume"):
        run_search(problem, method, 0, other, path)
    fresh = run_search(problem, method, 0, other, path, resume=False)
    assert len(fresh["rounds"][0]["keys"]) == 7


def test_evolution_proposes_unobserved_valid_neighbours(tmp_path):
    problem = planted_problem("pool", seed=2)
    config = dataclasses.replace(PLANTED_CONFIG, rounds=3, batch_size=6)
    result = run_search(problem, make_method("evolution", config), 0, config, tmp_path / "ev.json")
    keys = [k for r in result["rounds"] for k in r["keys"]]
    assert len(keys) == 18 and len(set(keys)) == 18
    assert all(s == "new" for r in result["rounds"] for s in r["status"])
    assert set(keys) <= problem.candidate_keys
    assert not set(keys) & problem.train_keys


def test_random_search_runs_out_gracefully(tmp_path):
    problem = planted_problem("pool", seed=0)
    config = dataclasses.replace(PLANTED_CONFIG, rounds=2, batch_size=100)  # 128 candidates
    result = run_search(problem, make_method("random-search", config), 0, config, tmp_path / "rs.json")
    assert [len(r["keys"]) for r in result["rounds"]] == [100, 28]
    assert result["rounds"][-1]["best_so_far_rank"] == 1  # every candidate seen: the optimum too


def test_result_path():
    assert str(result_path("runs/a", "dvae", 3)).endswith("runs/a/bo/dvae-seed3.json")


@pytest.mark.parametrize("gp_refit", ["variational", "full"])
def test_both_gp_refits_find_the_planted_optimum(tmp_path, gp_refit):
    config = dataclasses.replace(PLANTED_CONFIG, rounds=3, gp_refit=gp_refit)
    budget = config.rounds * config.batch_size
    found = []
    for seed in range(4):
        problem = planted_problem("pool", seed=seed)
        result = run_search(problem, make_method("dvae", config), seed, config, tmp_path / f"{gp_refit}-{seed}.json")
        assert result["config"]["gp_refit"] == gp_refit
        found.append(queries_to(result, problem.optimum_key) or budget + 1)
    assert np.mean(found) <= budget / 2, found


def test_unknown_gp_refit_is_refused():
    with pytest.raises(ValueError, match="gp_refit"):
        dataclasses.replace(PLANTED_CONFIG, gp_refit="sometimes")
