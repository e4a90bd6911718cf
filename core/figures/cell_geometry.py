"""Where a cell's nodes and edges go, in pixels: the geometry behind every cell drawing.

The layout is networkx's: :func:`networkx.topological_generations` puts each node in the
layer of its longest path from the input, nodes of a layer are ordered by the mean place
of their predecessors (the barycentre rule, which removes most crossings of a layered
drawing), and :func:`networkx.multipartite_layout` places the layers. Its positions are a
uniform rescaling of a grid (one unit between layers, one between neighbours in a layer),
so the grid is read back and scaled to pixels.

Every node is a box that fits its label (:func:`core.figures.text_metrics.text_width`).
An edge is straight when the segment misses every other box; otherwise it is a bracket
curve (a cubic Bézier whose control points stand off both ends on one side) that bows out
level by level, alternating sides, until it clears every other box and no earlier edge
runs along it. Paths are clipped to the borders of their two boxes, so an arrow ends
where its target's box begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np

from core.figures.text_metrics import text_width

Orientation = Literal["vertical", "horizontal"]  # vertical: input on top, layers downwards

LABEL_SIZE = 12  # pixels: node labels (9 pt printed at 100 %, ≥ 7 pt at single-column width)
PAD_X = 5  # pixels between a label and its box's sides
BOX_HEIGHT = 22
GAP_ALONG = 20  # pixels between consecutive layers (room for an arrowhead)
GAP_ACROSS = 16  # pixels between neighbours of one layer
ARC_FIRST = 14  # pixels from a box's side to the first arc level
ARC_STEP = 11  # pixels between arc levels
ARC_LEVELS = 16
CLEARANCE = 3  # pixels an edge keeps from any box it does not join
SAMPLES = 64  # points per drawn edge
ROUTE_SAMPLES = 128  # points per candidate path while routing


@dataclass(frozen=True)
class CellGeometry:
    """One cell laid out in pixels (``y`` up, the input at the origin's layer).

    Shapes (``n`` = real nodes):
        centers: ``n x 2`` box centres.
        box_size: ``(width, height)`` of every box.
        edges: the ``(i, j)`` pairs, ``i -> j``.
        paths: one ``SAMPLES x 2`` polyline per edge, from the border of box ``i`` to the
            border of box ``j``.
        curved: per edge, whether it had to bow around boxes.
    """

    centers: np.ndarray
    box_size: tuple[float, float]
    edges: list[tuple[int, int]]
    paths: list[np.ndarray]
    curved: list[bool]

    @property
    def bounds(self) -> np.ndarray:
        """``2 x 2``: ``[[xmin, ymin], [xmax, ymax]]`` of every box and edge."""
        half = np.asarray(self.box_size) / 2
        points = [self.centers - half, self.centers + half, *self.paths]
        every = np.concatenate(points)
        return np.array([every.min(0), every.max(0)])


def box_width(labels: list[str], font_size: float = LABEL_SIZE) -> float:
    """The box width in pixels that fits the widest of ``labels`` with its padding."""
    return max(text_width(label, font_size) for label in labels) + 2 * PAD_X


def layers(adjacency: np.ndarray, num_nodes: int) -> list[list[int]]:
    """The nodes of each layer, in drawing order: layer = longest path from a source
    (:func:`networkx.topological_generations`), order = barycentre of predecessors.

    Args:
        adjacency: ``N x N`` edges ``i -> j`` (only the first ``num_nodes`` are read).
    """
    graph = _digraph(adjacency, num_nodes)
    ordered: list[list[int]] = []
    place: dict[int, float] = {}
    for generation in nx.topological_generations(graph):
        def barycentre(node: int) -> tuple[float, int]:
            before = [place[p] for p in graph.predecessors(node)]
            return (float(np.mean(before)) if before else 0.0, node)
        layer = sorted(generation, key=barycentre)
        for index, node in enumerate(layer):
            place[node] = index - (len(layer) - 1) / 2
        ordered.append(layer)
    return ordered


def grid_positions(adjacency: np.ndarray, num_nodes: int) -> np.ndarray:
    """``n x 2`` grid places: column 0 = layer, column 1 = place in the layer (centred
    on 0), as :func:`networkx.multipartite_layout` lays them out."""
    n = int(num_nodes)
    graph = _digraph(adjacency, n)
    layout = nx.multipartite_layout(graph, subset_key=dict(enumerate(layers(adjacency, n))), align="vertical")
    positions = np.array([layout[node] for node in range(n)], dtype=np.float64)  # n x 2, rescaled grid
    if n == 1:
        return np.zeros((1, 2))
    columns = np.unique(np.round(positions[:, 0], 9))
    if len(columns) > 1:
        unit = float(columns[1] - columns[0])
    else:  # one layer: its places are one unit apart
        rows = np.unique(np.round(positions[:, 1], 9))
        unit = float(rows[1] - rows[0])
    grid = (positions - positions.mean(0)) / unit
    grid[:, 0] -= grid[:, 0].min()
    return np.round(grid, 6)


def cell_geometry(adjacency: np.ndarray, num_nodes: int, width: float,
                  orientation: Orientation = "vertical") -> CellGeometry:
    """Lay out one cell: boxes ``width x BOX_HEIGHT`` pixels, edges routed around them.

    Args:
        adjacency: ``N x N`` edges ``i -> j``; num_nodes: the real nodes.
        width: the box width (:func:`box_width` of the figure's labels).
        orientation: ``vertical`` draws layers top to bottom, ``horizontal`` left to right.
    """
    n = int(num_nodes)
    adj = np.asarray(adjacency)[:n, :n] != 0
    grid = grid_positions(adj, n)
    size = (float(width), float(BOX_HEIGHT))
    if orientation == "vertical":
        centers = np.column_stack([grid[:, 1] * (size[0] + GAP_ACROSS), -grid[:, 0] * (size[1] + GAP_ALONG)])
    else:
        centers = np.column_stack([grid[:, 0] * (size[0] + GAP_ALONG), -grid[:, 1] * (size[1] + GAP_ACROSS)])
    edges = sorted(((int(i), int(j)) for i, j in zip(*np.nonzero(adj))),
                   key=lambda e: (np.abs(grid[e[1], 0] - grid[e[0], 0]), e))
    paths: list[np.ndarray] = []
    curved: list[bool] = []
    side = 1.0
    for i, j in edges:
        others = [k for k in range(n) if k not in (i, j)]
        path, bowed, side_used = _route(centers[i], centers[j], centers[others], size, paths, side)
        if bowed:
            side = -side_used  # the next curved edge tries the other side first
        paths.append(_clip(path, centers[i], centers[j], size))
        curved.append(bowed)
    return CellGeometry(centers, size, edges, paths, curved)


def inside_box(points: np.ndarray, center: np.ndarray, size: tuple[float, float], margin: float = 0.0) -> np.ndarray:
    """Which of ``points`` (``P x 2``) lie inside the box at ``center`` grown by ``margin``."""
    half = np.asarray(size) / 2 + margin
    return np.all(np.abs(np.asarray(points) - center) < half, axis=-1)


def _digraph(adjacency: np.ndarray, num_nodes: int) -> nx.DiGraph:
    n = int(num_nodes)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    rows, cols = np.nonzero(np.asarray(adjacency)[:n, :n])
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    return graph


def _bracket(start: np.ndarray, end: np.ndarray, offset: float, t: np.ndarray) -> np.ndarray:
    """``len(t) x 2`` points of a cubic Bézier from ``start`` to ``end`` whose two control
    points stand ``offset`` pixels off each end, perpendicular to the chord."""
    chord = end - start
    normal = np.array([-chord[1], chord[0]]) / max(float(np.linalg.norm(chord)), 1e-9)
    control_a, control_b = start + offset * normal, end + offset * normal
    t = t[:, None]
    return ((1 - t) ** 3 * start + 3 * (1 - t) ** 2 * t * control_a + 3 * (1 - t) * t**2 * control_b
            + t**3 * end)


def _clear(points: np.ndarray, others: np.ndarray, size: tuple[float, float]) -> bool:
    """Whether ``points`` (``P x 2``) keep ``CLEARANCE`` pixels from every box in ``others`` (``K x 2``)."""
    if not len(others):
        return True
    half = np.asarray(size) / 2 + CLEARANCE
    return not np.all(np.abs(points[:, None, :] - others[None, :, :]) < half, axis=-1).any()


def _runs_along(points: np.ndarray, earlier: list[np.ndarray]) -> bool:
    """Whether the middle of ``points`` runs along an earlier edge (crossing is fine)."""
    if not earlier:
        return False
    middle = points[len(points) // 5: -len(points) // 5: 3]
    previous = np.concatenate(earlier)
    squared = ((middle[:, None, :] - previous[None, :, :]) ** 2).sum(-1)  # M x P
    return float((squared.min(axis=1) < 16.0).mean()) > 0.2


def _route(start: np.ndarray, end: np.ndarray, others: np.ndarray, size: tuple[float, float],
           earlier: list[np.ndarray], side: float) -> tuple[np.ndarray, bool, float]:
    """The first clear path: the straight segment, else bracket curves level by level,
    ``side`` first. Returns the unclipped path, whether it is curved, and its side."""
    t = np.linspace(0.0, 1.0, ROUTE_SAMPLES)
    straight = start + t[:, None] * (end - start)
    if _clear(straight, others, size) and not _runs_along(straight, earlier):
        return straight, False, side
    chord = end - start
    across = abs(chord[0]) < abs(chord[1])  # a mostly vertical chord bows sideways
    half = (size[0] if across else size[1]) / 2
    fallback = None
    for level in range(ARC_LEVELS):
        reach = half + ARC_FIRST + level * ARC_STEP  # the curve's farthest point from the chord
        for direction in (side, -side):
            path = _bracket(start, end, direction * reach / 0.75, t)  # a bracket reaches 3/4 of its offset
            if _clear(path, others, size):
                if not _runs_along(path, earlier):
                    return path, True, direction
                fallback = fallback or (path, True, direction)
    if fallback is not None:
        return fallback
    return straight, False, side


def _clip(path: np.ndarray, source: np.ndarray, target: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """``SAMPLES x 2``: the part of ``path`` outside both end boxes, resampled evenly in
    its parameter, ends placed on the box borders by bisection."""
    outside = ~inside_box(path, source, size) & ~inside_box(path, target, size)
    index = np.flatnonzero(outside)
    if len(index) == 0:
        return path[[0, -1]].repeat(SAMPLES // 2, axis=0)
    first, last = int(index[0]), int(index[-1])
    samples = len(path)
    t = np.linspace(0.0, 1.0, samples)

    def point(u) -> np.ndarray:  # u: scalar or U, the path at parameter u (U x 2)
        u = np.atleast_1d(u)
        return np.column_stack([np.interp(u, t, path[:, 0]), np.interp(u, t, path[:, 1])])

    low, high = t[max(first - 1, 0)], t[first]
    for _ in range(16):  # the border of the source box
        middle = (low + high) / 2
        low, high = (middle, high) if inside_box(point(middle), source, size)[0] else (low, middle)
    begin = high
    low, high = t[last], t[min(last + 1, samples - 1)]
    for _ in range(16):  # the border of the target box
        middle = (low + high) / 2
        low, high = (low, middle) if inside_box(point(middle), target, size)[0] else (middle, high)
    return point(np.linspace(begin, low, SAMPLES))
