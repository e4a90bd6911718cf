"""Operation embeddings: similarity heatmaps, 2-D / 3-D scatter and their trajectory
through training. A one-hot run's "embedding" is the identity (:func:`onehot_vectors`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.errors import OpEmbedError
from core.figures.style import FONT, op_colors, style_figure

Metric = Literal["cosine", "euclidean"]


def onehot_vectors(names: list[str]) -> np.ndarray:
    """The one-hot "embedding" of a D-VAE run: the ``T x T`` identity."""
    return np.eye(len(names))


def embedding_similarity(names: list[str], vectors, metric: Metric = "cosine") -> pd.DataFrame:
    """Pairwise cosine similarity or Euclidean distance of the operation vectors.

    Args:
        names: ``T`` node-type names.
        vectors: ``T x E`` vectors.
        metric: ``"cosine"`` (similarity, 1 on the diagonal; NaN for a zero vector) or
            ``"euclidean"`` (distance, 0 on the diagonal).

    Returns:
        ``T x T`` DataFrame indexed and labelled by ``names``.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) != len(names):
        raise OpEmbedError(f"need one vector per name: {len(names)} names, vectors of shape {vectors.shape}")
    if metric == "cosine":
        norms = np.linalg.norm(vectors, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = vectors / norms[:, None]
        values = np.clip(unit @ unit.T, -1.0, 1.0)
    elif metric == "euclidean":
        values = np.linalg.norm(vectors[:, None, :] - vectors[None, :, :], axis=-1)
    else:
        raise OpEmbedError(f"unknown metric {metric!r}; use 'cosine' or 'euclidean'")
    return pd.DataFrame(values, index=list(names), columns=list(names))


def embedding_heatmap(names: list[str], vectors, metric: Metric = "cosine", title: str | None = None) -> go.Figure:
    """Annotated heatmap of :func:`embedding_similarity` (first operation on top).

    Cosine uses a diverging scale fixed to ``[-1, 1]``; Euclidean a sequential scale from 0.
    """
    similarity = embedding_similarity(names, vectors, metric)
    values = similarity.to_numpy()
    if metric == "cosine":
        scale = {"colorscale": "RdBu", "zmin": -1.0, "zmid": 0.0, "zmax": 1.0}
        label = "cosine similarity"
    else:
        finite = values[np.isfinite(values)]
        scale = {"colorscale": "Viridis", "zmin": 0.0, "zmax": float(finite.max()) if finite.size and finite.max() > 0 else 1.0,
                 "reversescale": True}
        label = "Euclidean distance"
    fig = go.Figure(go.Heatmap(
        z=values, x=list(names), y=list(names), texttemplate="%{z:.2f}", textfont={"size": 12},
        colorbar={"title": {"text": label, "side": "right"}},
        hovertemplate="%{y} · %{x}<br>" + label + " %{z:.3f}<extra></extra>", **scale,
    ))
    fig.update_yaxes(autorange="reversed", title_text="operation")
    fig.update_xaxes(title_text="operation", tickangle=-45)
    size = 260 + 42 * len(names)
    fig.update_layout(height=size, width=size + 120)
    style_figure(fig, title or f"Operation embeddings: {label}")
    fig.update_xaxes(showline=False, ticks="")
    fig.update_yaxes(showline=False, ticks="")
    return fig


def _principal_axes(vectors: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, ``dims x E`` principal axes (sign-fixed) and explained-variance ratios of ``vectors``.
    When ``E <= dims`` the axes are the coordinate axes (no rotation) and ratios are NaN."""
    mean = vectors.mean(0)
    E = vectors.shape[1]
    if E <= dims:
        return np.zeros(E), np.eye(E), np.full(E, np.nan)
    _, singular, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    axes = vt[:dims]
    signs = np.sign(axes[np.arange(dims), np.abs(axes).argmax(1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    variance = singular**2
    ratios = variance[:dims] / variance.sum() if variance.sum() > 0 else np.full(dims, np.nan)
    return mean, axes, ratios


def _coordinates(vectors: np.ndarray, dims: int, mean: np.ndarray, axes: np.ndarray) -> np.ndarray:
    coordinates = (vectors - mean) @ axes.T
    if coordinates.shape[1] < dims:
        coordinates = np.hstack([coordinates, np.zeros((len(coordinates), dims - coordinates.shape[1]))])
    return coordinates


def _axis_titles(ratios: np.ndarray, dims: int) -> list[str]:
    if np.all(np.isnan(ratios)):
        return [f"embedding dim {i + 1}" for i in range(dims)]
    return [f"PC {i + 1} ({100 * ratios[i]:.0f} % var.)" for i in range(dims)]


def embedding_scatter(names: list[str], vectors, dims: int = 2, title: str | None = None) -> go.Figure:
    """The operation vectors as labelled points, coloured by operation.

    Args:
        names: ``T`` node-type names.
        vectors: ``T x E`` vectors; projected by PCA when ``E > dims`` (axis titles give
            the explained variance), zero-padded when ``E < dims``.
        dims: 2 (``Scatter``) or 3 (``Scatter3d``).
    """
    if dims not in (2, 3):
        raise OpEmbedError("embedding_scatter draws 2 or 3 dimensions")
    vectors = np.asarray(vectors, dtype=np.float64)
    mean, axes, ratios = _principal_axes(vectors, dims)
    points = _coordinates(vectors, dims, mean, axes)
    colors = op_colors(names)
    marker = {"color": [colors[n] for n in names], "size": 12 if dims == 2 else 7,
              "line": {"color": "#333333", "width": 1}}
    titles = _axis_titles(ratios, dims)
    if dims == 2:
        fig = go.Figure(go.Scatter(
            x=points[:, 0], y=points[:, 1], mode="markers+text", text=list(names), textposition="top center",
            marker=marker, hovertemplate="%{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>", showlegend=False,
        ))
        fig.update_xaxes(title_text=titles[0])
        fig.update_yaxes(title_text=titles[1], scaleanchor="x", scaleratio=1)
        style_figure(fig, title or "Operation embeddings", height=520)
    else:
        fig = go.Figure(go.Scatter3d(
            x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers+text", text=list(names),
            marker=marker, hovertemplate="%{text}<br>(%{x:.3f}, %{y:.3f}, %{z:.3f})<extra></extra>",
            showlegend=False, textfont={"size": 12},
        ))
        fig.update_layout(scene={"xaxis_title": titles[0], "yaxis_title": titles[1], "zaxis_title": titles[2],
                                 "aspectmode": "data"})
        style_figure(fig, title or "Operation embeddings", height=600)
    return fig


def embedding_trajectory(snapshots: list[dict], names: list[str], title: str | None = None) -> go.Figure:
    """How the operation vectors moved over the checkpoint epochs, in 2-D.

    Args:
        snapshots: ``embeddings.json``'s ``snapshots``: ``[{"epoch": e, "vectors": T x E}]``.
        names: ``T`` node-type names.

    Returns:
        One line per operation (colour from :func:`op_colors`) through its positions at each
        epoch, labelled at the last epoch. All snapshots share one PCA basis (fitted on every
        snapshot's vectors together) so positions are comparable across epochs.
    """
    if not snapshots:
        raise OpEmbedError("no embedding snapshots (only learned runs save embeddings.json)")
    snapshots = sorted(snapshots, key=lambda s: s["epoch"])
    stacked = np.stack([np.asarray(s["vectors"], dtype=np.float64) for s in snapshots])  # S x T x E
    epochs = [s["epoch"] for s in snapshots]
    mean, axes, ratios = _principal_axes(stacked.reshape(-1, stacked.shape[-1]), 2)
    points = _coordinates(stacked.reshape(-1, stacked.shape[-1]), 2, mean, axes).reshape(len(snapshots), -1, 2)
    colors = op_colors(names)
    fig = go.Figure()
    for index, name in enumerate(names):
        path = points[:, index]  # S x 2
        fig.add_trace(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers", name=name,
            line={"color": colors[name], "width": 2},
            marker={"color": colors[name], "size": [5] * (len(epochs) - 1) + [11],
                    "line": {"color": "#333333", "width": 1}},
            customdata=epochs, hovertemplate=f"{name}<br>epoch %{{customdata}}<extra></extra>",
        ))
        fig.add_annotation(x=path[-1, 0], y=path[-1, 1], text=name, showarrow=False, yshift=14,
                           font={**FONT, "size": 12, "color": colors[name] if name != "input" else "#666666"})
    titles = _axis_titles(ratios, 2)
    fig.update_xaxes(title_text=titles[0])
    fig.update_yaxes(title_text=titles[1], scaleanchor="x", scaleratio=1)
    return style_figure(fig, title or f"Embedding trajectories, epochs {epochs[0]} to {epochs[-1]}", height=560)
