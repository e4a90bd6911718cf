"""Measure the dashboard's latency: server-side script time, then in a real browser.

    python -m tests.e2e.measure_latency [--runs-dir DIR] [--demo-dir DIR] [--repeats 5] [--server-only]

Without ``--runs-dir`` it uses the shipped demo runs (``assets/demo``) when there are
any, else tiny runs written to a temporary folder (26,206 architectures, like the demo).
It prints:

* server only (``AppTest``, no browser): a warm rerun of the Runs page, and a colour-by
  change on the Latent space page with both figures cached;
* cold start: ``streamlit run`` to the first rendered page (imports, data loading);
* warm start, after one session has warmed the caches: a new session to the rendered Runs
  page (target <= 3 s) and Latent space page, in a new browser profile (empty HTTP cache)
  and in a new tab (the browser has the app's JavaScript);
* interaction: the latent plot's colour-by selectbox (target <= 1 s) until the rerun has
  finished and the charts are redrawn (the first change of a colour builds its figure,
  later ones hit the cache), and the embeddings page's similarity radio (small figures).

Numbers depend on the machine: the browser is headless Chromium with software WebGL, so
drawing the 2 x 26,206-point latent plot costs far more here than with a GPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.harness import CHROMIUM, ROOT, launch, open_page, streamlit_server, wait_for_app

WATCH_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__scriptStates = [];
  new MutationObserver(() => window.__scriptStates.push(app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RERUN_DONE_JS = """(start) => {
  const states = window.__scriptStates.slice(start);
  const ran = states.findIndex(s => s !== 'notRunning');
  return ran >= 0 && states.slice(ran + 1).includes('notRunning');
}"""
FRAMES_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
CHARTS_DRAWN_JS = """(count) => document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot").length >= count"""


def rendered(page, title: str, charts: int) -> None:
    """The page shows ``title``, its script has finished and ``charts`` charts are drawn."""
    wait_for_app(page, title)
    if charts:
        page.wait_for_function(CHARTS_DRAWN_JS, arg=charts, timeout=120_000)
    page.evaluate(FRAMES_JS)


def timed_load(context, url: str, title: str, charts: int) -> float:
    """Seconds from opening ``url`` in a new tab of ``context`` (a new Streamlit session)
    to the page rendered."""
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    rendered(page, title, charts)
    seconds = time.perf_counter() - started
    page.close()
    return seconds


def choose(page, label: str, option: str) -> float:
    """Pick ``option`` in the selectbox ``label``; seconds until the rerun is drawn."""
    start = page.evaluate("() => window.__scriptStates.length")
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    target = page.get_by_role("option", name=option, exact=True)
    target.wait_for()
    started = time.perf_counter()
    target.click()
    page.wait_for_function(RERUN_DONE_JS, arg=start, timeout=120_000)
    page.evaluate(FRAMES_JS)
    return time.perf_counter() - started


def server_side(runs_dir: Path, demo_dir: str, repeats: int) -> None:
    """Script time alone (no browser), warm caches, under ``AppTest``: what a rerun costs
    the server. (AppTest logs a few harmless "missing ScriptRunContext" lines.)"""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    at.session_state["runs_dir"] = str(runs_dir)
    at.session_state["demo_dir"] = demo_dir
    at.session_state["include_demo"] = bool(demo_dir)
    at.run()
    runs_page = []
    for _ in range(repeats):
        started = time.perf_counter()
        at.run()
        runs_page.append(time.perf_counter() - started)
    at.switch_page("app_pages/latent_space.py").run()
    colours = [c for c in ("test accuracy", "accuracy")]
    for colour in colours:  # build both figures once
        at.selectbox(key="color_by").select(colour).run()
    changes = []
    for index in range(2 * repeats):
        started = time.perf_counter()
        at.selectbox(key="color_by").select(colours[index % 2]).run()
        changes.append(time.perf_counter() - started)
    print(f"server only, Runs page rerun:          median {statistics.median(runs_page):.3f} s")
    print(f"server only, colour-by change, cached: median {statistics.median(changes):.3f} s "
          "(mostly serialising the 52k-point figure)")


