import numpy as np
import pandas as pd
import pytest

from core.figures import latent_scatter


def panel(values, offset=0.0) -> pd.DataFrame:
    count = len(values)
    return pd.DataFrame({"key": [f"k{i}" for i in range(count)], "x": np.arange(count) + offset,
                         "y": np.zeros(count), "acc": values, "split": ["train"] * count})


def test_scattergl_panels_share_one_colour_scale():
    fig = latent_scatter({"one-hot": panel([0.2, 0.5]), "learned": panel([0.4, 0.9])}, "acc", "accuracy", ["split"], "umap")
    assert [t.type for t in fig.data] == ["scattergl", "scattergl"]
    assert fig.layout.coloraxis.cmin == pytest.approx(0.2) and fig.layout.coloraxis.cmax == pytest.approx(0.9)
    for trace in fig.data:
        assert trace.marker.coloraxis == "coloraxis"
        assert (trace.marker.cmin, trace.marker.cmax) == (pytest.approx(0.2), pytest.approx(0.9))
    assert fig.data[0].xaxis == "x" and fig.data[1].xaxis == "x2"
    assert [row[0] for row in fig.data[1].customdata] == ["k0", "k1"]  # the key identifies a selection
    assert fig.layout.xaxis.title.text == "UMAP 1"
    assert fig.layout.coloraxis.colorbar.title.text == "accuracy"


def test_categorical_colour_gets_one_trace_per_category():
    a = panel([0.1, 0.2, 0.3])
    a["split"] = ["train", "test", "train"]
    fig = latent_scatter({"a": a, "b": panel([0.1])}, "split", "split", ["acc"])
    names = [(t.name, len(t.x)) for t in fig.data]
    assert names == [("test", 1), ("train", 2), ("test", 0), ("train", 1)]
    assert all(t.type == "scattergl" for t in fig.data)
