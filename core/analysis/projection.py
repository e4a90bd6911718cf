"""2-D projections of a run's latent means (UMAP, PCA, t-SNE), cached in ``projections/``.

Cost on NAS-Bench-Graph-sized input (26,206 x 16 random latents; 2 CPU cores shared with
other jobs, load about 3; measured):

* PCA: 0.1 s.
* UMAP (``low_memory=True``, ``random_state=seed``: seeded UMAP runs on one thread so that
  it is reproducible): 24 s, plus about 25 s of numba compilation on the first UMAP of a
  process (51 s in all). Under heavier sharing (load 5-6) the first call took 2 min.
* t-SNE (scikit-learn Barnes-Hut on every point, ``init="pca"``, ``perplexity =
  n_neighbors`` (15), ``max_iter = 350`` of which 250 early exaggeration, ``angle = 0.8``):
  54 s (61 s CPU); 115-140 s at load 6-7. For comparison, 500 iterations at
  scikit-learn's ``angle = 0.5`` took 200 s at load 4, so its defaults (1000 iterations)
  would take several minutes. A coarser Barnes-Hut angle and 100 iterations after early
  exaggeration keep the cluster structure and finish in about a minute on two free cores.

Every projection is cached as ``projections/<method>_<params>.parquet`` (columns key, x, y),
so the dashboard pays each cost once per run and setting.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from core import runs
from core.errors import OpEmbedError

Method = Literal["umap", "pca", "tsne"]
METHODS: tuple[str, ...] = ("umap", "pca", "tsne")
ProgressCallback = Callable[[float, str], None]  # (fraction done in [0, 1], message)

TSNE_MAX_ITER = 350  # iterations, early exaggeration (250) included; see the module docstring
TSNE_ANGLE = 0.8  # Barnes-Hut trade-off (scikit-learn's default is 0.5)

DEFAULT_PARAMS: dict[str, dict[str, object]] = {
    "umap": {"n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "seed": 0},
    "pca": {},
    "tsne": {"n_neighbors": 15, "metric": "euclidean", "seed": 0},
}


def project(latents: np.ndarray, method: Method = "umap", n_neighbors: int = 15, min_dist: float = 0.1,
            metric: str = "euclidean", seed: int = 0) -> np.ndarray:
    """Project latent points to two dimensions.

    Args:
        latents: ``A x d`` latent means.
        method: ``"umap"``, ``"pca"`` or ``"tsne"``.
        n_neighbors: UMAP's neighbourhood size; for t-SNE the perplexity (its effective
            number of neighbours). Clipped to ``A - 1``. Default 15. Fewer than 4 points
            are always projected by PCA.
        min_dist: UMAP's minimum distance between embedded points. Default 0.1.
        metric: distance in latent space for UMAP and t-SNE (PCA ignores it).
        seed: random state of UMAP and t-SNE (PCA is deterministic).

    Returns:
        ``A x 2`` float64 coordinates.

    Raises:
        OpEmbedError: unknown method.

    Example:
        >>> xy = project(np.random.default_rng(0).normal(size=(100, 16)), "pca")
        >>> xy.shape
        (100, 2)
    """
    if method not in METHODS:
        raise OpEmbedError(f"unknown projection method {method!r}; choose one of {', '.join(METHODS)}")
    latents = np.asarray(latents, dtype=np.float64)
    if latents.ndim != 2:
        raise OpEmbedError(f"latents must be A x d, got shape {latents.shape}")
    count = latents.shape[0]
    if count == 0:
        return np.zeros((0, 2))
    if count < 4 or method == "pca":
        # too few points for a neighbour graph: PCA is the only sensible map
        return _pca(latents)
    if method == "umap":
        return _umap(latents, min(int(n_neighbors), count - 1), float(min_dist), metric, int(seed))
    return _tsne(latents, float(min(n_neighbors, count - 1)), metric, int(seed))


def _pca(latents: np.ndarray) -> np.ndarray:
    """First two principal components (zero-padded when ``d < 2``); signs fixed so that the
    largest loading of each component is positive (reproducible across platforms)."""
    centred = latents - latents.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)  # vt: min(A, d) x d
    components = vt[:2]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    xy = centred @ components.T  # A x k
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    return xy


def _umap(latents: np.ndarray, n_neighbors: int, min_dist: float, metric: str, seed: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba / n_jobs notes; "Tensorflow not installed" on import
        import umap  # seconds to import (numba): only when a UMAP is asked for

        reducer = umap.UMAP(n_components=2, n_neighbors=max(n_neighbors, 2), min_dist=min_dist, metric=metric,
                            random_state=seed, low_memory=True, n_jobs=1)
        return np.asarray(reducer.fit_transform(latents), dtype=np.float64)


def _tsne(latents: np.ndarray, perplexity: float, metric: str, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    tsne = TSNE(n_components=2, perplexity=max(perplexity, 1.0), metric=metric, init="pca", random_state=seed,
                max_iter=TSNE_MAX_ITER, angle=TSNE_ANGLE, learning_rate="auto", n_jobs=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(tsne.fit_transform(latents), dtype=np.float64)


# ---------------------------------------------------------------- cache
def normalized_params(method: str, params: dict | None = None) -> dict[str, object]:
    """The parameters that change ``method``'s result, defaults filled in, typed."""
    if method not in METHODS:
        raise OpEmbedError(f"unknown projection method {method!r}; choose one of {', '.join(METHODS)}")
    params = dict(params or {})
    unknown = set(params) - {"n_neighbors", "min_dist", "metric", "seed"}
    if unknown:
        raise OpEmbedError(f"unknown projection parameter(s) {', '.join(sorted(unknown))}")
    merged = {**DEFAULT_PARAMS[method], **{k: v for k, v in params.items() if k in DEFAULT_PARAMS[method]}}
    typed: dict[str, object] = {}
    for name, value in merged.items():
        if name in ("n_neighbors", "seed"):
            typed[name] = int(value)
        elif name == "min_dist":
            typed[name] = float(value)
        else:
            typed[name] = str(value)
    return typed


