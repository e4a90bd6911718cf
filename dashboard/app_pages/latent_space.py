"""Latent space: the 2-D projection of every architecture's latent mean, both runs side by
side; selecting a point draws the cell, its reconstructions and its nearest neighbours."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, state
from dashboard.app_pages import common

st.title("Latent space")
runs = common.comparable_runs()
with_latents = [r for r in runs if state.latents(r) is not None]
for run in runs:
    if run not in with_latents:
        st.info(f"**{state.plain(run.name)}** has no latents.parquet yet: it is written at the end of training.")
if not with_latents:
    st.stop()
space_name = with_latents[0].space_name
space = common.space_or_stop(space_name)

options = charts.color_options(space_name)
if st.session_state.get("color_by") not in options:
    st.session_state["color_by"] = options[0]
if st.session_state.get("proj_method") not in state.PROJECTION_METHODS:
    cached = [m for m in state.PROJECTION_METHODS if charts.projection_cached(with_latents[0], m)]
    st.session_state["proj_method"] = cached[0] if cached else "pca"

method_col, neighbours_col, dist_col, metric_col, color_col = st.columns([1, 1, 1, 1, 1.4])
method_col.selectbox("Projection", list(state.PROJECTION_METHODS), key="proj_method",
                     format_func=state.PROJECTION_METHODS.get,
                     help="UMAP and t-SNE are computed once per setting and cached in the run's projections/ folder.")
method = st.session_state["proj_method"]
neighbours_col.slider("n_neighbors", 2, 100, key="proj_n_neighbors", disabled=method == "pca",
                      help="UMAP's neighbourhood size; t-SNE's perplexity.")
dist_col.slider("min_dist", 0.0, 0.99, step=0.01, key="proj_min_dist", disabled=method != "umap",
                help="UMAP only.")
metric_col.selectbox("metric", state.UMAP_METRICS, key="proj_metric", disabled=method == "pca",
                     help="Distance between latent means (UMAP and t-SNE).")
color_col.selectbox("Colour by", options, key="color_by", format_func=lambda c: charts.color_label(space_name, c))

settings = common.projection_settings()
common.compute_projections(with_latents, settings)
figure, _ = charts.latent_map(with_latents, settings, st.session_state["color_by"])
event = st.plotly_chart(figure, key="latent_plot", on_select="rerun", selection_mode=("points", "box", "lasso"),
                        theme=None, config={"scrollZoom": True, "displaylogo": False})
picked = charts.selected_keys(event)
if picked and picked != st.session_state.get("_latent_last_pick"):
    st.session_state["_latent_last_pick"] = picked
    st.session_state["selected_key"] = charts.best_of(space_name, picked)
if len(picked) > 1:
    st.caption(f"{len(picked)} architectures selected; the most accurate one is shown. "
               "Draw a smaller lasso or box, or paste a key, to inspect another.")
else:
    st.caption("Draw a lasso around points (or pick the box tool above the plot) to inspect an architecture; "
               "a selection shows the most accurate point in it.")


@st.fragment
def inspect(space_name: str, runs: list) -> None:
    """The selected architecture, its reconstructions and its neighbours. A fragment: typing
    a key or moving the slider reruns only this part, not the 52k-point plot above."""
    st.text_input("Architecture key", key="selected_key", placeholder="select points, or paste a key")
    key = st.session_state["selected_key"].strip()
    if not key:
        return
    row = state.architecture_row(space_name, key)
    if row is None:
        st.warning(f"`{key}` is not an architecture of {space_name}.")
        return
    st.markdown(f"**{key}** · {row['ops']} · {space.objective_name} {row['accuracy']:.4f}")
    st.plotly_chart(charts.reconstructions(runs, key)[0], key="latent_cells", theme=None, width="content")
    st.slider("Neighbours", 1, 50, key="neighbours_k")
    labels = state.run_labels(runs)
    for column, run in zip(st.columns(len(runs)), runs):
        with column:
            st.markdown(f"**Nearest latent neighbours: {labels[str(run.path)]}**")
            st.dataframe(charts.neighbours(run, key, st.session_state["neighbours_k"]), hide_index=True,
                         width="stretch")


inspect(space_name, with_latents)
