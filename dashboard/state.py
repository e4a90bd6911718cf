"""Session state, the run selection and the opened runs every page shares.

* :func:`init_state` sets every session-state default, once per session; the page settings
  start from ``core.reports.ReportSettings``, the defaults ``python -m core export`` draws with.
* The runs folders are fixed at launch (``-- --runs-dir PATH``, repeatable, and the demo
  folder): the sidebar's "Runs directory" box may only pick a folder inside them
  (:func:`check_runs_dir`), and caches are written only inside them (:func:`inside_roots`).
* Runs are kept by path: session state holds paths, :func:`all_runs` the discovered
  :class:`core.runs.Run` objects (their status read). :func:`opened` gives a run opened for
  reading, cached on its path and the newest modification time of its files
  (``st.cache_resource``): its lazy reads (latents, history, model, table ...) are the cache,
  so a run still training shows its newest epochs. A damaged file reads as absent here, and
  run discovery reports it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.errors import OpEmbedError
from core.analysis.properties import architecture_properties
from core.reports import ReportSettings, run_labels as report_labels
from core.reports.labels import model_name
from core.reports.latent import architecture_frame
from core.spaces.data_dir import resolve_data_dir
from core.runs import Run, SpaceTables
from core.spaces import ArchitectureTable, SearchSpace, get_space
from dashboard.text import plain  # noqa: F401  (the pages call state.plain)
from dashboard.discovery import BROKEN, COMPACT_STATE, default_pair, discover_runs, inside, resolved_roots
from dashboard.groups import (  # noqa: F401  (group_label, run_groups: for the sidebar)
    choices, default_groups, group_label, is_group, labelled_groups, members_of, representative, run_groups,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "assets" / "demo"
RUNS_DIR_ENV = "OPEMBED_RUNS_DIR"  # runs folders (os.pathsep-separated) when no --runs-dir is given
DEMO_DIR_ENV = "OPEMBED_DEMO_DIR"
NONE = "none"  # the run-B choice "no second run"
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")  # server.address values that keep the server private

PROJECTION_METHODS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}
UMAP_METRICS = ["euclidean", "cosine", "manhattan", "correlation"]
SETTINGS = ReportSettings()  # the pages' defaults

__all__ = ["discover_runs", "init_state"]


# ---------------------------------------------------------------- command line
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Arguments after ``--`` in ``streamlit run dashboard/app.py -- --runs-dir DIR``.
    Unknown arguments (pytest's, under AppTest) are ignored.

    ``--runs-dir`` may be given several times; without it, ``$OPEMBED_RUNS_DIR``
    (``os.pathsep``-separated) or ``runs``. ``runs_dirs`` holds them all, ``runs_dir`` the
    first (the folder shown at start)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--runs-dir", action="append", default=None, dest="runs_dirs")
    parser.add_argument("--demo-dir", default=os.environ.get(DEMO_DIR_ENV, str(DEMO_DIR)))
    parser.add_argument("--data-dir", default=None,
                        help="where the ENAS data file lives (default: $OPEMBED_DATA_DIR, else the user cache)")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if not args.runs_dirs:
        args.runs_dirs = [p for p in os.environ.get(RUNS_DIR_ENV, "").split(os.pathsep) if p] or ["runs"]
    args.runs_dir = args.runs_dirs[0]
    return args


# ---------------------------------------------------------------- the folders fixed at launch
def launch_roots() -> list[str]:
    """The runs folders given at launch, then the demo folder (when there is one), as given."""
    args = parse_args()
    return [*args.runs_dirs, *([args.demo_dir] if args.demo_dir else [])]


def shown_root(root: str) -> str:
    """A launch folder as the sidebar shows it: relative to the repository when inside it,
    else by its folder name when absolute (no server path on a page)."""
    path = Path(root)
    if path.is_absolute() and (path == ROOT or ROOT in path.parents):
        return path.relative_to(ROOT).as_posix()
    if path.is_absolute():  # a server path: its folder name only
        return path.name or root
    return root


def inside_roots(path: str | Path) -> bool:
    """Whether ``path`` (links resolved) lies inside a folder given at launch."""
    return inside(path, resolved_roots(launch_roots()))


def check_runs_dir(text: str | None) -> tuple[str | None, str | None]:
    """The sidebar's runs folder, or why it is refused. Returns ``(folder, None)`` for a
    folder inside a launch root, else ``(None, refusal)``; a refused folder is never read."""
    text = (text or "").strip()
    if not text:
        return None, "No runs folder chosen: type one of the folders listed below the box."
    if inside_roots(text):
        return text, None
    roots = ", ".join(f"`{shown_root(root)}`" for root in launch_roots())
    return None, (f"`{text}` is outside the runs folders this dashboard was started with ({roots}), so it is "
                  "not searched. To show another folder, restart the dashboard with "
                  "`streamlit run dashboard/app.py -- --runs-dir PATH`.")


def bind_warning() -> str | None:
    """A warning when the server listens beyond this machine, else ``None``."""
    address = st.get_option("server.address")
    if address in LOCAL_ADDRESSES:
        return None
    where = f"address {address}" if address else "every network interface"
    return (f"This dashboard listens on {where}: anyone who can reach this machine can open it and read its "
            "runs. Restart it with `--server.address 127.0.0.1`, or put it behind an authenticating proxy.")


def private(text: str) -> str:
    """``text`` with the launch folders written as the names runs are shown under (no
    server paths): ``runs`` folders drop out, the demo folder reads ``demo``."""
    args = parse_args()
    pairs = [(root, "") for root in args.runs_dirs] + ([(args.demo_dir, "demo/")] if args.demo_dir else [])
    forms = []
    for root, name in pairs:  # absolute forms only: a relative "runs/" is no server path
        for form in {os.path.abspath(root), str(Path(root).expanduser().resolve())}:
            forms.append((form.rstrip("/") + "/", name))
    for form, name in sorted(forms, key=lambda pair: -len(pair[0])):  # the longest first
        text = text.replace(form, name)
    return text.replace(str(ROOT) + "/", "")


def shown_path(path: str | Path) -> str:
    """A run's path as pages show it: the launch folders by name, never a server path."""
    return private(str(path))


