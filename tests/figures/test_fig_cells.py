import numpy as np
import pytest

from core.figures import cell_figure, cell_layout, cells_row, op_colors
from core.figures.cells import MAX_WIDTH, label_points
from core.figures.style import contrast_ratio
from core.models.dvae import DecodedGraphs
from core.spaces import Graph, get_space, graphs_of
from core.spaces.enas import EnasSpace

SPACE = EnasSpace(3)  # input, 3 layers, output


def enas_cell():
    op_ids = np.array([0, 2, 7, 3, 1])
    adjacency = np.zeros((5, 5), dtype=np.uint8)
    adjacency[[0, 1, 2, 3], [1, 2, 3, 4]] = 1
    adjacency[0, 3] = 1  # a skip over the chain
    return op_ids, adjacency, 5


def boxes(fig, axis="x"):
    return [s for s in fig.layout.shapes if s.xref == axis]


def test_one_labelled_box_per_graph_node():
    op_ids, adjacency, n = enas_cell()
    fig = cell_figure(SPACE, op_ids, adjacency, n, title="cell")
    nodes = [t for t in fig.data if t.name == "nodes"]
    assert len(nodes) == 1
    assert list(nodes[0].text) == ["input", "conv3", "max3", "sep3", "output"]
    colors = op_colors(SPACE.node_type_names)
    assert [s.fillcolor for s in boxes(fig)] == [colors[label] for label in nodes[0].text]
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == int(adjacency.sum())


def test_every_label_contrasts_with_its_box():
    op_ids, adjacency, n = enas_cell()
    fig = cell_figure(SPACE, op_ids, adjacency, n)
    nodes = [t for t in fig.data if t.name == "nodes"][0]
    for color, shape in zip(nodes.textfont.color, boxes(fig)):
        assert contrast_ratio(color, shape.fillcolor) >= 4.5


def test_layout_is_layered_by_longest_path():
    op_ids, adjacency, n = enas_cell()
    positions = cell_layout(adjacency, n)
    assert positions[:, 0].tolist() == [0, 1, 2, 3, 4]
    diamond = np.zeros((4, 4), dtype=np.uint8)
    diamond[[0, 0, 1, 2], [1, 2, 3, 3]] = 1
    layered = cell_layout(diamond, 4)
    assert layered[:, 0].tolist() == [0, 1, 1, 2]
    assert sorted(layered[1:3, 1].tolist()) == [-0.5, 0.5]


def test_vertical_cells_run_top_to_bottom_and_horizontal_left_to_right():
    op_ids, adjacency, n = enas_cell()
    for orientation, axis, sign in (("vertical", "y", -1), ("horizontal", "x", 1)):
        fig = cell_figure(SPACE, op_ids, adjacency, n, orientation=orientation)
        nodes = [t for t in fig.data if t.name == "nodes"][0]
        along = np.asarray(getattr(nodes, axis)) * sign
        assert np.all(np.diff(along) > 0), orientation


def test_cells_row_takes_decoded_graphs_and_lists():
    op_ids, adjacency, n = enas_cell()
    decoded = DecodedGraphs(np.stack([op_ids, op_ids]), np.stack([adjacency, adjacency]), np.array([5, 5]))
    fig = cells_row(SPACE, graphs_of(decoded), ["t = 0", "t = 1"])
    assert len([t for t in fig.data if t.name == "nodes"]) == 2
    assert {t.xaxis for t in fig.data if t.name == "nodes"} == {"x", "x2"}
    titles = [a.text for a in fig.layout.annotations if not a.showarrow]
    assert titles == ["t = 0", "t = 1"]
    wrapped = cells_row(SPACE, [Graph(*enas_cell())] * 3, max_columns=2)
    assert len([t for t in wrapped.data if t.name == "nodes"]) == 3
    assert wrapped.layout.height > fig.layout.height  # a second row


def test_a_long_row_wraps_within_the_page_width():
    fig = cells_row(SPACE, [Graph(*enas_cell())] * 30)
    assert fig.layout.width <= MAX_WIDTH
    assert len([t for t in fig.data if t.name == "nodes"]) == 30


def test_one_data_unit_is_one_pixel():
    """Boxes are sized in pixels, so every axis maps one unit to one pixel."""
    fig = cells_row(SPACE, [Graph(*enas_cell())] * 3, ["a", "b", "c"], title="row", max_columns=2)
    plot_w = fig.layout.width - fig.layout.margin.l - fig.layout.margin.r
    plot_h = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    for suffix in ("", "2", "3"):
        x, y = fig.layout[f"xaxis{suffix}"], fig.layout[f"yaxis{suffix}"]
        assert (x.domain[1] - x.domain[0]) * plot_w == pytest.approx(x.range[1] - x.range[0])
        assert (y.domain[1] - y.domain[0]) * plot_h == pytest.approx(y.range[1] - y.range[0])


@pytest.mark.parametrize("name", ["enas6", "nbg-cora"])
def test_a_single_cell_prints_at_7_points_or_more_in_one_column(name, enas_keys_table):
    space, table = enas_keys_table(name)
    widest = max(range(len(table)), key=lambda row: np.count_nonzero(table.adjacency[row]))
    graph = table.graph(widest)
    fig = cell_figure(space, graph.op_ids, graph.adjacency, graph.num_nodes)
    assert label_points(fig, 8.5) >= 7.0


def test_unknown_op_ids_are_drawn_as_question_marks():
    op_ids, adjacency, n = enas_cell()
    op_ids = op_ids.copy()
    op_ids[2] = -1
    nodes = [t for t in cell_figure(SPACE, op_ids, adjacency, n).data if t.name == "nodes"][0]
    assert nodes.text[2] == "?"
