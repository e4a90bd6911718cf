"""Whether a step's outputs already exist and are complete, so a sweep run again skips it.

A step counts as complete when:

* ``train``: ``model.pt`` and ``latents.parquet`` exist (``latents.parquet`` is the last file
  a training writes) and no half-written file (``.NAME.*.tmp``) is left in the run;
* ``evaluate``: ``metrics.json`` reads and holds every requested part, computed with the
  requested settings;
* ``project``: the cached projection for these settings exists and is newer than the latents;
* ``smoothness``: ``smoothness.json`` reads;
* ``bo``: for every method and seed, ``bo/<method>-seed<S>.json`` reads and holds the
  requested rounds.

Any unreadable file counts as incomplete: the command then runs and reports it properly.
"""

from __future__ import annotations

from pathlib import Path

from core import runs
from core.errors import OpEmbedError
from core.sweep.plan import Step

# the key each part of `evaluate` writes into metrics.json (as core.analysis.evaluate records them)
EVALUATE_PART_KEYS = {"recon": "recon_accuracy", "prior": "validity", "gp": "rmse",
                      "constrained": "constrained_validity"}


def is_complete(step: Step, out: Path) -> bool:
    """Whether ``step``'s outputs in its run directory under ``out`` are complete."""
    run = step.run_dir(out)
    if not run.is_dir():
        return False
    try:
        return CHECKS[step.kind](run, step.options)
    except (OpEmbedError, OSError, ValueError, KeyError):
        return False


def train_complete(run: Path, options: dict) -> bool:
    if any(run.glob(f".*{runs.TEMP_SUFFIX}")):
        return False  # a write was cut short: --resume finishes it
    return (run / runs.MODEL).is_file() and (run / runs.LATENTS).is_file()


def evaluate_complete(run: Path, options: dict) -> bool:
    if not (run / runs.METRICS).is_file():
        return False
    metrics = runs.load_metrics(run)
    parts = [p.strip() for p in str(options["parts"]).split(",") if p.strip()]
    if options.get("constrained"):
        parts.append("constrained")
    if not all(EVALUATE_PART_KEYS.get(part) in metrics for part in parts):
        return False
    saved = metrics.get("eval_config", {})  # the settings shared by flag and config have the same names
    return all(saved[name] == value for name, value in options.items() if name in saved and value is not None)


def project_complete(run: Path, options: dict) -> bool:
    from core.analysis.projection import projection_path

    params = {name: options[name] for name in ("n_neighbors", "min_dist", "metric", "seed") if name in options}
    path = projection_path(run, options["method"], params)
    latents = run / runs.LATENTS
    return path.is_file() and latents.is_file() and path.stat().st_mtime >= latents.stat().st_mtime


def smoothness_complete(run: Path, options: dict) -> bool:
    if not (run / runs.SMOOTHNESS).is_file():
        return False
    runs.load_smoothness(run)
    return True


def bo_complete(run: Path, options: dict) -> bool:
    from core.bo.config import methods_of
    from core.bo.loop import result_path

    methods = methods_of(options["method"], options.get("mode"))  # "all": dvae-local in pool mode only
    for method in methods:
        for seed in range(int(options["seeds"])):
            path = result_path(run, method, seed)
            if not path.is_file() or len(runs.load_bo_result(path)["rounds"]) < int(options["rounds"]):
                return False
    return True


CHECKS = {"train": train_complete, "evaluate": evaluate_complete, "project": project_complete,
          "smoothness": smoothness_complete, "bo": bo_complete}
