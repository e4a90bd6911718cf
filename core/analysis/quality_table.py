"""Time to quality as a table: for each run, its recipe, the wall time at which its per-epoch
greedy reconstruction first reached 90 % and 99 %, and its final ``evaluate`` metrics.

``python -m core quality RUN...`` prints it as Markdown (the README's recipe-study table);
``--targets 0.5,0.75`` picks other shares, ``--by-encoding`` adds a table that pools seeds
(mean ± std over the runs of one space, encoding and recipe)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core import runs
from core.figures.training import wall_minutes
from core.runs import RunConfig

TARGETS = (0.90, 0.99)


def first_reached(history: pd.DataFrame, target: float) -> pd.Series | None:
    """The first ``history`` row whose ``recon_greedy`` is at least ``target``, or ``None``."""
    if "recon_greedy" not in history.columns:
        return None
    hits = history[history["recon_greedy"] >= target]
    return None if hits.empty else hits.iloc[0]


PAPERS_EPS_SCALE = 0.01  # the papers' reparameterisation noise: a recipe names any other


def recipe(config: RunConfig) -> str:
    """A one-line summary of a run's model size and optimisation."""
    model, train = config.model, config.train
    parts = [f"h{model.hidden_dim} z{model.latent_dim} b{train.batch_size}", f"lr {train.lr:g} {train.schedule}"]
    if train.warmup_epochs:
        parts.append(f"warm-up {train.warmup_epochs:g}")
    if train.grad_clip:
        parts.append(f"clip {train.grad_clip:g}")
    if train.kl_warmup_epochs:
        parts.append(f"KL warm-up {train.kl_warmup_epochs:g}")
    if train.eps_scale != PAPERS_EPS_SCALE:
        parts.append(f"eps {train.eps_scale:g}")
    return ", ".join(parts)


def target_label(target: float) -> str:
    """``0.9`` -> ``"to 90 %"``, ``0.995`` -> ``"to 99.5 %"``."""
    return f"to {100 * target:g} %"


def quality_row(run_dir: Path, targets: tuple[float, ...] = TARGETS) -> dict:
    """One row of the table for a run directory."""
    config = runs.load_run_config(run_dir)
    history = runs.load_history(run_dir)
    wall = wall_minutes(history) if len(history) else None
    row = {"run": str(run_dir), "space": config.space, "encoding": config.encoding,
           "recipe": recipe(config), "epochs": int(history["epoch"].iloc[-1]) if len(history) else 0,
           "wall min": float(wall.iloc[-1]) if wall is not None else 0.0}
    for target in targets:
        hit = first_reached(history, target)
        row[target_label(target)] = None if hit is None else f"{wall.loc[hit.name]:.1f} min (ep {int(hit['epoch'])})"
    if len(history) and "recon_greedy" in history.columns:
        row["last recon_greedy %"] = 100 * float(history["recon_greedy"].iloc[-1])
        row["last valid_prior %"] = 100 * float(history["valid_prior"].iloc[-1])
    if (Path(run_dir) / runs.METRICS).exists():
        metrics = runs.load_metrics(run_dir)
        for key, label in (("recon_accuracy", "recon %"), ("validity", "valid %"), ("uniqueness", "unique %")):
            if key in metrics:
                row[label] = 100 * metrics[key]
        for key in ("rmse", "pearson"):
            if key in metrics:
                row[key] = metrics[key]
    return row


def quality_table(run_dirs: list[Path], targets: tuple[float, ...] = TARGETS) -> pd.DataFrame:
    return pd.DataFrame([quality_row(Path(run), targets) for run in run_dirs])


def _mean_std(values: list[float], digits: int = 1) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def seed_summary(run_dirs: list[Path], targets: tuple[float, ...] = TARGETS) -> pd.DataFrame:
    """Runs of one space, encoding and recipe pooled (seeds): how many reached each target,
    the epoch and wall minutes at which they did (mean ± std over those that did), and the
    mean ± std of the last five epochs' ``recon_greedy`` and ``valid_prior`` (percent) and of
    the median seconds per epoch."""
    groups: dict[tuple[str, str, str], list[pd.DataFrame]] = {}
    for run_dir in run_dirs:
        config = runs.load_run_config(run_dir)
        history = runs.load_history(run_dir)
        if len(history) and "recon_greedy" in history.columns:
            groups.setdefault((config.space, config.encoding, recipe(config)), []).append(history)
    rows = []
    for (space, encoding, run_recipe), histories in groups.items():
        row = {"space": space, "encoding": encoding, "recipe": run_recipe, "runs": len(histories)}
        walls = [wall_minutes(history) for history in histories]  # once per run, not per target
        for target in targets:
            hits = [(wall, first_reached(history, target)) for history, wall in zip(histories, walls)]
            hits = [(wall, hit) for wall, hit in hits if hit is not None]
            epochs = [int(hit["epoch"]) for _, hit in hits]
            minutes = [float(wall.loc[hit.name]) for wall, hit in hits]
            row[target_label(target)] = (f"{len(hits)}/{len(histories)}: epoch {_mean_std(epochs)}, "
                                         f"{_mean_std(minutes)} min") if hits else f"0/{len(histories)}"
        for column in ("recon_greedy", "valid_prior"):
            row[f"last 5 epochs {column} %"] = _mean_std([100 * h[column].tail(5).mean() for h in histories], 2)
        row["s/epoch"] = _mean_std([float(h["seconds"].median()) for h in histories])
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(frame: pd.DataFrame) -> str:
    """The table as Markdown: percentages to 2 decimals, GP figures to 3, blanks as a dash."""
    def cell(column: str, value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "—"
        if isinstance(value, float):
            return f"{value:.3f}" if column in ("rmse", "pearson") else f"{value:.2f}" if "%" in column else f"{value:.1f}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    return "\n".join(lines)
