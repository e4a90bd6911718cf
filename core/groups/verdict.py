"""A verdict on each of the paper's claims: group B (learned embeddings) against group A
(one-hot), one row per measure of :mod:`core.groups.measures`.

Each row gives A and B as mean ± 95 % t interval over their model seeds, the difference
B − A with its interval, the test (Welch's t over model seeds; the paired t over the seeds
both groups share with ``paired=True``) and its p, n, and a plain verdict at p < 0.05:
*supported* (B better in the claimed direction), *contradicted* (B significantly worse) or
*inconclusive*. A group of one seed gets "inconclusive (n = 1)", never a p-value. A seed
whose file is missing is named and left out.

``python -m core verdict GROUP_A GROUP_B`` prints it (``--markdown``, ``--json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import OpEmbedError
from core.groups.group import SeedGroup, differences, find_runs, group_runs
from core.groups.measures import MEASURES, Measure
from core.groups.patterns import BUDGET as PATTERN_BUDGET, TOP_K, PatternComparison, compare_patterns, top_shares
from core.groups.stats import ALPHA, Comparison, compare

# Settings a verdict's two groups may differ in: the paper's one switch, and what only one
# encoding has.
VARIABLE = ("model.encoding", "model.embedding_dim")


@dataclass(frozen=True)
class VerdictRow:
    """One measure: each seed's value, the comparison, and the seeds left out (and why)."""

    measure: Measure
    a_values: dict[int, float]
    b_values: dict[int, float]
    comparison: Comparison
    missing: tuple[str, ...]  # "A seed 3 (no smoothness.json)"


@dataclass(frozen=True)
class Verdict:
    a: SeedGroup
    b: SeedGroup
    rows: tuple[VerdictRow, ...]
    patterns: PatternComparison | None
    paired: bool
    allowed_differences: tuple[tuple[str, Any, Any], ...] = ()
    stability: dict | None = None  # the learned group's similarity agreement across seeds


def check_comparable(a: SeedGroup, b: SeedGroup, allow_diff: Sequence[str] = ()) -> list[tuple[str, Any, Any]]:
    """The settings the groups differ in beyond the encoding, where ``allow_diff`` permits
    them; else one line naming each differing setting.

    Raises:
        OpEmbedError: the groups differ in a setting not allowed (``--allow-diff KEY``).
    """
    found = differences(a.settings, b.settings, ignore=VARIABLE)
    allowed = set(allow_diff)
    refused = [d for d in found if d[0] not in allowed and d[0].split(".")[-1] not in allowed]
    if refused:
        listed = "; ".join(f"{key}: {va!r} against {vb!r}" for key, va, vb in refused)
        raise OpEmbedError(f"the groups differ in more than the encoding: {listed}\n"
                           f"  fix: compare groups trained alike, or pass --allow-diff {refused[0][0]} "
                           "(repeatable) to compare them anyway")
    return found


def _seed_values(group: SeedGroup, measure: Measure, label: str) -> tuple[dict[int, float], list[str]]:
    values, missing = {}, []
    for seed, run in zip(group.seeds, group.runs):
        source = run / measure.source.split("/")[0]
        value = measure.read(run)
        if value is None:
            why = f"no {measure.source}" if not source.exists() else "no value (not reached or not recorded)"
            missing.append(f"{label} seed {seed} ({why})")
        else:
            values[seed] = value
    return values, missing


def _patterns(a: SeedGroup, b: SeedGroup, data_dir: str | Path | None) -> PatternComparison | None:
    """The shared-patterns comparison, where both groups have latent-BO results."""
    from core.runs import SpaceTables
    from core.spaces import get_space

    space = get_space(a.space)
    try:
        table = SpaceTables(data_dir).load(a.space, [*a.runs, *b.runs])
    except OpEmbedError:
        return None
    rows = []
    for group in (a, b):
        shares = [top_shares(run, table, space.num_node_types) for run in group.runs]
        rows.append([s for s in shares if s is not None])
    if not rows[0] or not rows[1]:
        return None
    return compare_patterns(rows[0], rows[1], space.node_type_names[2:])


