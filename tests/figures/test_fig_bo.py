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
