import pandas as pd

from core.figures import training_curves


def history(scale: float) -> pd.DataFrame:
    return pd.DataFrame({"epoch": [1, 2, 3], "loss": [3.0 * scale, 2.0 * scale, 1.0 * scale], "type_nll": [1.0, 0.5, 0.2],
                         "edge_bce": [1.5, 1.0, 0.7], "kld": [10.0, 12.0, 13.0], "lr": 1e-3, "seconds": 1.0})


def test_one_trace_per_run_and_part():
    fig = training_curves({"one-hot": history(1.0), "learned": history(0.5)})
    assert len(fig.data) == 8
    assert sum(t.showlegend for t in fig.data) == 2  # one legend entry per run
    by_run = {t.name: t.line.color for t in fig.data}
    assert by_run["one-hot"] != by_run["learned"]
    assert list(fig.data[0].y) == [3.0, 2.0, 1.0]
    assert fig.layout.xaxis3.title.text == "epoch"


def test_missing_columns_are_skipped():
    fig = training_curves({"old": pd.DataFrame({"epoch": [1], "loss": [2.0]})})
    assert len(fig.data) == 1
