from core.figures import metrics_table
from core.figures.metrics import metrics_table_figure


def test_paper_layout_with_missing_values():
    table = metrics_table({
        "D-VAE": {"recon_accuracy": 0.99531, "validity": 1.0, "uniqueness": 0.375, "novelty": 1.0,
                  "rmse": 0.3841, "rmse_std": 0.0023, "pearson": 0.9221, "pearson_std": 0.001},
        "DVAE-EMB": {"recon_accuracy": 0.5, "rmse": 0.4},
    })
    assert list(table.columns) == ["Recon %", "Valid %", "Unique %", "Novel %", "RMSE", "Pearson r"]
    assert table.index.tolist() == ["D-VAE", "DVAE-EMB"] and table.index.name == "Run"
    assert table.loc["D-VAE", "Recon %"] == "99.53"
    assert table.loc["D-VAE", "Unique %"] == "37.50"
    assert table.loc["D-VAE", "RMSE"] == "0.384 ± 0.002"
    assert table.loc["DVAE-EMB", "Valid %"] == "—"
    assert table.loc["DVAE-EMB", "RMSE"] == "0.400"
    assert table.loc["DVAE-EMB", "Pearson r"] == "—"
    fig = metrics_table_figure(table)
    assert fig.data[0].type == "table"
