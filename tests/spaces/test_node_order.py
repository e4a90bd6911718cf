"""The canonical node order: a function of the cell alone, the same cell (key, validity), and
a greedy ceiling of at least 99 % on nbg-cora's test split."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.recon_bound import collisions, recon_bound
from core.spaces import get_space
from core.spaces.node_order import apply_node_order, canonical_arrays, reorder, topological_orders


@pytest.fixture(scope="module")
def cora_test():
    space = get_space("nbg-cora")
    table = space.load(None)
    return space, table.subset(table.indices("test"))


@pytest.fixture(scope="module")
def canonical_test(cora_test):
    space, table = cora_test
    return apply_node_order(table, "canonical", space.max_nodes)


def test_the_canonical_ceiling_on_the_test_split_is_at_least_99_percent(cora_test, canonical_test):
    space, table = cora_test
    assert recon_bound(canonical_test, space.max_nodes).bound >= 0.99
    assert recon_bound(table, space.max_nodes).bound < 0.9  # the stored order's 88 %


def test_early_end_risk_caps_both_orders_near_84_percent(cora_test, canonical_test):
    """Counting every early-END risk as a failure (the papers' loss trains END at the last
    operation's state): no node order gets past it for about 16 % of the test cells."""
    space, table = cora_test
    stored, canonical = recon_bound(table, space.max_nodes), recon_bound(canonical_test, space.max_nodes)
    assert stored.strict_bound < canonical.strict_bound < 0.85
    assert canonical.strict_bound <= canonical.bound - canonical.end_collisions + 0.01


def test_cells_keys_labels_and_split_stay_the_same(cora_test, canonical_test):
    space, table = cora_test
    assert canonical_test.keys == table.keys
    assert np.array_equal(canonical_test.y, table.y) and np.array_equal(canonical_test.split, table.split)
    for row in range(0, len(table), 7):
        ops, adjacency, n = canonical_test.op_ids[row], canonical_test.adjacency[row], canonical_test.num_nodes[row]
        assert space.is_valid(ops, adjacency, n)
        assert space.key(ops, adjacency, n) == table.keys[row]  # the isomorphism-invariant hash


def test_the_order_depends_on_the_cell_not_on_how_it_is_stored(cora_test):
    space, table = cora_test
    rng = np.random.default_rng(0)
    for row in rng.choice(len(table), 40, replace=False):
        ops, adjacency, n = table.op_ids[row], table.adjacency[row], int(table.num_nodes[row])
        expected = canonical_arrays(ops, adjacency, n, space.max_nodes)
        for order in topological_orders(adjacency, n):  # every other way to store the cell
            shuffled = reorder(ops, adjacency, n, order)
            found = canonical_arrays(*shuffled, n, space.max_nodes)
            assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1])


def test_a_cell_with_a_collision_free_order_gets_one(cora_test, canonical_test):
    space, table = cora_test
    for row in range(0, len(table), 3):
        ops, adjacency, n = table.op_ids[row], table.adjacency[row], int(table.num_nodes[row])
        free = [o for o in topological_orders(adjacency, n)
                if not (lambda c: c.types or c.edges)(collisions(*reorder(ops, adjacency, n, o), n, space.max_nodes))]
        chosen = collisions(canonical_test.op_ids[row], canonical_test.adjacency[row], n, space.max_nodes)
        assert bool(free) == (not (chosen.types or chosen.edges))


def test_stored_is_the_table_itself_and_an_unknown_order_is_refused(cora_test):
    space, table = cora_test
    assert apply_node_order(table, "stored", space.max_nodes) is table
    with pytest.raises(ValueError, match="unknown node order"):
        apply_node_order(table, "sorted", space.max_nodes)


def test_enas_keeps_its_order():
    space = get_space("enas6")
    # a 6-layer chain with skips: its only topological order is the stored one
    ops = np.array([0, 2, 3, 4, 5, 6, 7, 1])
    adjacency = np.zeros((8, 8), dtype=np.uint8)
    for v in range(1, 8):
        adjacency[v - 1, v] = 1
    adjacency[1, 4] = adjacency[0, 6] = 1
    assert topological_orders(adjacency, 8) == [tuple(range(8))]
    found = canonical_arrays(ops, adjacency, 8, space.max_nodes)
    assert np.array_equal(found[0], ops) and np.array_equal(found[1], adjacency)
