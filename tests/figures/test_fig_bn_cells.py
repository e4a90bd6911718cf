"""bn-asia networks are drawn by the one cell drawing over their variables: a box per
variable with its name, an arrow per edge of the network, no input or output box."""

from __future__ import annotations

import numpy as np

from core.bn.asia import ASIA_NAMES, asia_adjacency
from core.figures import cell_figure, cells_row
from core.figures.cells import drawn_graph
from core.spaces import get_space

SPACE = get_space("bn-asia")


def test_the_asia_network_is_drawn_over_its_variables():
    graph = SPACE.graphs_of(asia_adjacency()[None])[0]
    fig = cell_figure(SPACE, graph.op_ids, graph.adjacency, graph.num_nodes)
    (nodes,) = [trace for trace in fig.data if trace.name == "nodes"]
    assert sorted(nodes.text) == sorted(ASIA_NAMES)
    assert len(fig.layout.shapes) == len(ASIA_NAMES)
    assert len([a for a in fig.layout.annotations if a.showarrow]) == int(asia_adjacency().sum())  # 8 edges
    layer = {name: y for name, y in zip(nodes.text, nodes.y)}  # vertical: parents above their children
    assert layer["asia"] == layer["smoke"] > layer["tub"] == layer["lung"] > layer["either"] > layer["xray"]


def test_random_networks_keep_every_variable_and_edge():
    graphs = SPACE.random_graphs(30, np.random.default_rng(0))
    fig = cells_row(SPACE, graphs)
    labels = [list(trace.text) for trace in fig.data if trace.name == "nodes"]
    assert len(labels) == 30 and all(sorted(cell) == sorted(ASIA_NAMES) for cell in labels)
    inner_edges = sum(int(g.adjacency[1:-1, 1:-1].sum()) for g in graphs)
    assert len([a for a in fig.layout.annotations if a.showarrow]) == inner_edges


def test_other_spaces_keep_their_input_and_output():
    cora = get_space("nbg-cora")
    graph = cora.load().graph(0)
    assert drawn_graph(cora, graph) is graph
    assert drawn_graph(SPACE, SPACE.random_graphs(1, np.random.default_rng(1))[0]).num_nodes == len(ASIA_NAMES)
