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

from core.reports.catalog import FigureSet, Recipes, figure_set
from core.reports.labels import run_labels
from core.reports.settings import Projection, Report, ReportSettings

__all__ = ["FigureSet", "Projection", "Recipes", "Report", "ReportSettings", "figure_set", "run_labels"]
