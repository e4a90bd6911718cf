"""The Best-cells page's "Found by search" and "What they share": cached wrappers around
:mod:`core.reports.found_cells`, keyed like the BO figures (:func:`dashboard.charts._bo_key`)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.reports import Report
from core.reports import found_cells as found
from core.runs import Run
from dashboard import state
from dashboard.charts import _bo_key, _opened, figure_cache


@st.cache_data(show_spinner=False, max_entries=16)
def _search_methods(key: tuple, _runs: Sequence[Run]) -> list[str]:
    return found.search_methods(_runs)


def search_methods(runs: Sequence[Run]) -> list[str]:
    """The BO methods with results in ``runs`` (a run or a seed group's members). A damaged
    result file raises ``OpEmbedError`` (the page shows it)."""
    return _search_methods(_bo_key(runs), runs)


@figure_cache(16)
def _found_report(recipe: str, key: tuple, method: str, budget: int, k: int, _runs: Sequence[Run]) -> Report | None:
    extra = {"props": state.properties_of(_runs[0])} if recipe == "shared_patterns" else {}
    return getattr(found, recipe)(_opened(_runs), method, budget, k, **extra)


def found_cells(runs: Sequence[Run], method: str, budget: int, k: int) -> Report | None:
    """The top-``k`` distinct cells ``method`` found within ``budget`` queries over every
    search of ``runs`` (the first must hold the space's table), drawn, and their table."""
    return _found_report("found_cells", _bo_key(runs), method, int(budget), int(k), runs)


def shared_patterns(runs: Sequence[Run], method: str, budget: int, k: int) -> Report | None:
    """What those cells share against the space's top-``k`` and the whole space."""
    return _found_report("shared_patterns", _bo_key(runs), method, int(budget), int(k), runs)
