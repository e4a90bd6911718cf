"""Layout helpers several pages share (no figures: those come from dashboard.charts)."""

from __future__ import annotations

import streamlit as st

from core.errors import OpEmbedError
from core.reports import Projection
from core.runs import Run
from dashboard import charts, state


def comparable_runs() -> list[Run]:
    """The selected runs that can be analysed (not broken), limited to run A's space.
    Stops the page with a message when there is none."""
    runs = state.usable(state.selected_runs())
    for run in state.selected_runs():
        if run.status.broken:
            st.error(broken_line(run))
    if not runs:
        st.info("No run selected: pick run A (and B) in the sidebar. The Runs page lists what was found.")
        st.stop()
    if len({r.space_name for r in runs}) > 1:
        st.warning(f"Run A is on {runs[0].space_name} and run B on {runs[1].space_name}: "
                   "only run A is shown. Pick two runs of the same space to compare them.")
        runs = runs[:1]
    return runs


def broken_line(run: Run) -> str:
    """The one line a page shows for a broken run: its name, the file and what is wrong,
    then what to do (no server paths)."""
    fix = f" · fix: {run.status.fix}" if run.status.fix else ""
    return state.private(f"**{state.plain(run.name)}** cannot be read: {run.status.error}{fix}")


def space_or_stop(space_name: str):
    """The search space of the selected runs, or an error box and a stopped page."""
    try:
        space, _ = state.space_and_table(space_name)
    except OpEmbedError as error:
        st.error(state.error_line(error))
        st.stop()
    return space


def projection_settings() -> Projection:
    """The projection chosen in the session. Settings a method ignores are fixed at their
    defaults (PCA uses none, t-SNE no min_dist), so changing them does not recompute anything."""
    return Projection(st.session_state.get("proj_method") or "pca", int(st.session_state["proj_n_neighbors"]),
                      float(st.session_state["proj_min_dist"]), st.session_state["proj_metric"]).effective()


def compute_projections(runs: list[Run], settings: Projection) -> None:
    """Compute (or load) each run's projection, with a spinner and a progress bar while a
    new one is computed."""
    method = state.PROJECTION_METHODS[settings.method]
    for run in runs:
        slot = st.empty()

        def report(*args, slot=slot, run=run) -> None:
            fraction = next((float(a) for a in args if isinstance(a, (int, float))), None)
            text = next((str(a) for a in args if isinstance(a, str)), f"{method} of {run.name}")
            if fraction is not None:
                slot.progress(min(max(fraction, 0.0), 1.0), text=text)

        with st.spinner(f"{method} projection of {run.name} (computed once, then cached in the run) ..."):
            charts.projection(run, settings, progress=report)
        slot.empty()
