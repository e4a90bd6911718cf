"""Re-drawing observed and invalid decodes, by hand."""

from __future__ import annotations

import numpy as np

from core.bo.redraw import draw_queries


def test_draw_queries_hand_worked():
    # two batches of three 1-d points; each point's options are fixed strings
    options = {0.0: ["a", "b"], 1.0: [], 2.0: ["b", "c"], 3.0: ["d"], 4.0: ["e"], 5.0: ["f"]}
    asked = []

    def decode(points):
        asked.append(points[:, 0].tolist())
        return [[(key, f"graph-{key}") for key in options[float(p)]] for p in points[:, 0]]

    batches = iter([np.array([[0.0], [1.0], [2.0]]), np.array([[3.0], [4.0], [5.0]])])
    drawn = draw_queries(batches, decode, seen={"a"}, q=3)
    # 0 -> "a" observed, re-drawn to "b"; 1 -> invalid; 2 -> "b" taken, re-drawn to "c"; 3 -> "d"
    assert drawn.keys == ["b", "c", "d"] and drawn.graphs == ["graph-b", "graph-c", "graph-d"]
    np.testing.assert_array_equal(np.stack(drawn.points)[:, 0], [0.0, 2.0, 3.0])
    assert (drawn.redrawn_duplicate, drawn.redrawn_invalid, drawn.points_decoded) == (2, 1, 6)
    assert asked == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_draw_queries_stops_asking_once_full_and_falls_short_when_points_run_out():
    calls = []

    def batches():
        for value in (0.0, 1.0, 2.0):
            calls.append(value)
            yield np.array([[value]])

    full = draw_queries(batches(), lambda p: [[(str(p[0, 0]), None)]], set(), q=1)
    assert full.keys == ["0.0"] and calls == [0.0]
    short = draw_queries(iter([np.array([[0.0]])]), lambda p: [[("x", None)]], {"x"}, q=2)
    assert short.keys == [] and short.redrawn_duplicate == 1
