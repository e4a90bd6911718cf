"""The dashboard as a new user first sees it: the shipped demo folder and no runs of their own,
no ENAS data file. The default pair is the enas6 pair (D-VAE and DVAE-EMB) and every page
opens without an exception. Run: ``python -m pytest tests/e2e -m e2e``."""

from __future__ import annotations


import pytest

from tests.e2e.harness import PAGES, ROOT, open_page, require_browser, served_page

pytestmark = pytest.mark.e2e
DEMO = ROOT / "assets" / "demo"
CHART_PAGES = {"Runs", "Latent space", "Operation embeddings", "Smoothness", "Best cells"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    require_browser()
    if not (DEMO / "enas6-onehot" / "model.pt").exists():
        pytest.skip("the shipped enas6 pair is not in assets/demo")
    root = tmp_path_factory.mktemp("e2e-demo")
    (root / "runs").mkdir()
    no_data = {"OPEMBED_DATA_DIR": str(root / "no-data")}  # as on a fresh clone: no ENAS data file
    with served_page(root / "runs", DEMO, root, timeout_ms=180_000, extra_env=no_data) as tab:
        yield tab


def _enas6_group_sizes() -> dict[str, int]:
    from core.groups import find_runs, group_runs

    return {g.encoding: g.n for g in group_runs(find_runs([DEMO])) if g.space == "enas6"}


def test_the_default_pair_is_the_enas6_pair(page):
    sizes = _enas6_group_sizes()
    if min(sizes.values()) >= 2:  # the shipped seed groups are the default view
        assert page.get_by_label("Run A").input_value() == \
            f"group: enas6 · D-VAE · fast, 120 epochs ({sizes['onehot']} seeds)"
        assert page.get_by_label("Run B").input_value() == \
            f"group: enas6 · DVAE-EMB · fast, 120 epochs ({sizes['learned']} seeds)"
    else:
        assert page.get_by_label("Run A").input_value() == "demo/enas6-onehot · enas6 · D-VAE"
        assert page.get_by_label("Run B").input_value() == "demo/enas6-learned · enas6 · DVAE-EMB"


@pytest.mark.parametrize("url_path,title", PAGES, ids=[title for _, title in PAGES])
def test_every_page_renders_the_enas6_pair(page, url_path, title):
    open_page(page, title, timeout=180_000)
    assert page.locator("[data-testid='stException']").count() == 0
    if title in CHART_PAGES:
        assert page.locator("[data-testid='stPlotlyChart']").count() > 0
    if title == "Verdict":
        assert page.locator("[data-testid='stDataFrame']").count() > 0