def error_line(error: BaseException) -> str:
    """One line (plus a fix line) for an error shown on a page, without server paths."""
    return private(str(error)).replace("\n  fix:", "  \nfix:")


# ---------------------------------------------------------------- session state
def defaults() -> dict[str, Any]:
    """Every session-state key the app uses, with its default."""
    args = parse_args()
    return {
        # sidebar (app.py)
        "runs_dir": args.runs_dir,
        "demo_dir": args.demo_dir,
        "data_dir": args.data_dir,
        "include_demo": True,
        "run_a": None,  # path of run A; None: the default pair decides
        "run_b": None,  # path of run B or NONE
        # latent space
        "proj_method": None,  # None: the first method already cached for run A, else PCA
        "proj_n_neighbors": 15,
        "proj_min_dist": 0.1,
        "proj_metric": "euclidean",
        "color_by": SETTINGS.color_by,
        "selected_key": "",
        "_latent_last_pick": None,  # the last plotly selection handled (keys)
        "neighbours_k": 10,
        # operation embeddings
        "emb_metric": SETTINGS.embedding_metric,
        "emb_dims": SETTINGS.embedding_dims,
        # smoothness
        "_interp_space": None,  # the space the interpolation keys belong to
        "interp_start": "",  # "": the best architecture
        "interp_end": "",  # "": the median architecture
        "interp_steps": SETTINGS.interp_steps,
        "circle_radius": SETTINGS.circle_radius,  # times the RMS spread of the latent means
        "circle_steps": SETTINGS.circle_steps,
        # best cells
        "top_k": SETTINGS.top_k,
        "property": SETTINGS.property,
        "found_method": SETTINGS.found_method,
        "found_budget": SETTINGS.found_budget,
        # export
        "export_formats": ["png", "svg", "pdf", "html"],
        "export_preview": None,
    }


# Page widgets whose value must survive a page switch (Streamlit drops the state of a
# widget that is not drawn in a run; re-assigning the value keeps it).
PERSISTENT = (
    "proj_method", "proj_n_neighbors", "proj_min_dist", "proj_metric", "color_by", "selected_key",
    "neighbours_k", "emb_metric", "emb_dims", "interp_start", "interp_end", "interp_steps",
    "circle_radius", "circle_steps", "top_k", "property", "found_method", "found_budget", "export_formats", "export_preview",
)


