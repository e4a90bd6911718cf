import numpy as np
import pandas as pd

from core.figures import property_correlation_bar, property_scatter


def test_property_scatter_reports_pearson_r():
    props = pd.DataFrame({"key": ["a", "b", "c", "d"], "depth": [1, 2, 3, 4], "y": [0.1, 0.2, 0.25, 0.4]})
    fig = property_scatter(props, "depth")
    r = np.corrcoef(props["depth"], props["y"])[0, 1]
    assert f"Pearson r = {r:.3f}" in fig.layout.title.text
    assert fig.data[0].type == "scattergl"
    assert np.all(np.abs(np.asarray(fig.data[0].x) - props["depth"]) <= 0.15)  # jittered integers


def test_property_correlation_bar_groups_runs():
    a = pd.DataFrame({"property": ["depth", "num_edges"], "pearson_r": [0.3, -0.2], "p_value": [0.01, 0.02]})
    b = pd.DataFrame({"property": ["num_edges", "density"], "pearson_r": [0.1, 0.5], "p_value": [0.1, 0.1]})
    fig = property_correlation_bar({"a": a, "b": b})
    assert len(fig.data) == 2 and fig.data[0].orientation == "h"
    assert len(fig.data[0].y) == 3  # union of properties
    assert np.isnan(fig.data[0].x[2])  # run a has no density
