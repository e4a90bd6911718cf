"""Best cells: the top architectures drawn as DAGs, how graph properties relate to
accuracy, and Bayesian-optimisation curves when the runs have them."""

from __future__ import annotations

import streamlit as st

from core.errors import OpEmbedError
from dashboard import charts, state
from dashboard.app_pages import common

st.title("Best cells")
runs = common.comparable_runs()
space_name = runs[0].space_name
space = common.space_or_stop(space_name)

st.slider("Top architectures", 1, 20, key="top_k")
k = st.session_state["top_k"]
st.caption(f"The best architectures of {space_name} by {space.objective_name} (from the dataset, not a model).")
cells, top = charts.top_cells(runs[0], k)
st.plotly_chart(cells, key="best_cells", theme=None)
st.dataframe(top, hide_index=True, width="stretch")

st.subheader("Graph properties")
columns = charts.property_columns(space_name)
if st.session_state.get("property") not in columns:
    st.session_state["property"] = "num_edges" if "num_edges" in columns else columns[0]
st.selectbox("Property", columns, key="property", format_func=charts.property_name)
left, right = st.columns(2)
left.plotly_chart(charts.property_scatter(runs[0], st.session_state["property"])[0], key="property_scatter",
                  theme=None)
correlation, correlations = charts.property_correlation(runs[0])
right.plotly_chart(correlation, key="property_correlation", theme=None)
with st.expander("Pearson r of every property"):
    st.dataframe(correlations, hide_index=True, width="stretch")

st.subheader("Bayesian optimisation")
try:
    curves, regret, summary = charts.bo_curves(runs), charts.bo_regret(runs), charts.bo_summary(runs)
except OpEmbedError as error:
    st.error(state.error_line(error))
else:
    if curves is None:
        st.info("No BO results in the selected runs: `python -m core bo RUN --rounds 10 --batch-size 50 "
                "--seeds 10` writes them to RUN/bo/.")
    else:
        st.plotly_chart(curves[0], key="bo_curves", theme=None)
        st.plotly_chart(regret[0], key="bo_regret", theme=None)
        st.dataframe(summary, hide_index=True, width="stretch")
