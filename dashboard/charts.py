"""The figures and tables of the pages: cached wrappers around the recipes of
:mod:`core.reports`, which build every figure (pages build none).

A wrapper takes the same arguments as its recipe and returns the same ``(figure, data)``;
it is cached on the runs' paths and the newest modification time of their files
(:func:`refs`), so a run still training gives a fresh figure, and calls the recipe with the
runs opened by :func:`dashboard.state.opened` (whose reads are cached). The Export page runs
``core.reports.figure_set`` over these wrappers (``dashboard.exports.RECIPES``): what it
exports is what the pages draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from core.errors import OpEmbedError
from core.analysis.projection import projection_path
from core.analysis.properties import property_label
from core.reports import Projection, Report
from core.reports import best_cells, embeddings, latent, smoothness, training, walks
from core.runs import PROJECTIONS, Run
from dashboard import state

RunRefs = tuple[tuple[str, int], ...]  # (path, version) of each run: a cache key


def figure_cache(max_entries: int):
    """The cache of figures: ``st.cache_resource`` rather than ``st.cache_data``. A figure
    unpickled from ``st.cache_data`` orders its layout keys differently from the one first
    built, so its chart gets another element id on the next rerun and a plotly selection
    is dropped. Cached figures are shared: copy one (``go.Figure(fig)``) before changing it."""
    return st.cache_resource(show_spinner=False, max_entries=max_entries)


def refs(runs: Sequence[Run]) -> RunRefs:
    """The cache key of a list of runs: each one's path and the newest mtime of its files."""
    return tuple((str(run.path), run.version()) for run in runs)


def _opened(runs: Sequence[Run]) -> list[Run]:
    return [state.opened(run) for run in runs]


# ---------------------------------------------------------------- runs
def runs_overview(runs: list[Run]) -> pd.DataFrame:
    """One row per run: name, space, model (its paper name), encoding, status, epochs and what
    is missing (for a
    broken run, what is wrong)."""
    rows = []
    for run in runs:
        status = run.status
        done, total = status.epochs_done, status.epochs_total
        rows.append({
            "run": run.name, "space": run.space_name or "?", "model": state.model_label(run),
            "encoding": run.encoding or "?", "status": status.state,
            "epochs": f"{done if done is not None else 0} / {total if total is not None else '?'}",
            "missing": status.error if status.broken else ", ".join(status.missing), "path": state.shown_path(run.path),
        })
    return pd.DataFrame(rows)


def config_summary(run: Run) -> dict:
    """The parts of ``config.json`` a reader compares: space, preset, model, train, device."""
    config = run.config.to_json()
    return {k: config[k] for k in ("space", "preset", "model", "train", "device")}


@figure_cache(16)
def _runs_report(recipe: str, key: RunRefs, _runs: Sequence[Run]) -> Report | None:
    return getattr(training, recipe)(_opened(_runs))


def training_curves(runs: Sequence[Run]) -> Report | None:
    """Loss parts per epoch of the runs that have a history, or ``None``."""
    return _runs_report("training_curves", refs(runs), runs)


def quality_curves(runs: Sequence[Run]) -> Report | None:
    """``recon_greedy`` and ``valid_prior`` against wall time and epoch, or ``None``."""
    return _runs_report("quality_curves", refs(runs), runs)


def metrics_table(runs: Sequence[Run]) -> Report | None:
    """The metrics of the runs side by side, in the papers' layout, or ``None``."""
    return _runs_report("metrics_table", refs(runs), runs)


# ---------------------------------------------------------------- latent space
def color_options(space_name: str) -> list[str]:
    """What a latent plot can be coloured by: accuracy, test accuracy, the graph properties."""
    return latent.color_options(state.architectures(space_name), state.properties(space_name))


def color_label(space_name: str, column: str) -> str:
    return latent.color_label(state.space_and_table(space_name)[0], column)


@st.cache_resource(show_spinner=False)
def _projection_store() -> dict:
    """Projections in memory, keyed on (path, version, settings). A plain dict rather
    than ``st.cache_data``: computing one draws a progress bar, which a cached function
    would try to replay."""
    return {}


def projection(run: Run, settings: Projection, progress: Callable | None = None) -> pd.DataFrame:
    """The 2-D projection (key, x, y) of a run's latent means, computed and cached in the
    run's ``projections/`` (only inside the folders given at launch) when it is not there
    yet; ``progress(fraction, message)`` receives core.analysis.projection's reports."""
    store = _projection_store()
    key = (str(run.path), run.version(), settings.effective())
    if key not in store:
        cache = state.inside_roots(run.file(PROJECTIONS))
        store[key] = latent.projection_of(state.opened(run), settings, cache=cache, progress=progress)
        while len(store) > 16:
            store.pop(next(iter(store)))
    return store[key]


