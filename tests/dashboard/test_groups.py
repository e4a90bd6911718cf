"""The dashboard with seed groups: groups are the default pair, the Runs page draws seed
bands and mean ± CI, the embeddings page averages the seeds, the Verdict page tests."""

from __future__ import annotations

import pytest

from tests.dashboard.test_app import PAGES, make_app, open_page, texts

GROUP_PAGES = [*PAGES, "app_pages/verdict.py"]


@pytest.mark.parametrize("page", GROUP_PAGES)
def test_every_page_with_seed_groups(group_runs, page):
    at = open_page(make_app(group_runs), page)
    assert not at.exception, at.exception
    assert at.session_state["run_a"].startswith("group::") and at.session_state["run_a"].endswith("onehot/seed0")
    assert at.session_state["run_b"].startswith("group::") and at.session_state["run_b"].endswith("learned/seed0")


def test_the_runs_page_draws_seed_bands_and_means(group_runs):
    at = open_page(make_app(group_runs), "app_pages/runs.py")
    assert "Metrics, mean over seeds" in texts(at.subheader)
    charts = at.get("plotly_chart")
    import json

    figures = [json.loads(c.proto.spec) for c in charts]
    names = [trace.get("name", "") for figure in figures for trace in figure["data"]]
    assert any(name.endswith("95 % CI") for name in names)  # the band
    assert any("seed 2" in name for name in names)  # each seed faintly
    assert any("(n = 3)" in name for name in names)  # the mean
    table = next(t.value for t in at.table if "Seeds" in t.value.columns)
    assert list(table["n"]) == ["3", "3"] and list(table["Seeds"]) == ["0, 1, 2", "0, 1, 2"]
    assert all("±" in cell for cell in table["RMSE"])


def test_the_embeddings_page_averages_the_seeds(group_runs):
    at = open_page(make_app(group_runs), "app_pages/embeddings.py")
    assert "Across seeds" in texts(at.subheader)
    assert [m.label for m in at.metric] == ["Seed agreement (mean pairwise Spearman)"]


def test_the_verdict_page_shows_every_claim(group_runs):
    at = open_page(make_app(group_runs), "app_pages/verdict.py")
    frame = at.dataframe[0].value
    assert {"faster convergence", "smoother", "more accurate", "better end task", "reference"} <= set(frame["claim"])
    rmse = frame[frame["measure"] == "GP RMSE"].iloc[0]
    assert rmse["test"] == "Welch t" and rmse["verdict"] in ("supported", "contradicted", "inconclusive")


def test_a_single_run_pair_still_works(group_runs):
    at = open_page(make_app(group_runs, run_a=str(group_runs / "onehot" / "seed0"),
                            run_b=str(group_runs / "learned" / "seed0")), "app_pages/verdict.py")
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["verdict"]) <= {"inconclusive (n = 1)", "inconclusive (no values)"}
