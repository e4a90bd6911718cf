"""The cells the searches found: every query of a run's (or a seed group's) BO result files
as one table, and the distinct cells each method found within a query budget.

A query is every proposal, in order, whatever became of it (``core.bo.history``). A cell
counts as *found* by a search at the first query, within the budget, whose status is
``new``: a valid cell not observed before, scored by the oracle. For each found cell the
table gives its value, its rank in the space (1 = best, ties share the best rank), how many
of the method's searches found it and the median query at which they did.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import RunFileError
from core.spaces.base import ArchitectureTable, SearchSpace
from core.spaces.graph import Graph
from core.bo.summary import load_results

BUDGETS = (50, 100, 200, 500)  # the page's budget choices, in queries
QUERY_COLUMNS = ["source", "method", "seed", "query", "key", "value", "status", "graph"]


def query_frame(run_dirs: Sequence[Path]) -> pd.DataFrame:
    """Every query of the runs' BO result files: ``source`` (the file), ``method``,
    ``seed`` (the search; searches of different runs stay apart), ``query`` (1-based),
    ``key``, ``value``, ``status`` and ``graph`` (the decoded graph's JSON where the file
    records one: decode mode). Runs without results add nothing.

    Raises:
        RunFileError: a result file is damaged.
    """
    rows: list[tuple] = []
    for run_dir in run_dirs:
        if not (Path(run_dir) / "bo").is_dir() or not any((Path(run_dir) / "bo").glob("*-seed*.json")):
            continue
        for result in load_results(Path(run_dir)):
            query = 0
            for record in result["rounds"]:
                keys = record.get("keys") or []
                graphs = record.get("graphs") or [None] * len(keys)
                for key, value, status, graph in zip(keys, record["values"], record["status"], graphs):
                    query += 1
                    rows.append((result["path"], result["method"], f"{run_dir}#{result['seed']}", query, key,
                                 value, status, graph))
    return pd.DataFrame(rows, columns=QUERY_COLUMNS)


def methods_of(queries: pd.DataFrame) -> list[str]:
    """The methods with queries, in the order the result files sort them."""
    return list(dict.fromkeys(queries["method"]))


def space_ranks(values: np.ndarray, table: ArchitectureTable) -> np.ndarray:
    """The rank of each value among the space's cells: 1 + how many cells score higher."""
    ordered = np.sort(np.asarray(table.y, dtype=np.float64))
    return len(ordered) - np.searchsorted(ordered, np.asarray(values, dtype=np.float64), side="right") + 1


def found_queries(queries: pd.DataFrame, method: str, budget: int) -> pd.DataFrame:
    """The rows of ``queries`` where ``method`` found a cell within ``budget`` queries
    (status ``new``, a key and a value)."""
    mine = queries[queries["method"] == method]
    return mine[(mine["query"] <= int(budget)) & (mine["status"] == "new") & mine["key"].notna()
                & mine["value"].notna()]


def found_values(queries: pd.DataFrame, method: str, budget: int) -> dict[str, float]:
    """Key -> best value of every distinct cell ``method`` found within ``budget`` queries."""
    hits = found_queries(queries, method, budget)
    return {str(key): float(value) for key, value in hits.groupby("key")["value"].max().items()}


def found_cells(queries: pd.DataFrame, method: str, budget: int, table: ArchitectureTable,
                space: SearchSpace | None = None) -> pd.DataFrame:
    """The distinct cells ``method`` found within ``budget`` queries, best first.

    A found key must be a cell of ``table``, or (decode mode: a graph outside the table, a
    Bayesian network say) come with its recorded graph, whose key under ``space`` is that key.

    Returns:
        One row per cell: ``key``, ``value``, ``space_rank`` (among the table's values),
        ``found_by`` (searches that found it), ``searches`` (the method's searches),
        ``median_query`` (the median of the first query at which each of them found it) and
        ``graph`` (the cell as a :class:`Graph`).

    Raises:
        RunFileError: a found key is not a cell of the space (names the file and the key).
    """
    mine = queries[queries["method"] == method]
    searches = int(mine["seed"].nunique())
    hits = found_queries(mine, method, budget)
    graphs: dict[str, Graph] = {}
    for source, key, recorded in zip(hits["source"], hits["key"], hits["graph"]):
        if key in graphs:
            continue
        row = table.row_of(key)
        graph = table.graph(row) if row is not None else _recorded_graph(recorded, key, space)
        if graph is None:
            raise RunFileError(source, f"key '{key}' is not a cell of this space",
                               fix="the file belongs to a run of another space (or was edited): move it out of bo/")
        graphs[key] = graph
    first = hits.sort_values("query", kind="stable").drop_duplicates(["seed", "key"])
    cells = first.groupby("key", sort=False).agg(value=("value", "max"), found_by=("seed", "nunique"),
                                                  median_query=("query", "median")).reset_index()
    cells["value"] = cells["value"].astype(np.float64)
    cells["space_rank"] = space_ranks(cells["value"].to_numpy(), table).astype(np.int64)
    cells["searches"] = searches
    cells["graph"] = [graphs[key] for key in cells["key"]]
    cells = cells.sort_values(["value", "found_by", "key"], ascending=[False, False, True], kind="stable")
    return cells[["key", "value", "space_rank", "found_by", "searches", "median_query", "graph"]].reset_index(drop=True)


def _recorded_graph(recorded, key: str, space: SearchSpace | None) -> Graph | None:
    """The graph a result file recorded for ``key``, if it is a valid cell of ``space`` with that key."""
    if not isinstance(recorded, dict) or space is None:
        return None
    try:
        graph = Graph.from_json(recorded)
        valid = space.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes)
        same = valid and space.key(graph.op_ids, graph.adjacency, graph.num_nodes) == key
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return graph if same else None


def top_found(cells: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` best found cells with a 1-based ``rank`` among them."""
    top = cells.head(int(k)).reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return top
