"""The metrics of runs side by side as Markdown, in the layout of the papers' tables
(``python -m core table``, and what ``evaluate`` and ``demo`` print)."""

from __future__ import annotations

from pathlib import Path

from core import runs
from core.models.registry import display_name


def _percent(metrics: dict, key: str) -> str:
    """A share as a percentage with two decimals, "—" where the run has none."""
    return f"{100 * metrics[key]:.2f}" if key in metrics else "—"


def _mean_std(metrics: dict, key: str) -> str:
    """A GP figure as ``mean ± std`` over seeds, "—" where the run has none."""
    return f"{metrics[key]:.3f} ± {metrics.get(key + '_std', 0):.3f}" if key in metrics else "—"


def format_metrics_table(metrics_by_run: dict[str, dict]) -> str:
    """Markdown table, one row per run, in the layout of the papers' tables (percentages)."""
    header = "| run | space | encoding | recon % | valid % | unique % | novel % | RMSE | Pearson r |"
    lines = [header, "|" + "---|" * 9]
    for name, m in metrics_by_run.items():
        lines.append(f"| {name} | {m.get('space', '?')} | {m.get('encoding', '?')} | {_percent(m, 'recon_accuracy')} | "
                     f"{_percent(m, 'validity')} | {_percent(m, 'uniqueness')} | {_percent(m, 'novelty')} | "
                     f"{_mean_std(m, 'rmse')} | {_mean_std(m, 'pearson')} |")
    constrained = {name: m for name, m in metrics_by_run.items() if "constrained_validity" in m}
    if constrained:  # beside the papers' figures, never instead of them
        lines += ["", "Constrained decoding (`evaluate --constrained`: the space's rules masked while decoding):", "",
                  "| run | recon % | valid % | unique % | novel % |", "|" + "---|" * 5]
        for name, m in constrained.items():
            lines.append(f"| {name} | " + " | ".join(
                f"{100 * m[f'constrained_{key}']:.2f}" if f"constrained_{key}" in m else "—"
                for key in ("recon_accuracy", "validity", "uniqueness", "novelty")) + " |")
    return "\n".join(lines)


# The papers' Table 1 on enas6 (D-VAE: Zhang et al. 2019; DVAE-EMB and GCN-EMB: Chatzianastasis et
# al. 2021): model, recon %, valid %, unique %, RMSE, Pearson r. Hidden 501, latent 56, 300 epochs.
PAPER_TABLE1 = (
    ("D-VAE", 99.96, 100.0, 37.26, 0.384, 0.920),
    ("DVAE-EMB", 99.99, 100.0, 39.15, 0.371, 0.925),
    ("GCN-EMB", 98.87, 99.95, 32.63, 0.441, 0.892),
    ("S-VAE", 99.98, 100.0, 37.03, 0.478, 0.873),
    ("GraphRNN", 99.85, 99.84, 29.77, 0.726, 0.669),
)


def format_model_table(rows: list[dict], with_paper: bool = False) -> str:
    """The papers' Table 1 layout, one row per run: model, space, recipe, training wall time,
    then the metrics (``rows``: ``{"run", "model", "space", "recipe", "train_minutes",
    "metrics"}``, see :func:`model_table_row`). ``with_paper`` puts the papers' enas6 rows
    first."""
    lines = ["| run | model | space | recipe | training (min) | recon % | valid % | unique % | RMSE | Pearson r "
             "| GP seeds |", "|" + "---|" * 11]
    if with_paper:
        for model, recon, valid, unique, rmse, pearson in PAPER_TABLE1:
            lines.append(f"| paper | {model} | enas6 | hidden 501, 300 epochs | | {recon:.2f} | {valid:.2f} | "
                         f"{unique:.2f} | {rmse:.3f} | {pearson:.3f} | |")
    for row in rows:
        m = row["metrics"]
        minutes = "—" if row.get("train_minutes") is None else f"{row['train_minutes']:.1f}"
        seeds = len(m["rmse_per_seed"]) if isinstance(m.get("rmse_per_seed"), list) else "—"
        lines.append(f"| {row['run']} | {row['model']} | {row['space']} | {row['recipe']} | {minutes} | "
                     f"{_percent(m, 'recon_accuracy')} | {_percent(m, 'validity')} | {_percent(m, 'uniqueness')} | "
                     f"{_mean_std(m, 'rmse')} | {_mean_std(m, 'pearson')} | {seeds} |")
    return "\n".join(lines)


def model_table_row(run_dir: Path, metrics: dict | None = None) -> dict:
    """One row of :func:`format_model_table`: the run's model by its papers' name, its recipe
    (preset, epochs, training split; an evaluation lighter than the papers' 10 encodes x 10
    decodes per test graph is named) and training wall time (``history.csv``'s last
    ``wall_seconds``, where the run recorded it). ``metrics``: its ``metrics.json``, when
    already read."""
    config = runs.load_run_config(run_dir)
    history = runs.load_history(run_dir) if (Path(run_dir) / runs.HISTORY).exists() else None
    epochs = 0 if history is None else len(history)
    wall = None
    if history is not None and "wall_seconds" in history and epochs:
        wall = float(history["wall_seconds"].iloc[-1]) / 60
    split = "" if config.train.split == "train" else f", split {config.train.split}"
    metrics = runs.load_metrics(run_dir) if metrics is None else metrics
    protocol = metrics.get("eval_config") if isinstance(metrics.get("eval_config"), dict) else {}
    times = (protocol.get("encode_times", 10), protocol.get("decode_times", 10))
    lighter = "" if times == (10, 10) else f"; recon over {times[0]} x {times[1]} decodes"
    return {"run": str(run_dir), "model": display_name(config.model), "space": config.space,
            "recipe": f"{config.preset or 'flags'}, {epochs} epochs{split}{lighter}", "train_minutes": wall,
            "metrics": metrics}
