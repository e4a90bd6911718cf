"""The verdict on planted seed groups, and the `verdict` command's refusals."""

from __future__ import annotations

import json

import pytest

from core.__main__ import main
from core.groups.verdict import choose_groups, verdict, verdict_markdown
from tests.groups.synthetic import write_group, write_seed_run

FAST = [(30, 0.30), (31, 0.31), (29, 0.29), (30, 0.305), (32, 0.30)]
SLOW = [(50, 0.40), (52, 0.41), (49, 0.39), (51, 0.40), (50, 0.42)]


def row(result, key):
    return next(r for r in result.rows if r.measure.key == key)


def test_a_known_difference_is_supported(tmp_path):
    a, b = choose_groups([write_group(tmp_path / "a", "onehot", SLOW), write_group(tmp_path / "b", "learned", FAST)])
    result = verdict(a, b, with_patterns=False)
    assert row(result, "epochs_to_99").comparison.verdict == "supported"
    assert row(result, "rmse").comparison.verdict == "supported"
    assert row(result, "pearson").comparison.verdict == "supported"  # pearson = 1 - rmse: higher
    assert row(result, "epochs_to_99").comparison.a.n == 5


def test_identical_groups_are_inconclusive(tmp_path):
    a, b = choose_groups([write_group(tmp_path / "a", "onehot", FAST), write_group(tmp_path / "b", "learned", FAST)])
    result = verdict(a, b, with_patterns=False)
    assert {r.comparison.verdict for r in result.rows if r.comparison.a.n} == {"inconclusive"}


def test_a_reversed_difference_is_contradicted(tmp_path):
    a, b = choose_groups([write_group(tmp_path / "a", "onehot", FAST), write_group(tmp_path / "b", "learned", SLOW)])
    result = verdict(a, b, with_patterns=False)
    assert row(result, "epochs_to_99").comparison.verdict == "contradicted"
    assert row(result, "rmse").comparison.verdict == "contradicted"


def test_a_missing_metrics_file_is_named_and_left_out_never_zero(tmp_path):
    a = write_group(tmp_path / "a", "onehot", SLOW)
    b = write_group(tmp_path / "b", "learned", [*FAST[:4], (30, None)])
    result = verdict(*choose_groups([a, b]), with_patterns=False)
    rmse = row(result, "rmse")
    assert rmse.comparison.b.n == 4 and 4 not in rmse.b_values
    assert "B seed 4 (no metrics.json)" in rmse.missing


def test_a_run_that_never_reached_99_percent_is_left_out(tmp_path):
    a = write_group(tmp_path / "a", "onehot", [*SLOW[:4], (None, 0.4)])
    result = verdict(*choose_groups([a, write_group(tmp_path / "b", "learned", FAST)]), with_patterns=False)
    assert row(result, "epochs_to_99").comparison.a.n == 4
    assert any("A seed 4 (no value" in m for m in row(result, "epochs_to_99").missing)


def test_one_seed_per_group_is_inconclusive_without_p(tmp_path, capsys):
    write_seed_run(tmp_path / "a", 0, "onehot")
    write_seed_run(tmp_path / "b", 0, "learned", epoch_to_99=10)
    assert main(["verdict", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "inconclusive (n = 1)" in out and "| none (n = 1) | — |" in out
    assert "**supported**" not in out and "**contradicted**" not in out


def test_groups_that_differ_beyond_the_encoding_are_refused_unless_allowed(tmp_path, capsys):
    write_group(tmp_path / "a", "onehot", SLOW[:2])
    write_group(tmp_path / "b", "learned", FAST[:2], epochs=80, preset="cpu")
    assert main(["verdict", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: the groups differ in more than the encoding")
    assert "preset: 'fast' against 'cpu'" in error and "train.epochs: 60 against 80" in error
    assert "Traceback" not in error
    assert main(["verdict", str(tmp_path / "a"), str(tmp_path / "b"), "--allow-diff", "preset",
                 "--allow-diff", "train.epochs", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a"]["seeds"] == [0, 1] and data["rows"][0]["measure"] == "epochs_to_99"


def test_one_folder_holding_both_groups_puts_one_hot_first(tmp_path, capsys):
    write_group(tmp_path / "x" / "learned", "learned", FAST[:3])
    write_group(tmp_path / "x" / "onehot", "onehot", SLOW[:3])
    assert main(["verdict", str(tmp_path / "x"), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "**A**: enas6 · D-VAE · fast, 60 epochs (seeds 0, 1, 2)" in out
    assert "**B**: enas6 · DVAE-EMB" in out


def test_three_groups_are_listed_not_guessed(tmp_path, capsys):
    write_group(tmp_path / "a", "onehot", SLOW[:2])
    write_group(tmp_path / "b", "learned", FAST[:2])
    write_group(tmp_path / "c", "learned", FAST[:2], epochs=80)
    assert main(["verdict", str(tmp_path)]) == 2
    assert "3 seed groups" in capsys.readouterr().err


def test_paired_pairs_the_shared_seeds(tmp_path):
    a = write_group(tmp_path / "a", "onehot", SLOW)
    b = write_group(tmp_path / "b", "learned", FAST)
    result = verdict(*choose_groups([a, b]), paired=True, with_patterns=False)
    assert row(result, "rmse").comparison.test == "paired t (5 pairs)"


def test_the_learned_groups_similarity_agreement_is_reported(tmp_path):
    import numpy as np

    from core import runs

    a = write_group(tmp_path / "a", "onehot", SLOW[:3])
    b = write_group(tmp_path / "b", "learned", FAST[:3])
    vectors = np.random.default_rng(0).normal(size=(8, 3))
    for seed in range(3):  # every seed learns the same vectors, each seed scaled: the same similarities
        runs.atomic_write_json(b / f"seed{seed}" / runs.EMBEDDINGS, {
            "node_types": ["input", "output", "conv3", "sep3", "conv5", "sep5", "avg3", "max3"],
            "snapshots": [{"epoch": 60, "vectors": (vectors * (seed + 1)).tolist()}]})
    result = verdict(*choose_groups([a, b]), with_patterns=False)
    assert result.stability["n"] == 3 and result.stability["mean"] == pytest.approx(1.0)
    assert "agree at Spearman +1.00 on average over 3 pairs of seeds" in verdict_markdown(result)
