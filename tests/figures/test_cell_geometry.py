"""The geometry of every cell drawing, checked on 200 random cells of each space: every
label fits its box, no edge passes through a node it does not join, and edges end on
the borders of their boxes."""

import numpy as np
import pytest

from core.figures.cell_geometry import BOX_HEIGHT, box_width, cell_geometry, inside_box, layers
from core.figures.cells import cells_row, node_labels
from core.figures.text_metrics import text_width
from core.spaces import graphs_of


def random_graphs(enas_keys_table, name, count=200):
    space, table = enas_keys_table(name)
    rows = np.random.default_rng(1).choice(len(table), size=min(count, len(table)), replace=False)
    return space, graphs_of(table, rows)


@pytest.mark.parametrize("name", ["enas6", "nbg-cora"])
@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_no_edge_passes_through_a_node(name, orientation, enas_keys_table):
    space, graphs = random_graphs(enas_keys_table, name)
    width = box_width(space.node_type_names)
    curved = 0
    for graph in graphs:
        geometry = cell_geometry(graph.adjacency, graph.num_nodes, width, orientation)
        assert len(geometry.paths) == int(np.count_nonzero(graph.adjacency))
        for (i, j), path in zip(geometry.edges, geometry.paths):
            dense = np.concatenate([np.linspace(a, b, 8) for a, b in zip(path[:-1], path[1:])])
            for k in range(graph.num_nodes):
                if k not in (i, j):
                    assert not inside_box(dense, geometry.centers[k], geometry.box_size).any(), (graph, i, j, k)
            # an edge starts on its source's border and ends on its target's
            half = np.asarray(geometry.box_size) / 2
            for end, node in ((path[0], i), (path[-1], j)):
                gap = np.abs(end - geometry.centers[node]) - half
                assert gap.max() == pytest.approx(0.0, abs=0.05)
        curved += sum(geometry.curved)
    assert curved > 0  # the sample holds skip edges that had to bow


@pytest.mark.parametrize("name", ["enas6", "nbg-cora"])
def test_every_label_fits_its_box(name, enas_keys_table):
    """On the 200 cells' geometry, then on a drawn figure's shapes and text (one pixel per
    data unit, so the measured label and the box compare in pixels)."""
    space, graphs = random_graphs(enas_keys_table, name)
    width = box_width(space.node_type_names)
    for graph in graphs:
        geometry = cell_geometry(graph.adjacency, graph.num_nodes, width)
        for label in node_labels(space, graph.op_ids, graph.num_nodes):
            assert text_width(label, 12) + 2 <= geometry.box_size[0]
    fig = cells_row(space, graphs[:20])
    nodes = [trace for trace in fig.data if trace.name == "nodes"]
    shapes = list(fig.layout.shapes)
    assert len(shapes) == sum(len(trace.text) for trace in nodes)
    size = nodes[0].textfont.size
    index = 0
    for trace in nodes:
        for label, x, y in zip(trace.text, trace.x, trace.y):
            box = shapes[index]
            index += 1
            assert box.x0 < x < box.x1 and box.y0 < y < box.y1
            assert text_width(label, size) + 2 <= box.x1 - box.x0  # a pixel of air each side
            assert size + 4 <= box.y1 - box.y0


def test_no_two_boxes_overlap(enas_keys_table):
    space, graphs = random_graphs(enas_keys_table, "nbg-cora")
    width = box_width(space.node_type_names)
    for graph in graphs:
        geometry = cell_geometry(graph.adjacency, graph.num_nodes, width)
        gaps = np.abs(geometry.centers[:, None, :] - geometry.centers[None, :, :])
        apart = (gaps[..., 0] >= width) | (gaps[..., 1] >= BOX_HEIGHT)
        assert apart[~np.eye(len(gaps), dtype=bool)].all()


def test_layers_follow_longest_paths_and_order_by_predecessors():
    adjacency = np.zeros((6, 6), dtype=np.uint8)
    adjacency[[0, 0, 1, 2, 3, 4], [1, 2, 4, 3, 5, 5]] = 1  # 0 -> 1 -> 4, 0 -> 2 -> 3, both -> 5
    assert layers(adjacency, 6) == [[0], [1, 2], [4, 3], [5]]


def test_labels_name_the_space_operations(enas_keys_table):
    space, graphs = random_graphs(enas_keys_table, "enas6", count=3)
    labels = node_labels(space, graphs[0].op_ids, graphs[0].num_nodes)
    assert labels[0] == "input" and labels[-1] == "output"
    assert set(labels[1:-1]) <= set(space.node_type_names[2:])
