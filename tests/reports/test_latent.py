"""core.reports.latent: nearest latent neighbours."""

import pandas as pd
import pytest

from core.errors import OpEmbedError
from core.reports.latent import nearest_neighbours


def test_nearest_neighbours():
    frame = pd.DataFrame({"key": ["a", "b", "c", "d"], "y": [1.0, 2.0, 3.0, 4.0],
                          "mu_0": [0.0, 1.0, 3.0, 10.0], "mu_1": [0.0, 0.0, 0.0, 0.0]})
    result = nearest_neighbours(frame, "b", k=2)
    assert result["key"].tolist() == ["a", "c"]
    assert result["distance"].tolist() == [1.0, 2.0]
    assert result["rank"].tolist() == [1, 2] and result["y"].tolist() == [1.0, 3.0]
    with pytest.raises(OpEmbedError):
        nearest_neighbours(frame, "zzz")
