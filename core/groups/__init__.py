"""Seed groups: runs that differ only in their training seed, statistics over them, and a
verdict on each of the paper's claims.

* :mod:`.group`: :class:`SeedGroup`, read off the runs' ``config.json`` (:func:`group_runs`).
* :mod:`.stats`: mean and 95 % t interval (:func:`estimate`), B − A with Welch's or the
  paired t (:func:`compare`), the verdict at p < 0.05.
* :mod:`.measures`: the per-seed number behind each claim, read from the run's files.
* :mod:`.patterns`: operation shares of the top cells latent BO found.
* :mod:`.verdict`: the claims' table (``python -m core verdict``).
"""

from core.groups.group import SeedGroup, differences, find_runs, group_runs, settings_of
from core.groups.stats import Comparison, Estimate, compare, estimate

__all__ = ["Comparison", "Estimate", "SeedGroup", "compare", "differences", "estimate", "find_runs", "group_runs",
           "settings_of"]
