"""Cached figures and tables for the pages.

Each function loads its data through :mod:`dashboard.state` and calls ``core`` for the
figure (``core.figures``, ``core.projection``, ``core.smoothness``, ``core.properties``,
``core.export``, ``core.bo``): no figure is built here or in a page. Cached functions take
paths and modification times rather than run dicts, so a file that changes on disk (a
run still training) gives a fresh figure.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import OpEmbedError
from dashboard import state
from dashboard.discovery import BO_DIR, BROKEN, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS

RunRef = tuple[str, str, int]  # (label, path, mtime of the file the figure reads)


def figure_cache(max_entries: int):
    """The cache of figures: ``st.cache_resource`` rather than ``st.cache_data``. A figure
    unpickled from ``st.cache_data`` orders its layout keys differently from the one first
    built, so its chart gets another element id on the next rerun and a plotly selection
    is dropped. Cached figures are shared: copy one (``go.Figure(fig)``) before changing it."""
    return st.cache_resource(show_spinner=False, max_entries=max_entries)


def _refs(runs: list[dict], file_name: str) -> tuple[RunRef, ...]:
    labels = state.run_labels(runs)
    return tuple((labels[r["path"]], r["path"], state.file_mtime(r, file_name))
                 for r in runs if state.file_mtime(r, file_name) >= 0)


def optional_module(name: str):
    """A ``core`` module written by another part of the project, or ``None`` when it is
    missing from this build."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# ---------------------------------------------------------------- runs
def runs_overview(runs: list[dict]) -> pd.DataFrame:
    """One row per run: name, space, encoding, status, epochs and what is missing (for a
    broken run, what is wrong)."""
    rows = []
    for run in runs:
        done, total = run["epochs_done"], run["epochs_total"]
        rows.append({
            "run": run["name"],
            "space": run["space"] or "?",
            "encoding": run["encoding"] or "?",
            "status": run["status"],
            "epochs": f"{done if done is not None else 0} / {total if total is not None else '?'}",
            "missing": ", ".join(run["missing"]) if run["status"] != BROKEN else run["error"],
            "path": run["path"],
        })
    return pd.DataFrame(rows)


def config_summary(run: dict) -> dict:
    """The parts of ``config.json`` a reader compares: space, preset, model, train."""
    config = state.config(run) or {}
    return {k: config[k] for k in ("space", "preset", "model", "train", "device") if k in config}


@st.cache_data(show_spinner=False, max_entries=16)
def _metrics_table(refs: tuple[RunRef, ...]) -> pd.DataFrame:
    from core.figures import metrics_table

    return metrics_table({label: state._read_json(str(Path(path) / METRICS), mtime) for label, path, mtime in refs})


def metrics_frame(runs: list[dict]) -> pd.DataFrame | None:
    """The metrics of the runs side by side, in the papers' layout, or ``None`` when none
    has a readable ``metrics.json``."""
    refs = _refs([r for r in runs if state.metrics(r) is not None], METRICS)
    return _metrics_table(refs) if refs else None


@figure_cache(16)
def _training_curves(refs: tuple[RunRef, ...]):
    from core.figures import training_curves as build

    return build({label: state._read_csv(str(Path(path) / HISTORY), mtime) for label, path, mtime in refs})


def training_curves(runs: list[dict]):
    """Loss parts per epoch of the runs that have a history, or ``None``."""
    refs = _refs([r for r in runs if state.history(r) is not None], HISTORY)
    return _training_curves(refs) if refs else None


@figure_cache(16)
def _quality_curves(refs: tuple[RunRef, ...]):
    from core.figures import quality_curves as build

    return build({label: state._read_csv(str(Path(path) / HISTORY), mtime) for label, path, mtime in refs})