def verdict(a: SeedGroup, b: SeedGroup, paired: bool = False, allow_diff: Sequence[str] = (),
            measures: Sequence[Measure] = MEASURES, data_dir: str | Path | None = None,
            with_patterns: bool = True) -> Verdict:
    """Every measure of ``measures``, B against A (see the module docstring)."""
    allowed = check_comparable(a, b, allow_diff)
    rows = []
    for measure in measures:
        a_values, a_missing = _seed_values(a, measure, "A")
        b_values, b_missing = _seed_values(b, measure, "B")
        comparison = compare(a_values, b_values, measure.better, paired_by_seed=paired)
        rows.append(VerdictRow(measure, a_values, b_values, comparison, tuple(a_missing + b_missing)))
    patterns = _patterns(a, b, data_dir) if with_patterns else None
    return Verdict(a, b, tuple(rows), patterns, paired, tuple(allowed), _stability(b if b.encoding == "learned" else a))


def _stability(group: SeedGroup) -> dict | None:
    """How much the seeds of a learned group agree on the operations' cosine similarities
    (:func:`core.reports.groups.seed_stability`), ``None`` with fewer than 2 seeds."""
    from core.reports.groups import _operation_matrices, seed_stability
    from core.runs import Run

    if group.encoding != "learned" or group.n < 2:
        return None
    _, matrices = _operation_matrices([Run.open(path) for path in group.runs], "cosine")
    return seed_stability(matrices) if len(matrices) >= 2 else None


# ---------------------------------------------------------------- choosing the groups
def choose_groups(paths: Sequence[str | Path], space: str | None = None) -> tuple[SeedGroup, SeedGroup]:
    """Group A and group B from the command line's paths.

    Two paths that each hold one group are A and B, in that order. Otherwise every run under
    the paths is grouped (of ``space`` only, when given) and exactly two groups must come
    out: the one-hot one is A, the learned one B.

    Raises:
        OpEmbedError: the paths hold no run, or not exactly two groups (each listed).
    """
    if len(paths) == 2:
        per_path = [group_runs(find_runs([p])) for p in paths]
        if space is not None:
            per_path = [[g for g in groups if g.space == space] for groups in per_path]
        if all(len(groups) == 1 for groups in per_path):
            return per_path[0][0], per_path[1][0]
    groups = group_runs(find_runs(paths))
    if space is not None:
        groups = [g for g in groups if g.space == space]
    if len(groups) != 2:
        listed = "; ".join(f"{g.name} ({g.seed_list()})" for g in groups) or "none"
        raise OpEmbedError(f"{' '.join(str(p) for p in paths)}: {len(groups)} seed groups"
                           f"{f' of {space}' if space else ''} ({listed}); a verdict compares exactly 2\n"
                           "  fix: name two folders, one per group, or pick a space with --space")
    groups.sort(key=lambda g: (g.encoding != "onehot", g.name))
    return groups[0], groups[1]


