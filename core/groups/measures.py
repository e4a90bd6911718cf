"""The per-seed measures behind each of the paper's claims, read from a run's own files.

Every measure is one number per run (model seed), or ``None`` where the run lacks the file
that holds it (the verdict names such a seed and leaves it out; it never counts as zero).

========================  ==============================================  =========  ===================
claim                     measure                                         better     file
========================  ==============================================  =========  ===================
faster convergence        epochs to 99 % greedy reconstruction            lower      history.csv
faster convergence        wall minutes to 99 % greedy reconstruction      lower      history.csv
smoother                  Spearman of latent vs edit distance             higher     smoothness.json
smoother                  Spearman of latent distance vs accuracy gap     higher     smoothness.json
smoother                  k-NN accuracy spread / random pairs' spread     lower      smoothness.json
smoother                  k-NN edit distance / random pairs' distance     lower      smoothness.json
more accurate             GP RMSE (mean over GP seeds)                    lower      metrics.json
more accurate             GP Pearson r                                    higher     metrics.json
better end task           latent-BO regret after 100 / 200 queries        lower      bo/dvae-seed*.json
reference                 reconstruction, validity, uniqueness            higher     metrics.json
========================  ==============================================  =========  ===================

A run that never reached 99 % greedy reconstruction has no convergence figure (censored):
the verdict lists it as missing rather than inventing an epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import runs
from core.errors import OpEmbedError
from core.groups.stats import Better

CONVERGENCE_TARGET = 0.99
BO_BUDGETS = (100, 200)
LATENT_BO_METHOD = "dvae"


@dataclass(frozen=True)
class Measure:
    """One row of the verdict: a per-run number and the direction the claim expects."""

    key: str
    claim: str
    label: str
    better: Better
    source: str  # the run file it is read from (named when it is missing)
    read: Callable[[Path], float | None]
    digits: int = 3


def _history(run_dir: Path):
    return runs.load_history(run_dir) if (run_dir / runs.HISTORY).exists() else None


def _to_target(run_dir: Path, column: str) -> float | None:
    """``epoch`` or wall minutes at the first epoch with ``recon_greedy`` ≥ 99 %."""
    history = _history(run_dir)
    if history is None or "recon_greedy" not in history.columns or not len(history):
        return None
    hits = history[history["recon_greedy"] >= CONVERGENCE_TARGET]
    if hits.empty:
        return None
    first = hits.index[0]
    if column == "epoch":
        return float(history.loc[first, "epoch"])
    seconds = history["wall_seconds"] if "wall_seconds" in history.columns else history["seconds"].cumsum()
    return float(seconds.loc[first]) / 60


def _json_number(run_dir: Path, name: str, key: str, divide_by: str | None = None) -> float | None:
    if not (run_dir / name).exists():
        return None
    data = runs.load_smoothness(run_dir) if name == runs.SMOOTHNESS else runs.load_metrics(run_dir)
    value = data.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None
    if divide_by is not None:
        base = data.get(divide_by)
        if not isinstance(base, (int, float)) or not base:
            return None
        return float(value) / float(base)
    return float(value)


def bo_regret(run_dir: Path, budget: int, method: str = LATENT_BO_METHOD) -> float | None:
    """The mean over the run's BO seeds of ``method`` of the regret (space best − best found)
    after ``budget`` new queries; ``None`` without such searches."""
    from core.bo.race import at_budget
    from core.bo.summary import load_results

    if not (run_dir / runs.BO_DIR).is_dir():
        return None
    try:
        results = [r for r in load_results(run_dir) if r["method"] == method]
    except OpEmbedError:
        return None
    regrets = []
    for result in results:
        found = at_budget(result, budget)
        space_best = result.get("problem", {}).get("space_best")
        if found is not None and found[0] is not None and space_best is not None:
            regrets.append(space_best - found[0])
    return sum(regrets) / len(regrets) if regrets else None


MEASURES: tuple[Measure, ...] = (
    Measure("epochs_to_99", "faster convergence", "epochs to 99 % greedy reconstruction", "lower", runs.HISTORY,
            lambda r: _to_target(r, "epoch"), 1),
    Measure("minutes_to_99", "faster convergence", "wall minutes to 99 % greedy reconstruction", "lower",
            runs.HISTORY, lambda r: _to_target(r, "minutes"), 1),
    Measure("spearman_edit", "smoother", "Spearman: latent vs edit distance", "higher", runs.SMOOTHNESS,
            lambda r: _json_number(r, runs.SMOOTHNESS, "spearman_edit")),
    Measure("spearman_y", "smoother", "Spearman: latent distance vs accuracy gap", "higher", runs.SMOOTHNESS,
            lambda r: _json_number(r, runs.SMOOTHNESS, "spearman_y")),
    Measure("knn_spread_ratio", "smoother", "k-NN accuracy spread / random pairs'", "lower", runs.SMOOTHNESS,
            lambda r: _json_number(r, runs.SMOOTHNESS, "knn_accuracy_spread", "random_accuracy_spread")),
    Measure("knn_edit_ratio", "smoother", "k-NN edit distance / random pairs'", "lower", runs.SMOOTHNESS,
            lambda r: _json_number(r, runs.SMOOTHNESS, "knn_edit_distance", "random_edit_distance")),
    Measure("rmse", "more accurate", "GP RMSE", "lower", runs.METRICS,
            lambda r: _json_number(r, runs.METRICS, "rmse")),
    Measure("pearson", "more accurate", "GP Pearson r", "higher", runs.METRICS,
            lambda r: _json_number(r, runs.METRICS, "pearson")),
    *(Measure(f"bo_regret_{budget}", "better end task", f"latent-BO regret after {budget} queries", "lower",
              f"{runs.BO_DIR}/{LATENT_BO_METHOD}-seed*.json", lambda r, b=budget: bo_regret(r, b), 4)
      for budget in BO_BUDGETS),
    Measure("recon_accuracy", "reference", "reconstruction (protocol)", "higher", runs.METRICS,
            lambda r: _json_number(r, runs.METRICS, "recon_accuracy"), 4),
    Measure("validity", "reference", "prior validity", "higher", runs.METRICS,
            lambda r: _json_number(r, runs.METRICS, "validity"), 4),
    Measure("uniqueness", "reference", "uniqueness of valid prior decodes", "higher", runs.METRICS,
            lambda r: _json_number(r, runs.METRICS, "uniqueness"), 4),
)
