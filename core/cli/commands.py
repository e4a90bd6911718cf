"""The commands that are a few lines over a module of ``core``: their flags and what they run.

``core/__main__.py`` lists them in its ``COMMANDS`` table beside the larger commands (``train``,
``bo``, ``bench``, ``demo``, ``sweep``, each in its own module). Only light modules are imported
at the top: each command imports what it needs (torch, UMAP, the figures) when it runs, so
``python -m core <command> --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import EVAL_GP_EPOCHS
from core.errors import OpEmbedError

if TYPE_CHECKING:
    from core.spaces.base import ArchitectureTable, SearchSpace

UMAP_METRICS = ("euclidean", "cosine", "manhattan", "correlation", "chebyshev", "minkowski")  # project --metric


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` and ``--device`` (``train`` and ``evaluate``)."""
    parser.add_argument("--data-dir", default=None, help="data directory (else $OPEMBED_DATA_DIR, else the user cache)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")


def load_space(name: str, data_dir: str | None,
               run_dir: Path | None = None) -> tuple[SearchSpace, ArchitectureTable]:
    """The space and its table (in the node order ``run_dir`` trained on); a run's own keys
    stand in for a missing ENAS data file."""
    from core import runs
    from core.spaces import get_space

    space = get_space(name)
    if run_dir is None:
        return space, runs.load_table(space, data_dir)
    return space, runs.load_table(space, data_dir, (run_dir,), runs.load_run_config(run_dir).node_order)


# ---------------------------------------------------------------- evaluate / table
def add_evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path)
    p.add_argument("--encode-times", type=int, default=10)
    p.add_argument("--decode-times", type=int, default=10)
    p.add_argument("--prior-points", type=int, default=1000)
    p.add_argument("--gp-seeds", type=int, default=10)
    p.add_argument("--gp-epochs", type=int, default=EVAL_GP_EPOCHS,
                   help=f"sparse-GP epochs per fit (default {EVAL_GP_EPOCHS}; the reference: 100)")
    p.add_argument("--parts", default="recon,prior,gp",
                   help="comma-separated subset of recon,prior,gp,constrained (constrained: recon and prior "
                        "again with the space's rules masked while decoding, reported beside the papers' figures)")
    p.add_argument("--constrained", action="store_true", help="add the constrained part to --parts")
    p.add_argument("--no-progress", action="store_true")
    add_common_arguments(p)


def evaluate_main(args) -> None:
    from core import runs
    from core.cli.validation import check_output_dir, require_at_least, require_at_most

    for flag, value in (("--encode-times", args.encode_times), ("--decode-times", args.decode_times),
                        ("--prior-points", args.prior_points), ("--gp-seeds", args.gp_seeds),
                        ("--gp-epochs", args.gp_epochs)):
        require_at_least(flag, value, 1)
        require_at_most(flag, value)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    if args.constrained and "constrained" not in parts:
        parts += ("constrained",)
    unknown = set(parts) - {"recon", "prior", "gp", "constrained"}
    if unknown or not parts:
        raise OpEmbedError(f"--parts {args.parts}: unknown {sorted(unknown)}; use recon, prior, gp, constrained")
    from core.training.devices import resolve_device  # torch, from here on
    from core.analysis.evaluate import EvalConfig, evaluate_run
    from core.analysis.metrics_table import format_metrics_table

    device = resolve_device(args.device)
    config = runs.load_run_config(args.run)
    check_output_dir(args.run, "RUN")
    if (args.run / runs.METRICS).exists():
        runs.load_metrics(args.run)  # a damaged metrics.json is reported, never overwritten
    space, table = load_space(config.space, args.data_dir, args.run)
    eval_config = EvalConfig(encode_times=args.encode_times, decode_times=args.decode_times,
                             num_prior_points=args.prior_points, gp_seeds=args.gp_seeds,
                             gp_iterations=args.gp_epochs)
    metrics = evaluate_run(args.run, space, table, device, eval_config,
                           progress=not args.no_progress, parts=parts)
    print(format_metrics_table({str(args.run): metrics}))


def add_table_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--models", action="store_true",
                   help="the papers' Table 1 layout: each run's model, recipe and training wall time")
    p.add_argument("--paper", action="store_true", help="with --models: the papers' enas6 rows first")
    p.add_argument("--groups", action="store_true",
                   help="one row per seed group (runs that differ only in seed; folders are searched): mean ± 95 %% "
                        "CI over seeds, and n")


