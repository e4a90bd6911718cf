"""Seed groups in the command line's tables: ``table --groups``, ``quality --groups`` and
``bo-summary --groups`` print one row per group (and method and budget) with the mean over
its model seeds, the half-width of the 95 % Student-t interval, and n.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core import runs
from core.groups.group import SeedGroup
from core.groups.measures import _to_target, bo_regret
from core.groups.stats import estimate

INTERVAL_NOTE = "mean ± half-width of the 95 % Student-t interval over model seeds (n seeds)"


def _cell(values: Sequence[float | None], scale: float = 1.0, digits: int = 3) -> str:
    return estimate([None if v is None else v * scale for v in values]).text(digits)


def _metric(run: Path, key: str) -> float | None:
    if not (run / runs.METRICS).exists():
        return None
    value = runs.load_metrics(run).get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def group_metrics_markdown(groups: Sequence[SeedGroup]) -> str:
    """``table --groups``: the papers' metrics per group."""
    columns = (("recon_accuracy", "recon %", 100, 2), ("validity", "valid %", 100, 2),
               ("uniqueness", "unique %", 100, 2), ("rmse", "RMSE", 1, 3), ("pearson", "Pearson r", 1, 3))
    lines = ["| group | seeds | " + " | ".join(c[1] for c in columns) + " |", "|" + "---|" * (len(columns) + 2)]
    for group in groups:
        cells = [_cell([_metric(run, key) for run in group.runs], scale, digits) for key, _, scale, digits in columns]
        lines.append(f"| {group.name} | {', '.join(map(str, group.seeds))} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", f"Each cell: {INTERVAL_NOTE}; seeds without metrics.json are left out."])


def group_quality_markdown(groups: Sequence[SeedGroup]) -> str:
    """``quality --groups``: epochs and wall minutes to 99 % greedy reconstruction, and the
    last epoch's greedy reconstruction and prior validity, per group."""
    lines = ["| group | seeds | reached 99 % | epochs to 99 % | minutes to 99 % | last recon_greedy % | "
             "last valid_prior % |", "|" + "---|" * 7]
    for group in groups:
        epochs = [_to_target(run, "epoch") for run in group.runs]
        minutes = [_to_target(run, "minutes") for run in group.runs]
        last = [runs.load_history(run) if (run / runs.HISTORY).exists() else None for run in group.runs]
        recon = [float(h["recon_greedy"].iloc[-1]) if h is not None and len(h) and "recon_greedy" in h else None
                 for h in last]
        valid = [float(h["valid_prior"].iloc[-1]) if h is not None and len(h) and "valid_prior" in h else None
                 for h in last]
        reached = sum(e is not None for e in epochs)
        lines.append(f"| {group.name} | {', '.join(map(str, group.seeds))} | {reached} of {group.n} | "
                     f"{_cell(epochs, digits=1)} | {_cell(minutes, digits=1)} | {_cell(recon, 100, 2)} | "
                     f"{_cell(valid, 100, 2)} |")
    return "\n".join(lines + ["", f"Each cell: {INTERVAL_NOTE}; a seed that never reached 99 % is left out of the "
                                  "epochs and minutes (counted in 'reached')."])


def group_bo_markdown(groups: Sequence[SeedGroup], budgets: Sequence[int], method: str = "dvae") -> str:
    """``bo-summary --groups``: per group and budget, the regret of ``method`` averaged over
    each model seed's BO seeds, then over the model seeds."""
    lines = [f"| group | model seeds | " + " | ".join(f"regret after {b}" for b in budgets) + " |",
             "|" + "---|" * (len(budgets) + 2)]
    for group in groups:
        cells = [_cell([bo_regret(run, budget, method) for run in group.runs], digits=4) for budget in budgets]
        lines.append(f"| {group.name} | {', '.join(map(str, group.seeds))} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", f"`{method}` only. Each cell: the mean over a model seed's BO seeds, then "
                                  f"{INTERVAL_NOTE}."])