def quality_curves(runs: list[dict]):
    """``recon_greedy`` and ``valid_prior`` against wall time and epoch, or ``None`` when no
    run's history carries them."""
    from core.figures import has_quality_columns

    with_quality = [r for r in runs if state.history(r) is not None and has_quality_columns(state.history(r))]
    refs = _refs(with_quality, HISTORY)
    return _quality_curves(refs) if refs else None


# ---------------------------------------------------------------- latent space
@st.cache_data(show_spinner=False, max_entries=4)
def properties(space_name: str) -> pd.DataFrame:
    """Graph properties of every architecture of a space (``core.properties``)."""
    from core.properties import architecture_properties

    space, table = state.space_and_table(space_name)
    return architecture_properties(space, table)


def property_columns(space_name: str) -> list[str]:
    """The numeric graph-property columns of a space."""
    from core.properties import property_columns as columns

    props = properties(space_name)
    return [c for c in columns(props) if pd.api.types.is_numeric_dtype(props[c])]


def property_label(name: str) -> str:
    from core.properties import property_label as label

    return label(name)


def color_options(space_name: str) -> list[str]:
    """What a latent plot can be coloured by: accuracy, test accuracy, the graph properties."""
    frame = state.architectures(space_name)
    return [c for c in ("accuracy", "test accuracy") if c in frame.columns] + property_columns(space_name)


def color_label(space_name: str, column: str) -> str:
    space, _ = state.space_and_table(space_name)
    names = {"accuracy": space.objective_name, "test accuracy": space.test_name or "test accuracy"}
    return names.get(column) or property_label(column)


@st.cache_resource(show_spinner=False)
def _projection_store() -> dict:
    """Projections in memory, keyed on (path, latents mtime, settings). A plain dict rather
    than ``st.cache_data``: computing one draws a progress bar, which a cached function
    would try to replay."""
    return {}


def _projection(path: str, mtime: int, method: str, n_neighbors: int, min_dist: float, metric: str,
                progress: Callable | None = None) -> pd.DataFrame:
    from core.projection import load_or_compute_projection

    store = _projection_store()
    key = (path, mtime, method, n_neighbors, min_dist, metric)
    if key not in store:
        # the cache lives in the run's projections/, and only inside the folders given at launch
        cache = state.inside_roots(Path(path) / PROJECTIONS)
        store[key] = load_or_compute_projection(Path(path), method, progress_callback=progress, cache=cache,
                                                n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, seed=0)
        while len(store) > 16:
            store.pop(next(iter(store)))
    return store[key]


def projection(run: dict, method: str, n_neighbors: int, min_dist: float, metric: str,
               progress: Callable | None = None) -> pd.DataFrame:
    """The 2-D projection (key, x, y) of a run's latent means, computed and cached in the
    run's ``projections/`` when it is not there yet; ``progress(fraction, message)``
    receives core.projection's reports."""
    return _projection(run["path"], state.file_mtime(run, LATENTS), method, int(n_neighbors), float(min_dist),
                       metric, progress)


def projection_cached(run: dict, method: str, **params) -> bool:
    """Whether the run's ``projections/`` already holds ``method`` with these parameters
    (the defaults when none are given)."""
    from core.projection import projection_path

    try:
        return projection_path(Path(run["path"]), method, params).exists()
    except OpEmbedError:
        return False


def latent_panel(space_name: str, projected: pd.DataFrame, color: str) -> pd.DataFrame:
    """One panel of the latent plot: the projection joined with accuracy, operations and
    (when colouring by it) a graph property."""
    frame = projected.merge(state.architectures(space_name), on="key", how="left")
    if color not in frame.columns:
        props = properties(space_name)
        if color in props.columns:
            frame = frame.merge(props[["key", color]], on="key", how="left")
    # float32 coordinates and colours: half the bytes sent to the browser, same picture
    frame["x"], frame["y"] = frame["x"].astype(np.float32), frame["y"].astype(np.float32)
    if pd.api.types.is_float_dtype(frame[color]):
        frame[color] = frame[color].astype(np.float32)
    return frame