def projection_cached(run: Run, method: str) -> bool:
    """Whether the run's ``projections/`` already holds ``method`` at its default settings."""
    try:
        return projection_path(run.path, method, Projection(method).effective().params()).exists()
    except OpEmbedError:
        return False


@figure_cache(8)
def _latent_map(key: RunRefs, settings: Projection, color: str, _runs: Sequence[Run]) -> Report | None:
    with_latents = [run for run in _runs if state.latents(run) is not None]
    if not with_latents:
        return None
    return latent.latent_map(_opened(with_latents), settings, color,
                             projected=[projection(run, settings) for run in with_latents],
                             architectures=state.architectures_of(with_latents[0]),
                             props=state.properties_of(with_latents[0]))


def latent_map(runs: Sequence[Run], settings: Projection, color: str, cache: bool = True) -> Report | None:
    """The runs' latent spaces side by side (WebGL, one colour scale), or ``None`` when no
    run has latents. Projections are cached in a run only inside the launch folders."""
    return _latent_map(refs(runs), settings.effective(), color, runs)


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
    return str(chosen.loc[chosen[latent.OBJECTIVE].idxmax(), "key"]) if len(chosen) else keys[0]


@st.cache_data(show_spinner=False, max_entries=32)
def _neighbours(key: RunRefs, architecture: str, k: int, _run: Run) -> pd.DataFrame | None:
    return latent.neighbours(state.opened(_run), architecture, k, state.architectures_of(_run))


def neighbours(run: Run, key: str, k: int) -> pd.DataFrame | None:
    """The ``k`` nearest latent neighbours of ``key`` in a run, or ``None``."""
    return _neighbours(refs([run]), key, int(k), run)


@figure_cache(16)
def _reconstructions(key: RunRefs, architecture: str, _runs: Sequence[Run]) -> Report:
    return walks.reconstructions(_opened(_runs), architecture)


def reconstructions(runs: Sequence[Run], key: str) -> Report:
    """The architecture, then the greedy decode of its latent mean in each run, in a row."""
    with_latents = [run for run in runs if state.latents(run) is not None]
    return _reconstructions(refs(with_latents), key, with_latents)


# ---------------------------------------------------------------- operation embeddings
@figure_cache(64)
def _embedding_report(recipe: str, key: RunRefs, options: tuple, _run: Run) -> Report | None:
    return getattr(embeddings, recipe)(state.opened(_run), *options)


def embedding_epochs(run: Run) -> list[int]:
    return embeddings.embedding_epochs(state.opened(run))


def embedding_heatmap(run: Run, epoch: int | None, metric: str) -> Report | None:
    """Cosine or euclidean similarity of every pair of operation encodings."""
    return _embedding_report("embedding_heatmap", refs([run]), (epoch, metric), run)


def embedding_scatter(run: Run, epoch: int | None, dims: int) -> Report | None:
    """The learned vectors in 2-D or 3-D."""
    return _embedding_report("embedding_scatter", refs([run]), (epoch, int(dims)), run)


def embedding_trajectory(run: Run) -> Report | None:
    """How the learned vectors moved over the checkpoints, or ``None``."""
    return _embedding_report("embedding_trajectory", refs([run]), (), run)


# ---------------------------------------------------------------- smoothness
def default_pair_keys(space_name: str) -> tuple[str, str]:
    """Two architectures to interpolate between by default: the best and the median one."""
    return walks.default_walk_keys(state.space_and_table(space_name)[1])


@figure_cache(32)
def _walk(recipe: str, key: RunRefs, options: tuple, _run: Run) -> Report | None:
    return getattr(walks, recipe)(state.opened(_run), *options)


def interpolation(run: Run, start: str, end: str, steps: int) -> Report | None:
    """Greedy decodes along the straight line between two architectures' latent means, or
    ``None`` when the run has no model or latents."""
    return _walk("interpolation", refs([run]), (start, end, int(steps)), run)


def great_circle(run: Run, center: str, radius: float, steps: int, seed: int = 0) -> Report | None:
    """Greedy decodes along a great circle around an architecture's latent mean."""
    return _walk("great_circle", refs([run]), (center, float(radius), int(steps), int(seed)), run)


def latent_scale(run: Run) -> float:
    """RMS distance of a run's latent means from their mean (a natural great-circle radius)."""
    try:
        return state.opened(run).latent_spread()
    except OpEmbedError:
        return 1.0


