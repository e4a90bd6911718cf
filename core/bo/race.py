"""The race: every method against regularised evolution, per query budget.

For each run, method and budget (50, 100, 200, 500 queries), over the seeds that reached
the budget:

* the best value found within the budget, mean ± standard error;
* its regret to the best of the space (``problem.space_best`` of the result file);
* its rank in the space, ties by value at :data:`core.bo.oracle.RANK_TOLERANCE`;
* the share of seeds that found a top-10 and a top-100 cell;
* a paired Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided) of the best found
  against evolution's, with the mean paired difference and its standard error. The pair of
  a seed is, where the run has them (:mod:`core.bo.conditional`), the mean of the
  evolution searches from that seed's own start cells: evolution's conditional expectation
  given the start (``reference`` = ``conditional``; a seed whose start has none is left
  unpaired). Otherwise it is the one evolution search of the same seed (``seed``).

Only ``new`` queries count: never the start's labels, never a duplicate.

Example:
    >>> print(race_wide_markdown(compact_race(race_frame([Path("runs/nbg-cora-learned")]))))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from core.bo.conditional import load_conditional, start_key
from core.bo.summary import load_results

BUDGETS = (50, 100, 200, 500)  # queries after which the race is reported
REFERENCE = "evolution"  # the method every other is tested against
SHARED_METHODS = ("random-search", "evolution")  # never read a run's model: the same search in every run


def new_queries(result: dict) -> list[tuple[float | None, int | None]]:
    """``(value, rank)`` of each query in order; ``(None, None)`` unless its status is ``new``."""
    found = []
    for record in result["rounds"]:
        ranks = record.get("ranks") or [None] * len(record["values"])
        for value, rank, status in zip(record["values"], ranks, record["status"]):
            found.append((value, rank) if status == "new" else (None, None))
    return found


def at_budget(result: dict, budget: int) -> tuple[float | None, int | None] | None:
    """The best value and best rank among the first ``budget`` queries; ``None`` when the
    search has made fewer queries, unless it asked for the budget and is complete (its pool
    ran out: it found what it could)."""
    queries = new_queries(result)
    requested = result.get("rounds_requested", len(result["rounds"])) * result.get("config", {}).get("batch_size", 0)
    if len(queries) < budget and (not result.get("complete") or requested < budget):
        return None
    values = [v for v, _ in queries[:budget] if v is not None]
    ranks = [r for _, r in queries[:budget] if r is not None]
    return (max(values) if values else None), (min(ranks) if ranks else None)


def _mean_se(values: list[float]) -> tuple[float, float]:
    array = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if len(array) == 0:
        return float("nan"), float("nan")
    se = float(array.std(ddof=1) / np.sqrt(len(array))) if len(array) > 1 else float("nan")
    return float(array.mean()), se


def paired_wilcoxon(best: dict[int, float | None], reference: dict[int, float | None]) -> tuple[float, float, int]:
    """Mean paired difference, two-sided Wilcoxon p, and the number of pairs (seeds in both
    with a value). ``p`` is 1 when every difference is zero and NaN with fewer than 2 pairs."""
    seeds = sorted(s for s in best if best[s] is not None and reference.get(s) is not None)
    if not seeds:
        return float("nan"), float("nan"), 0
    differences = np.array([best[s] - reference[s] for s in seeds], dtype=np.float64)
    if len(seeds) < 2:
        return float(differences.mean()), float("nan"), len(seeds)
    if np.all(np.abs(differences) < 1e-12):
        return 0.0, 1.0, len(seeds)
    return float(differences.mean()), float(wilcoxon(differences).pvalue), len(seeds)


def conditional_means(group: list[dict], conditional: dict, budget: int) -> dict[int, tuple[float, int]]:
    """Seed -> (mean best within ``budget``, searches averaged) of the conditional evolution
    searches (``conditional``: :func:`core.bo.conditional.load_conditional`) from each
    search's start; seeds whose start has no search that reached the budget are left out."""
    means = {}
    for result in group:
        found = [at[0] for r in conditional.get(start_key(result), []) if (at := at_budget(r, budget)) is not None
                 and at[0] is not None]
        if found:
            means[result["seed"]] = (float(np.mean(found)), len(found))
    return means


