"""Runs of other models in a real browser: a GCN pair (GCN, GCN-EMB) beside a D-VAE run. The
default pair is the GCN pair, named by its models, and every page renders it without an
exception; the Latent space page then compares GCN-EMB with D-VAE. Run:
``python -m pytest tests/e2e -m e2e``.
"""

from __future__ import annotations


import pytest

from tests.e2e.harness import PAGES, open_page, require_browser, served_page

pytestmark = pytest.mark.e2e
CHART_PAGES = {"Runs", "Latent space", "Operation embeddings"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    require_browser()
    from tests.dashboard.tiny_runs import write_run

    root = tmp_path_factory.mktemp("e2e-models")
    runs = root / "runs"
    write_run(runs / "cora-dvae-onehot", "onehot", seed=1)
    write_run(runs / "cora-gcn-onehot", "onehot", seed=2, model="gcn")
    write_run(runs / "cora-gcn-learned", "learned", seed=3, model="gcn")
    with served_page(runs, "", root) as tab:
        yield tab


def test_the_default_pair_is_the_gcn_pair_named_by_its_models(page):
    assert page.get_by_label("Run A").input_value() == "cora-gcn-onehot · nbg-cora · GCN"
    assert page.get_by_label("Run B").input_value() == "cora-gcn-learned · nbg-cora · GCN-EMB"


@pytest.mark.parametrize("url_path,title", PAGES, ids=[title for _, title in PAGES])
def test_every_page_renders_the_gcn_emb_run(page, url_path, title):
    open_page(page, title)
    assert page.locator("[data-testid='stException']").count() == 0
    if title in CHART_PAGES:
        assert page.locator("[data-testid='stPlotlyChart']").count() > 0
    if title == "Operation embeddings":
        headers = page.locator("[data-testid='stHeading']").all_inner_texts()
        assert any("GCN-EMB" in header for header in headers), headers


def test_gcn_emb_compares_with_a_dvae_run(page):
    open_page(page, "Latent space")
    page.get_by_label("Run A").click()
    page.get_by_role("option", name="cora-dvae-onehot · nbg-cora · D-VAE").click()
    page.wait_for_timeout(500)
    assert page.get_by_label("Run A").input_value() == "cora-dvae-onehot · nbg-cora · D-VAE"
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_label("Run B").input_value() == "cora-gcn-learned · nbg-cora · GCN-EMB"
