"""Best cells: the top architectures drawn as DAGs, how graph properties relate to
accuracy, and Bayesian-optimisation curves when the runs have them."""

from __future__ import annotations

import streamlit as st

from core.bo.found import BUDGETS
from core.errors import OpEmbedError
from core.reports.found_cells import NO_RESULTS
from dashboard import charts, found_charts, groups, state
from dashboard.app_pages import common
from dashboard.text import plain

st.title("Best cells")
runs = common.comparable_runs()
space_name = runs[0].space_name
space = common.space_or_stop(space_name)

st.slider("Top architectures", 1, 20, key="top_k")
k = st.session_state["top_k"]
st.caption(f"The best architectures of {space_name} by {space.objective_name} (from the dataset, not a model).")
cells, top = charts.top_cells(runs[0], k)
st.plotly_chart(cells, key="best_cells", theme=None, width="content")
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


# ---------------------------------------------------------------- found by search
st.subheader("Found by search")
selections = {}
for label, members in state.selected_groups().items():
    if members[0].space_name != space_name:
        continue
    first = groups.representative(members) or members[0]
    selections[label] = [first, *(m for m in members if m.path != first.path)]  # the first reads the table
methods: list[str] = []
for label, members in list(selections.items()):
    try:
        methods += [m for m in found_charts.search_methods(members) if m not in methods]
    except OpEmbedError as error:
        st.error(state.error_line(error))
        del selections[label]
if not methods:
    st.info(f"The selected runs have {NO_RESULTS}.")
    st.stop()
if st.session_state.get("found_method") not in methods:
    st.session_state["found_method"] = "dvae" if "dvae" in methods else methods[0]
left, right = st.columns(2)
left.selectbox("Search method", methods, key="found_method")
right.select_slider("Budget (queries)", BUDGETS, key="found_budget")
method, budget = st.session_state["found_method"], int(st.session_state["found_budget"])
st.caption(f"The {k} best distinct cells {method} found within {budget} queries, over every search (BO seed) of "
           "the selection: value, rank in the space, how many searches found it and the median query at which "
           "they did. The space's own top cells are at the top of the page.")
shared: dict = {}
for index, (label, members) in enumerate(selections.items()):
    st.markdown(f"**{plain(label)}**")
    try:
        report = found_charts.found_cells(members, method, budget, k)
        shared[label] = found_charts.shared_patterns(members, method, budget, k) if report is not None else None
    except OpEmbedError as error:
        st.error(state.error_line(error))
        continue
    if report is None:
        st.info(f"No {method} results within {budget} queries here: it has {NO_RESULTS}.")
        continue
    st.plotly_chart(report[0], key=f"found_cells_{index}", theme=None, width="content")
    st.dataframe(report[1], hide_index=True, width="stretch")

st.subheader("What they share")
st.caption("Operation shares and graph properties of the best cells found, against the space's top cells and the "
           "whole space. p: Monte-Carlo tests (2,000 draws) of k random cells of the space, or of the found and "
           "top cells exchanged.")
for index, (label, report) in enumerate(shared.items()):
    if report is None:
        continue
    st.markdown(f"**{plain(label)}**")
    st.plotly_chart(report[0], key=f"shared_patterns_{index}", theme=None)
    st.dataframe(report[1], hide_index=True, width="stretch")
