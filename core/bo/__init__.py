"""Bayesian optimisation in a D-VAE latent space, and the baselines it is compared with.

One concept per module:

* :mod:`.config`: ``BOConfig``, the experiment's settings.
* :mod:`.problem`: ``BOProblem`` (space, table, latents, oracle, decoder) and ``load_problem``.
* :mod:`.oracle`: scoring a key (bench / dataset lookup, or a user ``module:function``).
* :mod:`.decoding`: latent points to architectures by a majority vote over stochastic decodes.
* :mod:`.posterior_models`, :mod:`.acquisition`: believer batches of LogEI on the sparse GP.
* :mod:`.mutation`: one-step neighbours of a graph.
* :mod:`.methods`: ``dvae``, ``random-prior``, ``random-search``, ``evolution``.
* :mod:`.history`, :mod:`.loop`: queries so far; the resumable round loop.
* :mod:`.summary`: curves and the summary table; :mod:`.cli`: the commands.
"""

from .config import METHODS, MODES, BOConfig
from .loop import result_path, run_search
from .problem import BOProblem, load_problem
from .summary import best_so_far_curves, summarise_bo, summary_markdown

__all__ = [
    "METHODS",
    "MODES",
    "BOConfig",
    "BOProblem",
    "best_so_far_curves",
    "load_problem",
    "result_path",
    "run_search",
    "summarise_bo",
    "summary_markdown",
]
