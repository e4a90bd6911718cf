"""What found cells share: shares, means and the Monte-Carlo p values on a planted space."""

import numpy as np
import pandas as pd
import pytest

from core.bo.shared_patterns import compare_sets, operation_names


def planted_props(cells: int = 400, seed: int = 0) -> pd.DataFrame:
    """Cells with 4 operation nodes of 3 kinds; the best 20 are all ``conv`` with many edges."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(4, [1 / 3] * 3, size=cells)
    edges = rng.integers(3, 8, size=cells).astype(float)
    y = rng.random(cells) * 0.5
    counts[:20] = [4, 0, 0]
    edges[:20] = 9.0
    y[:20] = 0.9 + rng.random(20) * 0.05
    return pd.DataFrame({"key": [f"k{i}" for i in range(cells)], "y": y, "y_test": y,
                         "count_conv": counts[:, 0], "count_pool": counts[:, 1], "count_skip": counts[:, 2],
                         "num_edges": edges})


def test_a_set_like_the_top_differs_from_the_space_and_not_from_the_top():
    props = planted_props()
    found = [f"k{i}" for i in range(5, 15)]  # ten of the planted top cells
    result = compare_sets(found, props, k=10, draws=500)
    tests = result.tests.set_index("measure")
    shares = result.operations.set_index("operation")
    assert shares.loc["conv", "found"] == 1.0 and shares["space"].sum() == pytest.approx(1.0)
    assert tests.loc["operation shares (TV distance)", "p (found vs space)"] < 0.01
    assert tests.loc["operation shares (TV distance)", "found vs space top"] == pytest.approx(0.0)
    assert tests.loc["operation shares (TV distance)", "p (found vs space top)"] == 1.0
    assert tests.loc["num_edges", "p (found vs space)"] < 0.01
    assert result.properties.set_index("property").loc["num_edges", "found"] == 9.0


def test_random_cells_are_not_called_different():
    props = planted_props()
    found = [f"k{i}" for i in np.random.default_rng(3).choice(np.arange(20, 400), 10, replace=False)]
    tests = compare_sets(found, props, k=10, draws=500).tests.set_index("measure")
    assert tests.loc["operation shares (TV distance)", "p (found vs space)"] > 0.05
    assert tests.loc["operation shares (TV distance)", "p (found vs space top)"] < 0.05


def test_operation_names_and_an_empty_set():
    props = planted_props(40)
    assert operation_names(props) == ["conv", "pool", "skip"]
    with pytest.raises(ValueError):
        compare_sets([], props)