@figure_cache(8)
def _latent_figure(refs: tuple[tuple[str, str, str, int], ...], method: str, n_neighbors: int, min_dist: float,
                   metric: str, color: str):
    from core.figures import latent_scatter

    panels = {label: latent_panel(space_name, _projection(path, mtime, method, n_neighbors, min_dist, metric), color)
              for label, path, space_name, mtime in refs}
    # the key and the colour are always in the tooltip; the operations and the accuracy are
    # added (every extra column is a string per point, about 0.5 MB per 26k-point panel)
    hover = [c for c in ("ops", "accuracy") if c != color and all(c in p.columns for p in panels.values())]
    return latent_scatter(panels, color=color, color_label=color_label(refs[0][2], color), hover_cols=hover,
                          method=state.PROJECTION_METHODS[method])


def latent_figure(runs: list[dict], method: str, n_neighbors: int, min_dist: float, metric: str, color: str):
    """The runs' latent spaces side by side (WebGL, one colour scale), or ``None`` when no
    run has latents. Call :func:`projection` first to compute missing projections with a
    progress bar."""
    labels = state.run_labels(runs)
    refs = tuple((labels[r["path"]], r["path"], r["space"], state.file_mtime(r, LATENTS))
                 for r in runs if state.latents(r) is not None)
    if not refs:
        return None
    return _latent_figure(refs, method, int(n_neighbors), float(min_dist), metric, color)


