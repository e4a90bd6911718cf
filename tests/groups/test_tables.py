"""`table`, `quality` and `bo-summary` with --groups: one row per seed group, mean ± 95 % CI, n."""

from __future__ import annotations

import numpy as np
from scipy import stats

from core.__main__ import main
from tests.groups.synthetic import write_group

VALUES = [(30, 0.30), (34, 0.32), (None, 0.34)]


def test_table_groups_prints_mean_interval_and_n(tmp_path, capsys):
    write_group(tmp_path / "a", "onehot", VALUES)
    assert main(["table", "--groups", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    half = stats.t.ppf(0.975, 2) * np.std([0.30, 0.32, 0.34], ddof=1) / np.sqrt(3)
    assert f"| enas6 · D-VAE · fast, 60 epochs | 0, 1, 2 | 99.00 ± 0.00 (n = 3) |" in out
    assert f"0.320 ± {half:.3f} (n = 3)" in out


def test_quality_groups_counts_the_seeds_that_never_reached_99(tmp_path, capsys):
    write_group(tmp_path / "a", "onehot", VALUES)
    assert main(["quality", "--groups", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    half = stats.t.ppf(0.975, 1) * np.std([30, 34], ddof=1) / np.sqrt(2)
    assert f"| 2 of 3 | 32.0 ± {half:.1f} (n = 2) |" in out


def test_bo_summary_groups_without_searches_is_a_dash(tmp_path, capsys):
    write_group(tmp_path / "a", "onehot", VALUES)
    assert main(["bo-summary", "--groups", str(tmp_path / "a"), "--budgets", "100"]) == 0
    assert "| enas6 · D-VAE · fast, 60 epochs | 0, 1, 2 | — |" in capsys.readouterr().out
