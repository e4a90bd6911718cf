"""What the pages show by default, in one place: the dashboard's widgets start from these
values and ``python -m core export`` draws with them, so an export is what the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go
import pandas as pd

Report = tuple[go.Figure, pd.DataFrame]  # a figure and the data behind it (its CSV)

PROJECTION_NAMES = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}  # method -> the name axes show


@dataclass(frozen=True)
class Projection:
    """A 2-D projection of the latent means (``core.analysis.projection``)."""

    method: str = "pca"  # "umap", "pca" or "tsne"
    n_neighbors: int = 15  # UMAP's neighbourhood; t-SNE's perplexity
    min_dist: float = 0.1  # UMAP only
    metric: str = "euclidean"  # distance between latent means (UMAP, t-SNE)

    def effective(self) -> "Projection":
        """The settings the method uses; those it ignores at their defaults (PCA uses none,
        t-SNE no ``min_dist``), so changing them recomputes nothing."""
        if self.method == "pca":
            return Projection("pca")
        if self.method == "tsne":
            return Projection("tsne", self.n_neighbors, Projection.min_dist, self.metric)
        return self

    def params(self) -> dict:
        """Keyword arguments of ``core.analysis.projection.load_or_compute_projection``."""
        return {"n_neighbors": self.n_neighbors, "min_dist": self.min_dist, "metric": self.metric, "seed": 0}


@dataclass(frozen=True)
class ReportSettings:
    """Every setting a page offers, at the page's default."""

    color_by: str = "accuracy"  # latent plot colour: accuracy, test accuracy or a graph property
    embedding_metric: Literal["cosine", "euclidean"] = "cosine"  # operation similarity
    embedding_dims: int = 2  # operation-embedding scatter, 2 or 3
    interp_start: str | None = None  # interpolation from this key (None: the best architecture)
    interp_end: str | None = None  # ... to this key (None: the median architecture)
    interp_steps: int = 8  # decodes along the interpolation
    circle_radius: float = 0.5  # great-circle radius, times the RMS spread of the latent means
    circle_steps: int = 12  # decodes around the great circle
    top_k: int = 8  # best cells drawn (the space's, and the found cells of each search method)
    found_method: str = "dvae"  # the search method whose found cells are drawn
    found_budget: int = 200  # queries within which a cell counts as found (50, 100, 200 or 500)
    property: str | None = None  # graph property against the objective (None: num_edges)
    seed: int = 0  # random pairs of the distance figures, great-circle directions
