"""The dashboard in a real browser: `streamlit run`, then Chromium through Playwright.

Opens every page, checks that none shows an exception and that chart pages draw Plotly
charts, selects points on the latent plot and downloads one figure. With
``OPEMBED_SCREENSHOTS=1`` it saves ``assets/screenshots/<page>.png``. It runs on tiny runs
written to a temporary folder unless ``OPEMBED_E2E_RUNS_DIR`` / ``OPEMBED_E2E_DEMO_DIR``
name others.
Run: ``python -m pytest tests/e2e -m e2e``.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import PAGES, ROOT, browser_page, open_page, require_browser, streamlit_server, wait_for_rerun

pytestmark = pytest.mark.e2e
CHART_PAGES = {"Runs", "Latent space", "Operation embeddings", "Smoothness", "Best cells"}
SCREENSHOTS = ROOT / "assets" / "screenshots"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_browser()
    from tests.dashboard.tiny_runs import build_tiny_runs

    root = tmp_path_factory.mktemp("e2e")
    # OPEMBED_E2E_RUNS_DIR / OPEMBED_E2E_DEMO_DIR: run against other runs (e.g. the demo, for
    # screenshots: OPEMBED_E2E_RUNS_DIR=none OPEMBED_E2E_DEMO_DIR=assets/demo)
    runs = os.environ.get("OPEMBED_E2E_RUNS_DIR") or build_tiny_runs(root / "runs")
    demo = os.environ.get("OPEMBED_E2E_DEMO_DIR", "")
    with streamlit_server(runs, demo, log_path=root / "streamlit.log") as (url, _):
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with browser_page(app_url, accept_downloads=True) as tab:
        yield tab


def _screenshot(page, name: str) -> None:
    """The whole page (the viewport is made as tall as the content, up to 4000 px)."""
    if os.environ.get("OPEMBED_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => (document.querySelector(\"[data-testid='stMain']\") || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 40, size["height"]), 4000)})
    page.wait_for_timeout(800)  # charts resize
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("url_path,title", PAGES, ids=[title for _, title in PAGES])
def test_page_renders(page, url_path, title):
    open_page(page, title)
    assert page.locator("[data-testid='stException']").count() == 0
    if title in CHART_PAGES:
        # clicking the page already shown (Runs, the start page) can return before its rerun
        # has drawn: wait for a chart (it still fails if none appears)
        page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
        assert page.locator("[data-testid='stPlotlyChart']").count() > 0
    _screenshot(page, url_path or "runs")


PLOT_READY_JS = """() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  return plot !== null && plot._fullData !== undefined && plot._fullData.length > 0;
}"""
# Screen position of the point of the first panel nearest the middle of its axes.
POINT_JS = """() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const trace = plot._fullData[0], xaxis = plot._fullLayout.xaxis, yaxis = plot._fullLayout.yaxis;
  const cx = (xaxis.range[0] + xaxis.range[1]) / 2, cy = (yaxis.range[0] + yaxis.range[1]) / 2;
  let best = 0, bestDistance = Infinity;
  for (let i = 0; i < trace.x.length; i++) {
    const d = (trace.x[i] - cx) ** 2 + (trace.y[i] - cy) ** 2;
    if (d < bestDistance) { bestDistance = d; best = i; }
  }
  const box = plot.getBoundingClientRect();
  return [box.left + xaxis._offset + xaxis.l2p(trace.x[best]), box.top + yaxis._offset + yaxis.l2p(trace.y[best])];
}"""


def test_select_points_on_the_latent_plot(page):
    """Lasso a small square around one point of the first panel (the plot's drag mode is lasso)."""
    open_page(page, "Latent space")
    page.wait_for_function(PLOT_READY_JS)
    page.wait_for_timeout(500)  # the chart settles (Streamlit sets its drag and click modes)
    cx, cy = page.evaluate(POINT_JS)
    r = 8  # pixels: a few points at most
    corners = [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r), (cx - r, cy - r)]
    page.mouse.move(*corners[0])
    page.mouse.down()
    for corner in corners[1:]:
        page.mouse.move(*corner, steps=2)  # every mouse move hovers over 52k WebGL points: keep few
    page.mouse.up()
    wait_for_rerun(page)
    key = page.get_by_label("Architecture key")
    assert key.input_value().strip() != ""
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 2  # the plot and the selected cell
    assert page.get_by_text("Nearest latent neighbours").count() >= 1
    _screenshot(page, "latent_space_selected")


def test_download_one_figure(page):
    open_page(page, "Export")
    button = page.get_by_test_id("stDownloadButton").filter(has_text="PNG").first
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename.endswith(".png")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(4) == b"\x89PNG"
    assert page.locator("[data-testid='stException']").count() == 0
