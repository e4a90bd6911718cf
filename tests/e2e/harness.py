"""Start the dashboard as `streamlit run` and drive Debian's Chromium with Playwright.

Shared by the browser tests (``test_browser*.py``) and ``measure_latency.py``. Never downloads a browser: it
uses ``/usr/bin/chromium`` (``apt-get install -y chromium``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
APP_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"

# (url path, sidebar title) of every page; the first is the default page at "/"
PAGES = [
    ("", "Runs"),
    ("latent_space", "Latent space"),
    ("embeddings", "Operation embeddings"),
    ("smoothness", "Smoothness"),
    ("best_cells", "Best cells"),
    ("verdict", "Verdict"),
    ("export", "Export"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 90.0) -> float:
    """Poll ``/_stcore/health`` until it answers ``ok``. Returns the seconds waited."""
    started = time.perf_counter()
    url = f"http://localhost:{port}/_stcore/health"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return time.perf_counter() - started
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(runs_dir: Path | str, demo_dir: Path | str = "", log_path: Path | None = None,
                     extra_env: dict[str, str] | None = None):
    """``streamlit run dashboard/app.py`` on a free port. Yields ``(url, process)``."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.address", "127.0.0.1", "--server.headless", "true", "--server.port", str(port),
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--", "--runs-dir", str(runs_dir), "--demo-dir", str(demo_dir),
    ]
    env = {**os.environ, **(extra_env or {})}
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_healthy(port, process)
        yield f"http://localhost:{port}", process
    finally:
        stop(process)
        if log_path:
            log.close()


def require_browser() -> None:
    """Skip the calling test (or fixture) unless Debian's Chromium and Playwright are here."""
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def served_page(runs_dir: Path | str, demo_dir: Path | str, root: Path, timeout_ms: int = 120_000,
                extra_env: dict[str, str] | None = None):
    """The dashboard served on ``runs_dir`` / ``demo_dir`` (log in ``root``) and a browser tab
    on it. Yields the tab."""
    with streamlit_server(runs_dir, demo_dir, log_path=root / "streamlit.log", extra_env=extra_env) as (url, _):
        with browser_page(url, timeout_ms=timeout_ms) as tab:
            yield tab


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@contextlib.contextmanager
def browser_page(url: str, timeout_ms: int = 120_000, **context_options):
    """A headless Chromium tab on ``url``, the app loaded on its Runs page. Yields the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, **context_options)
        tab = context.new_page()
        tab.set_default_timeout(timeout_ms)
        tab.goto(url)
        wait_for_app(tab, "Runs", timeout=timeout_ms)
        yield tab
        context.close()
        browser.close()


def stop(process: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not end within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_app(page, title: str | None = None, timeout: float = 120_000) -> None:
    """Wait until the page shows ``title`` (its ``st.title``) and the script has finished."""
    page.wait_for_selector(CONNECTED, timeout=timeout)
    if title is not None:
        page.locator("h1", has_text=title).first.wait_for(timeout=timeout)
    page.wait_for_selector(APP_DONE, timeout=timeout)


def wait_for_rerun(page, timeout: float = 120_000) -> None:
    """After an interaction: wait for the script to start (if it has not already finished)
    and then to finish, then for two animation frames (charts drawn)."""
    with contextlib.suppress(Exception):
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=2_000)
    page.wait_for_selector(APP_DONE, timeout=timeout)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def open_page(page, title: str, timeout: float = 120_000) -> None:
    """Click a page in the sidebar navigation and wait for it."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_for_app(page, title, timeout)
