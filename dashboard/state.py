"""Session state, the run selection and the cached loaders every page shares.

* :func:`init_state` sets every session-state default, once per session.
* Loaders are cached on the file's path and modification time, so a run that is still
  training shows its newest epochs: ``st.cache_data`` for frames and JSON,
  ``st.cache_resource`` for models and search-space tables (never copied).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

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
)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "assets" / "demo"
RUNS_DIR_ENV = "OPEMBED_RUNS_DIR"
DEMO_DIR_ENV = "OPEMBED_DEMO_DIR"
NONE = "none"  # the run-B choice "no second run"

PROJECTION_METHODS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}
UMAP_METRICS = ["euclidean", "cosine", "manhattan", "correlation"]

__all__ = ["discover_runs", "init_state"]


# ---------------------------------------------------------------- command line
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Arguments after ``--`` in ``streamlit run dashboard/app.py -- --runs-dir DIR``.
    Unknown arguments (pytest's, under AppTest) are ignored."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--runs-dir", default=os.environ.get(RUNS_DIR_ENV, "runs"))
    parser.add_argument("--demo-dir", default=os.environ.get(DEMO_DIR_ENV, str(DEMO_DIR)))
    parser.add_argument("--data-dir", default=None,
                        help="where the ENAS data file lives (default: $OPEMBED_DATA_DIR, else the user cache)")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return args


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
def _discover(runs_dir: str, demo_dir: str | None) -> list[dict]:
    return discover_runs(runs_dir, demo_dir)


def all_runs() -> list[dict]:
    """Runs in the runs directory and (when included) the demo directory."""
    demo = st.session_state.get("demo_dir") if st.session_state.get("include_demo", True) else None
    return _discover(str(st.session_state.get("runs_dir") or "runs"), demo)


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
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@st.cache_data(show_spinner=False, max_entries=32)
def _read_csv(path: str, mtime: int) -> pd.DataFrame:
    return pd.read_csv(path)


@st.cache_data(show_spinner=False, max_entries=8)
def _read_parquet(path: str, mtime: int) -> pd.DataFrame:
    return pd.read_parquet(path)


def read_json(path: str | Path) -> Any | None:
    """A JSON file, or ``None`` when it is absent or not valid JSON (half written)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return _read_json(str(path), _mtime(path))
    except (json.JSONDecodeError, OSError, UnicodeDecodeError):
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
    except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError):
        return None
    return frame if len(frame) else None


def latents(run: dict) -> pd.DataFrame | None:
    """``latents.parquet`` of a run, or ``None`` when it is not written yet."""
    path = Path(run["path"]) / LATENTS
    if not path.exists():
        return None
    try:
        return _read_parquet(str(path), _mtime(path))
    except Exception:  # pyarrow's errors on a half-written or foreign file
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
    """The trained model of a run (CPU, eval mode), or ``None`` when ``model.pt`` is absent."""
    path = Path(run["path"]) / MODEL
    if not path.exists():
        return None
    return _load_model(run["path"], _mtime(path))


@st.cache_resource(show_spinner="Loading the search space ...", max_entries=4)
def _space_and_table(name: str, data_dir: str | None):
    from core.spaces import get_space

    space = get_space(name)
    return space, space.load(data_dir)


def space_and_table(name: str):
    """``(SearchSpace, ArchitectureTable)`` of a space name, its data read from
    ``--data-dir``. Raises ``OpEmbedError`` when the data is not available (pages show the
    message)."""
    return _space_and_table(name, st.session_state.get("data_dir"))


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