def init_state() -> None:
    """Set the defaults of every session-state key that is not set yet, and keep page
    widget values across page switches."""
    for key, value in defaults().items():
        if key not in st.session_state:
            st.session_state[key] = value
        elif key in PERSISTENT:
            st.session_state[key] = st.session_state[key]


def report_settings() -> ReportSettings:
    """The pages' settings as the user left them (what the Export page draws)."""
    state = st.session_state
    return ReportSettings(
        color_by=state.get("color_by", SETTINGS.color_by), embedding_metric=state.get("emb_metric", SETTINGS.embedding_metric),
        embedding_dims=int(state.get("emb_dims", SETTINGS.embedding_dims)),
        interp_start=(state.get("interp_start") or "").strip() or None,
        interp_end=(state.get("interp_end") or "").strip() or None,
        interp_steps=int(state.get("interp_steps", SETTINGS.interp_steps)),
        circle_radius=float(state.get("circle_radius", SETTINGS.circle_radius)),
        circle_steps=int(state.get("circle_steps", SETTINGS.circle_steps)),
        top_k=int(state.get("top_k", SETTINGS.top_k)), property=state.get("property") or SETTINGS.property,
        found_method=state.get("found_method") or SETTINGS.found_method,
        found_budget=int(state.get("found_budget", SETTINGS.found_budget)),
    )


# ---------------------------------------------------------------- runs
@st.cache_data(ttl=3, show_spinner=False)
def _discover(runs_dir: str | None, demo_dir: str | None, roots: tuple[str, ...], data_dir: str | None) -> list[Run]:
    return discover_runs(runs_dir, demo_dir, roots=roots, data_dir=data_dir)


def all_runs() -> list[Run]:
    """Runs in the chosen runs folder (when it lies inside the launch roots) and, when
    included, the demo folder given at launch."""
    runs_dir, _ = check_runs_dir(st.session_state.get("runs_dir"))
    demo = parse_args().demo_dir if st.session_state.get("include_demo", True) else None
    return _discover(runs_dir, demo or None, tuple(launch_roots()), st.session_state.get("data_dir"))


def run_by_path(path: str | None) -> Run | None:
    return next((run for run in all_runs() if str(run.path) == path), None)


def fix_selection(runs: list[Run]) -> None:
    """Point ``run_a`` / ``run_b`` at existing runs or groups (the default: the enas6 seed
    groups where they exist, else the default pair). Called by app.py before the selectboxes
    are drawn."""
    paths = choices(runs)
    default_a, default_b = default_groups(runs)
    if default_a is None:
        default_a, default_b = default_pair([r for r in runs if r.status.state != COMPACT_STATE])
    a, b = st.session_state.get("run_a"), st.session_state.get("run_b")
    if a not in paths:
        st.session_state["run_a"] = default_a
        if b is None or (b != NONE and b not in paths):
            st.session_state["run_b"] = default_b or NONE
    if st.session_state.get("run_b") not in (*paths, NONE):
        st.session_state["run_b"] = NONE


def _chosen() -> list[str]:
    """The run-A and run-B choices (paths or group keys), B only when chosen and not A."""
    a, b = st.session_state.get("run_a"), st.session_state.get("run_b")
    return [c for c in (a, b if b not in (None, NONE, a) else None) if c is not None]


def group_members(choice: str | None) -> list[Run]:
    """The runs of a run-A / run-B choice: a seed group's members, or the one run."""
    return members_of(choice, all_runs())


def selected_groups() -> dict[str, list[Run]]:
    """Run A and run B as labelled groups (a single run is a group of one)."""
    return labelled_groups(_chosen(), all_runs())


def any_group_selected() -> bool:
    return any(is_group(choice) for choice in _chosen())


def selected_runs() -> list[Run]:
    """Run A, then run B when one is chosen and differs from A; a group stands as its
    :func:`representative` (the pages that read a model or latents show that seed)."""
    chosen = []
    for choice in _chosen():
        run = representative(group_members(choice)) if is_group(choice) else run_by_path(choice)
        if run is not None and all(run.path != other.path for other in chosen):
            chosen.append(run)
    return chosen


def model_label(run: Run) -> str:
    """The paper's name of the run's model ("D-VAE", "DVAE-EMB", "GCN", "GCN-EMB"), "?" for
    a run whose config.json does not read."""
    return model_name(run)


