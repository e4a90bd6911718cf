"""The found-cells and shared-patterns recipes on the shipped enas6 run (its BO results
and its keys: no download needed)."""

from pathlib import Path

import pytest

from core.reports import found_cells
from core.runs import Run

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "demo" / "enas6-learned"


@pytest.fixture(scope="module")
def run():
    return Run.open(SHIPPED)


def test_found_cells_are_drawn_best_first_with_their_facts(run):
    figure, top = found_cells.found_cells([run], "dvae", 200, 5)
    assert len([trace for trace in figure.data if trace.name == "nodes"]) == len(top) == 5
    assert list(top.columns) == ["rank", "key", "ops", "value", "space_rank", "found_by", "searches", "median_query"]
    assert top["value"].is_monotonic_decreasing and (top["median_query"] <= 200).all()
    assert (top["found_by"] <= top["searches"]).all() and top["searches"].iloc[0] == 10
    assert top["space_rank"].iloc[0] == 1  # D-VAE's BO finds the space's best within 200 queries
    titles = [a.text for a in figure.layout.annotations if not a.showarrow]
    assert titles[0].startswith("#1 · ")


def test_shared_patterns_compares_three_sets(run):
    figure, data = found_cells.shared_patterns([run], "dvae", 200, 10)
    assert data["measure"].iloc[0] == "operation shares (TV distance)"
    shares = data[data["measure"].str.startswith("share of ")]
    assert len(shares) == 6 and shares[["found", "space top", "space"]].sum().round(6).tolist() == [1.0, 1.0, 1.0]
    assert data["p (found vs space)"].dropna().between(0, 1).all()
    assert {trace.name for trace in figure.data} == {"top 10 found by dvae", "space's top 10", "whole space"}


def test_a_method_without_results_gives_none(run, tmp_path):
    assert found_cells.found_cells([run], "no-such-method", 200, 5) is None
    assert found_cells.search_methods([run])[0] == "dvae"
