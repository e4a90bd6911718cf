"""A griffe extension for the API reference (mkdocs.yml loads it).

The project's docstrings title their examples ``Example:`` (STYLE.md), which griffe's Google
parser takes for an admonition, so the ``>>>`` lines would render as quotes. This reads the
title as the ``Examples:`` section, whose ``>>>`` lines render as code. Docstrings stay as
they are; only the site's copy is changed.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

EXAMPLE_TITLE = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Reads a docstring's ``Example:`` section as ``Examples:``."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = EXAMPLE_TITLE.sub(r"\1Examples:", obj.docstring.value)
