"""The race table and the regret curves from hand-made result files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import wilcoxon

from core.bo.oracle import RANK_TOLERANCE, rank_among, rank_threshold
from core.bo.race import (
    at_budget, compact_race, paired_wilcoxon, race_frame, race_markdown, regret_curves, versus_first_run, versus_markdown,
)

SPACE_BEST = 0.9


def result(method, seed, values, ranks, complete=True):
    """Rounds of two queries; ``None`` values are invalid queries."""
    rounds = []
    for start in range(0, len(values), 2):
        part, part_ranks = values[start : start + 2], ranks[start : start + 2]
        rounds.append({"values": part, "ranks": part_ranks,
                       "status": ["invalid" if v is None else "new" for v in part]})
    return {"format": 2, "method": method, "seed": seed, "complete": complete, "config": {"batch_size": 2},
            "rounds_requested": len(rounds),
            "problem": {"space": "s", "mode": "pool", "oracle": "o", "protocol": "few-label",
                        "space_best": SPACE_BEST}, "rounds": rounds}


@pytest.fixture
def run_dir(tmp_path):
    (tmp_path / "bo").mkdir()
    files = [result("dvae", 0, [0.5, 0.9, 0.1, 0.2], [50, 1, 90, 80]),
             result("dvae", 1, [0.6, None, 0.85, 0.1], [40, None, 5, 90]),
             result("dvae", 2, [0.7, 0.7, 0.1, 0.2], [30, 30, 90, 80]),
             result("evolution", 0, [0.4, 0.5, 0.6, 0.7], [60, 50, 40, 30]),
             result("evolution", 1, [0.4, 0.5, 0.6, 0.65], [60, 50, 40, 35]),
             result("evolution", 2, [0.4, 0.45, 0.6, 0.8], [60, 55, 40, 20])]
    for data in files:
        (tmp_path / "bo" / f"{data['method']}-seed{data['seed']}.json").write_text(json.dumps(data))
    return tmp_path


def test_ranks_tie_at_the_tolerance():
    values = np.array([0.8166666666666668, 0.8166666666666665, 0.8, 0.7])
    assert rank_among(values, 0.8166666666666665) == rank_among(values, 0.8166666666666668) == 1
    assert rank_among(values, 0.8) == 3 and rank_among(values, 0.8 + RANK_TOLERANCE / 2) == 3
    assert rank_threshold(values, 2) == pytest.approx(0.8166666666666665 - RANK_TOLERANCE)
    assert rank_among(values, rank_threshold(values, 3)) <= 3


def test_at_budget_counts_new_queries_only():
    data = result("dvae", 0, [0.5, None, 0.8, 0.2], [50, None, 3, 80])
    assert at_budget(data, 2) == (0.5, 50) and at_budget(data, 3) == (0.8, 3)
    assert at_budget({**data, "complete": False}, 9) is None  # not there yet
    assert at_budget(data, 9) is None  # asked for 4 queries: no 9-query figure
    assert at_budget({**data, "rounds_requested": 5}, 9) == (0.8, 3)  # asked for 10, the pool ran out


def test_race_frame_hand_worked(run_dir):
    frame = race_frame([run_dir], budgets=(2, 4))
    row = frame[(frame.method == "dvae") & (frame.budget == 4)].iloc[0]
    best = np.array([0.9, 0.85, 0.7])
    assert row["seeds"] == 3 and row["best_mean"] == pytest.approx(best.mean())
    assert row["best_se"] == pytest.approx(best.std(ddof=1) / np.sqrt(3))
    assert row["regret_mean"] == pytest.approx(SPACE_BEST - best.mean())
    assert row["rank_mean"] == pytest.approx((1 + 5 + 30) / 3) and row["rank_median"] == 5
    assert row["top10_share"] == pytest.approx(2 / 3) and row["top100_share"] == 1.0
    reference = np.array([0.7, 0.65, 0.8])
    assert row["vs_reference"] == pytest.approx((best - reference).mean())
    assert row["p_value"] == pytest.approx(wilcoxon(best - reference).pvalue) and row["pairs"] == 3
    early = frame[(frame.method == "dvae") & (frame.budget == 2)].iloc[0]
    assert early["best_mean"] == pytest.approx((0.9 + 0.6 + 0.7) / 3)
    evolution = frame[frame.method == "evolution"]
    assert evolution["p_value"].isna().all()
    table = race_markdown(frame)
    assert "| dvae | 4 | 3 | 0.8167 ± " in table and "67 %" in table
    assert "no search has reached" in race_markdown(race_frame([run_dir], budgets=(50,)))


def test_paired_wilcoxon_edge_cases():
    assert paired_wilcoxon({0: 0.5, 1: 0.6}, {0: 0.5, 1: 0.6}) == (0.0, 1.0, 2)
    delta, p, pairs = paired_wilcoxon({0: 0.5, 1: None}, {0: 0.4, 1: 0.6})
    assert delta == pytest.approx(0.1) and np.isnan(p) and pairs == 1


def test_regret_curves(run_dir):
    curves = regret_curves(run_dir)
    seed1 = curves[(curves.method == "dvae") & (curves.seed == 1)]["regret"].to_numpy()
    np.testing.assert_allclose(seed1, [0.3, 0.3, 0.05, 0.05])  # the invalid query keeps the best so far
    assert (regret_curves(run_dir, space_best=1.0)["regret"] >= 0.1 - 1e-12).all()


def _copy_run(source, target, dvae_values):
    """``target``: ``source``'s evolution results, and dvae results with other values."""
    (target / "bo").mkdir(parents=True)
    for path in (source / "bo").glob("evolution-*.json"):
        (target / "bo" / path.name).write_text(path.read_text())
    for seed, values in enumerate(dvae_values):
        data = result("dvae", seed, values, [10, 10, 10, 10])
        (target / "bo" / f"dvae-seed{seed}.json").write_text(json.dumps(data))
    return target


