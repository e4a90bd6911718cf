import numpy as np

from core.figures import cell_figure, cell_layout, cells_row, op_colors
from core.models.dvae import DecodedGraphs
from core.spaces import Graph, graphs_of
from core.spaces.enas import EnasSpace

SPACE = EnasSpace(3)  # input, 3 layers, output


def enas_cell():
    op_ids = np.array([0, 2, 7, 3, 1])
    adjacency = np.zeros((5, 5), dtype=np.uint8)
    adjacency[[0, 1, 2, 3], [1, 2, 3, 4]] = 1
    adjacency[0, 3] = 1  # a skip over the chain
    return op_ids, adjacency, 5


def test_one_labelled_node_per_graph_node():
    op_ids, adjacency, n = enas_cell()
    fig = cell_figure(SPACE, op_ids, adjacency, n, title="cell")
    nodes = [t for t in fig.data if t.name == "nodes"]
    assert len(nodes) == 1
    assert list(nodes[0].text) == ["input", "conv3", "max3", "sep3", "output"]
    colors = op_colors(SPACE.node_type_names)
    assert list(nodes[0].marker.color) == [colors[label] for label in nodes[0].text]
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == int(adjacency.sum())


def test_layout_is_layered_by_longest_path():
    op_ids, adjacency, n = enas_cell()
    positions = cell_layout(adjacency, n)
    assert positions[:, 0].tolist() == [0, 1, 2, 3, 4]
    diamond = np.zeros((4, 4), dtype=np.uint8)
    diamond[[0, 0, 1, 2], [1, 2, 3, 3]] = 1
    layered = cell_layout(diamond, 4)
    assert layered[:, 0].tolist() == [0, 1, 1, 2]
    assert layered[1, 1] != layered[2, 1]


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


def test_unknown_op_ids_are_drawn_as_question_marks():
    op_ids, adjacency, n = enas_cell()
    op_ids = op_ids.copy()
    op_ids[2] = -1
    nodes = [t for t in cell_figure(SPACE, op_ids, adjacency, n).data if t.name == "nodes"][0]
    assert nodes.text[2] == "?"
