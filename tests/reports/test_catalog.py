"""``python -m core export`` writes exactly what the dashboard's Export page offers: on the
shipped enas6 pair (the dashboard's default pair), the same figures by name and the same CSV
behind each, byte for byte. The Export page's path is the page's own code: runs found by
discovery, the selection's default pair, the session's settings, the cached recipes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from core.reports.export import export_runs
from dashboard import exports, state
from dashboard.app_pages import common

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"
PAIR = ("enas6-onehot", "enas6-learned")


def csv_differences(folder: Path, figures: dict) -> list[str]:
    """What differs between the CSVs an export wrote to ``folder`` and the data of the
    page's ``figures`` (name -> (figure, frame)); empty when they are the same."""
    written = {path.stem: path.read_text() for path in folder.glob("*.csv")}
    problems = [f"only exported: {name}" for name in sorted(set(written) - set(figures))]
    problems += [f"only on the page: {name}" for name in sorted(set(figures) - set(written))]
    for name in sorted(set(written) & set(figures)):
        if figures[name][1].to_csv(index=False) != written[name]:
            problems.append(f"different data: {name}")
    return problems


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Path:
    """The shipped enas6 pair, copied (exports may cache projections in a run)."""
    root = tmp_path_factory.mktemp("export") / "runs"
    for name in PAIR:
        shutil.copytree(DEMO / name, root / name)
    return root


@pytest.fixture(scope="module")
def page_figures(pair):
    """What the Export page builds for the default selection, through the page's own
    functions (session state in Streamlit's bare mode)."""
    saved = os.environ.get(state.RUNS_DIR_ENV)
    os.environ[state.RUNS_DIR_ENV] = str(pair)
    try:
        st.session_state.clear()
        state.init_state()
        st.session_state["include_demo"] = False
        state.fix_selection(state.all_runs())
        runs = common.comparable_runs()
        figures, notes = exports.export_figures(runs, state.report_settings())
        return runs, exports.export_projections(runs), figures, notes
    finally:
        os.environ[state.RUNS_DIR_ENV] = saved or ""


@pytest.mark.slow
def test_the_export_command_writes_what_the_export_page_offers(pair, page_figures, tmp_path):
    runs, projections, figures, notes = page_figures
    assert [run.name for run in runs] == list(PAIR) and notes == []
    assert set(projections) == {"umap", "pca", "tsne"}  # all three are cached in the shipped runs
    export_runs([pair / name for name in PAIR], "html", tmp_path, projections=projections)
    assert len(list(tmp_path.glob("*.csv"))) >= 20
    assert csv_differences(tmp_path, figures) == []
    interpolation = pd.read_csv(tmp_path / "interpolation_enas6-learned.csv")
    assert len(interpolation) == 8 and interpolation["t"].iloc[-1] == 1.0  # the page's 8 steps
    latent = pd.read_csv(tmp_path / "latent_umap.csv")
    assert set(latent["run"]) == {"D-VAE", "DVAE-EMB"} and "accuracy" in latent.columns  # coloured as the page


@pytest.mark.slow
def test_a_drift_between_them_is_caught(page_figures, tmp_path):
    _, _, figures, _ = page_figures
    for name, (_, frame) in figures.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    assert csv_differences(tmp_path, figures) == []
    steps = figures["interpolation_enas6-onehot"][1]
    drifted = {**figures, "interpolation_enas6-onehot": (None, steps.iloc[:6])}  # the old export's 6 steps
    assert csv_differences(tmp_path, drifted) == ["different data: interpolation_enas6-onehot"]
    (tmp_path / "extra.csv").write_text("a\n1\n")
    assert "only exported: extra" in csv_differences(tmp_path, figures)
