"""Smoothness: decodes along a line between two architectures and along a great circle,
and whole-space numbers for both runs side by side."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import OpEmbedError
from core.runs import Run
from dashboard import charts, state
from dashboard.app_pages import common


_unusable: set[str] = set()  # runs whose model could not be used in this script run


def _show_walk(run: Run, make: Callable[[], object], prefix: str) -> None:
    """A decoded walk of one run, a note that the run has no model yet, or one line (once
    per run) saying why its model cannot be used; the other run is still drawn."""
    if str(run.path) in _unusable:
        return
    try:
        report = make()
    except OpEmbedError as error:
        _unusable.add(str(run.path))
        st.error(f"**{state.plain(run.name)}**: {state.error_line(error)}")
        return
    if report is None:
        st.info(f"**{state.plain(run.name)}** has no model.pt yet.")
    else:
        st.plotly_chart(report[0], key=f"{prefix}_{run.path}", theme=None, width="content")  # cells: one pixel per unit


st.title("Smoothness")
runs = [r for r in common.comparable_runs() if state.latents(r) is not None]
if not runs:
    st.info("The selected runs have no latents.parquet yet: it is written at the end of training.")
    st.stop()
space_name = runs[0].space_name
space = common.space_or_stop(space_name)
labels = state.run_labels(runs)

if st.session_state.get("_interp_space") != space_name:  # first visit, or another space: the defaults
    st.session_state["_interp_space"] = space_name
    st.session_state["interp_start"], st.session_state["interp_end"] = "", ""
if not st.session_state.get("interp_start") or not st.session_state.get("interp_end"):
    best, median = charts.default_pair_keys(space_name)
    st.session_state["interp_start"] = st.session_state.get("interp_start") or best
    st.session_state["interp_end"] = st.session_state.get("interp_end") or median


def use_selected() -> None:
    st.session_state["interp_start"] = st.session_state.get("selected_key", "").strip()


st.subheader("Interpolation")
start_col, end_col, steps_col = st.columns([2, 2, 1])
start_col.text_input("From architecture", key="interp_start", help="Default: the best architecture.")
end_col.text_input("To architecture", key="interp_end", help="Default: the median architecture.")
steps_col.slider("Steps", 3, 16, key="interp_steps")
selected = st.session_state.get("selected_key", "").strip()
if selected and state.architecture_row(space_name, selected) is not None and \
        selected != st.session_state["interp_start"]:
    st.button(f"Start from {selected}, selected on the Latent space page", on_click=use_selected,
              icon=":material/scatter_plot:")
start, end = st.session_state["interp_start"].strip(), st.session_state["interp_end"].strip()
unknown = [k for k in (start, end) if state.architecture_row(space_name, k) is None]
if unknown:
    st.warning(f"Not architectures of {space_name}: {', '.join(f'`{k}`' for k in unknown)}.")
else:
    for key, column in ((start, start_col), (end, end_col)):
        row = state.architecture_row(space_name, key)
        column.caption(f"{row['ops']} · {space.objective_name} {row['accuracy']:.4f}")
    for run in runs:
        st.markdown(f"**{labels[str(run.path)]}**")
        _show_walk(run, lambda run=run: charts.interpolation(run, start, end, st.session_state["interp_steps"]),
                   "interp")

st.subheader("Great circle")
st.caption("Greedy decodes around a great circle centred on the first architecture's latent mean, in two "
           "random directions; the radius is a multiple of each run's RMS latent spread.")
radius_col, circle_steps_col = st.columns(2)
radius_col.slider("Radius (× RMS spread of the latent means)", 0.05, 2.0, step=0.05, key="circle_radius")
circle_steps_col.slider("Points", 4, 24, key="circle_steps")
if not unknown:
    for run in runs:
        radius = st.session_state["circle_radius"] * charts.latent_scale(run)
        st.markdown(f"**{labels[str(run.path)]}** · radius {radius:.2f}")
        _show_walk(run, lambda run=run, radius=radius: charts.great_circle(run, start, radius,
                                                                           st.session_state["circle_steps"]), "circle")

st.subheader("Whole space")
with st.spinner("Smoothness numbers (read from smoothness.json, else computed once and cached) ..."):
    table = charts.smoothness_table(runs)
    distances = charts.distance_figure(runs, "edit_distance")
    gaps = charts.distance_figure(runs, "abs_delta_y")
    spread = charts.knn_spread(runs)
if table is not None:
    st.table(table.style.format(lambda v: f"{v:,.0f}" if float(v).is_integer() else f"{v:.4g}", na_rep="–"))
left, right = st.columns(2)
if distances is not None:
    left.plotly_chart(distances[0], key="smooth_distances", theme=None)
if gaps is not None:
    right.plotly_chart(gaps[0], key="smooth_gaps", theme=None)
if spread is not None:
    st.plotly_chart(spread[0], key="smooth_knn", theme=None)