def selected_keys(event) -> list[str]:
    """Architecture keys of the points of a plotly selection event (``customdata[0]``)."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    keys = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)):
            data = data[0] if data else None
        if data is not None and str(data) not in keys:
            keys.append(str(data))
    return keys


def best_of(space_name: str, keys: list[str]) -> str | None:
    """The most accurate of ``keys`` (the point a multi-point selection inspects)."""
    if not keys:
        return None
    frame = state.architectures(space_name)
    chosen = frame[frame["key"].isin(keys)]
    return str(chosen.loc[chosen["accuracy"].idxmax(), "key"]) if len(chosen) else keys[0]


@st.cache_data(show_spinner=False, max_entries=32)
def _neighbours(path: str, mtime: int, space_name: str, key: str, k: int) -> pd.DataFrame:
    from core.figures import nearest_neighbours

    frame = nearest_neighbours(state._read_parquet(str(Path(path) / LATENTS), mtime), key, k=k)
    frame = frame.merge(state.architectures(space_name)[["key", "ops"]], on="key", how="left")
    space, _ = state.space_and_table(space_name)
    names = {"y": space.objective_name, "y_test": space.test_name or "test"}
    return frame.rename(columns=names)


def neighbours(run: dict, key: str, k: int) -> pd.DataFrame | None:
    """The ``k`` nearest latent neighbours of ``key`` in a run, with their accuracies and
    operations, or ``None`` when the run has no latents or lacks the key."""
    if state.latents(run) is None:
        return None
    try:
        return _neighbours(run["path"], state.file_mtime(run, LATENTS), run["space"], key, int(k))
    except OpEmbedError:
        return None


@figure_cache(16)
def _reconstructions(refs: tuple[tuple[str, str, int], ...], space_name: str, key: str):
    from core.figures import cells_row

    space, _ = state.space_and_table(space_name)
    graphs = [state.graph_of(space_name, key)]
    value = state.objective_of(space_name, key)
    titles = [f"original<br>{value:.4f}" if value is not None else "original"]
    for label, path, mtime in refs:
        decoded = state.reconstruction({"path": path}, key)
        if decoded is None:
            continue
        graphs.append((decoded.op_ids[0], decoded.adjacency[0], int(decoded.num_nodes[0])))
        titles += state.decoded_titles(space_name, decoded, prefix=[f"{label} decode"])
    return cells_row(space, graphs, titles)


def reconstructions(runs: list[dict], key: str):
    """The architecture, then the greedy decode of its latent mean in each run, in a row."""
    return _reconstructions(_refs([r for r in runs if state.latents(r) is not None], MODEL), runs[0]["space"], key)


# ---------------------------------------------------------------- operation embeddings
def embedding_epochs(run: dict) -> list[int]:
    data = state.embeddings(run)
    return [int(s["epoch"]) for s in data["snapshots"]] if data else []


def embedding_vectors(run: dict, epoch: int | None = None) -> tuple[list[str], np.ndarray]:
    """Names and vectors (``T x E``) of a run's operation encodings at an epoch (the last
    snapshot when ``None``); a one-hot run gives the identity."""
    from core.figures import onehot_vectors

    data = state.embeddings(run)
    if run["encoding"] == "onehot" or data is None:
        names = (state.config(run) or {}).get("node_types") or state.space_and_table(run["space"])[0].node_type_names
        return list(names), np.asarray(onehot_vectors(list(names)), dtype=float)
    snapshots = data["snapshots"]
    chosen = snapshots[-1] if epoch is None else next(
        (s for s in snapshots if int(s["epoch"]) == int(epoch)), snapshots[-1])
    return list(data["node_types"]), np.asarray(chosen["vectors"], dtype=float)


@figure_cache(32)
def _embedding_heatmap(names: tuple[str, ...], vectors: tuple[tuple[float, ...], ...], metric: str, title: str):
    from core.figures import embedding_heatmap as build

    return build(list(names), np.asarray(vectors), metric=metric, title=title)


def embedding_heatmap(run: dict, epoch: int | None, metric: str, title: str | None = None):
    """Cosine or euclidean similarity of every pair of operation encodings."""
    names, vectors = embedding_vectors(run, epoch)
    title = title or f"{metric} {'similarity' if metric == 'cosine' else 'distance'}" + \
        (f" at epoch {epoch}" if epoch is not None else "")
    return _embedding_heatmap(tuple(names), tuple(map(tuple, vectors.tolist())), metric, title)


@figure_cache(32)
def _embedding_scatter(names: tuple[str, ...], vectors: tuple[tuple[float, ...], ...], dims: int, title: str):
    from core.figures import embedding_scatter as build

    return build(list(names), np.asarray(vectors), dims=dims, title=title)


def embedding_scatter(run: dict, epoch: int | None, dims: int):
    """The learned vectors in 2-D or 3-D."""
    names, vectors = embedding_vectors(run, epoch)
    title = "operation embeddings" + (f" at epoch {epoch}" if epoch is not None else "")
    return _embedding_scatter(tuple(names), tuple(map(tuple, vectors.tolist())), int(dims), title)


@figure_cache(16)
def _embedding_trajectory(path: str, mtime: int):
    from core.figures import embedding_trajectory as build

    data = state._read_json(str(Path(path) / EMBEDDINGS), mtime)
    return build(data["snapshots"], data["node_types"], title="embedding trajectories over the checkpoints")


def embedding_trajectory(run: dict):
    """How the learned vectors moved over the checkpoints, or ``None`` for a one-hot run."""
    if state.embeddings(run) is None:
        return None
    return _embedding_trajectory(run["path"], state.file_mtime(run, EMBEDDINGS))


def embedding_frame(run: dict, epoch: int | None = None) -> pd.DataFrame:
    """The vectors as a table."""
    names, vectors = embedding_vectors(run, epoch)
    frame = pd.DataFrame(vectors, columns=[f"dim_{i}" for i in range(vectors.shape[1])])
    frame.insert(0, "node_type", names)
    return frame


# ---------------------------------------------------------------- smoothness
def default_pair_keys(space_name: str) -> tuple[str, str]:
    """Two architectures to interpolate between by default: the best and the median one."""
    frame = state.architectures(space_name).sort_values("accuracy", ascending=False, kind="stable")
    return str(frame["key"].iloc[0]), str(frame["key"].iloc[len(frame) // 2])


def _walk_figure(space_name: str, graphs, prefix: list[str]):
    from core.figures import cells_row

    space, _ = state.space_and_table(space_name)
    # four cells a row: in one row of 8 or 12 the node labels no longer fit
    return cells_row(space, graphs, state.decoded_titles(space_name, graphs, prefix), max_columns=4)


@figure_cache(32)
def _interpolation(path: str, mtime: int, space_name: str, z_start: tuple, z_end: tuple, steps: int):
    from core.smoothness import interpolate

    graphs = interpolate(state._load_model(path, mtime), np.asarray(z_start, dtype=np.float32),
                         np.asarray(z_end, dtype=np.float32), steps=steps)
    return _walk_figure(space_name, graphs, [f"t = {i / max(len(graphs) - 1, 1):.2f}" for i in range(len(graphs))])


def interpolation(run: dict, start: str, end: str, steps: int):
    """Greedy decodes along the straight line between two architectures' latent means, or
    ``None`` when the run has no model or latents."""
    z_start, z_end = state.latent_of(run, start), state.latent_of(run, end)
    if z_start is None or z_end is None or state.model(run) is None:
        return None
    return _interpolation(run["path"], state.file_mtime(run, MODEL), run["space"], tuple(z_start.tolist()),
                          tuple(z_end.tolist()), int(steps))


@figure_cache(32)
def _great_circle(path: str, mtime: int, space_name: str, z_center: tuple, radius: float, steps: int):
    from core.smoothness import great_circle as walk

    _, graphs = walk(state._load_model(path, mtime), np.asarray(z_center, dtype=np.float32), radius, steps=steps,
                     seed=0)
    return _walk_figure(space_name, graphs, [f"θ = {360 * i / max(len(graphs), 1):.0f}°" for i in range(len(graphs))])


def great_circle(run: dict, center: str, radius: float, steps: int):
    """Greedy decodes along a great circle around an architecture's latent mean."""
    z_center = state.latent_of(run, center)
    if z_center is None or state.model(run) is None:
        return None
    return _great_circle(run["path"], state.file_mtime(run, MODEL), run["space"], tuple(z_center.tolist()),
                         float(radius), int(steps))