def test_compact_race_shows_a_repeated_baseline_once(run_dir, tmp_path):
    other = _copy_run(run_dir, tmp_path / "other", [[0.1, 0.2, 0.3, 0.4]] * 3)
    frame = race_frame([run_dir, other], budgets=(2, 4))
    compact = compact_race(frame)
    assert len(frame[frame.method == "evolution"]) == 4 and len(compact[compact.method == "evolution"]) == 2
    assert set(compact[compact.method == "evolution"].run) == {str(run_dir)}
    assert len(compact[compact.method == "dvae"]) == 4  # the model's method stays for both runs
    (other / "bo" / "evolution-seed0.json").write_text(json.dumps(result("evolution", 0, [0.9] * 4, [1] * 4)))
    changed = compact_race(race_frame([run_dir, other], budgets=(2, 4)))
    assert len(changed[changed.method == "evolution"]) == 4  # figures differ: both kept


def test_versus_first_run_pairs_the_dvae_searches_by_seed(run_dir, tmp_path):
    other = _copy_run(run_dir, tmp_path / "other", [[0.1, 0.2, 0.3, 0.4], [0.9, 0.9, 0.9, 0.9], [0.2, 0.2, 0.2, 0.2]])
    frame = versus_first_run([run_dir, other], budgets=(4,))
    row = frame.iloc[0]
    differences = np.array([0.4 - 0.9, 0.9 - 0.85, 0.2 - 0.7])
    assert row["pairs"] == 3 and row["delta"] == pytest.approx(differences.mean())
    assert row["p_value"] == pytest.approx(wilcoxon(differences).pvalue)
    assert "other `dvae` against" in versus_markdown(frame)


def test_race_wide_has_a_column_per_budget(run_dir):
    from core.bo.race import race_wide_markdown

    frame = race_frame([run_dir], budgets=(2, 4))
    lines = race_wide_markdown(frame).splitlines()
    assert lines[0].count("regret after") == 2 and len(lines) == 2 + 2  # dvae and evolution
    dvae = next(line for line in lines if "| dvae |" in line)
    row = frame[(frame.method == "dvae") & (frame.budget == 4)].iloc[0]
    assert f"{row['regret_mean']:.4f} ± {row['regret_se']:.4f} (p = {row['p_value']:.3f})" in dvae
    evolution = next(line for line in lines if "| evolution |" in line)
    assert "p =" not in evolution  # the reference has no test against itself
