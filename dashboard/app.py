"""OpEmbed dashboard: compare a one-hot D-VAE run with a learned-embedding (DVAE-EMB) run.

Run it with (``make dashboard`` does)::

    streamlit run dashboard/app.py --server.address 127.0.0.1 --server.headless true \
        --browser.gatherUsageStats false --client.toolbarMode viewer -- --runs-dir runs

The flags keep the server private from whatever folder it is started (``.streamlit/config.toml``
is read from the working directory only). ``--runs-dir`` may be repeated; the sidebar can
choose only among those folders and the demo folder.

This file is the router: page config, session-state defaults, the sidebar every page
shares (runs directory, run A, run B) and ``st.navigation`` over ``dashboard/app_pages``.
A run file found damaged while a page draws stops that page with one line, never a
traceback.
"""

from __future__ import annotations

import streamlit as st

from core.errors import OpEmbedError  # `core` and `dashboard` import as installed by `make setup` (pip install -e .)
from dashboard import state
from dashboard.discovery import BROKEN

st.set_page_config(page_title="OpEmbed", page_icon="🕸️", layout="wide")  # an emoji favicon is drawn in the page; a :material: one is fetched from fonts.gstatic.com
state.init_state()

STATUS_MARK = {"complete": "", "missing metrics": " · no metrics", "training": " · training", BROKEN: " · broken"}


def _run_label(runs_by_path: dict, path: str | None) -> str:
    if path == state.NONE or path is None:
        return "none (single run)"
    if state.is_group(path):
        members = state.run_groups(list(runs_by_path.values())).get(path)
        return f"group: {state.group_label(members)}" if members else str(path)
    run = runs_by_path.get(path)
    if run is None:
        return str(path)
    return f"{run.name} · {run.space_name or '?'} · {state.model_label(run)}{STATUS_MARK.get(run.status.state, '')}"


with st.sidebar:
    warning = state.bind_warning()
    if warning:
        st.warning(warning, icon=":material/public:")
    st.text_input("Runs directory", key="runs_dir",
                  help="Folder searched (3 levels deep) for run directories; one of the folders the dashboard was "
                       "started with (`-- --runs-dir PATH`, repeatable), or a folder inside one.")
    _, refusal = state.check_runs_dir(st.session_state.get("runs_dir"))
    if refusal:
        st.error(refusal, icon=":material/block:")
    st.checkbox("Include the demo runs", key="include_demo", help="Runs shipped in assets/demo.")
    runs = state.all_runs()
    state.fix_selection(runs)
    by_path = {str(r.path): r for r in runs}
    paths = state.choices(runs)  # seed groups first, then single runs
    st.selectbox("Run A", paths, key="run_a", format_func=lambda p: _run_label(by_path, p),
                 placeholder="no runs found")
    st.selectbox("Run B", [state.NONE, *paths], key="run_b", format_func=lambda p: _run_label(by_path, p))
    if any(state.is_group(p) for p in paths):
        st.caption("A choice may be a seed group (runs that differ only in their seed): the Runs, Operation "
                   "embeddings and Verdict pages show its mean over seeds, the other pages its first seed with a model.")
    if not runs:
        st.caption(f"No runs in `{st.session_state['runs_dir']}`." if not refusal else "No runs shown.")
    else:
        st.caption(f"{len(runs)} run(s) found.")
    st.caption("Runs folders: " + ", ".join(f"`{state.shown_root(root)}`" for root in state.launch_roots()))

pages = [
    st.Page("app_pages/runs.py", title="Runs", icon=":material/table_chart:", default=True),
    st.Page("app_pages/latent_space.py", title="Latent space", icon=":material/scatter_plot:"),
    st.Page("app_pages/embeddings.py", title="Operation embeddings", icon=":material/grid_on:"),
    st.Page("app_pages/smoothness.py", title="Smoothness", icon=":material/timeline:"),
    st.Page("app_pages/best_cells.py", title="Best cells", icon=":material/emoji_events:"),
    st.Page("app_pages/verdict.py", title="Verdict", icon=":material/gavel:"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
]
try:
    st.navigation(pages).run()
except OpEmbedError as error:  # a run file damaged since discovery looked: one line, no traceback
    st.error(state.error_line(error), icon=":material/error:")
