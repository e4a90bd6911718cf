"""Run-folder names reach the browser as text, never as Markdown; a header-only history.csv
does not take the app down; no page shows a server path."""

from __future__ import annotations

import re
import shutil

from tests.dashboard.test_app import PAGES, make_app, open_page
from tests.dashboard.tiny_runs import write_run

BEACON = "![t](https:127.0.0.1:8799)"
LINK = "[Session expired - log in again](https:x)"


def _markdown_sources(at) -> list[str]:
    """The Markdown every text element of the page was given (info, error, caption, markdown,
    expander labels)."""
    found = [str(e.value) for kind in ("info", "error", "warning", "caption", "markdown") for e in at.get(kind)]
    found += [e.label for e in at.main if type(e).__name__ == "Expander"]
    return found


def test_markdown_folder_names_are_shown_as_text(tiny_runs, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(tiny_runs / "cora-onehot", root / BEACON)
    shutil.copytree(tiny_runs / "cora-half", root / LINK)
    at = make_app(root).run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["run"]) == {BEACON, LINK}  # the table shows the names as they are
    for text in _markdown_sources(at):
        outside_code = re.sub(r"`[^`]*`", "", text)  # a code span shows its text as it is
        assert BEACON not in outside_code and LINK not in outside_code, text  # only ever escaped: \!\[t\]\(...
    assert any("\\!\\[t\\]\\(https\\:127" in text for text in _markdown_sources(at))


def test_a_header_only_history_leaves_every_page_up(tiny_runs, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(tiny_runs / "cora-onehot", root / "cora-onehot")
    shutil.copytree(tiny_runs / "cora-learned", root / "cora-learned")
    header = write_run(root / "header-only", "learned", seed=5, complete=False)
    (header / "history.csv").write_text((header / "history.csv").read_text().splitlines()[0] + "\n")
    for page in PAGES:
        at = open_page(make_app(root), page)
        assert not at.exception, (page, at.exception)
        shown = "\n".join(_markdown_sources(at))
        assert str(tmp_path) not in shown, page
