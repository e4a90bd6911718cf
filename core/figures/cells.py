"""Cell diagrams: an architecture's DAG drawn left to right, one layer per longest-path
depth, nodes as boxes coloured and labelled by operation, edges as arrows.

The layout is networkx's ``multipartite_layout`` idea keyed on longest-path depth: node
``v`` sits in column ``depth(v)`` (edges on the longest path from a source to ``v``), nodes
of one column are stacked in topological order. An edge that would pass through another
node (an ENAS skip connection along the chain, say) is drawn as an arc.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..spaces.base import SearchSpace
from ..spaces.graph import Graph
from .style import FONT, TEMPLATE, UNKNOWN_COLOR, op_colors, style_figure, text_color

NODE_SIZE = 46  # marker size in pixels
EDGE_COLOR = "#7F7F7F"
COLUMN_WIDTH = 90  # pixels per layer
ROW_HEIGHT = 78  # pixels per node of the tallest layer


def cell_layout(adjacency: np.ndarray, num_nodes: int) -> np.ndarray:
    """``n x 2`` positions: ``x`` = longest-path depth of each node, ``y`` = its place in
    its column (centred on 0, first node on top)."""
    n = int(num_nodes)
    adj = np.asarray(adjacency)[:n, :n] != 0
    depth = np.zeros(n, dtype=np.int64)
    for j in range(1, n):
        preds = np.flatnonzero(adj[:j, j])
        depth[j] = depth[preds].max() + 1 if len(preds) else 0
    positions = np.zeros((n, 2))
    for layer in np.unique(depth):
        members = np.flatnonzero(depth == layer)
        positions[members, 0] = layer
        positions[members, 1] = -(np.arange(len(members)) - (len(members) - 1) / 2)
    return positions


def _edge_path(start: np.ndarray, end: np.ndarray, others: np.ndarray, side: float) -> np.ndarray:
    """``20 x 2`` points of an edge: straight, or a quadratic arc when the straight line
    passes within 0.3 of another node."""
    t = np.linspace(0.0, 1.0, 20)[:, None]
    straight = start + t * (end - start)
    if len(others):
        gaps = np.linalg.norm(straight[:, None, :] - others[None, :, :], axis=-1).min()
        if gaps >= 0.3:
            return straight
    else:
        return straight
    direction = end - start
    length = float(np.linalg.norm(direction))
    normal = np.array([-direction[1], direction[0]]) / max(length, 1e-9)
    control = (start + end) / 2 + side * normal * (0.5 + 0.35 * length)
    return (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end


def _cell_parts(space: SearchSpace, op_ids, adjacency, num_nodes: int, axis: int) -> tuple[list[dict], list[dict], np.ndarray]:
    """One cell as plain dicts: its two traces (edge lines, nodes) on axes ``x<axis>`` /
    ``y<axis>``, its arrow annotations, and its bounding box ``[[xmin, ymin], [xmax, ymax]]``.
    Figures are built from dicts in one go: plotly copies every annotation on each
    ``add_annotation``, which made a row of cells take seconds."""
    n = int(num_nodes)
    op_ids = np.asarray(op_ids)
    adj = np.asarray(adjacency)[:n, :n] != 0
    names = space.node_type_names
    colors = op_colors(names)
    labels = [names[t] if 0 <= t < len(names) else "?" for t in (int(v) for v in op_ids[:n])]
    fills = [colors.get(label, UNKNOWN_COLOR) for label in labels]
    positions = cell_layout(adj, n)
    xref = "x" if axis == 1 else f"x{axis}"
    yref = "y" if axis == 1 else f"y{axis}"

    xs: list[float | None] = []
    ys: list[float | None] = []
    points = [positions]
    arrows: list[dict] = []
    for i, j in zip(*np.nonzero(adj)):
        others = np.delete(positions, [i, j], axis=0)
        side = 1.0 if i % 2 == 0 else -1.0
        path = _edge_path(positions[i], positions[j], others, side)
        points.append(path)
        xs.extend([*path[:, 0].tolist(), None])
        ys.extend([*path[:, 1].tolist(), None])
        # the arrow's tail must lie outside the target box, or plotly draws no head
        away = np.linalg.norm(path - path[-1], axis=1)
        tail = path[np.flatnonzero(away >= 0.45)[-1]] if np.any(away >= 0.45) else path[0]
        arrows.append({
            "x": float(path[-1, 0]), "y": float(path[-1, 1]), "ax": float(tail[0]), "ay": float(tail[1]),
            "xref": xref, "yref": yref, "axref": xref, "ayref": yref, "showarrow": True, "arrowhead": 2,
            "arrowsize": 1.2, "arrowwidth": 1.5, "arrowcolor": EDGE_COLOR, "standoff": NODE_SIZE / 2 + 1, "text": "",
        })
    traces = [
        {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": EDGE_COLOR, "width": 1.5},
         "hoverinfo": "skip", "showlegend": False, "name": "edges", "xaxis": xref, "yaxis": yref},
        {"type": "scatter", "x": positions[:, 0].tolist(), "y": positions[:, 1].tolist(), "mode": "markers+text",
         "text": labels, "name": "nodes", "xaxis": xref, "yaxis": yref,
         "textfont": {**FONT, "size": 11, "color": [text_color(f) for f in fills]},
         "marker": {"symbol": "square", "size": NODE_SIZE, "color": fills, "line": {"color": "#333333", "width": 1}},
         "customdata": list(range(n)), "hovertemplate": "node %{customdata}: %{text}<extra></extra>",
         "showlegend": False},
    ]
    every = np.concatenate(points)
    return traces, arrows, np.array([every.min(0), every.max(0)])


def _axis_ranges(box: np.ndarray) -> tuple[list[float], list[float]]:
    return [float(box[0, 0] - 0.6), float(box[1, 0] + 0.6)], [float(box[0, 1] - 0.7), float(box[1, 1] + 0.7)]


def cell_figure(space: SearchSpace, op_ids, adjacency, num_nodes: int, title: str = "") -> go.Figure:
    """One architecture as a cell diagram.

    Args:
        space: the search space (node-type names and colours).
        op_ids: ``N`` node types; adjacency: ``N x N`` edges ``i -> j``; num_nodes: real nodes.
        title: figure title.

    Returns:
        A figure with an edge-line trace, one node trace (``n`` labelled square markers,
        ``customdata`` = node index) and one arrow annotation per edge.

    Example:
        >>> table = space.load()
        >>> fig = cell_figure(space, table.op_ids[0], table.adjacency[0], table.num_nodes[0], "best")
    """
    return cells_row(space, [Graph(op_ids, adjacency, int(num_nodes))], titles=None, title=title or None)


def cells_row(space: SearchSpace, graphs: Sequence[Graph], titles: Sequence[str] | None = None,
              title: str | None = None, max_columns: int | None = None) -> go.Figure:
    """Several cells in a row (interpolations, great circles, top-k).

    Args:
        space: the search space.
        graphs: the graphs (:func:`core.spaces.graphs_of` takes them out of a decoded
            batch or a table).
        titles: one subtitle per cell (e.g. ``"t = 0.25"`` or an accuracy).
        title: the figure title.
        max_columns: wrap onto further rows after this many cells (default: one row).

    Returns:
        One subplot per cell (axes ``x``, ``x2``, ...), each drawn as :func:`cell_figure`
        draws it, all at one scale.
    """
    items = list(graphs)
    if not items:
        return style_figure(go.Figure(), title or "no graphs")
    titles = [str(t) for t in titles] if titles is not None else []
    titles = (titles + [""] * len(items))[: len(items)]
    columns = len(items) if not max_columns else max(1, min(int(max_columns), len(items)))
    rows = -(-len(items) // columns)
    traces, arrows, boxes = [], [], []
    for index, graph in enumerate(items):
        cell_traces, cell_arrows, box = _cell_parts(space, graph.op_ids, graph.adjacency, graph.num_nodes,
                                                    axis=index + 1)
        traces.extend(cell_traces)
        arrows.extend(cell_arrows)
        boxes.append(box)
    # one scale for every cell: the widest and tallest cell set the ranges
    width = max(b[1, 0] - b[0, 0] for b in boxes)
    height = max(b[1, 1] - b[0, 1] for b in boxes)
    has_titles = any(titles)
    layout: dict = {"template": TEMPLATE, "showlegend": False}
    annotations = []
    gap_x, gap_y = 0.01, (0.06 if has_titles else 0.02)
    for index, box in enumerate(boxes):
        row, col = divmod(index, columns)
        centre = box.mean(0)
        xrange, yrange = _axis_ranges(np.array([[centre[0] - width / 2, centre[1] - height / 2],
                                                [centre[0] + width / 2, centre[1] + height / 2]]))
        x_domain = [col / columns + gap_x, (col + 1) / columns - gap_x]
        y_domain = [1 - (row + 1) / rows + gap_y / 2, 1 - row / rows - gap_y]
        suffix = "" if index == 0 else str(index + 1)
        layout[f"xaxis{suffix}"] = {"domain": x_domain, "range": xrange, "visible": False, "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": y_domain, "range": yrange, "visible": False, "anchor": f"x{suffix}"}
        if titles[index]:
            annotations.append({"text": titles[index], "x": sum(x_domain) / 2, "y": y_domain[1], "xref": "paper",
                                "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                                "font": {**FONT, "size": 13}})
    layout["annotations"] = [*annotations, *arrows]
    layout["width"] = max(320, int(columns * (COLUMN_WIDTH * (width + 1.2) + 20) + 40))
    layout["height"] = max(200, int(rows * (ROW_HEIGHT * (height + 1.4) + (40 if has_titles else 10)) + (70 if title else 30)))
    fig = go.Figure(data=traces, layout=layout)
    style_figure(fig, title)
    fig.update_layout(margin={"l": 20, "r": 20, "b": 20, "t": 70 if title else 30})
    return fig
