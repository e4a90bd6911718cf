"""Best cells: the top architectures drawn as DAGs, how graph properties relate to
accuracy, and Bayesian-optimisation curves when the runs have them."""

from __future__ import annotations

import streamlit as st

from core.errors import OpEmbedError
from dashboard import charts, state
from dashboard.app_pages import common

st.title("Best cells")
runs = common.comparable_runs()
space_name = runs[0]["space"]
space = common.space_or_stop(space_name)

st.slider("Top architectures", 1, 20, key="top_k")
k = st.session_state["top_k"]
st.caption(f"The best architectures of {space_name} by {space.objective_name} (from the dataset, not a model).")
st.plotly_chart(charts.top_cells(space_name, k), key="best_cells", theme=None)
st.dataframe(charts.top_architectures(space_name, k), hide_index=True, width="stretch")

st.subheader("Graph properties")
columns = charts.property_columns(space_name)
if st.session_state.get("property") not in columns:
    st.session_state["property"] = "num_edges" if "num_edges" in columns else columns[0]
st.selectbox("Property", columns, key="property", format_func=charts.property_label)
left, right = st.columns(2)
left.plotly_chart(charts.property_figure(space_name, st.session_state["property"]), key="property_scatter",
                  theme=None)
right.plotly_chart(charts.correlation_figure(space_name), key="property_correlation", theme=None)
with st.expander("Pearson r of every property"):
    st.dataframe(charts.correlations(space_name), hide_index=True, width="stretch")

st.subheader("Bayesian optimisation")
try:
    found = charts.bo_results(runs)
except OpEmbedError as error:
    st.error(state.error_line(error))
    found = None
else:
    if found is None:
        if charts.optional_module("core.bo") is None:
            st.info("Bayesian optimisation is not part of this build (core.bo is missing).")
        else:
            st.info("No BO results in the selected runs: `python -m core bo RUN --rounds 10 --batch-size 50 "
                    "--seeds 10` writes them to RUN/bo/.")
if found is not None:
    figure, summary = found
    st.plotly_chart(figure, key="bo_curves", theme=None)
    if summary is not None:
        st.dataframe(summary, hide_index=True, width="stretch")
