"""How runs are named in legends (labels) and in exported file names (tags)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from core.errors import OpEmbedError
from core.models.registry import display_name
from core.runs import Run


def model_name(run: Run) -> str:
    """The paper's name of the run's model and encoding ("D-VAE", "DVAE-EMB", "GCN", "GCN-EMB";
    :func:`core.models.registry.display_name`), "?" when its config does not read."""
    try:
        return display_name(run.config.model)
    except OpEmbedError:
        return "?"


def run_labels(runs: Sequence[Run]) -> list[str]:
    """The legend label of each run: the model names when they tell the runs apart, else
    the model name and the run's name ("D-VAE (cora-onehot)")."""
    models = [model_name(run) for run in runs]
    distinct = len(set(models)) == len(models)
    return [m if distinct else f"{m} ({run.name})" for run, m in zip(runs, models)]


def labelled(frames: Sequence[pd.DataFrame], labels: Sequence[str]) -> pd.DataFrame:
    """The frames stacked, each with a ``run`` column holding its label."""
    return pd.concat([frame.assign(run=label) for frame, label in zip(frames, labels)], ignore_index=True)


def file_tag(name: str) -> str:
    """``name`` made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


def run_tags(runs: Sequence[Run]) -> list[str]:
    """A distinct file-name tag per run: its folder name, with the parent added on clashes."""
    names = [run.path.name or str(run.path) for run in runs]
    for index, name in enumerate(names):
        if names.count(name) > 1:
            names[index] = f"{runs[index].path.parent.name}/{name}"
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[index] = f"{name} ({seen[name]})"
    return [file_tag(name) for name in names]