def race_frame(run_dirs: list[Path], budgets: tuple[int, ...] = BUDGETS) -> pd.DataFrame:
    """One row per run, method and budget (columns in the module docstring).

    Columns:
        run, space, protocol, mode, method, budget, seeds, best_mean, best_se, regret_mean,
        regret_se, rank_mean, rank_median, top10_share, top100_share, vs_reference (mean paired
        difference to evolution), vs_reference_se, p_value (Wilcoxon), pairs, reference
        (``conditional`` or ``seed``), reference_runs (evolution searches per paired seed, mean),
        space_best.

    Example:
        >>> print(race_markdown(race_frame([Path("runs/nbg-cora-learned")])))
    """
    rows = []
    for run_dir in run_dirs:
        groups: dict[str, list[dict]] = {}
        for result in load_results(run_dir):
            groups.setdefault(result["method"], []).append(result)
        conditional = load_conditional(run_dir)
        for budget in budgets:
            at = {method: {r["seed"]: at_budget(r, budget) for r in group} for method, group in groups.items()}
            by_seed = {s: (v[0], 1) for s, v in at.get(REFERENCE, {}).items() if v is not None}
            for method, group in groups.items():
                reached = {seed: found for seed, found in at[method].items() if found is not None}
                if not reached:
                    continue
                reference = None if method == REFERENCE else \
                    conditional_means(group, conditional, budget) if conditional else by_seed
                rows.append(_race_row(run_dir, group[0], method, budget, reached, reference,
                                      "conditional" if conditional else "seed"))
    return pd.DataFrame(rows)


def _race_row(run_dir: Path, first: dict, method: str, budget: int,
              reached: dict[int, tuple[float | None, int | None]], reference: dict[int, tuple[float, int]] | None,
              kind: str) -> dict:
    problem = first["problem"]
    space_best = problem.get("space_best")
    best = [v for v, _ in reached.values()]
    ranks = [r for _, r in reached.values() if r is not None]
    regrets = [None if v is None or space_best is None else space_best - v for v in best]
    row = {"run": str(run_dir), "space": problem.get("space"), "protocol": problem.get("protocol", "paper"),
           "mode": problem.get("mode"), "method": method, "budget": budget, "seeds": len(reached),
           "space_best": space_best}
    row["best_mean"], row["best_se"] = _mean_se(best)
    row["regret_mean"], row["regret_se"] = _mean_se(regrets)
    row["rank_mean"] = float(np.mean(ranks)) if ranks else float("nan")
    row["rank_median"] = float(np.median(ranks)) if ranks else float("nan")
    row["top10_share"] = sum(r <= 10 for r in ranks) / len(reached) if ranks else float("nan")
    row["top100_share"] = sum(r <= 100 for r in ranks) / len(reached) if ranks else float("nan")
    delta, p_value, pairs, delta_se, runs = float("nan"), float("nan"), 0, float("nan"), float("nan")
    if reference is not None:
        best_by_seed = {s: v for s, (v, _) in reached.items()}
        delta, p_value, pairs = paired_wilcoxon(best_by_seed, {s: v for s, (v, _) in reference.items()})
        paired = [s for s in best_by_seed if best_by_seed[s] is not None and s in reference]
        if paired:
            delta_se = _mean_se([best_by_seed[s] - reference[s][0] for s in paired])[1]
            runs = float(np.mean([reference[s][1] for s in paired]))
    row.update(vs_reference=delta, vs_reference_se=delta_se, p_value=p_value, pairs=pairs,
               reference=None if reference is None else kind, reference_runs=runs)
    return row


def _number(value: float, digits: int) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def compact_race(frame: pd.DataFrame) -> pd.DataFrame:
    """The race without the repeats: a method that never reads the run's model
    (:data:`SHARED_METHODS`) is kept for the first run only where a later run's row holds the
    same figures (the same seeds and starts give the same search)."""
    if frame.empty:
        return frame
    first = frame["run"].iloc[0]
    figures = ["budget", "seeds", "best_mean", "best_se", "rank_mean", "top10_share", "top100_share"]
    kept = frame[(frame["run"] == first) & frame["method"].isin(SHARED_METHODS)][["method", *figures]]
    keys = {tuple(row) for row in kept.itertuples(index=False)}
    repeat = [(row.run != first and row.method in SHARED_METHODS
               and tuple(getattr(row, c) for c in ["method", *figures]) in keys) for row in frame.itertuples()]
    return frame[~np.array(repeat, dtype=bool)]


def versus_first_run(run_dirs: list[Path], budgets: tuple[int, ...] = BUDGETS, method: str = "dvae") -> pd.DataFrame:
    """Each later run's ``method`` against the first run's, paired by seed (e.g. DVAE-EMB's
    latent BO against D-VAE's). Columns: ``run``, ``against``, ``budget``, ``delta`` (mean
    paired difference of the best found), ``p_value`` (two-sided Wilcoxon), ``pairs``."""
    searches = {run_dir: [r for r in load_results(run_dir) if r["method"] == method] for run_dir in run_dirs}

    def best_by_seed(run_dir: Path, budget: int) -> dict[int, float | None]:
        return {result["seed"]: at[0] for result in searches[run_dir] if (at := at_budget(result, budget)) is not None}

    rows = []
    for run_dir in run_dirs[1:]:
        for budget in budgets:
            delta, p_value, pairs = paired_wilcoxon(best_by_seed(run_dir, budget), best_by_seed(run_dirs[0], budget))
            if pairs:
                rows.append({"run": str(run_dir), "against": str(run_dirs[0]), "budget": budget, "delta": delta,
                             "p_value": p_value, "pairs": pairs})
    return pd.DataFrame(rows)