def latent_scale(run: dict) -> float:
    """RMS distance of a run's latent means from their mean (a natural great-circle radius)."""
    from core.runs import latent_matrix

    frame = state.latents(run)
    if frame is None:
        return 1.0
    mu = latent_matrix(frame)
    return float(np.sqrt(((mu - mu.mean(0)) ** 2).sum(1).mean()))


@st.cache_data(show_spinner=False, max_entries=8)
def _smoothness_metrics(path: str, mtime: int, space_name: str) -> dict:
    from core.smoothness import smoothness_metrics

    space, table = state.space_and_table(space_name)
    return smoothness_metrics(space, table, state._read_parquet(str(Path(path) / LATENTS), mtime))


def smoothness_of(run: dict) -> dict | None:
    """A run's smoothness numbers: ``smoothness.json`` when present, else computed (cached)."""
    found = state.smoothness_file(run)
    if isinstance(found, dict) and "knn_accuracy_spread" in found:
        return found
    if state.latents(run) is None:
        return None
    return _smoothness_metrics(run["path"], state.file_mtime(run, LATENTS), run["space"])


SMOOTHNESS_ROWS = {
    "knn_accuracy_spread": "accuracy spread to the k nearest latent neighbours",
    "random_accuracy_spread": "accuracy spread to k random architectures",
    "knn_edit_distance": "edit distance to the k nearest latent neighbours",
    "random_edit_distance": "edit distance to k random architectures",
    "pearson_edit": "Pearson r, latent vs edit distance",
    "spearman_edit": "Spearman ρ, latent vs edit distance",
    "pearson_y": "Pearson r, latent distance vs |Δ accuracy|",
    "spearman_y": "Spearman ρ, latent distance vs |Δ accuracy|",
    "k": "k",
    "num_pairs": "random pairs",
    "num_architectures": "architectures",
}


