"""The dashboard on a bn-asia pair (``tiny_bn_runs``): every page opens with no exception,
networks are drawn over the variables' names (no input or output box), and the embedding
heatmap compares the variables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.bn.asia import ASIA_NAMES
from tests.dashboard.test_app import PAGES, make_app, open_page, plotly_charts
from tests.dashboard.tiny_bn_runs import build_bn_runs


@pytest.fixture(scope="module")
def bn_runs(tmp_path_factory) -> Path:
    """``<tmp>/runs`` with the tiny ``bn-onehot`` / ``bn-learned`` pair."""
    return build_bn_runs(tmp_path_factory.mktemp("dashboard-bn") / "runs")


def chart_data(at, chart: int) -> list[dict]:
    """The traces of the page's ``chart``-th figure."""
    return json.loads(at.get("plotly_chart")[chart].proto.spec)["data"]


def cell_labels(at, chart: int) -> list[list[str]]:
    """The box labels of each cell (its ``nodes`` trace) of a cell drawing, the page's ``chart``-th figure."""
    return [list(trace["text"]) for trace in chart_data(at, chart) if trace.get("name") == "nodes"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_a_bn_asia_pair(bn_runs, page):
    at = open_page(make_app(bn_runs, interp_steps=3, circle_steps=4), page)
    assert not at.exception, at.exception
    assert at.session_state["run_a"].endswith("bn-onehot")
    assert at.session_state["run_b"].endswith("bn-learned")
    assert plotly_charts(at) >= 1, page


def test_a_selected_network_is_drawn_over_its_variables(bn_runs):
    key = pd.read_parquet(bn_runs / "bn-onehot" / "latents.parquet")["key"].iloc[0]
    at = open_page(make_app(bn_runs, selected_key=key), "app_pages/latent_space.py")
    assert not at.exception, at.exception
    assert plotly_charts(at) == 2  # the latent map and the network with its reconstructions
    selected, *reconstructions = cell_labels(at, 1)
    assert sorted(selected) == sorted(ASIA_NAMES)  # each variable once, no input or output box
    assert reconstructions  # an untrained model's decodes, drawn whatever they are


def test_the_embedding_heatmap_compares_the_variables(bn_runs):
    at = open_page(make_app(bn_runs), "app_pages/embeddings.py")
    assert not at.exception, at.exception
    traces = [chart_data(at, chart)[0] for chart in range(plotly_charts(at))]
    heatmaps = [trace for trace in traces if trace.get("type") == "heatmap"]
    assert heatmaps and all(set(ASIA_NAMES) <= set(trace["x"]) for trace in heatmaps)


def test_best_cells_page_draws_networks_found_by_the_baselines(bn_runs):
    at = open_page(make_app(bn_runs, top_k=5), "app_pages/best_cells.py")
    assert not at.exception, at.exception
    assert "No BO results" not in "\n".join(str(info.value) for info in at.info)
    assert plotly_charts(at) >= 3
