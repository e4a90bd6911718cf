"""The metrics of runs side by side as Markdown, in the layout of the papers' tables
(``python -m core table``, and what ``evaluate`` and ``demo`` print)."""

from __future__ import annotations


def format_metrics_table(metrics_by_run: dict[str, dict]) -> str:
    """Markdown table, one row per run, in the layout of the papers' tables (percentages)."""
    header = "| run | space | encoding | recon % | valid % | unique % | novel % | RMSE | Pearson r |"
    lines = [header, "|" + "---|" * 9]
    for name, m in metrics_by_run.items():
        def pct(key):
            return f"{100 * m[key]:.2f}" if key in m else "—"

        def pm(key):
            return f"{m[key]:.3f} ± {m.get(key + '_std', 0):.3f}" if key in m else "—"

        lines.append(f"| {name} | {m.get('space', '?')} | {m.get('encoding', '?')} | {pct('recon_accuracy')} | "
                     f"{pct('validity')} | {pct('uniqueness')} | {pct('novelty')} | {pm('rmse')} | {pm('pearson')} |")
    constrained = {name: m for name, m in metrics_by_run.items() if "constrained_validity" in m}
    if constrained:  # beside the papers' figures, never instead of them
        lines += ["", "Constrained decoding (`evaluate --constrained`: the space's rules masked while decoding):", "",
                  "| run | recon % | valid % | unique % | novel % |", "|" + "---|" * 5]
        for name, m in constrained.items():
            lines.append(f"| {name} | " + " | ".join(
                f"{100 * m[f'constrained_{key}']:.2f}" if f"constrained_{key}" in m else "—"
                for key in ("recon_accuracy", "validity", "uniqueness", "novelty")) + " |")
    return "\n".join(lines)