def versus_markdown(frame: pd.DataFrame, method: str = "dvae") -> str:
    """:func:`versus_first_run` as Markdown lines."""
    lines = []
    for _, row in frame.iterrows():
        lines.append(f"- {Path(row['run']).name} `{method}` against {Path(row['against']).name} `{method}`, "
                     f"{int(row['budget'])} queries: Δ best {row['delta']:+.4f}, Wilcoxon p = "
                     f"{_number(row['p_value'], 3)} (n = {int(row['pairs'])})")
    return "\n".join(lines)


def _reference_name(frame: pd.DataFrame) -> str:
    """What the p values test against: evolution's search of the same seed, or its mean from
    the seed's start (:mod:`core.bo.conditional`)."""
    kinds = set(frame["reference"].dropna()) if "reference" in frame else set()
    return f"{REFERENCE}'s start mean" if kinds == {"conditional"} else REFERENCE


def race_wide_markdown(frame: pd.DataFrame) -> str:
    """The race as one row per run and method and one column per budget: the mean regret ±
    its standard error, the Wilcoxon p against evolution (``p < 0.05`` in bold; against its
    conditional mean where the run has one, :mod:`core.bo.conditional`) and the share of
    seeds that found a top-10 cell -- the layout of the README's race tables. Pass
    :func:`compact_race`'s frame to list the shared baselines once."""
    budgets = sorted(frame["budget"].unique()) if not frame.empty else []
    versus = _reference_name(frame)
    header = ["run", "method", "seeds", *[f"regret after {int(b)} (p vs {versus}) · top-10" for b in budgets]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (run, method), part in frame.groupby(["run", "method"], sort=False):
        cells = [Path(run).name, method, str(int(part["seeds"].max()))]
        for budget in budgets:
            row = part[part["budget"] == budget]
            if row.empty:
                cells.append("–")
                continue
            row = row.iloc[0]
            text = "p < 0.001" if row["p_value"] < 0.001 else f"p = {row['p_value']:.3f}"
            p_value = "" if pd.isna(row["p_value"]) else (f" (**{text}**)" if row["p_value"] < 0.05 else f" ({text})")
            cells.append(f"{_number(row['regret_mean'], 4)} ± {_number(row['regret_se'], 4)}{p_value}"
                         f" · {_number(100 * row['top10_share'], 0)} %")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def race_markdown(frame: pd.DataFrame) -> str:
    """The race as a Markdown table, one row per run, method and budget: grouped by budget,
    the runs in the order given."""
    header = ["run", "method", "queries", "seeds", "best found (mean ± s.e.)", "regret (mean ± s.e.)",
              "rank (mean / median)", "top-10", "top-100", f"vs {REFERENCE}: Δ, Wilcoxon p"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    if frame.empty:
        return "\n".join(lines + ["(no search has reached any of these budgets)"])
    for _, row in frame.sort_values("budget", kind="stable").iterrows():  # runs in the order given
        conditional = row.get("reference") == "conditional"
        versus = "–" if pd.isna(row["vs_reference"]) else \
            f"{row['vs_reference']:+.4f}, p = {_number(row['p_value'], 3)} (n = {int(row['pairs'])}" + \
            (f", mean of {_number(row['reference_runs'], 0)} runs per start)" if conditional else ")")
        cells = [Path(row["run"]).name, row["method"], str(int(row["budget"])), str(int(row["seeds"])),
                 f"{_number(row['best_mean'], 4)} ± {_number(row['best_se'], 4)}",
                 f"{_number(row['regret_mean'], 4)} ± {_number(row['regret_se'], 4)}",
                 f"{_number(row['rank_mean'], 1)} / {_number(row['rank_median'], 0)}",
                 f"{_number(100 * row['top10_share'], 0)} %", f"{_number(100 * row['top100_share'], 0)} %", versus]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def regret_curves(run_dir: Path, space_best: float | None = None) -> pd.DataFrame:
    """Regret to the space's best after each query, for every method and seed of a run.

    Args:
        run_dir: the run with ``bo/`` results.
        space_best: the best value of the space; default: each result file's ``space_best``
            (files written before it was recorded need it given).

    Returns:
        Columns ``method``, ``seed``, ``queries`` (1, 2, ...), ``regret`` (NaN until the first
        new value, and where the result file does not record ``space_best``).
    """
    frames = []
    for result in load_results(run_dir):
        best_value = result.get("problem", {}).get("space_best") if space_best is None else space_best
        values = np.array([np.nan if v is None else v for v, _ in new_queries(result)], dtype=np.float64)
        best = pd.Series(values, dtype=np.float64).cummax().ffill().to_numpy()  # NaN until the first value
        regret = (best_value - best) if best_value is not None else np.full(len(values), np.nan)
        frames.append(pd.DataFrame({"method": result["method"], "seed": result["seed"],
                                    "queries": np.arange(1, len(values) + 1), "regret": regret}))
    return pd.concat(frames, ignore_index=True)
