"""The Best-cells page's "Found by search" and "What they share": the cells each search
method found, drawn, and what the best of them have in common. A selection is a run or a
seed group (its members' BO results pooled: each BO seed of each member is one search).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.bo.found import found_cells as found_table, methods_of, query_frame, top_found
from core.bo.shared_patterns import compare_sets
from core.figures import cells_row
from core.figures.patterns import shared_patterns_figure
from core.analysis.properties import architecture_properties, property_label
from core.reports.settings import Report
from core.runs import Run

NO_RESULTS = "no BO results: `python -m core bo RUN --rounds 10 --batch-size 50 --seeds 10` writes them to RUN/bo/"


def search_methods(runs: Sequence[Run]) -> list[str]:
    """The BO methods with results in any of ``runs`` (empty without results).

    Raises:
        RunFileError: a result file is damaged.
    """
    return methods_of(query_frame([run.path for run in runs]))


def found_cells(runs: Sequence[Run], method: str, budget: int, k: int) -> Report | None:
    """The ``k`` best distinct cells ``method`` found within ``budget`` queries over every
    search of ``runs`` (one space), drawn; the data: ``rank``, ``key``, ``ops``, ``value``,
    ``space_rank``, ``found_by``, ``searches``, ``median_query``. ``None`` when the method
    found nothing.

    Raises:
        RunFileError: a result file is damaged or holds a key the space does not have.
    """
    first = runs[0]
    cells = found_table(query_frame([run.path for run in runs]), method, budget, first.table, first.space)
    if cells.empty:
        return None
    top = top_found(cells, k)
    graphs = list(top.pop("graph"))
    top.insert(2, "ops", [first.space.describe(g.op_ids, g.num_nodes) for g in graphs])
    titles = [f"#{rank} · {value:.4f}<br>space rank {space_rank}<br>{found_by}/{searches} · query {median:g}"
              for rank, value, space_rank, found_by, searches, median in
              zip(top["rank"], top["value"], top["space_rank"], top["found_by"], top["searches"], top["median_query"])]
    figure = cells_row(first.space, graphs, titles,
                       title=f"Top {len(top)} cells found by {method} within {budget} queries")
    return figure, top


def shared_patterns(runs: Sequence[Run], method: str, budget: int, k: int, props: pd.DataFrame | None = None,
                    seed: int = 0) -> Report | None:
    """Operation shares and graph properties of the ``k`` best cells ``method`` found
    against the space's top ``k`` and the whole space, with Monte-Carlo p values
    (:mod:`core.bo.shared_patterns`); the data: the tests table with each set's values.
    Found cells outside the space's table (decode mode) are left out: the properties are the
    table's. ``None`` when the method found nothing."""
    first = runs[0]
    cells = found_table(query_frame([run.path for run in runs]), method, budget, first.table, first.space)
    cells = cells[[first.table.row_of(key) is not None for key in cells["key"]]]  # properties: table cells
    if cells.empty:
        return None
    props = architecture_properties(first.space, first.table) if props is None else props
    result = compare_sets(list(cells["key"]), props, k, seed=seed)
    set_labels = {"found": f"top {result.k} found by {method}", "space top": f"space's top {result.k}",
                  "space": "whole space"}
    labels = {name: property_label(name) for name in result.properties["property"]}
    figure = shared_patterns_figure(result.operations, result.properties, set_labels, labels,
                                    title=f"What the top {result.k} cells found by {method} share "
                                          f"({budget} queries)")
    shares = result.operations.rename(columns={"operation": "measure"})
    shares["measure"] = "share of " + shares["measure"]
    means = result.properties.drop(columns="space sd").rename(columns={"property": "measure"})
    data = pd.concat([shares, means], ignore_index=True).merge(result.tests, on="measure", how="outer", sort=False)
    order = ["operation shares (TV distance)", *shares["measure"], *means["measure"]]
    data = data.set_index("measure").loc[order].reset_index()
    return figure, data