def table_main(args) -> None:
    if args.groups:
        from core.groups import find_runs, group_runs
        from core.groups.tables import group_metrics_markdown

        print(group_metrics_markdown(group_runs(find_runs(args.runs))))
        return
    from core import runs
    from core.analysis.metrics_table import format_metrics_table, format_model_table, model_table_row

    metrics = {}
    for run in args.runs:
        path = run / runs.METRICS
        if not path.exists():
            raise OpEmbedError(f"{path}: missing; run `python -m core evaluate {run}` first")
        metrics[str(run)] = runs.load_metrics(run)
    if args.models:
        rows = [model_table_row(run, metrics[str(run)]) for run in args.runs]
        print(format_model_table(rows, with_paper=args.paper))
        return
    print(format_metrics_table(metrics))


# ---------------------------------------------------------------- analysis
def add_project_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path)
    p.add_argument("--method", choices=["umap", "pca", "tsne"], default="umap")
    p.add_argument("--n-neighbors", type=int, default=15)
    p.add_argument("--min-dist", type=float, default=0.1)
    p.add_argument("--metric", default="euclidean")
    p.add_argument("--seed", type=int, default=0)


def project_main(args) -> None:
    from core import runs
    from core.analysis.projection import load_or_compute_projection
    from core.cli.validation import check_output_dir, require_at_least, require_at_most, require_share

    require_at_least("--n-neighbors", args.n_neighbors, 2)
    require_at_most("--n-neighbors", args.n_neighbors)
    require_at_least("--seed", args.seed, 0)
    require_at_most("--seed", args.seed)
    require_share("--min-dist", args.min_dist)
    if args.method == "umap" and args.metric not in UMAP_METRICS:
        raise OpEmbedError(f"--metric {args.metric}: use one of {', '.join(UMAP_METRICS)}")
    runs.load_config(args.run)
    check_output_dir(args.run / runs.PROJECTIONS, "RUN")
    frame = load_or_compute_projection(args.run, args.method, n_neighbors=args.n_neighbors,
                                       min_dist=args.min_dist, metric=args.metric, seed=args.seed)
    print(f"{args.method}: {len(frame)} points cached in {args.run / 'projections'}")


def add_smoothness_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path)
    p.add_argument("--data-dir", default=None)


def smoothness_main(args) -> None:
    from core import runs
    from core.analysis.smoothness import write_smoothness  # torch
    from core.cli.validation import check_output_dir

    config = runs.load_run_config(args.run)
    check_output_dir(args.run, "RUN")
    runs.read_latents(args.run)  # before the (slower) space: a damaged file is reported at once
    space, table = load_space(config.space, args.data_dir, args.run)
    result = write_smoothness(args.run, space, table)
    print(json.dumps(result, indent=2, default=str))


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--format", choices=["png", "svg", "pdf", "html"], default="pdf")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--projection", default="umap", help="comma-separated: umap,pca,tsne (default umap)")
    p.add_argument("--data-dir", default=None, help="where the enas data file lives")


def export_main(args) -> None:
    from core.reports.export import export_runs  # the recipes import torch
    from core.analysis.projection import METHODS
    from core.cli.validation import check_output_dir

    projections = tuple(p.strip() for p in args.projection.split(",") if p.strip())
    unknown = [p for p in projections if p not in METHODS]
    if unknown or not projections:
        raise OpEmbedError(f"--projection {args.projection}: use umap, pca, tsne (comma-separated)")
    check_output_dir(args.out, "--out")
    written = export_runs(args.runs, args.format, args.out, projections=projections, data_dir=args.data_dir)
    print(f"wrote {len(written)} files to {args.out}")


def add_quality_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--targets", default="0.9,0.99",
                   help="comma-separated recon_greedy shares to time (default 0.9,0.99)")
    p.add_argument("--by-encoding", action="store_true",
                   help="also pool the runs of one space, encoding and recipe (seeds): mean ± std")
    p.add_argument("--groups", action="store_true",
                   help="one row per seed group instead (folders are searched): epochs and minutes to 99 %% greedy "
                        "reconstruction, mean ± 95 %% CI over seeds, and n")


def quality_main(args) -> None:
    try:
        targets = tuple(float(t) for t in args.targets.split(",") if t.strip())
    except ValueError:
        targets = ()
    if not targets or not all(0 < t <= 1 for t in targets):
        raise OpEmbedError(f"--targets {args.targets}: give shares in (0, 1], e.g. --targets 0.5,0.75")
    if args.groups:
        from core.groups import find_runs, group_runs
        from core.groups.tables import group_quality_markdown

        print(group_quality_markdown(group_runs(find_runs(args.runs))))
        return
    from core.analysis.quality_table import quality_table, seed_summary, to_markdown

    print(to_markdown(quality_table(args.runs, targets)))
    if args.by_encoding:
        print()
        print(to_markdown(seed_summary(args.runs, targets)))


