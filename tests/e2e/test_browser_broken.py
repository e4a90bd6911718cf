"""The dashboard in a real browser over a runs folder of damaged runs (``tiny_runs.BROKEN_KINDS``:
a truncated latents, model or checkpoint file, a model of another space, garbage JSON, a
history.csv with byte 0xff, a missing model, a link out of the runs folder ...) beside a good
pair: every page opens with zero ``stException``, and the Runs page names each broken run.
Run: ``python -m pytest tests/e2e -m e2e``.
"""

from __future__ import annotations


import pytest

from tests.e2e.harness import PAGES, open_page, require_browser, served_page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    require_browser()
    from tests.dashboard.tiny_runs import build_broken_runs

    root = tmp_path_factory.mktemp("e2e-broken")
    with served_page(build_broken_runs(root / "runs"), "", root) as tab:
        yield tab


@pytest.mark.parametrize("url_path,title", PAGES, ids=[title for _, title in PAGES])
def test_no_page_breaks_on_broken_runs(page, url_path, title):
    open_page(page, title)
    assert page.locator("[data-testid='stException']").count() == 0


def test_runs_page_names_each_broken_run(page):
    from tests.dashboard.tiny_runs import BROKEN_KINDS

    open_page(page, "Runs")
    alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
    text = "\n".join(alerts)
    for name, (file, _) in BROKEN_KINDS.items():
        assert f"{name} cannot be read: {file}" in text, name
    assert "Traceback" not in text
