"""The dashboard in a real browser over a runs folder of damaged runs (``tiny_runs.BROKEN_KINDS``:
a truncated latents, model or checkpoint file, a model of another space, garbage JSON, a
history.csv with byte 0xff, a missing model, a link out of the runs folder ...; and
``DAMAGED_VALUES``: a header-only history, NaN or inf latents, latents without ``y``,
BO values stored as strings; smoothness.json of the wrong types is a broken run) beside a good pair and a run
whose folder name is a Markdown image: every page opens with zero ``stException``, shows no
absolute path, and the browser requests nothing but the loopback server; the Runs page names
each broken run. Run: ``python -m pytest tests/e2e -m e2e``.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.harness import PAGES, open_page, require_browser, served_page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require_browser()
    from tests.dashboard.tiny_runs import build_broken_runs

    root = tmp_path_factory.mktemp("e2e-broken")
    requests: list[str] = []
    with served_page(build_broken_runs(root / "runs"), "", root) as tab:
        tab.on("request", lambda request: requests.append(request.url))
        yield tab, requests, root


@pytest.fixture
def page(served):
    return served[0]


@pytest.mark.parametrize("url_path,title", PAGES, ids=[title for _, title in PAGES])
def test_no_page_breaks_on_broken_runs(served, url_path, title):
    page, requests, root = served
    open_page(page, title)
    assert page.locator("[data-testid='stException']").count() == 0
    text = page.locator("[data-testid='stApp']").inner_text()
    assert str(root) not in text and "/tmp/" not in text  # no server path on the page
    hosts = {urlparse(url).hostname for url in requests if urlparse(url).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {"127.0.0.1", "localhost", "::1"}, hosts - {"127.0.0.1", "localhost", "::1"}


def test_a_markdown_folder_name_shows_as_text(served):
    from tests.dashboard.tiny_runs import MARKDOWN_IMAGE_NAME

    page, requests, _ = served
    open_page(page, "Runs")
    assert MARKDOWN_IMAGE_NAME in page.locator("[data-testid='stApp']").inner_text()
    assert not any("10.255.255.1" in url for url in requests)


def test_runs_page_names_each_broken_run(page):
    from tests.dashboard.tiny_runs import BROKEN_KINDS

    open_page(page, "Runs")
    alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
    text = "\n".join(alerts)
    for name, (file, _) in BROKEN_KINDS.items():
        assert f"{name} cannot be read: {file}" in text, name
    assert "Traceback" not in text
