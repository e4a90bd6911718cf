"""Paper figures out of run directories: every dashboard figure with the data behind it,
as PNG / SVG / PDF / HTML files or one zip.

Static formats go through kaleido, which drives a system Chromium (``apt-get install
chromium``). One Chromium is started for a whole export (:func:`kaleido_session`), so a
figure costs a fraction of a second instead of a browser start (about 3 s) each.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import runs
from .errors import OpEmbedError
from .figures import (
    best_so_far_figure,
    cells_row,
    distance_scatter,
    embedding_heatmap,
    embedding_scatter,
    embedding_similarity,
    embedding_trajectory,
    knn_spread_bar,
    latent_scatter,
    metrics_table,
    metrics_table_figure,
    onehot_vectors,
    property_correlation_bar,
    property_scatter,
    has_quality_columns,
    quality_curves,
    training_curves,
)

FORMATS = ("png", "svg", "pdf", "html")
STATIC_FORMATS = ("png", "svg", "pdf")
DEFAULT_WIDTH = 900  # pixels, for figures that set no width
DEFAULT_HEIGHT = 520
PNG_SCALE = 2  # PNGs at twice the layout size, for print
CHROMIUM_FIX = "static export needs Chromium: install it with `apt-get install chromium` (or set BROWSER_PATH)"

_KALEIDO_LOCK = threading.RLock()  # kaleido's sync server takes one caller at a time

FigureSet = dict[str, tuple[go.Figure, pd.DataFrame]]


# ---------------------------------------------------------------- rendering
def chromium_path() -> str | None:
    """The Chromium kaleido would use, or ``None`` when none is installed."""
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False)
    except Exception:  # an API change: let kaleido itself find (or miss) the browser
        return "unknown"


def _check_format(fmt: str) -> str:
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise OpEmbedError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


@contextlib.contextmanager
def kaleido_session() -> Iterator[None]:
    """Keep one Chromium open for the static exports inside the ``with`` block.

    Raises:
        OpEmbedError: no Chromium is installed.
    """
    import kaleido

    with _KALEIDO_LOCK:
        if chromium_path() is None:
            raise OpEmbedError(CHROMIUM_FIX)
        started = False
        if not kaleido._global_server.is_running():  # noqa: SLF001 - kaleido has no public probe
            kaleido.start_sync_server(silence_warnings=True)
            started = True
        try:
            yield
        finally:
            if started:
                kaleido.stop_sync_server(silence_warnings=True)


def _size(fig: go.Figure) -> tuple[int, int]:
    return int(fig.layout.width or DEFAULT_WIDTH), int(fig.layout.height or DEFAULT_HEIGHT)


def figure_bytes(fig: go.Figure, fmt: str = "png") -> bytes:
    """A figure as file bytes.

    Args:
        fig: the figure.
        fmt: ``"png"`` (at twice the layout size), ``"svg"``, ``"pdf"`` or ``"html"``
            (self-contained: plotly.js is embedded, so it opens offline).

    Raises:
        OpEmbedError: unknown format, or no Chromium for a static format.

    Example:
        >>> figure_bytes(go.Figure(go.Scatter(y=[1, 3, 2])), "png")[:4]
        b'\\x89PNG'
    """
    fmt = _check_format(fmt)
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
    width, height = _size(fig)
    with _KALEIDO_LOCK:
        if chromium_path() is None:
            raise OpEmbedError(CHROMIUM_FIX)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "kopts ignored when using a server"
                return pio.to_image(fig, format=fmt, width=width, height=height,
                                    scale=PNG_SCALE if fmt == "png" else 1)
        except Exception as error:
            if type(error).__name__ == "ChromeNotFoundError" or "plotly_get_chrome" in str(error):
                raise OpEmbedError(CHROMIUM_FIX) from None
            raise


# ---------------------------------------------------------------- reading runs
def run_names(run_dirs: Sequence[Path]) -> list[str]:
    """A distinct display name per run: its folder name, with the parent added on clashes."""
    paths = [Path(p) for p in run_dirs]
    names = [p.name or str(p) for p in paths]
    for index, name in enumerate(names):
        if names.count(name) > 1:
            names[index] = f"{paths[index].parent.name}/{name}"
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            seen[name] += 1
            names[index] = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
    return names


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "run"


class _Run:
    """What one run directory holds, read once through the loaders of ``core.runs``: a
    damaged file raises ``RunFileError`` naming it; an absent optional file is ``None``."""

    def __init__(self, path: Path, name: str):
        self.path = Path(path)
        self.name = name
        self.config = runs.load_config(self.path)
        self.space_name = self.config.get("space")
        self.node_types: list[str] = list(self.config.get("node_types") or [])
        self.encoding = (self.config.get("model") or {}).get("encoding", "onehot")
        history = runs.load_history(self.path) if self._has(runs.HISTORY) else None
        self.history = history if history is not None and len(history.columns) else None
        self.metrics = runs.load_metrics(self.path) if self._has(runs.METRICS) else None
        self.smoothness = runs.load_smoothness(self.path) if self._has(runs.SMOOTHNESS) else None
        self.embeddings = runs.load_embeddings(self.path) if self._has(runs.EMBEDDINGS) else None
        self.latents = runs.read_latents(self.path) if self._has(runs.LATENTS) else None

    def _has(self, name: str) -> bool:
        return (self.path / name).exists()


class _Spaces:
    """Search spaces and their tables, loaded once per name; ``None`` where loading fails."""

    def __init__(self, data_dir: Path | None, run_dirs: dict[str, list[Path]] | None = None):
        self.data_dir = data_dir
        self.run_dirs = run_dirs or {}  # space name -> runs whose keys can stand in for its data
        self.loaded: dict[str, tuple | None] = {}

    def get(self, name: str | None):
        if not name:
            return None
        if name not in self.loaded:
            try:
                from .spaces import get_space
                from .runs import load_table

                space = get_space(name)
                self.loaded[name] = (space, load_table(space, self.data_dir, self.run_dirs.get(name, ())))
            except Exception as error:  # e.g. the ENAS data file is not there
                warnings.warn(f"{name}: space not loaded, its figures are left out ({error})", stacklevel=3)
                self.loaded[name] = None
        return self.loaded[name]


def _bo_curves(run: _Run) -> pd.DataFrame | None:
    """Best-so-far curves of the run's ``bo/`` results (as written by ``python -m core bo``)."""
    if not (run.path / runs.BO_DIR).is_dir():
        return None
    from .bo.summary import best_so_far_curves
    from .errors import RunDirError, RunFileError

    try:
        frame = best_so_far_curves(run.path)
    except RunFileError:  # a damaged result file: said, never skipped silently
        raise
    except RunDirError:  # a bo/ folder without result files
        return None
    if frame is None or frame.empty:
        return None
    frame = frame.copy()
    frame["run"] = run.name
    return frame[["method", "run", "seed", "queries", "best"]]