def smoothness_table(runs: list[dict]) -> pd.DataFrame | None:
    """The smoothness numbers of the runs side by side (one column per run)."""
    labels = state.run_labels(runs)
    columns = {}
    for run in runs:
        numbers = smoothness_of(run)
        if numbers:
            columns[labels[run["path"]]] = {SMOOTHNESS_ROWS[k]: numbers[k] for k in SMOOTHNESS_ROWS if k in numbers}
    return pd.DataFrame(columns) if columns else None


@st.cache_data(show_spinner=False, max_entries=8)
def _smoothness_pairs(path: str, mtime: int, space_name: str) -> pd.DataFrame:
    from core.smoothness import smoothness_pairs

    space, table = state.space_and_table(space_name)
    return smoothness_pairs(space, table, state._read_parquet(str(Path(path) / LATENTS), mtime))


def _pairs_refs(runs: list[dict]) -> tuple[tuple[str, str, int, str], ...]:
    labels = state.run_labels(runs)
    return tuple((labels[r["path"]], r["path"], state.file_mtime(r, LATENTS), r["space"])
                 for r in runs if state.latents(r) is not None)


@figure_cache(16)
def _distance_figure(refs: tuple[tuple[str, str, int, str], ...], x: str):
    from core.figures import distance_scatter

    pairs = {label: _smoothness_pairs(path, mtime, space) for label, path, mtime, space in refs}
    return distance_scatter(pairs, x=x, normalize=True)


def distance_figure(runs: list[dict], x: str = "edit_distance"):
    """Latent distance (over each run's mean) against ``x`` (edit distance or accuracy gap)
    of random architecture pairs, per run, or ``None``."""
    refs = _pairs_refs(runs)
    return _distance_figure(refs, x) if refs else None


def knn_figure(runs: list[dict]):
    """Accuracy spread of each architecture's latent neighbours against random ones, per run."""
    from core.figures import knn_spread_bar

    labels = state.run_labels(runs)
    numbers = {labels[r["path"]]: smoothness_of(r) for r in runs}
    numbers = {k: v for k, v in numbers.items() if v}
    return knn_spread_bar(numbers) if numbers else None


# ---------------------------------------------------------------- best cells
def top_architectures(space_name: str, k: int) -> pd.DataFrame:
    """The ``k`` best architectures of a space by its search objective."""
    frame = state.architectures(space_name).sort_values("accuracy", ascending=False, kind="stable")
    top = frame.head(int(k)).reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return top


@figure_cache(16)
def top_cells(space_name: str, k: int):
    """The top-``k`` architectures drawn as DAGs."""
    from core.figures import cells_row

    space, _ = state.space_and_table(space_name)
    top = top_architectures(space_name, k)
    graphs = [state.graph_of(space_name, key) for key in top["key"]]
    titles = [f"#{rank} · {value:.4f}" for rank, value in zip(top["rank"], top["accuracy"])]
    return cells_row(space, graphs, titles, max_columns=5)


@figure_cache(32)
def property_figure(space_name: str, prop: str):
    from core.figures import property_scatter

    space, _ = state.space_and_table(space_name)
    return property_scatter(properties(space_name), prop, y_label=space.objective_name)


@st.cache_data(show_spinner=False, max_entries=4)
def correlations(space_name: str) -> pd.DataFrame:
    """Pearson r (and p) of every graph property with the objective."""
    from core.properties import property_correlations

    return property_correlations(properties(space_name))


@figure_cache(4)
def correlation_figure(space_name: str):
    from core.figures import property_correlation_bar

    space, _ = state.space_and_table(space_name)
    return property_correlation_bar({space_name: correlations(space_name)},
                                    value_label=f"Pearson r with {space.objective_name}")