def run_labels(runs: list[Run]) -> dict[str, str]:
    """Legend label of each run (path -> label), as every figure labels it: the paper's
    model names ("D-VAE", "DVAE-EMB", "GCN-EMB") when they tell the runs apart, else with the run name."""
    return {str(run.path): label for run, label in zip(runs, report_labels(runs))}


def usable(runs: list[Run]) -> list[Run]:
    """The runs that are not broken."""
    return [r for r in runs if r.status.state != BROKEN]


# ---------------------------------------------------------------- opened runs
@st.cache_resource(show_spinner=False)
def space_tables(data_dir: str) -> SpaceTables:
    """The search spaces' tables, shared by every run and session (one per data directory)."""
    return SpaceTables(data_dir)


@st.cache_resource(show_spinner=False, max_entries=8)
def _open(path: str, version: int, name: str, source: str, data_dir: str, roots: tuple[Path, ...],
          table_runs: tuple[Path, ...]) -> Run:
    return Run.open(path, name=name, source=source, data_dir=data_dir, roots=roots, table_runs=table_runs,
                    tables=space_tables(data_dir))


def opened(run: Run) -> Run:
    """``run`` opened for reading: one object per version of its files, shared by the
    pages and sessions, whose reads are cached in it."""
    return _open(str(run.path), run.version(), run.name, run.source, str(run.data_dir), run.roots, run.table_runs)


def _read(run: Run, part: str) -> Any | None:
    """A part of a run (``"latents"``, ``"history"`` ...), ``None`` when absent or damaged."""
    try:
        return getattr(opened(run), part)
    except OpEmbedError:  # damaged: discovery reports it
        return None


def latents(run: Run) -> pd.DataFrame | None:
    """``latents.parquet`` of a run, or ``None`` when it is not written yet."""
    return _read(run, "latents")


def history(run: Run) -> pd.DataFrame | None:
    """``history.csv`` of a run, or ``None`` when absent or empty."""
    return _read(run, "history")


def metrics(run: Run) -> dict | None:
    return _read(run, "metrics")


# ---------------------------------------------------------------- spaces
def space_and_table(name: str) -> tuple[SearchSpace, ArchitectureTable]:
    """``(SearchSpace, ArchitectureTable)`` of a space name, its data read from
    ``--data-dir``; where that is missing (ENAS), rebuilt from the keys of a run of the space
    (the shipped enas6 runs open with no download). Raises ``OpEmbedError`` when neither
    is available (pages show the message)."""
    stand_ins = tuple(r.path for r in all_runs() if r.space_name == name)
    tables = space_tables(_data_dir())
    return get_space(name), tables.load(name, stand_ins)


def _data_dir() -> str:
    return str(resolve_data_dir(st.session_state.get("data_dir")))


@st.cache_data(show_spinner=False, max_entries=4)
def _architectures(name: str, data_dir: str, _space: SearchSpace, _table: ArchitectureTable) -> pd.DataFrame:
    return architecture_frame(_space, _table)


@st.cache_data(show_spinner=False, max_entries=4)
def _properties(name: str, data_dir: str, _space: SearchSpace, _table: ArchitectureTable) -> pd.DataFrame:
    return architecture_properties(_space, _table)


def architectures(name: str) -> pd.DataFrame:
    """One row per architecture of a space: ``key``, ``ops`` (operation sequence),
    ``accuracy`` (the search objective, ``y``) and ``test accuracy`` where the space has it."""
    return _architectures(name, _data_dir(), *space_and_table(name))


def properties(name: str) -> pd.DataFrame:
    """Graph properties of every architecture of a space (``core.analysis.properties``)."""
    return _properties(name, _data_dir(), *space_and_table(name))


def architectures_of(run: Run) -> pd.DataFrame:
    """:func:`architectures` of a run's space, through the run (no session needed)."""
    run = opened(run)
    return _architectures(run.space_name, str(run.data_dir), run.space, run.table)


def properties_of(run: Run) -> pd.DataFrame:
    """:func:`properties` of a run's space, through the run (no session needed)."""
    run = opened(run)
    return _properties(run.space_name, str(run.data_dir), run.space, run.table)


def architecture_row(name: str, key: str) -> pd.Series | None:
    """The row of :func:`architectures` of one key (key, ops, accuracy ...), or ``None``."""
    row = space_and_table(name)[1].row_of(key)
    return None if row is None else architectures(name).iloc[row]
