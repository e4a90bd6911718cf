"""Cell drawings: one function draws every architecture in the project (latent selection,
interpolation, great circle, best cells, found cells, export).

Each node is a box coloured by its operation (a colour-blind-safe palette) with the
operation's name written in it, in black or white, whichever contrasts more. The geometry
(:mod:`core.figures.cell_geometry`) is networkx's layered layout in pixels, and the figure
maps one data unit to one pixel, so a label measured to fit its box fits it on screen and
in an exported file. By default a cell runs top to bottom (input on top), which keeps an
ENAS chain narrow enough for a single column of a paper: at 8.5 cm its labels print at
≥ 7 pt (:func:`label_points`).

A space whose input and output nodes only close its graph format (``draws_input_output =
False``: bn-asia, where they feed the parentless variables and collect the childless ones)
is drawn without them: a Bayesian network appears as itself, its variables' names in the boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from core.spaces.base import SearchSpace
from core.spaces.graph import Graph
from core.figures.cell_geometry import LABEL_SIZE, CellGeometry, Orientation, box_width, cell_geometry, grid_positions
from core.figures.style import FONT, TEMPLATE, UNKNOWN_COLOR, op_colors, style_figure, text_color
from core.figures.text_metrics import points_at_width, text_width

EDGE_COLOR = "#666666"
BOX_LINE = "#333333"
CELL_PAD = 8  # pixels around a cell inside its slot
TITLE_LINE = 16  # pixels per line of a cell's subtitle (lines split at "<br>")
TITLE_SIZE = 12
FIGURE_TITLE_HEIGHT = 36
MARGIN = 10
MAX_WIDTH = 1100  # pixels: a row wraps before it gets wider than a wide Streamlit page
ARROW_LENGTH = 8  # pixels of path the arrowhead covers
SINGLE_COLUMN_CM = 8.5


def cell_layout(adjacency: np.ndarray, num_nodes: int) -> np.ndarray:
    """``n x 2`` grid places of a cell's nodes: column 0 = layer (longest path from the
    input), column 1 = place within the layer (networkx's multipartite layout)."""
    return grid_positions(np.asarray(adjacency), int(num_nodes))


def node_labels(space: SearchSpace, op_ids, num_nodes: int) -> list[str]:
    """The operation name of each real node (``?`` for a type the space does not know)."""
    names = space.node_type_names
    return [names[t] if 0 <= t < len(names) else "?" for t in (int(v) for v in np.asarray(op_ids)[: int(num_nodes)])]


def drawn_graph(space: SearchSpace, graph: Graph) -> Graph:
    """What a drawing of ``graph`` shows: the graph, or without its input and output nodes
    where the space does not draw them (``space.draws_input_output``)."""
    n = int(graph.num_nodes)
    if space.draws_input_output or n < 3:
        return graph
    inner = slice(1, n - 1)
    return Graph(np.asarray(graph.op_ids)[inner], np.asarray(graph.adjacency)[inner, inner], n - 2)


def cell_figure(space: SearchSpace, op_ids, adjacency, num_nodes: int, title: str = "",
                orientation: Orientation = "vertical") -> go.Figure:
    """One architecture as a cell drawing.

    Args:
        space: the search space (node-type names and colours).
        op_ids: ``N`` node types; adjacency: ``N x N`` edges ``i -> j``; num_nodes: real nodes.
        title: figure title.
        orientation: ``vertical`` (input on top) or ``horizontal`` (input on the left).

    Returns:
        A figure with one box shape per node, a ``nodes`` text trace (the labels,
        ``customdata`` = node index), an ``edges`` line trace and one arrowhead
        annotation per edge, one pixel per data unit.

    Example:
        >>> table = space.load()
        >>> fig = cell_figure(space, table.op_ids[0], table.adjacency[0], table.num_nodes[0], "best")
    """
    return cells_row(space, [Graph(op_ids, adjacency, int(num_nodes))], titles=None, title=title or None,
                     orientation=orientation)


def cells_row(space: SearchSpace, graphs: Sequence[Graph], titles: Sequence[str] | None = None,
              title: str | None = None, max_columns: int | None = None,
              orientation: Orientation = "vertical") -> go.Figure:
    """Several cells side by side (interpolations, great circles, top-k), one scale.

    Args:
        space: the search space.
        graphs: the graphs (:func:`core.spaces.graphs_of` takes them out of a decoded
            batch or a table).
        titles: one subtitle per cell (e.g. ``"t = 0.25"`` or an accuracy).
        title: the figure title.
        max_columns: wrap onto further rows after this many cells (default: as many as
            fit in ``MAX_WIDTH`` pixels).
        orientation: ``vertical`` (input on top) or ``horizontal`` (input on the left).

    Returns:
        One subplot per cell (axes ``x``, ``x2``, ...), every box the same width (the
        widest label of the figure), one pixel per data unit.
    """
    items = [drawn_graph(space, graph) for graph in graphs]
    if not items:
        return style_figure(go.Figure(), title or "no graphs")
    titles = [str(t) for t in titles] if titles is not None else []
    titles = (titles + [""] * len(items))[: len(items)]
    labels = [node_labels(space, graph.op_ids, graph.num_nodes) for graph in items]
    width = box_width([label for cell in labels for label in cell])
    geometries = [cell_geometry(graph.adjacency, graph.num_nodes, width, orientation) for graph in items]
    colors = op_colors(space.node_type_names)
    has_titles = any(titles)
    title_lines = [t.split("<br>") for t in titles]
    title_h = TITLE_LINE * max(len(lines) for lines in title_lines) + 6 if has_titles else 0
    title_w = max(text_width(line, TITLE_SIZE) for lines in title_lines for line in lines) + 8
    extents = np.array([g.bounds[1] - g.bounds[0] for g in geometries])
    slot_w = float(np.ceil(max(extents[:, 0].max() + 2 * CELL_PAD, width + 2 * CELL_PAD, title_w)))  # whole pixels
    cell_h = float(np.ceil(extents[:, 1].max() + 2 * CELL_PAD))
    slot_h = cell_h + title_h
    columns = max(1, min(len(items), int(max_columns) if max_columns else int((MAX_WIDTH - 2 * MARGIN) // slot_w)))
    rows = -(-len(items) // columns)
    plot_w, plot_h = columns * slot_w, rows * slot_h

    traces: list[dict] = []
    shapes: list[dict] = []
    annotations: list[dict] = []
    layout: dict = {"template": TEMPLATE, "showlegend": False}
    for index, (geometry, cell_labels) in enumerate(zip(geometries, labels)):
        row, col = divmod(index, columns)
        suffix = "" if index == 0 else str(index + 1)
        xref, yref = f"x{suffix}", f"y{suffix}"
        center = geometry.bounds.mean(0)
        top = 1 - row * slot_h / plot_h
        x_domain = [col * slot_w / plot_w, (col + 1) * slot_w / plot_w]
        y_domain = [1 - (row + 1) * slot_h / plot_h, top - title_h / plot_h]
        layout[f"xaxis{suffix}"] = {"domain": x_domain, "range": [center[0] - slot_w / 2, center[0] + slot_w / 2],
                                    "visible": False, "anchor": yref, "fixedrange": True}
        layout[f"yaxis{suffix}"] = {"domain": y_domain, "range": [center[1] - cell_h / 2, center[1] + cell_h / 2],
                                    "visible": False, "anchor": xref, "fixedrange": True}
        cell_traces, cell_shapes, cell_arrows = _cell_parts(geometry, cell_labels, colors, xref, yref)
        traces.extend(cell_traces)
        shapes.extend(cell_shapes)
        annotations.extend(cell_arrows)
        if titles[index]:
            annotations.append({"text": titles[index], "x": sum(x_domain) / 2, "y": top, "xref": "paper",
                                "yref": "paper", "xanchor": "center", "yanchor": "top", "showarrow": False,
                                "font": {**FONT, "size": TITLE_SIZE}})
    top_margin = MARGIN + (FIGURE_TITLE_HEIGHT if title else 0)
    layout.update(shapes=shapes, annotations=annotations, width=int(plot_w + 2 * MARGIN),
                  height=int(plot_h + top_margin + MARGIN), dragmode=False)
    fig = go.Figure(data=traces, layout=layout)
    style_figure(fig, title)
    fig.update_layout(margin={"l": MARGIN, "r": MARGIN, "b": MARGIN, "t": top_margin, "autoexpand": False})
    if title:
        fig.update_layout(title={"y": 1 - 8 / fig.layout.height, "font": {"size": 15}})
    return fig


def label_points(figure: go.Figure, printed_width_cm: float = SINGLE_COLUMN_CM) -> float:
    """The printed size in points of the figure's node labels when it is placed
    ``printed_width_cm`` wide (8.5 cm: one column of a two-column paper)."""
    return points_at_width(LABEL_SIZE, figure.layout.width, printed_width_cm)


def _cell_parts(geometry: CellGeometry, labels: list[str], colors: dict[str, str], xref: str,
                yref: str) -> tuple[list[dict], list[dict], list[dict]]:
    """One cell as plain dicts: its traces (``edges`` lines, ``nodes`` labels), its box
    shapes and its arrowheads. Figures are built from dicts in one go: plotly copies
    every annotation on each ``add_annotation``, which made a row of cells take seconds."""
    fills = [colors.get(label, UNKNOWN_COLOR) for label in labels]
    half_w, half_h = geometry.box_size[0] / 2, geometry.box_size[1] / 2
    shapes = [{"type": "rect", "xref": xref, "yref": yref, "x0": float(x - half_w), "x1": float(x + half_w),
               "y0": float(y - half_h), "y1": float(y + half_h), "fillcolor": fill, "layer": "below",
               "line": {"color": BOX_LINE, "width": 1}}
              for (x, y), fill in zip(geometry.centers, fills)]
    xs: list[float | None] = []
    ys: list[float | None] = []
    arrows = []
    for path in geometry.paths:
        xs.extend([*path[:, 0].tolist(), None])
        ys.extend([*path[:, 1].tolist(), None])
        travelled = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path[::-1], axis=0), axis=1))])
        tail = path[::-1][int(np.searchsorted(travelled, ARROW_LENGTH).clip(1, len(path) - 1))]
        arrows.append({"x": float(path[-1, 0]), "y": float(path[-1, 1]), "ax": float(tail[0]), "ay": float(tail[1]),
                       "xref": xref, "yref": yref, "axref": xref, "ayref": yref, "showarrow": True, "arrowhead": 2,
                       "arrowsize": 1, "arrowwidth": 1.4, "arrowcolor": EDGE_COLOR, "standoff": 0, "text": ""})
    traces = [
        {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": EDGE_COLOR, "width": 1.4},
         "hoverinfo": "skip", "showlegend": False, "name": "edges", "xaxis": xref, "yaxis": yref},
        {"type": "scatter", "x": geometry.centers[:, 0].tolist(), "y": geometry.centers[:, 1].tolist(),
         "mode": "text", "text": labels, "name": "nodes", "xaxis": xref, "yaxis": yref,
         "textfont": {**FONT, "size": LABEL_SIZE, "color": [text_color(fill) for fill in fills]},
         "customdata": list(range(len(labels))), "hovertemplate": "node %{customdata}: %{text}<extra></extra>",
         "showlegend": False},
    ]
    return traces, shapes, arrows
