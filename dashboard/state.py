"""Session state, the run selection and the cached loaders every page shares.

* :func:`init_state` sets every session-state default, once per session.
* The runs folders are fixed at launch (``-- --runs-dir PATH``, repeatable, and the demo
  folder): the sidebar's "Runs directory" box may only pick a folder inside them
  (:func:`check_runs_dir`), and caches are written only inside them (:func:`inside_roots`).
* Loaders are cached on the file's path and modification time, so a run that is still
  training shows its newest epochs: ``st.cache_data`` for frames and JSON,
  ``st.cache_resource`` for models and search-space tables (never copied). They read through
  ``core.runs``; a damaged file reads as absent here, and run discovery reports it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import runs as run_files
from core.errors import OpEmbedError
from dashboard.discovery import (
    BROKEN,
    CONFIG,
    EMBEDDINGS,
    HISTORY,
    LATENTS,
    METRICS,
    MODEL,
    SMOOTHNESS,
    default_pair,
    discover_runs,
    inside,
    resolved_roots,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "assets" / "demo"
RUNS_DIR_ENV = "OPEMBED_RUNS_DIR"  # runs folders (os.pathsep-separated) when no --runs-dir is given
DEMO_DIR_ENV = "OPEMBED_DEMO_DIR"
NONE = "none"  # the run-B choice "no second run"
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")  # server.address values that keep the server private

PROJECTION_METHODS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}
UMAP_METRICS = ["euclidean", "cosine", "manhattan", "correlation"]

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
    """A launch folder as the sidebar shows it: relative to the repository when inside it."""
    path = Path(root)
    if path.is_absolute() and (path == ROOT or ROOT in path.parents):
        return path.relative_to(ROOT).as_posix()
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
        "color_by": "accuracy",
        "selected_key": "",
        "_latent_last_pick": None,  # the last plotly selection handled (keys)
        "neighbours_k": 10,
        # operation embeddings
        "emb_metric": "cosine",
        "emb_dims": 2,
        # smoothness
        "_interp_space": None,  # the space the interpolation keys belong to
        "interp_start": "",
        "interp_end": "",
        "interp_steps": 8,
        "circle_radius": 0.5,  # times the RMS spread of the latent means
        "circle_steps": 12,
        # best cells
        "top_k": 8,
        "property": None,
        # export
        "export_formats": ["png", "svg", "pdf", "html"],
        "export_preview": None,
    }


# Page widgets whose value must survive a page switch (Streamlit drops the state of a
# widget that is not drawn in a run; re-assigning the value keeps it).
PERSISTENT = (
    "proj_method", "proj_n_neighbors", "proj_min_dist", "proj_metric", "color_by", "selected_key",
    "neighbours_k", "emb_metric", "emb_dims", "interp_start", "interp_end", "interp_steps",
    "circle_radius", "circle_steps", "top_k", "property", "export_formats", "export_preview",
)


def init_state() -> None:
    """Set the defaults of every session-state key that is not set yet, and keep page
    widget values across page switches."""
    for key, value in defaults().items():
        if key not in st.session_state:
            st.session_state[key] = value
        elif key in PERSISTENT:
            st.session_state[key] = st.session_state[key]


# ---------------------------------------------------------------- runs
@st.cache_data(ttl=3, show_spinner=False)
def _discover(runs_dir: str | None, demo_dir: str | None, roots: tuple[str, ...]) -> list[dict]:
    return discover_runs(runs_dir, demo_dir, roots=roots)


def all_runs() -> list[dict]:
    """Runs in the chosen runs folder (when it lies inside the launch roots) and, when
    included, the demo folder given at launch."""
    runs_dir, _ = check_runs_dir(st.session_state.get("runs_dir"))
    demo = parse_args().demo_dir if st.session_state.get("include_demo", True) else None
    return _discover(runs_dir, demo or None, tuple(launch_roots()))


def run_by_path(path: str | None) -> dict | None:
    for run in all_runs():
        if run["path"] == path:
            return run
    return None


def fix_selection(runs: list[dict]) -> None:
    """Point ``run_a`` / ``run_b`` at existing runs (the default pair when unset or gone).
    Called by app.py before the selectboxes are drawn."""
    paths = [r["path"] for r in runs]
    default_a, default_b = default_pair(runs)
    a, b = st.session_state.get("run_a"), st.session_state.get("run_b")
    if a not in paths:
        st.session_state["run_a"] = default_a
        if b is None or (b != NONE and b not in paths):
            st.session_state["run_b"] = default_b or NONE
    if st.session_state.get("run_b") not in (*paths, NONE):
        st.session_state["run_b"] = NONE


def selected_runs() -> list[dict]:
    """Run A, then run B when one is chosen and differs from A."""
    chosen = []
    a = run_by_path(st.session_state.get("run_a"))
    if a is not None:
        chosen.append(a)
    b_path = st.session_state.get("run_b")
    if b_path not in (None, NONE) and (a is None or b_path != a["path"]):
        b = run_by_path(b_path)
        if b is not None:
            chosen.append(b)
    return chosen


MODEL_NAMES = {"onehot": "D-VAE", "learned": "DVAE-EMB"}


def run_labels(runs: list[dict]) -> dict[str, str]:
    """Legend label of each run (path -> label): the paper's model names ("D-VAE",
    "DVAE-EMB") when they tell the runs apart, else the model name and the run name."""
    models = [MODEL_NAMES.get(r["encoding"], "?") for r in runs]
    distinct = len(set(models)) == len(models)
    return {r["path"]: (m if distinct else f"{m} ({r['name']})") for r, m in zip(runs, models)}


def runs_with(runs: list[dict], file_name: str) -> list[dict]:
    return [r for r in runs if r["status"] != BROKEN and (Path(r["path"]) / file_name).exists()]


# ---------------------------------------------------------------- cached file loaders
def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@st.cache_data(show_spinner=False, max_entries=64)
def _read_json(path: str, mtime: int) -> Any:
    """A run's JSON file through ``core.runs``: checked by its kind (metrics, embeddings,
    smoothness); raises ``RunFileError`` when damaged."""
    file = Path(path)
    loaders = {METRICS: run_files.load_metrics, EMBEDDINGS: run_files.load_embeddings,
               SMOOTHNESS: run_files.load_smoothness, CONFIG: run_files.load_config}
    loader = loaders.get(file.name)
    return loader(file.parent) if loader else run_files.read_json(file)


@st.cache_data(show_spinner=False, max_entries=32)
def _read_csv(path: str, mtime: int) -> pd.DataFrame:
    """``history.csv`` through ``core.runs.load_history``."""
    return run_files.load_history(Path(path).parent)


@st.cache_data(show_spinner=False, max_entries=8)
def _read_parquet(path: str, mtime: int) -> pd.DataFrame:
    """``latents.parquet`` through ``core.runs.read_latents``."""
    return run_files.read_latents(Path(path).parent)


def read_json(path: str | Path) -> Any | None:
    """A run's JSON file, or ``None`` when it is absent or damaged (discovery marks such a
    run broken and says which file)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return _read_json(str(path), _mtime(path))
    except OpEmbedError:
        return None


