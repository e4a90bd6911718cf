"""Export: every paper figure of the selected runs as PNG, SVG, PDF or HTML with its data
as CSV, and everything at once as a zip (figures from ``core.reports.export``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import OpEmbedError
from core.reports.export import export_zip, figure_bytes
from dashboard import exports, state
from dashboard.app_pages import common

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html"}

st.title("Export")
runs = common.comparable_runs()
st.multiselect("Formats", list(FORMATS), key="export_formats", format_func=str.upper)
formats = st.session_state["export_formats"] or ["png"]
projections = exports.export_projections(runs)
cacheable = exports.projections_cacheable(runs)  # caches only inside the folders given at launch
st.caption("Files are made when a button is clicked (a PNG, SVG or PDF takes a few seconds; the zip, "
           f"about a second per figure and format). Latent plots: {', '.join(p.upper() for p in projections)} "
           "(the projections already cached in every run).")


def figure_file(figure, fmt: str):
    def make() -> bytes:
        return figure_bytes(figure, fmt)

    return make


def csv_file(data):
    def make() -> str:
        return data.to_csv(index=False)

    return make


def zip_file(paths: list[Path], chosen: list[str], data_dir: str | None):
    def make() -> bytes:
        return export_zip(paths, chosen, projections=projections, data_dir=Path(data_dir) if data_dir else None,
                          cache_projections=cacheable, settings=settings)

    return make


settings = state.report_settings()
st.download_button("Export all (zip)", data=zip_file([r.path for r in runs], formats, st.session_state.get("data_dir")),
                   file_name="opembed-figures.zip", mime="application/zip", key="export_all", on_click="ignore",
                   type="primary", icon=":material/folder_zip:")

with st.spinner("Building every figure (once per set of runs) ..."):
    try:
        figures, notes = exports.export_figures(runs, settings)
    except OpEmbedError as error:  # a run file damaged since discovery looked
        st.error(state.error_line(error))
        st.stop()
for note in notes:
    st.info(note)
if not figures:
    st.info("The selected runs have nothing to draw yet.")
    st.stop()
if st.session_state.get("export_preview") not in figures:
    st.session_state["export_preview"] = next(iter(figures))
preview = st.selectbox("Preview", list(figures), key="export_preview")
st.plotly_chart(figures[preview][0], key="export_preview_chart", theme=None)
for name, (figure, data) in figures.items():
    with st.container(border=True):
        title_col, *buttons = st.columns([3, *[1] * (len(formats) + 1)])
        title_col.markdown(f"**{name}**")
        for column, fmt in zip(buttons, formats):
            column.download_button(fmt.upper(), data=figure_file(figure, fmt), file_name=f"{name}.{fmt}",
                                   mime=FORMATS[fmt], key=f"export_{name}_{fmt}", on_click="ignore")
        buttons[-1].download_button("CSV", data=csv_file(data), file_name=f"{name}.csv", mime="text/csv",
                                    key=f"export_{name}_csv", on_click="ignore")
