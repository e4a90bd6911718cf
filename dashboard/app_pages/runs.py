"""Runs: every run found, its state and config, the metrics side by side and the training curves."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, group_charts, state
from dashboard.app_pages.common import broken_line
from dashboard.discovery import COMPACT_STATE, COMPLETE, MISSING_METRICS, TRAINING

st.title("Runs")
runs = state.all_runs()
if not runs:
    st.info(
        f"No runs found in `{st.session_state['runs_dir']}`"
        + (" or the demo folder" if st.session_state.get("include_demo") else "")
        + ". Train a pair with `python -m core train --space nbg-cora --encoding onehot --preset quick "
        "--out runs/cora-onehot` (and `--encoding learned`), or build the demo with "
        "`python -m core demo --out assets/demo`, then point the sidebar at the folder."
    )
    st.stop()

st.dataframe(charts.runs_overview(runs), hide_index=True, width="stretch")  # cells as text, never Markdown

chosen = state.selected_runs()
selected = state.usable(chosen)  # a broken run is listed below, once

if state.any_group_selected():
    groups = state.selected_groups()
    st.subheader("Metrics, mean over seeds")
    st.caption("Each figure is the mean over the group's evaluated seeds ± the half-width of its 95 % Student-t "
               "interval (no interval for one seed). `python -m core verdict` tests the differences; the "
               "Verdict page shows them.")
    table = group_charts.group_metrics_table(groups)
    if table is not None:
        st.table(table[1].set_index("Group"))
    else:
        st.info("No seed of the selected groups has a metrics.json yet: `python -m core evaluate RUN` writes it.")
    st.subheader("Training curves")
    figure = group_charts.group_training_curves(groups)
    if figure is not None:
        st.caption("The line is the mean over the seeds, the band its 95 % t interval, each faint line one seed.")
        st.plotly_chart(figure[0], key="group_training_curves")
    st.subheader("Time to quality")
    quality = group_charts.group_quality_curves(groups)
    if quality is not None:
        st.plotly_chart(quality[0], key="group_quality_curves")
else:
    st.subheader("Metrics")
    table = charts.metrics_table(selected)
    without = [r for r in selected if state.metrics(r) is None]
    if table is not None:
        st.table(table[1].set_index("Run"))
    for run in without:
        st.info(f"**{state.plain(run.name)}** has no metrics.json yet: `python -m core evaluate {state.shown_path(run.path)}` writes it.")
    if not selected:
        st.info("Pick a run that is not broken in the sidebar to see its metrics and curves."
                if chosen else "Pick a run in the sidebar to see its metrics and curves.")

    st.subheader("Training curves")
    figure = charts.training_curves(selected)
    if figure is not None:
        st.plotly_chart(figure[0], key="training_curves")
    for run in selected:
        if state.history(run) is None:
            st.info(f"**{state.plain(run.name)}** has no history.csv yet: no epoch has finished.")

    st.subheader("Time to quality")
    quality = charts.quality_curves(selected)
    if quality is not None:
        st.caption("After every epoch, training decodes the latent means of a fixed sample of test graphs and a "
                   "fixed set of prior points greedily: the share reconstructed exactly and the share valid, "
                   "against wall time and epoch. `train --stop-at-recon 0.99` ends a run on the dotted line.")
        st.plotly_chart(quality[0], key="quality_curves")
    elif selected:
        st.info("The selected runs were trained before the per-epoch quality monitor existed: "
                "their history.csv has no recon_greedy or valid_prior.")

st.subheader("Every run")
for run in runs:
    status = run.status
    title = f"{state.plain(run.name)} · {run.space_name or '?'} · {state.model_label(run)} · {status.state}"
    with st.expander(title, expanded=status.broken):
        if status.broken:
            st.error(broken_line(run))
            continue
        if status.state == TRAINING:
            done, total = status.epochs_done, status.epochs_total
            progress = f"epoch {done} of {total}" if done is not None else "no epoch finished yet"
            st.info(f"Still training ({progress}). Missing so far: {', '.join(status.missing) or 'nothing'}. "
                    "What exists is shown; the rest appears when it is written.")
        elif status.state == COMPACT_STATE:
            st.info("A compact seed copy (`python -m core compact`): its figures (history, metrics, embeddings, "
                    "smoothness, BO keys and values) count in its seed group; its model and latents were left out.")
        elif status.state == MISSING_METRICS:
            st.info(f"Training finished but metrics.json is missing: `python -m core evaluate {state.shown_path(run.path)}`.")
        elif status.state == COMPLETE and status.missing:
            st.info(f"Missing: {', '.join(status.missing)}.")
        st.caption(f"`{state.shown_path(run.path)}`")
        st.json(charts.config_summary(run), expanded=False)