def run_json(run: dict, file_name: str) -> Any | None:
    return read_json(Path(run["path"]) / file_name)


def history(run: dict) -> pd.DataFrame | None:
    """``history.csv`` of a run, or ``None`` when absent or empty."""
    path = Path(run["path"]) / HISTORY
    if not path.exists():
        return None
    try:
        frame = _read_csv(str(path), _mtime(path))
    except OpEmbedError:  # damaged: discovery reports it
        return None
    return frame if len(frame) else None


def latents(run: dict) -> pd.DataFrame | None:
    """``latents.parquet`` of a run, or ``None`` when it is not written yet."""
    path = Path(run["path"]) / LATENTS
    if not path.exists():
        return None
    try:
        return _read_parquet(str(path), _mtime(path))
    except OpEmbedError:  # damaged: discovery reports it
        return None


def metrics(run: dict) -> dict | None:
    return run_json(run, METRICS)


def embeddings(run: dict) -> dict | None:
    """``embeddings.json`` (learned runs): ``{"node_types", "snapshots": [{"epoch", "vectors"}]}``."""
    data = run_json(run, EMBEDDINGS)
    if not isinstance(data, dict) or not data.get("snapshots"):
        return None
    return data


def smoothness_file(run: dict) -> dict | None:
    return run_json(run, SMOOTHNESS)


def config(run: dict) -> dict | None:
    return run.get("config") or run_json(run, CONFIG)


# ---------------------------------------------------------------- models and spaces
@st.cache_resource(show_spinner="Loading the model ...", max_entries=4)
def _load_model(path: str, mtime: int):
    from core.runs import load_model

    model, _ = load_model(Path(path), "cpu")
    return model


def model(run: dict):
    """The trained model of a run (CPU, eval mode), or ``None`` when ``model.pt`` is absent.
    Raises ``RunFileError`` when it is damaged or does not fit its run."""
    path = Path(run["path"]) / MODEL
    if not path.exists():
        return None
    return _load_model(run["path"], _mtime(path))


@st.cache_resource(show_spinner="Loading the search space ...", max_entries=4)
def _space_and_table(name: str, data_dir: str | None, run_paths: tuple[str, ...]):
    from core.runs import load_table
    from core.spaces import get_space

    space = get_space(name)
    return space, load_table(space, data_dir, run_paths)


