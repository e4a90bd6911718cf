"""Seeds derived from integers, so a resumed search draws what the uninterrupted one drew."""

from __future__ import annotations

import numpy as np


def derived_seed(*parts: int) -> int:
    """A 32-bit seed from integers (e.g. ``(seed, round)``), stable across runs and machines."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])
