import numpy as np
import pandas as pd
import pytest

from core.figures import best_so_far_figure


def test_mean_and_std_band_per_method():
    rows = []
    for seed, offset in enumerate([0.0, 0.2]):
        for q in (1, 2, 3):
            rows.append({"method": "BO", "run": "learned", "seed": seed, "queries": q, "best": q / 10 + offset})
            rows.append({"method": "random", "run": "learned", "seed": seed, "queries": q, "best": q / 20})
    fig = best_so_far_figure(pd.DataFrame(rows))
    lines = [t for t in fig.data if t.mode == "lines"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(lines) == 2 and len(bands) == 2
    np.testing.assert_allclose(lines[0].y, [0.2, 0.3, 0.4])
    assert np.max(bands[0].y) == pytest.approx(0.4 + np.std([0.3, 0.5], ddof=1))
    assert lines[0].name == "BO (n = 2)"


def _regret_rows(run, method, per_seed):
    return [{"method": method, "run": run, "seed": seed, "queries": q + 1, "regret": value}
            for seed, values in enumerate(per_seed) for q, value in enumerate(values)]


def test_regret_mean_band_and_a_log_axis_floored():
    from core.figures.bo import REGRET_FLOOR, regret_figure

    curves = pd.DataFrame(_regret_rows("D-VAE", "dvae", [[0.02, 0.01, 0.0], [0.04, 0.01, 0.0]])
                          + _regret_rows("", "evolution", [[0.03, 0.02, 0.01], [0.03, 0.02, 0.01]]))
    fig = regret_figure(curves, title="on nbg-cora")
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["dvae · D-VAE (n = 2)", "evolution (n = 2)"]  # a shared baseline: no run
    np.testing.assert_allclose(lines[0].y, [0.03, 0.01, REGRET_FLOOR])  # regret 0 drawn at the floor
    band = [t for t in fig.data if t.fill == "toself"][0]
    assert np.max(band.y) == pytest.approx(0.03 + np.std([0.02, 0.04], ddof=1) / np.sqrt(2))
    assert fig.layout.yaxis.type == "log" and fig.layout.title.text.endswith("on nbg-cora")
    linear = regret_figure(curves, log_y=False)
    assert linear.layout.yaxis.type != "log" and [t for t in linear.data if t.mode == "lines"][0].y[-1] == 0.0


def test_a_baseline_every_run_shares_is_drawn_once():
    from core.reports.best_cells import _shared_once

    evolution = [[0.03, 0.02], [0.05, 0.01]]
    a = pd.DataFrame(_regret_rows("D-VAE", "dvae", [[0.02, 0.01]]) + _regret_rows("D-VAE", "evolution", evolution))
    b = pd.DataFrame(_regret_rows("DVAE-EMB", "dvae", [[0.03, 0.0]]) + _regret_rows("DVAE-EMB", "evolution", evolution))
    curves = _shared_once([a, b])
    assert sorted(curves[curves.method == "evolution"].run.unique()) == [""] and len(curves[curves.method == "evolution"]) == 4
    assert sorted(curves[curves.method == "dvae"].run.unique()) == ["D-VAE", "DVAE-EMB"]
    b.loc[b.method == "evolution", "regret"] += 0.001  # not the same search: both kept, by run
    kept = _shared_once([a, b])
    assert sorted(kept[kept.method == "evolution"].run.unique()) == ["D-VAE", "DVAE-EMB"]
