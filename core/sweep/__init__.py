"""``python -m core sweep SWEEP.toml``: a grid of runs (spaces x encodings x presets x train
flags x seeds), each cell trained, evaluated, projected, analysed and searched by the
existing commands, every step a Ray task.

Modules, one concept each:

* :mod:`.spec`: the sweep file (TOML) as a typed :class:`~core.sweep.spec.SweepSpec`.
* :mod:`.plan`: the cells of the grid, their names, and the steps of each cell with the
  steps they wait for (:class:`~core.sweep.plan.Cell`, :class:`~core.sweep.plan.Step`).
* :mod:`.completion`: whether a step's outputs already exist and are complete (skipped).
* :mod:`.records`: what each finished or failed step left in ``OUT/.sweep/`` (wall time, log).
* :mod:`.step_process`: the child process that runs one step (threads, then the CLI), or
  reads the steps' commands with the command line's own parsers.
* :mod:`.child`: how that child is started (command, ``PYTHONPATH``); the sweep never
  imports ``core.__main__``, which imports it.
* :mod:`.execute`: Ray: start (on 127.0.0.1 only) or join a cluster, run the steps in
  dependency order, retry once.
* :mod:`.watchdog`: ends the Ray a sweep started when its driver dies (even by SIGKILL).
* :mod:`.progress`: one bar per step kind and the cells done, running and failed.
* :mod:`.summary`: ``summary.csv`` and ``summary.md`` at the end.
* :mod:`.cli`: the ``sweep`` command's flags and entry point.

Importing this package does not import Ray or torch.
"""