def add_recon_bound_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", required=True, help="enas6 | nbg-<dataset> | bn-asia")
    p.add_argument("--split", choices=["all", "train", "test"], default="all")
    p.add_argument("--order", choices=["stored", "canonical", "both"], default="both",
                   help="the node order of the cells: as the table stores them, the canonical order "
                        "(core/spaces/node_order.py), or both (default)")
    p.add_argument("--data-dir", default=None)


def recon_bound_main(args) -> None:
    from core.analysis.recon_bound import recon_bound
    from core.spaces import get_space
    from core.spaces.node_order import apply_node_order

    orders = ("stored", "canonical") if args.order == "both" else (args.order,)
    single_order = get_space(args.space).single_order  # bn-asia: its stored order only (train_cli.training_node_order)
    if single_order is not None and args.order == "canonical":
        raise OpEmbedError(f"--order canonical: {args.space} has its stored order only: {single_order}\n"
                           "  fix: pass --order stored")
    space, table = load_space(args.space, args.data_dir)
    if args.split != "all":
        table = table.subset(table.indices(args.split))
    for order in orders if single_order is None else ("stored",):
        result = recon_bound(apply_node_order(table, order, space.max_nodes), space.max_nodes)
        print(f"{space.name} ({args.split}, {order} order, {result.graphs} graphs): type collisions "
              f"{100 * result.type_collisions:.2f} %, early-END risk {100 * result.end_collisions:.2f} %, edge "
              f"collisions {100 * result.edge_collisions:.2f} %; greedy exact reconstruction is at most "
              f"{100 * result.bound:.2f} %, and {100 * result.strict_bound:.2f} % where every early-END risk fails "
              "(the papers' loss trains END at the last operation's state)")


def add_relabel_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a finished run")
    p.add_argument("--space", required=True, help="the space whose labels the copy takes, e.g. nbg-citeseer")
    p.add_argument("--out", type=Path, required=True, help="the new run directory")
    p.add_argument("--data-dir", default=None)


def relabel_main(args) -> None:
    from core import runs
    from core.runs.relabel import relabel_run

    runs.load_run_config(args.run)
    out = relabel_run(args.run, args.space, args.out, args.data_dir)
    print(f"{out}: {args.run} under the labels of {args.space} (model and latents unchanged); "
          f"`python -m core evaluate {out} --parts gp` adds its GP figures")


# ---------------------------------------------------------------- seed groups
def add_verdict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("groups", type=Path, nargs="+",
                   help="GROUP_A GROUP_B: two folders of seed runs (one-hot, then learned), or any folders whose "
                        "runs form exactly two seed groups (the one-hot group is A)")
    p.add_argument("--space", default=None, help="only the runs of this space (e.g. enas6)")
    p.add_argument("--paired", action="store_true",
                   help="pair the model seeds both groups share (paired t) instead of Welch's unpaired t")
    p.add_argument("--allow-diff", action="append", default=[], metavar="KEY",
                   help="compare groups that also differ in this setting (e.g. train.epochs); repeatable")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    output.add_argument("--markdown", action="store_true", help="print Markdown (the default)")
    p.add_argument("--data-dir", default=None, help="where the space's data lives (for the found cells' operations)")


def verdict_main(args) -> None:
    from core.groups.verdict import choose_groups, verdict, verdict_text

    group_a, group_b = choose_groups(args.groups, args.space)
    result = verdict(group_a, group_b, paired=args.paired, allow_diff=args.allow_diff, data_dir=args.data_dir)
    print(verdict_text(result, as_json=args.json))


def add_compact_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a finished run")
    p.add_argument("--out", type=Path, required=True, help="the compact copy's folder")


def compact_main(args) -> None:
    from core.runs.compact import compact_run
    from core.cli.validation import check_output_dir

    check_output_dir(args.out, "--out")
    written = compact_run(args.run, args.out)
    print(f"{args.out}: {len(written)} files ({', '.join(written[:6])}{' ...' if len(written) > 6 else ''}); "
          "model, latents and checkpoint left out")


# ---------------------------------------------------------------- data
def add_fetch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", choices=["enas6", "bn-asia"])
    p.add_argument("--data-dir", default=None)


def fetch_main(args) -> None:
    from core.spaces.data_dir import FETCHERS, resolve_data_dir

    path = FETCHERS[args.dataset](resolve_data_dir(args.data_dir))
    print(f"ok: {path}")
