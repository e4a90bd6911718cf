"""The dashboard as a new user first sees it: the shipped demo folder and no runs of their own,
no ENAS data file. The default pair is the enas6 pair (D-VAE and DVAE-EMB) and every page
opens without an exception. Run: ``python -m pytest tests/e2e -m e2e``."""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import PAGES, ROOT, open_page, require_browser, served_page, wait_for_rerun

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


def _choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_rerun(page, timeout=180_000)


def _labels_inside_boxes(page, key: str) -> tuple[int, int]:
    """In the drawn SVG of chart ``key``: (labels, labels whose measured box lies inside a
    node box) — Chromium's own text metrics, not ours."""
    return page.evaluate("""key => {
        const chart = document.querySelector(`.st-key-${key}`);
        const boxes = [...chart.querySelectorAll('.shapelayer path')].map(p => p.getBoundingClientRect());
        const labels = [...chart.querySelectorAll('.scatterlayer .textpoint text')].map(t => t.getBoundingClientRect());
        const inside = labels.filter(l => boxes.some(b => l.left >= b.left && l.right <= b.right
                                                         && l.top >= b.top - 1 && l.bottom <= b.bottom + 1));
        return [labels.length, inside.length];
    }""", key)


def _found_cells_drawn(page) -> int:
    charts = 0
    for index in range(2):
        chart = page.locator(f".st-key-found_cells_{index} [data-testid='stPlotlyChart'], "
                             f".st-key-found_cells_{index}[data-testid='stPlotlyChart']")
        if chart.count():
            chart.first.scroll_into_view_if_needed()
            labels, inside = _labels_inside_boxes(page, f"found_cells_{index}")
            assert labels > 0 and inside == labels, (index, labels, inside)
            charts += 1
    return charts


def test_best_cells_shows_the_cells_each_shipped_pair_found(page):
    open_page(page, "Best cells", timeout=180_000)
    page.get_by_text("Found by search", exact=True).wait_for()
    assert _found_cells_drawn(page) == 2  # the enas6 pair (or groups): D-VAE and DVAE-EMB
    assert page.get_by_text("What they share", exact=True).count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    if os.environ.get("OPEMBED_SCREENSHOTS") == "1":
        section = page.locator(".st-key-found_cells_1")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(ROOT / "assets" / "screenshots" / "found-cells.png"))
    _choose(page, "Run A", "demo/nbg-cora-onehot · nbg-cora · D-VAE")
    _choose(page, "Run B", "demo/nbg-cora-learned · nbg-cora · DVAE-EMB")
    page.get_by_text("Found by search", exact=True).wait_for()
    assert _found_cells_drawn(page) == 2
    assert page.locator("[data-testid='stException']").count() == 0
