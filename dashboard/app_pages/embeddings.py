"""Operation embeddings: similarity heatmap, 2-D / 3-D scatter and trajectory of the
learned vectors over the checkpoints; a one-hot run shows its identity."""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboard import charts, group_charts, state
from dashboard.app_pages import common

st.title("Operation embeddings")
runs = common.comparable_runs()
labels = state.run_labels(runs)

left, right = st.columns(2)
left.radio("Similarity", ["cosine", "euclidean"], key="emb_metric", horizontal=True)
right.radio("Scatter", [2, 3], key="emb_dims", horizontal=True, format_func=lambda d: f"{d}-D")
metric, dims = st.session_state["emb_metric"], st.session_state["emb_dims"]

learned_groups = {label: members for label, members in state.selected_groups().items()
                  if len(members) > 1 and members[0].encoder.saves_embeddings}
if learned_groups:
    st.subheader("Across seeds")
    st.caption("Is a learned similarity a property of the space or of the seed? Each cell is the cosine similarity "
               "of two operations' last vectors, averaged over the group's seeds (± their standard deviation). "
               "Agreement is the Spearman correlation between two seeds' similarities over the pairs of "
               "operations, averaged over every pair of seeds (1: the seeds rank the pairs alike; 0: unrelated).")
    for column, (label, members) in zip(st.columns(len(learned_groups)), learned_groups.items()):
        found = group_charts.group_similarity(members, label, "cosine")
        if found is None:
            column.info(f"No seed of {label} has saved embeddings yet.")
            continue
        (figure, data), stability = found
        with column:
            st.plotly_chart(figure, key=f"group_similarity_{hashlib.sha1(label.encode()).hexdigest()[:8]}", theme=None)
            if stability["n"]:
                interval = "" if stability["n"] < 2 else f", 95 % CI [{stability['low']:+.2f}, {stability['high']:+.2f}]"
                st.metric("Seed agreement (mean pairwise Spearman)", f"{stability['mean']:+.2f}",
                          help=f"over {stability['n']} pairs of seeds{interval}")
            with st.expander("Per pair of operations, each seed"):
                st.dataframe(data, hide_index=True, width="stretch")
    st.subheader("One seed")
    st.caption("Below: the first seed of each group with a model, checkpoint by checkpoint.")

for column, run in zip(st.columns(len(runs)), runs):
    with column:
        st.subheader(labels[str(run.path)])
        slot = hashlib.sha1(str(run.path).encode()).hexdigest()[:8]
        if not run.encoder.saves_embeddings:
            st.plotly_chart(charts.embedding_heatmap(run, None, metric)[0], key=f"emb_heatmap_{slot}", theme=None)
            st.caption(f"One-hot run ({state.model_label(run)}): each operation is its own axis, so every pair "
                       "of operations is orthogonal and the similarity matrix is the identity. Nothing is learned here.")
            continue
        epochs = charts.embedding_epochs(run)
        if not epochs:
            st.info(f"**{state.plain(run.name)}** has no embeddings.json yet: it is written at the first checkpoint.")
            continue
        epoch = st.select_slider("Checkpoint epoch", options=epochs, value=epochs[-1], key=f"emb_epoch_{slot}") \
            if len(epochs) > 1 else epochs[0]
        st.plotly_chart(charts.embedding_heatmap(run, epoch, metric)[0], key=f"emb_heatmap_{slot}", theme=None)
        scatter, vectors = charts.embedding_scatter(run, epoch, dims)
        st.plotly_chart(scatter, key=f"emb_scatter_{slot}", theme=None)
        trajectory = charts.embedding_trajectory(run)
        if trajectory is not None:
            st.plotly_chart(trajectory[0], key=f"emb_trajectory_{slot}", theme=None)
        with st.expander("Vectors"):
            st.dataframe(vectors, hide_index=True, width="stretch")
