"""``python -m core bench --gpu-check``: the check to run when a GPU is lent (docs/gpu-check.md).

Three stages, each a module here, one JSON record of them all (:mod:`core.bench.gpu_check.run`):

1. :mod:`core.bench.gpu_check.parity`: every registered model and encoding on the device against
   the CPU, from the same weights: the loss, every parameter's gradient, greedy decodes.
2. :mod:`core.bench.gpu_check.training`: one timed epoch of the ``paper`` preset, then a ``fast``
   model trained until its greedy reconstruction reaches 99 % (capped by time).
3. :mod:`core.bench.gpu_check.settings`: the tolerances and sizes (free of torch, for ``--help``).

``--dry-run`` runs every stage at tiny sizes, so a CPU-only CI tests the whole script.
"""
