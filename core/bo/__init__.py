"""Bayesian optimisation in a D-VAE latent space, and the baselines it is compared with.

One concept per module:

* :mod:`.config`: ``BOConfig``, the experiment's settings.
* :mod:`.problem`: ``BOProblem`` (space, table, latents, oracle, decoder) and ``load_problem``.
* :mod:`.oracle`: scoring a key (bench / dataset lookup, or a user ``module:function``).
* :mod:`.decoding`: latent points to architectures, ranked by votes over stochastic decodes.
* :mod:`.posterior_models`, :mod:`.acquisition`: believer batches of LogEI on the sparse GP
  (the paper protocol's).
* :mod:`.mutation`: one-step neighbours of a graph; :mod:`.neighbourhood`: the canonical
  neighbourhood of a table's cells (a function of the key).
* :mod:`.methods`: ``dvae``, ``dvae-local`` (the GP over the best cells' neighbourhood, on
  the latents or on :mod:`.features`), ``random-prior``, ``random-search``, ``evolution``.
* :mod:`.history`, :mod:`.loop`: queries so far; the resumable round loop.
* :mod:`.protocols`: what is labelled at the start (``few-label``, ``paper``).
* :mod:`.exact_gp`, :mod:`.batch`: the few-label surrogate and its diverse batches.
* :mod:`.regions`, :mod:`.redraw`: where decode mode looks; re-drawing observed decodes.
* :mod:`.summary`: curves and the summary table; :mod:`.race`: the per-budget race and
  regret; :mod:`.conditional`: evolution's expectation from each seed's start, the race's
  reference; :mod:`.cli`: the commands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.bo.config import METHODS, MODES, BOConfig
    from core.bo.loop import result_path, run_search
    from core.bo.problem import BOProblem, load_problem
    from core.bo.race import BUDGETS, race_frame, race_markdown, regret_curves
    from core.bo.summary import best_so_far_curves, summarise_bo, summary_markdown

# each name's module, imported on first use: ``core.bo.cli`` and ``core.bo.summary`` stay free
# of torch until a search runs
_MODULES = {
    "METHODS": "config", "MODES": "config", "BOConfig": "config",
    "result_path": "loop", "run_search": "loop",
    "BOProblem": "problem", "load_problem": "problem",
    "BUDGETS": "race", "race_frame": "race", "race_markdown": "race", "regret_curves": "race",
    "best_so_far_curves": "summary", "summarise_bo": "summary", "summary_markdown": "summary",
}

__all__ = [
    "BUDGETS",
    "METHODS",
    "MODES",
    "BOConfig",
    "BOProblem",
    "best_so_far_curves",
    "load_problem",
    "race_frame",
    "race_markdown",
    "regret_curves",
    "result_path",
    "run_search",
    "summarise_bo",
    "summary_markdown",
]


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