def space_and_table(name: str):
    """``(SearchSpace, ArchitectureTable)`` of a space name, its data read from
    ``--data-dir``; where that is missing (ENAS), rebuilt from the keys of a run of the space
    (the shipped enas6 runs open with no download). Raises ``OpEmbedError`` when neither
    is available (pages show the message)."""
    run_paths = tuple(r["path"] for r in all_runs() if r.get("space") == name)
    return _space_and_table(name, st.session_state.get("data_dir"), run_paths)


@st.cache_data(show_spinner=False, max_entries=4)
def architectures(name: str) -> pd.DataFrame:
    """One row per architecture of a space: ``key``, ``ops`` (operation sequence),
    ``accuracy`` (the search objective, ``y``) and ``test accuracy`` where the space has it."""
    space, table = space_and_table(name)
    frame = pd.DataFrame({
        "key": table.keys,
        "ops": [space.describe(o, n) for o, n in zip(table.op_ids, table.num_nodes)],
        "accuracy": table.y,
    })
    if table.y_test is not None:
        frame["test accuracy"] = table.y_test
    return frame


@st.cache_resource(show_spinner=False, max_entries=4)
def key_rows(name: str) -> dict[str, int]:
    """Key -> row of the space's table (the first row where a key repeats, as in ENAS)."""
    _, table = space_and_table(name)
    rows: dict[str, int] = {}
    for row, key in enumerate(table.keys):
        rows.setdefault(key, row)
    return rows


def architecture_row(name: str, key: str) -> pd.Series | None:
    """The row of :func:`architectures` of one key (key, ops, accuracy ...), or ``None``."""
    row = key_rows(name).get(key)
    return None if row is None else architectures(name).iloc[row]


def objective_of(name: str, key: str | None) -> float | None:
    """The search objective (accuracy) of a key, from the space's lookup or its table."""
    if key is None:
        return None
    space, table = space_and_table(name)
    lookup = getattr(space, "lookup", None)
    if lookup is not None:
        found = lookup(key)
        if found is not None:
            return float(found[0])
    row = key_rows(name).get(key)
    return None if row is None else float(table.y[row])


def graph_of(name: str, key: str) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``(op_ids, adjacency, num_nodes)`` of a key of the space's table."""
    row = key_rows(name).get(key)
    if row is None:
        return None
    _, table = space_and_table(name)
    return table.op_ids[row], table.adjacency[row], int(table.num_nodes[row])


def latent_of(run: dict, key: str) -> np.ndarray | None:
    """The latent mean of one architecture in a run (``latent_dim``), or ``None``."""
    frame = latents(run)
    if frame is None:
        return None
    rows = np.flatnonzero(frame["key"].to_numpy() == key)
    if len(rows) == 0:
        return None
    columns = sorted((c for c in frame.columns if c.startswith("mu_")), key=lambda c: int(c[3:]))
    return frame.loc[rows[0], columns].to_numpy(dtype=np.float32)


def decoded_titles(name: str, graphs, prefix: list[str] | None = None) -> list[str]:
    """Titles for decoded graphs: their accuracy (space lookup, else the table), or
    "invalid" / "not in the table"."""
    space, _ = space_and_table(name)
    titles = []
    for i in range(len(graphs)):
        op_ids, adjacency, n = graphs.op_ids[i], graphs.adjacency[i], int(graphs.num_nodes[i])
        head = f"{prefix[i]}<br>" if prefix else ""
        if not space.is_valid(op_ids, adjacency, n):
            titles.append(f"{head}invalid")
            continue
        try:
            key = space.key(op_ids, adjacency, n)
        except ValueError:
            titles.append(f"{head}invalid")
            continue
        value = objective_of(name, key)
        titles.append(f"{head}{'not in the table' if value is None else f'{value:.4f}'}")
    return titles


@st.cache_data(show_spinner=False, max_entries=64)
def _greedy_decode(path: str, mtime: int, z: tuple[float, ...]):
    import torch

    net = _load_model(path, mtime)
    return net.decode(torch.tensor([z], dtype=torch.float32), stochastic=False)


def reconstruction(run: dict, key: str):
    """Greedy (argmax) decode of an architecture's latent mean, as ``DecodedGraphs`` of one
    graph, or ``None`` when the run has no model or no latents."""
    mu = latent_of(run, key)
    path = Path(run["path"]) / MODEL
    if mu is None or not path.exists():
        return None
    return _greedy_decode(run["path"], _mtime(path), tuple(float(v) for v in mu))


def file_mtime(run: dict, file_name: str) -> int:
    """Modification time (ns) of a run file, -1 when absent: part of cache keys."""
    return _mtime(Path(run["path"]) / file_name)