def bo_runs(runs: list[dict]) -> list[dict]:
    """The runs with Bayesian-optimisation results (``bo/*-seed*.json``)."""
    return [r for r in runs if any((Path(r["path"]) / BO_DIR).glob("*-seed*.json"))]


def _bo_mtime(run: dict) -> int:
    return max((p.stat().st_mtime_ns for p in (Path(run["path"]) / BO_DIR).glob("*.json")), default=-1)


@st.cache_data(show_spinner=False, max_entries=8)
def _bo_summary(refs: tuple[RunRef, ...]) -> pd.DataFrame:
    module = importlib.import_module("core.bo")
    frame = module.summarise_bo([Path(path) for _, path, _ in refs])
    labels = {path: label for label, path, _ in refs}
    frame["run"] = frame["run"].map(lambda p: labels.get(p, p))
    return frame


@figure_cache(8)
def _bo_figure(refs: tuple[RunRef, ...], y_label: str):
    from core.figures import best_so_far_figure

    module = importlib.import_module("core.bo")
    curves = pd.concat([module.best_so_far_curves(Path(path)).assign(run=label) for label, path, _ in refs],
                       ignore_index=True)
    return best_so_far_figure(curves, y_label=f"best {y_label} found")


def bo_results(runs: list[dict]) -> tuple[object, pd.DataFrame | None] | None:
    """``(best-so-far figure, summary table)`` of the runs with BO results, or ``None``
    when none has any or ``core.bo`` is missing. A damaged result file raises
    ``OpEmbedError`` (the page shows it)."""
    if optional_module("core.bo") is None:
        return None
    with_bo = bo_runs(runs)
    if not with_bo:
        return None
    labels = state.run_labels(runs)
    refs = tuple((labels[r["path"]], r["path"], _bo_mtime(r)) for r in with_bo)
    space, _ = state.space_and_table(with_bo[0]["space"])
    return _bo_figure(refs, space.objective_name), _bo_summary(refs)


# ---------------------------------------------------------------- export
def export_projections(runs: list[dict]) -> tuple[str, ...]:
    """The latent projections an export includes: every method already cached for all the
    runs with latents (none is computed for an export), else PCA (seconds)."""
    with_latents = [r for r in runs if state.latents(r) is not None]
    cached = tuple(m for m in state.PROJECTION_METHODS if with_latents and
                   all(projection_cached(r, m) for r in with_latents))
    return cached or ("pca",)


@st.cache_resource(show_spinner=False, max_entries=4)
def _export_figures(paths: tuple[str, ...], mtimes: tuple[int, ...], projections: tuple[str, ...],
                    data_dir: str | None, cache_projections: bool) -> tuple[dict, list[str]]:
    import warnings

    from core.export import build_all_figures

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        figures = build_all_figures([Path(p) for p in paths], projections=projections,
                                    data_dir=Path(data_dir) if data_dir else None,
                                    cache_projections=cache_projections)
    return figures, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def projections_cacheable(runs: list[dict]) -> bool:
    """Whether every run's ``projections/`` lies inside the folders given at launch (only
    there may the dashboard write a cache)."""
    return all(state.inside_roots(Path(r["path"]) / PROJECTIONS) for r in runs)


def export_figures(runs: list[dict]) -> tuple[dict, list[str]]:
    """Every paper figure of the runs, ``name -> (figure, data)``, as ``core.export``
    builds them (cached on the runs' files), and the notes on what was left out. Raises
    ``OpEmbedError`` when a run file is damaged (the page shows it)."""
    paths = tuple(r["path"] for r in runs)
    mtimes = tuple(int(r["mtime"] * 1e9) for r in runs)
    return _export_figures(paths, mtimes, export_projections(runs), st.session_state.get("data_dir"),
                           projections_cacheable(runs))