def pick_radio(page, label: str, option: str) -> float:
    """Click ``option`` of the radio group ``label``; seconds until the rerun is drawn."""
    start = page.evaluate("() => window.__scriptStates.length")
    target = page.get_by_test_id("stRadio").filter(has_text=label).get_by_text(option, exact=True)
    started = time.perf_counter()
    target.click()
    page.wait_for_function(RERUN_DONE_JS, arg=start, timeout=120_000)
    page.evaluate(FRAMES_JS)
    return time.perf_counter() - started


def default_runs() -> tuple[Path, str, tempfile.TemporaryDirectory | None]:
    demo = ROOT / "assets" / "demo"
    if any(demo.glob("*/config.json")):
        return Path(tempfile.mkdtemp()) / "none", str(demo), None
    from tests.dashboard.tiny_runs import build_tiny_runs

    folder = tempfile.TemporaryDirectory(prefix="opembed-measure-")
    return build_tiny_runs(Path(folder.name) / "runs"), "", folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", type=Path, default=None)
    parser.add_argument("--demo-dir", default="")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--server-only", action="store_true", help="only the AppTest (no browser) timings")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    keep = None
    runs_dir, demo_dir = args.runs_dir, args.demo_dir
    if runs_dir is None:
        runs_dir, demo_dir, keep = default_runs()
    print(f"runs: {runs_dir}  demo: {demo_dir or '-'}")
    server_side(runs_dir, demo_dir, args.repeats)
    if args.server_only:
        return 0
    log = Path(tempfile.gettempdir()) / "opembed-measure-streamlit.log"
    started = time.perf_counter()
    with streamlit_server(runs_dir, demo_dir, log_path=log) as (url, _), sync_playwright() as playwright:
        healthy = time.perf_counter() - started
        browser = launch(playwright)
        first = timed_load(browser.new_context(viewport={"width": 1600, "height": 1000}), url, "Runs", 1)
        print(f"cold start: server healthy after {healthy:.2f} s, first page rendered {first:.2f} s later "
              f"({healthy + first:.2f} s in all)")

        # warm every cache the latent page needs (projection, table, figure) in one session
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto(url)
        rendered(page, "Runs", 1)
        warm_started = time.perf_counter()
        open_page(page, "Latent space", timeout=600_000)
        page.wait_for_function(CHARTS_DRAWN_JS, arg=1, timeout=600_000)
        print(f"latent page, first visit (projection, figure): {time.perf_counter() - warm_started:.2f} s")
        context.close()

        def fresh() -> object:  # a new browser profile: empty HTTP cache
            return browser.new_context(viewport={"width": 1600, "height": 1000})

        cold_browser = [timed_load(fresh(), url, "Runs", 1) for _ in range(args.repeats)]
        warm_browser = fresh()
        timed_load(warm_browser, url, "Runs", 1)  # the browser caches the app's JavaScript
        runs_page = [timed_load(warm_browser, url, "Runs", 1) for _ in range(args.repeats)]
        latent_page = [timed_load(warm_browser, f"{url}/latent_space", "Latent space", 1) for _ in range(args.repeats)]

        def summary(values: list[float]) -> str:
            return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"

        print(f"warm start, Runs page, new browser profile:  {summary(cold_browser)}")
        print(f"warm start, Runs page, new tab:               {summary(runs_page)}  target <= 3 s")
        print(f"warm start, Latent space page, new tab:       {summary(latent_page)}")

        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/latent_space")
        rendered(page, "Latent space", 1)
        page.evaluate(WATCH_JS)
        first_change = [choose(page, "Colour by", "test accuracy"), choose(page, "Colour by", "valid accuracy")]
        cached = []
        for _ in range(args.repeats):
            cached.append(choose(page, "Colour by", "test accuracy"))
            cached.append(choose(page, "Colour by", "valid accuracy"))
        print(f"interaction, colour-by, new colour (figure built): {first_change[0]:.2f} s")
        print(f"interaction, colour-by, cached figure: {summary(cached)}  target <= 1 s")
        page.goto(f"{url}/embeddings")
        rendered(page, "Operation embeddings", 1)
        page.evaluate(WATCH_JS)
        radio = []
        for _ in range(args.repeats):
            radio.append(pick_radio(page, "Similarity", "euclidean"))
            radio.append(pick_radio(page, "Similarity", "cosine"))
        print(f"interaction, embeddings similarity radio (small figures): {summary(radio)}")
        context.close()
        browser.close()
    if keep is not None:
        keep.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
