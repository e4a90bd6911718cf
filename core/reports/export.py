"""Paper figures out of run directories: every dashboard figure with the data behind it
(:mod:`core.reports`, as the pages draw them), as PNG / SVG / PDF / HTML files or one zip.

Static formats go through kaleido, which drives a system Chromium (``apt-get install
chromium``). One Chromium is started for a whole export (:func:`kaleido_session`), so a
figure costs a fraction of a second instead of a browser start (about 3 s) each.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import kaleido
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from core import runs
from core.errors import OpEmbedError
from core.reports import FigureSet, ReportSettings, figure_set
from core.runs import Run, SpaceTables
from core.cli.validation import check_output_dir

FORMATS = ("png", "svg", "pdf", "html")
STATIC_FORMATS = ("png", "svg", "pdf")
DEFAULT_WIDTH = 900  # pixels, for figures that set no width
DEFAULT_HEIGHT = 520
PNG_SCALE = 2  # PNGs at twice the layout size, for print
CHROMIUM_FIX = "static export needs Chromium: install it with `apt-get install chromium` (or set BROWSER_PATH)"

_KALEIDO_LOCK = threading.RLock()  # kaleido's sync server takes one caller at a time


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


# ---------------------------------------------------------------- every figure
def build_all_figures(run_dirs: Sequence[Path], projections: Sequence[str] = ("umap",),
                      data_dir: Path | None = None, cache_projections: bool = True,
                      settings: ReportSettings = ReportSettings()) -> FigureSet:
    """Every dashboard figure for these runs, each with the data behind it, as the pages
    show them (:func:`core.reports.figure_set` with the pages' default settings).

    Projections come from the cache (``projections/``) or are computed and cached (UMAP:
    about 1.5 min per 26k-architecture run; pass ``projections=("pca",)`` for a quick export).

    Args:
        run_dirs: run directories.
        projections: latent-scatter projections to include (``"umap"``, ``"pca"``, ``"tsne"``).
        data_dir: where the ENAS data file lives (default: the usual data directory).
        cache_projections: read and write projections in each run's ``projections/``
            (``False``: compute them in memory only).
        settings: what each page shows (default: the pages' defaults).

    Returns:
        name -> ``(figure, data)``; names are file-name safe, e.g. ``"latent_umap"``,
        ``"embedding_heatmap_cora-learned"``.

    Example:
        >>> figures = build_all_figures([Path("runs/a"), Path("runs/b")], projections=("pca",))
        >>> sorted(figures)[:2]
        ['bo_best_so_far', 'embedding_heatmap_a']
    """
    if not run_dirs:
        raise OpEmbedError("no run directories given")
    tables = SpaceTables(data_dir)
    paths = [Path(p) for p in run_dirs]
    # every file is read first: a damaged one stops the export before a projection is cached
    opened = [Run.open(path, data_dir=data_dir, table_runs=paths, tables=tables).read_all() for path in paths]
    return figure_set(opened, settings, projections, cache_projections)


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
               cache_projections: bool = True, settings: ReportSettings = ReportSettings()) -> bytes:
    """Every figure in each of ``formats`` plus its CSV, as one zip (the dashboard's
    "Export all"). Layout: ``figures/<name>.<fmt>``, ``data/<name>.csv`` and, with HTML,
    ``figures/plotly.min.js``."""
    if isinstance(formats, str):
        formats = [formats]
    formats = [_check_format(f) for f in formats]
    figures = build_all_figures(run_dirs, projections=projections, data_dir=data_dir,
                                cache_projections=cache_projections, settings=settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if "html" in formats:
            archive.writestr("figures/plotly.min.js", _plotly_js())
        for name, fmt, data in _render_all(figures, formats):
            archive.writestr(f"figures/{name}.{fmt}", data)
        for name, (_, frame) in figures.items():
            archive.writestr(f"data/{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()