def projection_path(run_dir: Path, method: str, params: dict | None = None) -> Path:
    """Where the cached projection of a run lives, e.g.
    ``run_dir/projections/umap_metric-euclidean_min_dist-0.1_n_neighbors-15_seed-0.parquet``.

    Args:
        run_dir: the run directory.
        method: ``"umap"``, ``"pca"`` or ``"tsne"``.
        params: projection parameters; those the method ignores do not enter the name.
    """
    typed = normalized_params(method, params)
    parts = [method]
    for name in sorted(typed):
        value = typed[name]
        text = format(value, "g") if isinstance(value, float) else str(value)
        parts.append(f"{name}-{re.sub(r'[^A-Za-z0-9.+-]', '_', text)}")
    return Path(run_dir) / runs.PROJECTIONS / ("_".join(parts) + ".parquet")


def load_or_compute_projection(run_dir: Path, method: Method = "umap", *, progress_callback: ProgressCallback | None = None,
                               cache: bool = True, **params) -> pd.DataFrame:
    """The 2-D projection of a run's latents, from the cache or computed and cached.

    The cache is recomputed when ``latents.parquet`` is newer than it or its keys differ.

    Args:
        run_dir: the run directory (needs ``latents.parquet``).
        method: ``"umap"``, ``"pca"`` or ``"tsne"``.
        progress_callback: called as ``callback(fraction, message)`` before and after the
            computation (``st.progress(...).progress`` fits).
        cache: read and write ``projections/`` (default). ``False`` computes in memory and
            touches nothing on disk (the dashboard, for a run outside its roots).
        **params: ``n_neighbors``, ``min_dist``, ``metric``, ``seed`` (see :func:`project`).

    Returns:
        DataFrame with columns ``key``, ``x``, ``y`` in the row order of ``latents.parquet``.

    Example:
        >>> frame = load_or_compute_projection("runs/cora-learned", "pca")
    """
    run_dir = Path(run_dir)
    path = projection_path(run_dir, method, params)
    latents_path = run_dir / runs.LATENTS
    latents = runs.read_latents(run_dir)
    if cache and path.exists() and path.stat().st_mtime >= latents_path.stat().st_mtime:
        cached = runs.read_projection(path)  # None when damaged: a cache is recomputed
        if cached is not None and cached["key"].astype(str).tolist() == latents["key"].astype(str).tolist():
            if progress_callback is not None:
                progress_callback(1.0, f"{method.upper()} loaded from cache")
            return cached
    typed = normalized_params(method, params)
    if progress_callback is not None:
        progress_callback(0.0, f"computing {method.upper()} of {len(latents):,} points ({expected_seconds(method, len(latents))})")
    started = time.perf_counter()
    xy = project(runs.latent_matrix(latents), method, **typed)
    frame = pd.DataFrame({"key": latents["key"].astype(str).to_numpy(), "x": xy[:, 0], "y": xy[:, 1]})
    if cache:
        runs.atomic_write_parquet(path, frame)
    if progress_callback is not None:
        progress_callback(1.0, f"{method.upper()} done in {time.perf_counter() - started:.0f} s")
    return frame


def expected_seconds(method: str, count: int) -> str:
    """A rough time estimate for the progress message (2 CPU cores)."""
    per_26k = {"umap": 50.0, "pca": 1.0, "tsne": 60.0}[method]
    seconds = max(1.0, per_26k * count / 26_206)
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.1f} min"
