"""Figure recipes: runs in, ``(plotly Figure, pandas DataFrame)`` out, one per figure a page
shows. The dashboard's pages (through cached wrappers in ``dashboard/charts.py``) and
``python -m core export`` call the same recipes with the same settings, so an export is
what the pages show.

* :mod:`.settings`: ``ReportSettings`` (every page setting at its default), ``Projection``.
* :mod:`.labels`: run labels ("D-VAE", "DVAE-EMB") and file-name tags.
* :mod:`.training`: metrics table, training curves, time to quality (Runs page).
* :mod:`.latent`: the latent map and nearest neighbours (Latent-space page).
* :mod:`.walks`: reconstructions, interpolation, great circle (decoding with the model).
* :mod:`.embeddings`: operation-embedding heatmap, scatter and trajectory.
* :mod:`.smoothness`: distance figures and the k-NN spread (Smoothness page).
* :mod:`.best_cells`: top cells, graph properties, BO curves (Best-cells page).
* :mod:`.catalog`: ``figure_set``, every figure by its export name.

The figures themselves are drawn by :mod:`core.figures` from frames and arrays.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.reports.catalog import FigureSet, Recipes, figure_set
    from core.reports.labels import run_labels
    from core.reports.settings import Projection, Report, ReportSettings

# each name's module, imported on first use: ``core.reports.groups`` (the verdict's seed
# stability) stays free of torch, which the catalog's recipes import
_MODULES = {"FigureSet": "catalog", "Recipes": "catalog", "figure_set": "catalog", "run_labels": "labels",
            "Projection": "settings", "Report": "settings", "ReportSettings": "settings"}

__all__ = ["FigureSet", "Projection", "Recipes", "Report", "ReportSettings", "figure_set", "run_labels"]


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