def _decoded_frame(space, table, graphs) -> pd.DataFrame:
    """One row per decoded graph: description, edges, validity, key and objective."""
    from .smoothness import match_rows

    rows = []
    for i in range(len(graphs)):
        ops, adj, n = graphs.op_ids[i], graphs.adjacency[i], int(graphs.num_nodes[i])
        valid = bool(space.is_valid(ops, adj, n))
        key = space.key(ops, adj, n) if valid else None
        y = np.nan
        if key is not None:
            row = int(match_rows(table.keys, [key])[0])
            y = float(table.y[row]) if row >= 0 else np.nan
        edges = " ".join(f"{a}-{b}" for a, b in zip(*np.nonzero(np.asarray(adj)[:n, :n])))
        rows.append({"operations": space.describe(ops, n), "edges": edges, "num_nodes": n, "valid": valid,
                     "key": key, "y": y})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- every figure
def build_all_figures(run_dirs: Sequence[Path], projections: Sequence[str] = ("umap",),
                      data_dir: Path | None = None, seed: int = 0, cache_projections: bool = True) -> FigureSet:
    """Every dashboard figure for these runs, each with the data behind it.

    Figures are left out where a run lacks their input (no ``metrics.json``, a one-hot run
    has no trajectory, no ``model.pt`` means no interpolation...). Projections come from
    the cache (``projections/``) or are computed and cached (UMAP: about 1.5 min per
    26k-architecture run; pass ``projections=("pca",)`` for a quick export).

    Args:
        run_dirs: run directories.
        projections: latent-scatter projections to include (``"umap"``, ``"pca"``, ``"tsne"``).
        data_dir: where the ENAS data file lives (default: the usual data directory).
        seed: seeds the sampled pairs, interpolation ends and great-circle directions.
        cache_projections: read and write projections in each run's ``projections/``
            (``False``: compute them in memory only).

    Returns:
        name -> ``(figure, data)``; names are file-name safe, e.g. ``"latent_umap"``,
        ``"embedding_heatmap_cora-learned"``.

    Example:
        >>> figures = build_all_figures([Path("runs/a"), Path("runs/b")], projections=("pca",))
        >>> sorted(figures)[:2]
        ['embedding_heatmap_a', 'embedding_heatmap_b']
    """
    from .projection import load_or_compute_projection
    from .properties import architecture_properties, property_correlations, property_latent_fit
    from .smoothness import smoothness_metrics, smoothness_pairs

    if not run_dirs:
        raise OpEmbedError("no run directories given")
    names = run_names(run_dirs)
    loaded = [_Run(path, name) for path, name in zip(run_dirs, names)]
    by_space: dict[str, list[Path]] = {}
    for r in loaded:
        by_space.setdefault(r.space_name, []).append(r.path)
    spaces = _Spaces(data_dir, by_space)
    figures: FigureSet = {}

    def labelled(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
        return pd.concat([f.assign(run=name) for name, f in frames.items()], ignore_index=True)

    # training and the results table
    histories = {r.name: r.history for r in loaded if r.history is not None}
    if histories:
        figures["training_curves"] = (training_curves(histories), labelled(histories))
        with_quality = {name: h for name, h in histories.items() if has_quality_columns(h)}
        if with_quality:
            figures["quality_curves"] = (quality_curves(with_quality), labelled(with_quality))
    with_metrics = {r.name: r.metrics for r in loaded if r.metrics}
    if with_metrics:
        table = metrics_table(with_metrics)
        figures["metrics_table"] = (metrics_table_figure(table), table.reset_index())

    # latent projections
    with_latents = [r for r in loaded if r.latents is not None]
    objective = "accuracy"
    for r in with_latents:
        pair = spaces.get(r.space_name)
        if pair is not None:
            objective = pair[0].objective_name
            break
    for method in projections:
        panels = {}
        for r in with_latents:
            projected = load_or_compute_projection(r.path, method, cache=cache_projections)
            # rows follow latents.parquet; the projection's "y" is a coordinate, so the
            # objective comes in as "objective" (and y_test as "test")
            panel = projected.copy()
            for source, target in (("split", "split"), ("y", "objective"), ("y_test", "test")):
                if source in r.latents.columns:
                    panel[target] = r.latents[source].to_numpy()
            panels[r.name] = panel
        if panels:
            hover = [c for c in ("split", "test") if all(c in p.columns for p in panels.values())]
            fig = latent_scatter(panels, "objective", objective, hover, method=method)
            figures[f"latent_{method}"] = (fig, labelled(panels))

    # operation embeddings
    for r in loaded:
        if not r.node_types:
            continue
        snapshots = (r.embeddings or {}).get("snapshots") or []
        names_ = list((r.embeddings or {}).get("node_types") or r.node_types)
        if r.encoding == "learned" and snapshots:
            vectors = np.asarray(snapshots[-1]["vectors"], dtype=np.float64)
        elif r.encoding == "learned":
            continue
        else:
            vectors = onehot_vectors(names_)
        tag = _safe(r.name)
        similarity = embedding_similarity(names_, vectors, "cosine")
        figures[f"embedding_heatmap_{tag}"] = (
            embedding_heatmap(names_, vectors, "cosine", title=f"{r.name}: cosine similarity of operations"),
            similarity.rename_axis("operation").reset_index(),
        )
        if r.encoding == "learned":
            frame = pd.DataFrame(vectors, columns=[f"dim_{i}" for i in range(vectors.shape[1])])
            frame.insert(0, "operation", names_)
            figures[f"embedding_scatter_{tag}"] = (
                embedding_scatter(names_, vectors, 2, title=f"{r.name}: operation embeddings"), frame)
            long = pd.concat([
                pd.DataFrame(np.asarray(s["vectors"], dtype=np.float64),
                             columns=[f"dim_{i}" for i in range(vectors.shape[1])]).assign(epoch=s["epoch"], operation=names_)
                for s in snapshots
            ], ignore_index=True)
            figures[f"embedding_trajectory_{tag}"] = (
                embedding_trajectory(snapshots, names_, title=f"{r.name}: embedding trajectories"),
                long[["epoch", "operation", *[c for c in long.columns if c.startswith("dim_")]]],
            )

    # smoothness
    pairs_by_run, smooth_by_run = {}, {}
    for r in with_latents:
        pair = spaces.get(r.space_name)
        if pair is None:
            continue
        space, table = pair
        pairs_by_run[r.name] = smoothness_pairs(space, table, r.latents, seed=seed)
        stored = r.smoothness or {}
        smooth_by_run[r.name] = stored if "knn_accuracy_spread" in stored else \
            smoothness_metrics(space, table, r.latents, seed=seed)
    if pairs_by_run:
        figures["smoothness_edit_distance"] = (distance_scatter(pairs_by_run), labelled(pairs_by_run))
        figures["smoothness_accuracy_gap"] = (distance_scatter(pairs_by_run, x="abs_delta_y"), labelled(pairs_by_run))
        spread = pd.DataFrame([
            {"run": name, **{k: v for k, v in m.items() if not isinstance(v, dict)}} for name, m in smooth_by_run.items()
        ])
        figures["knn_spread"] = (knn_spread_bar(smooth_by_run), spread)

    # architecture properties (per space) and how plainly each run's latents encode them
    space_names = list(dict.fromkeys(r.space_name for r in loaded if spaces.get(r.space_name) is not None))
    props_by_space = {}
    for name in space_names:
        space, table = spaces.get(name)
        props_by_space[name] = props = architecture_properties(space, table)
        correlations = property_correlations(props)
        tag = _safe(name)
        figures[f"property_correlation_{tag}"] = (property_correlation_bar({name: correlations}), correlations)
        ranked = correlations.dropna(subset=["pearson_r"])
        if len(ranked):
            best = ranked.loc[ranked["pearson_r"].abs().idxmax(), "property"]
            figures[f"property_scatter_{tag}_{_safe(best)}"] = (
                property_scatter(props, best, y_label=space.objective_name), props[["key", best, "y"]])
        top = np.argsort(-np.nan_to_num(table.y, nan=-np.inf), kind="stable")[:5]
        graphs = [(table.op_ids[i], table.adjacency[i], table.num_nodes[i]) for i in top]
        figures[f"top_architectures_{tag}"] = (
            cells_row(space, graphs, [f"{space.objective_name} {table.y[i]:.4f}" for i in top],
                      title=f"{name}: top 5 architectures", max_columns=5),
            pd.DataFrame({"rank": np.arange(1, len(top) + 1), "key": [table.keys[i] for i in top],
                          "operations": [space.describe(table.op_ids[i], table.num_nodes[i]) for i in top],
                          "y": table.y[top]}),
        )
    fits = {}
    for r in with_latents:
        if r.space_name in props_by_space:
            fits[r.name] = property_latent_fit(props_by_space[r.space_name], r.latents, seed=seed)
    if fits:
        figures["property_latent_r2"] = (
            property_correlation_bar(fits, value="r2", value_label="R² of property from latent means (5-fold ridge)"),
            labelled(fits),
        )

    # decoding walks through each run's latent space
    for r in with_latents:
        pair = spaces.get(r.space_name)
        if pair is None or not (r.path / runs.MODEL).exists():
            continue
        figures.update(_walk_figures(r, *pair, seed))

    # Bayesian optimisation
    curves = [c for c in (_bo_curves(r) for r in loaded) if c is not None]
    if curves:
        frame = pd.concat(curves, ignore_index=True)
        figures["bo_best_so_far"] = (best_so_far_figure(frame), frame)
    return figures


def _walk_figures(run: _Run, space, table, seed: int) -> FigureSet:
    """Interpolation between two seeded random architectures and a great circle around a
    third, with radius half the RMS distance of the latent means from their mean."""
    from .smoothness import great_circle, interpolate

    model, _ = runs.load_model(run.path, "cpu")
    mu = runs.latent_matrix(run.latents).astype(np.float32)
    rng = np.random.default_rng(seed)
    first, second, centre = rng.choice(len(mu), 3, replace=False)
    tag = _safe(run.name)
    figures: FigureSet = {}
    steps = 6
    graphs = interpolate(model, mu[first], mu[second], steps=steps)
    data = _decoded_frame(space, table, graphs)
    data.insert(0, "t", np.linspace(0, 1, steps))
    keys = run.latents["key"].astype(str).to_numpy()
    figures[f"interpolation_{tag}"] = (
        cells_row(space, graphs, [f"t = {t:.2f}" for t in data["t"]], max_columns=3,
                  title=f"{run.name}: interpolation {keys[first]} → {keys[second]}"),
        data,
    )
    radius = 0.5 * float(np.sqrt(((mu - mu.mean(0)) ** 2).sum(1).mean()))
    points, graphs = great_circle(model, mu[centre], radius=radius, steps=6, seed=seed)
    data = _decoded_frame(space, table, graphs)
    data.insert(0, "theta_degrees", np.linspace(0, 360, len(points), endpoint=False))
    figures[f"great_circle_{tag}"] = (
        cells_row(space, graphs, [f"θ = {d:.0f}°" for d in data["theta_degrees"]],
                  max_columns=3,
                  title=f"{run.name}: great circle around {keys[centre]} (radius {radius:.2f})"),
        data,
    )
    return figures


# ---------------------------------------------------------------- writing
def _render_all(figures: FigureSet, formats: Sequence[str]) -> Iterator[tuple[str, str, bytes]]:
    """``(name, format, bytes)`` for every figure and format; static ones in one session.
    HTML files load ``plotly.min.js`` from beside them (written once by the caller)."""
    formats = [_check_format(f) for f in formats]
    static = [f for f in formats if f in STATIC_FORMATS]
    session = kaleido_session() if static else contextlib.nullcontext()
    with session:
        for name, (fig, _) in figures.items():
            for fmt in formats:
                if fmt == "html":
                    data = fig.to_html(include_plotlyjs="directory", full_html=True).encode("utf-8")
                else:
                    data = figure_bytes(fig, fmt)
                yield name, fmt, data


def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def export_runs(run_dirs: Sequence[Path], fmt: str | Sequence[str], out_dir: Path,
                projections: Sequence[str] = ("umap",), data_dir: Path | None = None) -> list[Path]:
    """Write every figure of :func:`build_all_figures` as ``out_dir/<name>.<fmt>`` plus its
    data as ``out_dir/<name>.csv`` (HTML figures share one ``plotly.min.js`` beside them).

    Args:
        run_dirs: run directories.
        fmt: ``"png"``, ``"svg"``, ``"pdf"`` or ``"html"`` (or a list of them).
        out_dir: the folder to write into (created).
        projections: latent projections to include (see :func:`build_all_figures`).
        data_dir: where the ENAS data file lives.

    Returns:
        The written paths, figures and CSVs.

    Example:
        >>> export_runs([Path("runs/a")], "pdf", Path("figures"))
    """
    from .validation import check_output_dir

    formats = [fmt] if isinstance(fmt, str) else list(fmt)
    formats = [_check_format(f) for f in formats]
    out_dir = Path(out_dir)
    check_output_dir(out_dir, "--out")  # before the work, not after it
    figures = build_all_figures(run_dirs, projections=projections, data_dir=data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)  # only once every input has been read
    written: list[Path] = []
    if "html" in formats:
        path = out_dir / "plotly.min.js"
        runs.atomic_write_bytes(path, _plotly_js())
        written.append(path)
    for name, fmt_, data in _render_all(figures, formats):
        path = out_dir / f"{name}.{fmt_}"
        runs.atomic_write_bytes(path, data)
        written.append(path)
    for name, (_, frame) in figures.items():
        path = out_dir / f"{name}.csv"
        runs.atomic_write_csv(path, frame)
        written.append(path)
    return written


def export_zip(run_dirs: Sequence[Path], formats: Sequence[str] = ("png", "pdf"),
               projections: Sequence[str] = ("umap",), data_dir: Path | None = None,
               cache_projections: bool = True) -> bytes:
    """Every figure in each of ``formats`` plus its CSV, as one zip (the dashboard's
    "Export all"). Layout: ``figures/<name>.<fmt>``, ``data/<name>.csv`` and, with HTML,
    ``figures/plotly.min.js``."""
    if isinstance(formats, str):
        formats = [formats]
    formats = [_check_format(f) for f in formats]
    figures = build_all_figures(run_dirs, projections=projections, data_dir=data_dir,
                                cache_projections=cache_projections)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if "html" in formats:
            archive.writestr("figures/plotly.min.js", _plotly_js())
        for name, fmt, data in _render_all(figures, formats):
            archive.writestr(f"figures/{name}.{fmt}", data)
        for name, (_, frame) in figures.items():
            archive.writestr(f"data/{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()
