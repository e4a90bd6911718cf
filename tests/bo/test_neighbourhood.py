"""The canonical neighbourhood: a function of the key, in a fixed order, breadth first."""

from __future__ import annotations

from core.bo.neighbourhood import Neighbourhood
from core.spaces import get_space

from .planted import planted_problem


def hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a.split("-"), b.split("-")))


def test_planted_neighbours_are_the_one_op_changes_sorted():
    problem = planted_problem("pool")
    hood = Neighbourhood(problem.space, problem.table)
    found = hood.of("0-1-2-3")
    assert list(found) == sorted(found) and len(found) == 4 * 3
    assert all(hamming(key, "0-1-2-3") == 1 for key in found)
    assert hood.of("not-a-key") == ()


def test_the_ball_is_breadth_first_best_parent_first():
    problem = planted_problem("pool")
    hood = Neighbourhood(problem.space, problem.table)
    parents = ["0-0-0-0", "3-3-3-3"]
    ball = hood.ball(parents, depth=2)
    expected = {k for k in problem.table.keys if min(hamming(k, p) for p in parents) in (1, 2)}
    assert set(ball) == expected and len(ball) == len(expected) == 126  # 2 x (12 + 54), less 6 cells 2 from both
    steps = [min(hamming(k, p) for p in parents) for k in ball]
    assert steps == sorted(steps)  # every one-step cell before any two-step one
    assert ball[:12] == list(hood.of("0-0-0-0")) and ball[12:24] == list(hood.of("3-3-3-3"))
    assert hood.ball(parents, depth=2, limit=30) == ball[:30]
    excluded = set(ball[:5])
    assert hood.ball(parents, depth=2, exclude=excluded) == ball[5:]  # paths may still pass through them
    assert hood.ball(parents, depth=1) == ball[:24]


def test_nbg_neighbours_depend_on_the_key_alone():
    """Whichever parent reaches a cell, and in whatever order cells are visited, its
    neighbours are the same keys in the same order (a fresh cache agrees)."""
    space = get_space("nbg-cora")
    table = space.load()
    first = Neighbourhood(space, table)
    child = first.of(table.keys[0])[3]
    other_parent = next(key for key in first.of(child) if key != table.keys[0])
    second = Neighbourhood(space, table)
    second.of(other_parent)
    assert child in second.of(other_parent)
    assert second.of(child) == first.of(child) and list(first.of(child)) == sorted(first.of(child))
    rows = table.first_rows()
    assert all(key in rows for key in first.of(child))
    # two orders of visiting give the same ball
    parents = [table.keys[0], table.keys[10]]
    assert Neighbourhood(space, table).ball(parents, 2, limit=400) == first.ball(parents, 2, limit=400)
    ball = first.ball(parents, 2)
    assert len(set(ball)) == len(ball) and set(ball) >= set(first.of(parents[0])) | set(first.of(parents[1]))
