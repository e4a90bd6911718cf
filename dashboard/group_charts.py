"""The seed-group figures and the verdict of the pages: cached wrappers around
:mod:`core.reports.groups` and :func:`core.groups.verdict.verdict`, keyed like
:mod:`dashboard.charts` on every member's path and newest file time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from core.reports import Report
from core.reports import groups as group_reports
from core.runs import Run
from dashboard.charts import RunRefs, _opened, figure_cache, refs

def group_refs(groups: dict[str, Sequence[Run]]) -> tuple:
    """The cache key of labelled groups: each label with its runs' :func:`refs`."""
    return tuple((label, refs(members)) for label, members in groups.items())


@figure_cache(16)
def _group_report(recipe: str, key: tuple, _groups: dict[str, Sequence[Run]]) -> Report | None:
    return getattr(group_reports, recipe)({label: _opened(members) for label, members in _groups.items()})


def group_training_curves(groups: dict[str, Sequence[Run]]) -> Report | None:
    """Loss parts per epoch, mean over each group's seeds with a 95 % band, or ``None``."""
    return _group_report("group_training_curves", group_refs(groups), groups)


def group_quality_curves(groups: dict[str, Sequence[Run]]) -> Report | None:
    """Greedy reconstruction and prior validity per epoch, mean over seeds with a band."""
    return _group_report("group_quality_curves", group_refs(groups), groups)


def group_metrics_table(groups: dict[str, Sequence[Run]]) -> Report | None:
    """Each group's metrics as mean ± 95 % CI over its seeds, n and the seeds."""
    return _group_report("group_metrics_table", group_refs(groups), groups)


@figure_cache(8)
def _group_similarity(key: RunRefs, label: str, metric: str, _runs: Sequence[Run]):
    return group_reports.group_similarity(_opened(_runs), label, metric)


def group_similarity(runs: Sequence[Run], label: str, metric: str = "cosine"):
    """The similarity matrix averaged over a learned group's seeds and the seeds' agreement."""
    return _group_similarity(refs(runs), label, metric, runs)


@st.cache_resource(show_spinner=False, max_entries=8)
def _verdict(key: tuple, _a: tuple[Path, ...], _b: tuple[Path, ...], data_dir: str):
    from core.groups import group_runs
    from core.groups.verdict import verdict

    (a,), (b,) = group_runs(list(_a)), group_runs(list(_b))
    return verdict(a, b, data_dir=data_dir)


def verdict(a_runs: Sequence[Run], b_runs: Sequence[Run]):
    """The verdict of group B against group A (``core.groups.verdict``); raises
    ``OpEmbedError`` when the groups differ in more than the encoding."""
    return _verdict((refs(a_runs), refs(b_runs)), tuple(r.path for r in a_runs), tuple(r.path for r in b_runs),
                    str(a_runs[0].data_dir))
