"""Loading a run into a BO problem, and the commands end to end on a tiny nbg-cora run."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
import torch

from core import runs
from core.bo.cli import add_bo_arguments, add_bo_summary_arguments, bo_config_from_args, bo_summary_main, run_bo_command
from core.bo.config import BOConfig
from core.bo.problem import load_problem
from core.bo.summary import best_so_far_curves, summarise_bo, summary_markdown
from core.config import ModelConfig, to_dict
from core.errors import OpEmbedError, RunDirError
from core.models.dvae import DVAE
from core.spaces import get_space

TINY_BO = BOConfig(rounds=1, batch_size=3, protocol="paper", decode_attempts=2, gp_inducing=32, gp_iterations=1,
                   num_restarts=1, raw_samples=8, acq_maxiter=5, population=10, tournament=3)


def write_config(run_dir, space_name):
    run_dir.mkdir(parents=True, exist_ok=True)
    runs.atomic_write_json(run_dir / runs.CONFIG, {"space": space_name})


@pytest.fixture(scope="module")
def cora_run(tmp_path_factory):
    """A run dir with an untrained tiny model on nbg-cora and random latents (the encoder is
    not under test here; random latents keep the fixture fast)."""
    run_dir = tmp_path_factory.mktemp("cora-tiny")
    space = get_space("nbg-cora")
    table = space.load()
    config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8, latent_dim=3)
    torch.manual_seed(0)
    model = DVAE(config).eval()
    write_config(run_dir, space.name)
    runs.atomic_torch_save(run_dir / runs.MODEL, {"state_dict": model.state_dict(), "model_config": to_dict(config),
                                                  "space": space.name, "epoch": 0})
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y, "y_test": table.y_test})
    frame[["mu_0", "mu_1", "mu_2"]] = np.random.default_rng(0).standard_normal((len(table), 3))
    runs.atomic_write_parquet(run_dir / runs.LATENTS, frame)
    return run_dir


def test_run_dir_without_model_is_a_run_dir_error(tmp_path):
    write_config(tmp_path / "run", "nbg-cora")
    with pytest.raises(RunDirError, match="model.pt"):
        load_problem(tmp_path / "run")
    with pytest.raises(RunDirError, match="no such run directory"):
        load_problem(tmp_path / "missing")
    with pytest.raises(RunDirError, match="model.pt"):
        run_bo_command(tmp_path / "run", methods="random-search", seeds=1, device="cpu", config=TINY_BO)


def test_enas_decode_mode_needs_an_oracle(tmp_path, enas_data_dir):
    table = get_space("enas6").load(enas_data_dir)
    run_dir = tmp_path / "enas"
    write_config(run_dir, "enas6")
    (run_dir / runs.MODEL).write_bytes(b"not loaded before the check")
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y})
    frame[["mu_0", "mu_1"]] = np.random.default_rng(0).standard_normal((len(table), 2))
    runs.atomic_write_parquet(run_dir / runs.LATENTS, frame)
    with pytest.raises(OpEmbedError, match="--oracle"):
        load_problem(run_dir, mode="decode", data_dir=enas_data_dir)
    problem = load_problem(run_dir, data_dir=enas_data_dir)  # pool mode by default
    assert problem.mode == "pool" and problem.oracle_name == "enas6 dataset"
    assert len(problem.candidate_rows) == len(set(table.keys) - problem.train_keys)
    with pytest.raises(OpEmbedError, match="module:function"):
        load_problem(run_dir, mode="decode", oracle="nocolon", data_dir=enas_data_dir)


def test_latents_must_match_the_table(tmp_path, cora_run):
    run_dir = tmp_path / "bad"
    write_config(run_dir, "nbg-cora")
    (run_dir / runs.MODEL).write_bytes(b"x")
    latents = runs.read_latents(cora_run).iloc[:10]
    runs.atomic_write_parquet(run_dir / runs.LATENTS, latents)
    with pytest.raises(RunDirError, match="do not match"):
        load_problem(run_dir, need_decoder=False)


def test_bo_command_end_to_end(cora_run, capsys):
    problem = load_problem(cora_run, need_decoder=False)
    assert problem.mode == "pool" and problem.rank_values is not None and len(problem.rank_values) == 26206
    paths = run_bo_command(cora_run, methods="all", seeds=1, mode="decode", device="cpu", progress=False,
                           config=TINY_BO)
    assert [p.name for p in paths] == [f"{m}-seed0.json" for m in ("dvae", "random-prior", "random-search", "evolution")]
    for path in paths:
        result = json.loads(path.read_text())
        assert result["complete"] and len(result["rounds"]) == 1
        assert result["problem"]["space"] == "nbg-cora" and result["train_best"]["rank"] >= 1
        for record in result["rounds"]:
            assert len(record["keys"]) + record["n_short"] == 3  # an untrained decoder may fall short
            assert set(record["status"]) <= {"new"}  # never a wasted query
            for key, value, test in zip(record["keys"], record["values"], record["tests"]):
                assert problem.oracle(key) == (value, test)  # the bench's valid_perf and perf

    frame = summarise_bo([cora_run], checkpoints=(1,))
    assert list(frame["method"]) == ["dvae", "random-prior", "random-search", "evolution"]
    assert {"best@3_mean", "best@3_std", "final_test_mean", "rank_mean", "invalid_mean"} <= set(frame.columns)
    assert "random-search" in summary_markdown(frame)
    curves = best_so_far_curves(cora_run)
    assert list(curves.columns) == ["method", "seed", "queries", "best"]
    for _, group in curves.groupby("method"):
        best = group["best"].dropna().to_numpy()
        assert np.all(np.diff(best) >= 0)

    parser = argparse.ArgumentParser()
    add_bo_summary_arguments(parser)
    assert bo_summary_main(parser.parse_args([str(cora_run), "--checkpoints", "1"])) == 0
    assert "| evolution |" in capsys.readouterr().out


def test_bo_arguments():
    parser = argparse.ArgumentParser()
    add_bo_arguments(parser)
    args = parser.parse_args(["runs/a", "--rounds", "3", "--method", "evolution", "--no-resume",
                              "--decode-attempts", "500", "--oracle", "m:f", "--mode", "decode"])
    assert args.runs[0].name == "a" and args.method == "evolution" and not args.resume
    config = bo_config_from_args(args, "nbg-cora")
    assert (config.rounds, config.decode_attempts, config.batch_size) == (3, 500, 50)
    assert (config.protocol, config.init, config.surrogate, config.region) == ("few-label", 16, "exact", "trust-region")
    enas = bo_config_from_args(args, "enas6")
    assert (enas.protocol, enas.surrogate, enas.region) == ("paper", "sparse", "box")
    chosen = bo_config_from_args(parser.parse_args(["runs/a", "--protocol", "paper", "--init", "8",
                                                    "--region", "quantile"]), "nbg-cora")
    assert (chosen.protocol, chosen.surrogate, chosen.region) == ("paper", "sparse", "quantile")
    with pytest.raises(SystemExit):
        parser.parse_args(["runs/a", "--method", "nope"])


def test_summary_of_a_run_without_results(tmp_path):
    with pytest.raises(RunDirError, match="no BO results"):
        summarise_bo([tmp_path])


def test_queries_to_best_counts_only_new_queries():
    from core.bo.summary import queries_to_best

    result = {"rounds": [
        {"values": [0.5, 0.9, None], "status": ["new", "duplicate", "invalid"]},
        {"values": [0.7, 0.8, 0.8], "status": ["new", "new", "new"]},
    ]}
    assert queries_to_best(result) == 5  # the duplicate's 0.9 is not a find
    assert queries_to_best({"rounds": [{"values": [None], "status": ["invalid"]}]}) is None


def test_summary_says_how_many_seeds_had_a_find(tmp_path):
    from core.bo.summary import summarise_bo, summary_markdown

    def result(seed, first_best):
        record = {"n_new": 1, "n_invalid": 0, "n_duplicate": 0, "n_unknown": 0, "seconds": 1.0,
                  "best_so_far_test": None, "best_so_far_rank": None}
        return {"format": 1, "method": "dvae", "seed": seed, "config": {"batch_size": 1},
                "problem": {"space": "s", "mode": "decode", "oracle": "o"}, "train_best": {},
                "rounds": [{**record, "values": [first_best], "status": ["new" if first_best else "invalid"],
                            "best_so_far": first_best},
                           {**record, "values": [0.5], "status": ["new"], "best_so_far": max(first_best or 0, 0.5)}]}

    (tmp_path / "bo").mkdir()
    for seed, first in enumerate([0.4, None]):
        (tmp_path / "bo" / f"dvae-seed{seed}.json").write_text(json.dumps(result(seed, first)))
    frame = summarise_bo([tmp_path], checkpoints=(1, 2))
    assert frame.loc[0, "best@1_found"] == 1 and frame.loc[0, "best@2_found"] == 2
    assert frame.loc[0, "best@1_mean"] == pytest.approx(0.4)
    table = summary_markdown(frame)
    assert "0.4000 ± 0.0000 (1/2)" in table and "0.5000 ± 0.0000 |" in table
