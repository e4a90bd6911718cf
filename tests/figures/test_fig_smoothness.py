import numpy as np
import pandas as pd
import pytest

from core.figures import distance_scatter, knn_spread_bar


def pairs(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    edit = rng.integers(1, 6, 50)
    return pd.DataFrame({"latent_distance": edit + rng.normal(0, 0.1, 50), "edit_distance": edit,
                         "abs_delta_y": rng.uniform(0, 0.1, 50)})


def test_boxes_per_edit_distance_per_run():
    fig = distance_scatter({"one-hot": pairs(0), "learned": pairs(1)})
    assert [t.type for t in fig.data] == ["box", "box"]
    assert fig.layout.boxmode == "group"
    assert fig.data[0].name.startswith("one-hot (Spearman ρ = 0.9")
    normalized = distance_scatter({"a": pairs(0)}, normalize=True)
    assert np.mean(normalized.data[0].y) == pytest.approx(1.0)


def test_continuous_x_gets_a_scatter():
    fig = distance_scatter({"a": pairs(0)}, x="abs_delta_y")
    assert fig.data[0].type == "scattergl"


def test_knn_spread_bar():
    fig = knn_spread_bar({"a": {"knn_accuracy_spread": 0.01, "random_accuracy_spread": 0.05, "k": 10},
                          "b": {"knn_accuracy_spread": 0.02, "random_accuracy_spread": 0.05},
                          "no smoothness": {}})
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert list(fig.data[0].x) == ["a", "b"] and list(fig.data[0].y) == [0.01, 0.02]
    assert fig.data[0].name == "10 nearest latent neighbours"