@st.cache_data(show_spinner=False, max_entries=8)
def _smoothness_numbers(key: RunRefs, _run: Run) -> dict | None:
    return smoothness.smoothness_of(state.opened(_run))


@st.cache_data(show_spinner=False, max_entries=8)
def _pairs(key: RunRefs, seed: int, _run: Run) -> pd.DataFrame:
    return smoothness.distance_pairs(state.opened(_run), seed)


def smoothness_table(runs: Sequence[Run]) -> pd.DataFrame | None:
    """The smoothness numbers of the runs side by side (one column per run)."""
    return smoothness.smoothness_table(runs, [_smoothness_numbers(refs([run]), run) for run in runs])


def knn_spread(runs: Sequence[Run]) -> Report | None:
    """Accuracy spread of each architecture's latent neighbours against random ones, per run."""
    return smoothness.knn_spread(runs, [_smoothness_numbers(refs([run]), run) for run in runs])


@figure_cache(16)
def _distance_figure(key: RunRefs, x: str, seed: int, _runs: Sequence[Run]) -> Report | None:
    with_latents = [run for run in _runs if state.latents(run) is not None]
    pairs = [_pairs(refs([run]), seed, run) for run in with_latents]
    return smoothness.distance_figure(_opened(with_latents), x, seed, pairs=pairs)


def distance_figure(runs: Sequence[Run], x: str = "edit_distance", seed: int = 0) -> Report | None:
    """Latent distance (over each run's mean) against ``x`` (edit distance or accuracy gap)
    of random architecture pairs, per run, or ``None``."""
    return _distance_figure(refs(runs), x, int(seed), runs)


# ---------------------------------------------------------------- best cells
def property_columns(space_name: str) -> list[str]:
    """The numeric graph-property columns of a space."""
    return best_cells.numeric_properties(state.properties(space_name))


def property_name(column: str) -> str:
    return property_label(column)


@figure_cache(16)
def _space_report(recipe: str, space_name: str, options: tuple, _run: Run) -> Report:
    extra = {"architectures": state.architectures_of(_run)} if recipe == "top_cells" else \
        {"props": state.properties_of(_run)}
    return getattr(best_cells, recipe)(state.opened(_run), *options, **extra)


def top_cells(run: Run, k: int) -> Report:
    """The top-``k`` architectures of the run's space drawn as DAGs, and their table."""
    return _space_report("top_cells", run.space_name, (int(k),), run)


def property_scatter(run: Run, prop: str | None) -> Report:
    """One graph property against the objective over the run's space."""
    return _space_report("property_scatter", run.space_name, (prop,), run)


def property_correlation(run: Run) -> Report:
    """Pearson r (and p) of every graph property with the objective."""
    return _space_report("property_correlation", run.space_name, (), run)


@figure_cache(8)
def _property_latent_fit(key: RunRefs, _runs: Sequence[Run]) -> Report | None:
    return best_cells.property_latent_fit(_opened(_runs), props=state.properties_of(_runs[0]))


def property_latent_fit(runs: Sequence[Run]) -> Report | None:
    """How plainly each run's latents encode the graph properties (export only)."""
    return _property_latent_fit(refs(runs), runs)


def _bo_key(runs: Sequence[Run]) -> tuple:
    stamps = [max((p.stat().st_mtime_ns for p in run.file("bo").glob("*.json")), default=-1) for run in runs]
    return refs(runs), tuple(stamps)


@figure_cache(8)
def _bo_curves(key: tuple, _runs: Sequence[Run]) -> Report | None:
    return best_cells.bo_curves(_opened(_runs))


@st.cache_data(show_spinner=False, max_entries=8)
def _bo_summary(key: tuple, _runs: Sequence[Run]) -> pd.DataFrame | None:
    return best_cells.bo_summary(_opened(_runs))


def bo_curves(runs: Sequence[Run]) -> Report | None:
    """Best found so far against queries of the runs with BO results, or ``None``. A
    damaged result file raises ``OpEmbedError`` (the page shows it)."""
    return _bo_curves(_bo_key(runs), runs)


@figure_cache(8)
def _bo_regret(key: tuple, _runs: Sequence[Run]) -> Report | None:
    return best_cells.bo_regret(_opened(_runs))


def bo_regret(runs: Sequence[Run]) -> Report | None:
    """Regret to the space's best against queries (mean ± s.e.) of the runs with BO results, or ``None``."""
    return _bo_regret(_bo_key(runs), runs)


def bo_summary(runs: Sequence[Run]) -> pd.DataFrame | None:
    """The BO summary table of the runs with results, or ``None``."""
    return _bo_summary(_bo_key(runs), runs)
