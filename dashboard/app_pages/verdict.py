"""Verdict: each of the paper's claims tested, run B's group (learned) against run A's
(one-hot), mean ± 95 % CI over model seeds (``python -m core verdict``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import OpEmbedError
from dashboard import group_charts, state

st.title("Verdict")
st.caption("The paper claims that learned operation embeddings give a smoother and more accurate latent space, "
           "better search results and faster convergence. Each row tests one claim, group B against group A, "
           "over the model seeds of each: the mean ± 95 % Student-t interval, the difference B − A with its "
           "interval, Welch's t-test and a plain verdict at p < 0.05. One seed per group is an anecdote: it gets "
           "\"inconclusive (n = 1)\" and no p-value.")

groups = state.selected_groups()
if len(groups) < 2:
    st.info("Pick run A and run B in the sidebar (seed groups, ideally one-hot and learned of one space) to "
            "see the verdict.")
    st.stop()
(a_label, a_runs), (b_label, b_runs) = list(groups.items())[:2]
try:
    result = group_charts.verdict(a_runs, b_runs)
except OpEmbedError as error:
    st.error(state.error_line(error), icon=":material/block:")
    st.stop()

st.markdown(f"**A** · {a_label}: seeds {', '.join(str(s) for s in result.a.seeds)}  \n"
            f"**B** · {b_label}: seeds {', '.join(str(s) for s in result.b.seeds)}")
rows = []
for row in result.rows:
    c, digits = row.comparison, row.measure.digits
    rows.append({"claim": row.measure.claim, "measure": row.measure.label, "better": row.measure.better,
                 "A": c.a.text(digits), "B": c.b.text(digits), "B − A [95 % CI]": c.difference_text(digits),
                 "test": c.test, "p": c.p_text(), "verdict": c.verdict})
if result.patterns is not None:
    p = result.patterns
    rows.append({"claim": "shared patterns", "measure": "operation shares of the top-10 found cells (TV distance)",
                 "better": "—", "A": "—", "B": "—", "B − A [95 % CI]": f"{p.distance:.3f}", "test": "permutation",
                 "p": "—" if p.p_value is None else f"{p.p_value:.3f}", "verdict": p.verdict})
table = pd.DataFrame(rows)
st.dataframe(table, hide_index=True, width="stretch")

counts = table["verdict"].value_counts()
summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("supported", "contradicted") if counts.get(v, 0))
st.markdown(f"**In short:** {summary or 'no claim is supported or contradicted'}; "
            f"{int(sum(n for v, n in counts.items() if v.startswith('inconclusive')))} inconclusive.")
left_out = [m for row in result.rows for m in row.missing]
if left_out:
    with st.expander(f"Left out ({len(left_out)}): seeds without the measure, never counted as zero"):
        for row in result.rows:
            if row.missing:
                st.text(f"{row.measure.label}: {', '.join(row.missing)}")
with st.expander("Each seed's value"):
    per_seed = [{"measure": row.measure.label, "group": group, "seed": seed, "value": value}
                for row in result.rows for group, values in (("A", row.a_values), ("B", row.b_values))
                for seed, value in values.items()]
    st.dataframe(pd.DataFrame(per_seed), hide_index=True, width="stretch")
st.download_button("Download the verdict (CSV)", table.to_csv(index=False).encode(), "verdict.csv", "text/csv")
