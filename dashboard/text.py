"""Text from outside the app (run-folder names) made safe for Streamlit's Markdown."""

from __future__ import annotations

import re

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|<>~$:])")  # what opens a link, an image, HTML or emphasis


def plain(text: str) -> str:
    """``text`` escaped for Streamlit's Markdown: a folder named ``![t](http://host)`` shows
    as those characters, never as an image, a link or HTML."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
