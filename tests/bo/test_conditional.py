"""Evolution's conditional expectation from a seed's start, and the race that pairs with it,
on the planted problem."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from core.bo.conditional import (
    STRIDE, conditional_folder, conditional_path, conditional_seed, load_conditional, run_conditional, start_key,
)
from core.bo.loop import result_path, run_search
from core.bo.methods import make_method
from core.bo.race import at_budget, race_frame, race_markdown, race_wide_markdown
from core.bo.summary import load_results

from .planted import FEW_LABEL_CONFIG, planted_problem

CONFIG = dataclasses.replace(FEW_LABEL_CONFIG, rounds=2, batch_size=5, local_parents=3)
SEEDS = range(3)
REPLICATES = 4


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """dvae-local and evolution for seeds 0-2, and 4 evolution searches from each seed's start."""
    run = tmp_path_factory.mktemp("race")
    problem = planted_problem("pool", seed=5)
    for name in ("dvae-local", "evolution"):
        method = make_method(name, CONFIG)
        for seed in SEEDS:
            run_search(problem, method, seed, CONFIG, result_path(run, name, seed))
    paths = run_conditional(problem, CONFIG, SEEDS, REPLICATES, run)
    assert len(paths) == len(SEEDS) * REPLICATES
    return run


def test_seeds_and_paths():
    assert conditional_seed(0, 0) == STRIDE and conditional_seed(2, 7) == 3 * STRIDE + 7
    with pytest.raises(ValueError):
        conditional_seed(0, STRIDE)
    assert conditional_path("runs/a", 1, 2).as_posix().endswith(f"runs/a/bo/conditional/evolution-seed{2 * STRIDE + 2}.json")


def test_each_start_gets_its_own_evolutions(run_dir):
    groups = load_conditional(run_dir)
    bo = {r["seed"]: r for r in load_results(run_dir) if r["method"] == "dvae-local"}
    assert len(groups) == len(SEEDS)
    for seed, result in bo.items():
        replicates = groups[start_key(result)]  # the same start cells as the BO seed
        assert len(replicates) == REPLICATES
        assert {r["start_seed"] for r in replicates} == {seed}
        assert len({r["seed"] for r in replicates}) == REPLICATES
        assert len({tuple(k for rec in r["rounds"] for k in rec["keys"]) for r in replicates}) > 1  # they differ
    # the folder is apart: the per-seed race and bo-summary never count the replicates
    assert all(r["seed"] in SEEDS for r in load_results(run_dir))
    assert sorted(p.parent for p in conditional_folder(run_dir).glob("*.json"))[0] == conditional_folder(run_dir)


def test_the_race_pairs_each_seed_with_its_start_mean(run_dir):
    budget = 10
    frame = race_frame([run_dir], budgets=(budget,))
    row = frame[frame.method == "dvae-local"].iloc[0]
    groups = load_conditional(run_dir)
    differences = []
    for result in (r for r in load_results(run_dir) if r["method"] == "dvae-local"):
        reference = np.mean([at_budget(r, budget)[0] for r in groups[start_key(result)]])
        differences.append(at_budget(result, budget)[0] - reference)
    differences = np.array(differences)
    assert row["reference"] == "conditional" and row["reference_runs"] == REPLICATES and row["pairs"] == 3
    assert row["vs_reference"] == pytest.approx(differences.mean())
    assert row["vs_reference_se"] == pytest.approx(differences.std(ddof=1) / np.sqrt(3))
    if np.any(np.abs(differences) > 1e-12):
        assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue)
    evolution = frame[frame.method == "evolution"].iloc[0]
    assert np.isnan(evolution["p_value"]) and pd.isna(evolution["reference"])
    assert "mean of 4 runs per start" in race_markdown(frame)
    wide = race_wide_markdown(frame)
    assert "p vs evolution's start mean" in wide.splitlines()[0] and "· top-10" in wide.splitlines()[0]


def test_without_conditional_runs_the_pair_is_the_same_seed(tmp_path):
    problem = planted_problem("pool", seed=5)
    for name in ("dvae-local", "evolution"):
        for seed in SEEDS:
            run_search(problem, make_method(name, CONFIG), seed, CONFIG, result_path(tmp_path, name, seed))
    row = race_frame([tmp_path], budgets=(10,)).query("method == 'dvae-local'").iloc[0]
    assert row["reference"] == "seed" and row["reference_runs"] == 1 and row["pairs"] == 3