# ---------------------------------------------------------------- output
def verdict_markdown(result: Verdict) -> str:
    """The verdict as Markdown: the groups, one table row per measure, what was left out."""
    a, b = result.a, result.b
    lines = [f"**A**: {a.name} ({a.seed_list()})  ", f"**B**: {b.name} ({b.seed_list()})", ""]
    if result.allowed_differences:
        lines += ["Compared despite differing in: " + "; ".join(
            f"{k} {va!r} against {vb!r}" for k, va, vb in result.allowed_differences), ""]
    lines += ["| claim | measure | better | A (mean ± 95 % CI) | B (mean ± 95 % CI) | B − A [95 % CI] | test | p "
              "| n (A, B) | verdict |", "|" + "---|" * 10]
    for row in result.rows:
        c, digits = row.comparison, row.measure.digits
        verdict_text = f"**{c.verdict}**" if c.verdict in ("supported", "contradicted") else c.verdict
        lines.append(f"| {row.measure.claim} | {row.measure.label} | {row.measure.better} | {c.a.text(digits)} | "
                     f"{c.b.text(digits)} | {c.difference_text(digits)} | {c.test} | {c.p_text()} | "
                     f"{c.a.n}, {c.b.n} | {verdict_text} |")
    patterns = result.patterns
    if patterns is None:
        lines.append(f"| shared patterns | operation shares of the top-{TOP_K} found cells | — | — | — | — | — | — "
                     f"| 0, 0 | not measured (no latent-BO results: `python -m core bo RUN`) |")
    else:
        p_text = "—" if patterns.p_value is None else f"{patterns.p_value:.3f}"
        lines.append(f"| shared patterns | total-variation distance of the top-{TOP_K} found cells' operation "
                     f"shares ({PATTERN_BUDGET} queries) | — | — | — | {patterns.distance:.3f} | permutation | "
                     f"{p_text} | {len(patterns.a_shares)}, {len(patterns.b_shares)} | {patterns.verdict} |")
    missing = [m for row in result.rows for m in row.missing]
    if result.stability is not None:
        found = result.stability
        interval = "" if found["n"] < 2 else f", 95 % CI [{found['low']:+.2f}, {found['high']:+.2f}]"
        lines += ["", f"Learned similarities across seeds: the seeds' cosine similarities of the operation pairs agree at "
                      f"Spearman {found['mean']:+.2f} on average over {found['n']} pair{'s' if found['n'] != 1 else ''} of seeds{interval} "
                      "(1: every seed ranks the pairs alike; 0: unrelated)."]
    lines += ["", f"Intervals: Student t over model seeds. Test: "
                  f"{'paired t over the seeds both groups share' if result.paired else 'Welch t (unpaired)'}; "
                  f"verdict at p < {ALPHA}: supported / contradicted where B is significantly better / worse than "
                  "A in the claimed direction, else inconclusive."]
    if missing:
        by_source: dict[str, list[str]] = {}
        for row in result.rows:
            for text in row.missing:
                by_source.setdefault(row.measure.label, []).append(text)
        lines += ["", "Left out (never counted as zero):"]
        lines += [f"- {label}: {', '.join(texts)}" for label, texts in by_source.items()]
    return "\n".join(lines)


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def verdict_json(result: Verdict) -> dict:
    """The verdict as a JSON-ready dict (NaN written as ``null``)."""
    def group(g: SeedGroup) -> dict:
        return {"name": g.name, "seeds": list(g.seeds), "runs": [str(r) for r in g.runs]}

    rows = []
    for row in result.rows:
        c = row.comparison
        rows.append({
            "claim": row.measure.claim, "measure": row.measure.key, "label": row.measure.label,
            "better": row.measure.better,
            "a": {"mean": _number(c.a.mean), "low": _number(c.a.low), "high": _number(c.a.high), "n": c.a.n,
                  "values": {str(k): v for k, v in row.a_values.items()}},
            "b": {"mean": _number(c.b.mean), "low": _number(c.b.low), "high": _number(c.b.high), "n": c.b.n,
                  "values": {str(k): v for k, v in row.b_values.items()}},
            "difference": _number(c.difference), "difference_low": _number(c.low),
            "difference_high": _number(c.high), "test": c.test, "p_value": _number(c.p_value),
            "verdict": c.verdict, "left_out": list(row.missing),
        })
    patterns = None
    if result.patterns is not None:
        p = result.patterns
        patterns = {"operations": list(p.operations), "a_mean_shares": p.a_shares.mean(0).tolist(),
                    "b_mean_shares": p.b_shares.mean(0).tolist(), "distance": p.distance,
                    "p_value": p.p_value, "verdict": p.verdict, "top_k": TOP_K, "budget": PATTERN_BUDGET}
    return {"a": group(result.a), "b": group(result.b), "paired": result.paired, "alpha": ALPHA,
            "interval": "Student t over model seeds, 95 %", "rows": rows, "shared_patterns": patterns,
            "similarity_agreement": result.stability}


def verdict_text(result: Verdict, as_json: bool = False) -> str:
    return json.dumps(verdict_json(result), indent=2) if as_json else verdict_markdown(result)
