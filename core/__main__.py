"""``python -m core <command>``: a thin command line over the modules of ``core``.

Errors in the user's input print as one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import runs
from .bench import add_bench_arguments, bench_main
from .bo.cli import add_bo_arguments, add_bo_summary_arguments, bo_main, bo_summary_main
from .data_dir import fetch_enas6, resolve_data_dir
from .demo import add_demo_arguments, demo_main
from .devices import resolve_device
from .errors import OpEmbedError
from .evaluate import EVAL_GP_EPOCHS, EvalConfig, evaluate_run
from .export import export_runs
from .metrics_table import format_metrics_table, format_model_table, model_table_row
from .projection import METHODS, load_or_compute_projection
from .quality_table import quality_table, seed_summary, to_markdown
from .recon_bound import recon_bound
from .runs.relabel import relabel_run
from .runs import load_table
from .smoothness import write_smoothness
from .spaces import get_space
from .spaces.base import ArchitectureTable, SearchSpace
from .sweep.cli import add_sweep_arguments, sweep_main
from .train_cli import add_train_arguments, train_main
from .validation import check_output_dir, require_at_least, require_at_most, require_share

UMAP_METRICS = ("euclidean", "cosine", "manhattan", "correlation", "chebyshev", "minkowski")  # project --metric

EPILOG = """examples:
  python -m core fetch enas6
  python -m core train --space nbg-cora --encoding learned --preset quick --out runs/cora-learned
  python -m core train --space enas6 --encoding onehot --preset paper --out runs/enas6-onehot --resume
  python -m core evaluate runs/cora-learned
  python -m core table runs/cora-onehot runs/cora-learned
  python -m core project runs/cora-learned --method umap
  python -m core smoothness runs/cora-learned
  python -m core bo runs/cora-learned --rounds 10 --batch-size 50 --seeds 10
  python -m core bo-summary runs/cora-onehot runs/cora-learned
  python -m core export runs/cora-onehot runs/cora-learned --format pdf --out figures/
  python -m core quality runs/enas6-onehot runs/enas6-learned
  python -m core verdict runs/groups/enas6-onehot runs/groups/enas6-learned
  python -m core recon-bound --space nbg-cora
  python -m core bench --json bench.json
  python -m core demo --out assets/demo
"""


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None, help="data directory (else $OPEMBED_DATA_DIR, else the user cache)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")


def _load_space(name: str, data_dir: str | None,
                run_dir: Path | None = None) -> tuple[SearchSpace, ArchitectureTable]:
    """The space and its table (in the node order ``run_dir`` trained on); a run's own keys
    stand in for a missing ENAS data file."""
    space = get_space(name)
    if run_dir is None:
        return space, load_table(space, data_dir)
    return space, load_table(space, data_dir, (run_dir,), runs.load_run_config(run_dir).node_order)


# ---------------------------------------------------------------- train (core/train_cli.py)
def _add_train(p: argparse.ArgumentParser) -> None:
    add_train_arguments(p)
    _add_common(p)


# ---------------------------------------------------------------- evaluate / table
def _add_evaluate(p: argparse.ArgumentParser) -> None:
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
    _add_common(p)


def _cmd_evaluate(args) -> None:
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
    device = resolve_device(args.device)
    config = runs.load_run_config(args.run)
    check_output_dir(args.run, "RUN")
    if (args.run / runs.METRICS).exists():
        runs.load_metrics(args.run)  # a damaged metrics.json is reported, never overwritten
    space, table = _load_space(config.space, args.data_dir, args.run)
    eval_config = EvalConfig(encode_times=args.encode_times, decode_times=args.decode_times,
                             num_prior_points=args.prior_points, gp_seeds=args.gp_seeds,
                             gp_iterations=args.gp_epochs)
    metrics = evaluate_run(args.run, space, table, device, eval_config,
                           progress=not args.no_progress, parts=parts)
    print(format_metrics_table({str(args.run): metrics}))


def _add_table(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--models", action="store_true",
                   help="the papers' Table 1 layout: each run's model, recipe and training wall time")
    p.add_argument("--paper", action="store_true", help="with --models: the papers' enas6 rows first")
    p.add_argument("--groups", action="store_true",
                   help="one row per seed group (runs that differ only in seed; folders are searched): mean ± 95 %% "
                        "CI over seeds, and n")


def _cmd_table(args) -> None:
    if args.groups:
        from .groups import find_runs, group_runs
        from .groups.tables import group_metrics_markdown

        print(group_metrics_markdown(group_runs(find_runs(args.runs))))
        return
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
def _add_project(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path)
    p.add_argument("--method", choices=["umap", "pca", "tsne"], default="umap")
    p.add_argument("--n-neighbors", type=int, default=15)
    p.add_argument("--min-dist", type=float, default=0.1)
    p.add_argument("--metric", default="euclidean")
    p.add_argument("--seed", type=int, default=0)


def _cmd_project(args) -> None:
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


def _add_smoothness(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path)
    p.add_argument("--data-dir", default=None)


def _cmd_smoothness(args) -> None:
    config = runs.load_run_config(args.run)
    check_output_dir(args.run, "RUN")
    runs.read_latents(args.run)  # before the (slower) space: a damaged file is reported at once
    space, table = _load_space(config.space, args.data_dir, args.run)
    result = write_smoothness(args.run, space, table)
    print(json.dumps(result, indent=2, default=str))


def _add_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--format", choices=["png", "svg", "pdf", "html"], default="pdf")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--projection", default="umap", help="comma-separated: umap,pca,tsne (default umap)")
    p.add_argument("--data-dir", default=None, help="where the enas data file lives")


def _cmd_export(args) -> None:
    projections = tuple(p.strip() for p in args.projection.split(",") if p.strip())
    unknown = [p for p in projections if p not in METHODS]
    if unknown or not projections:
        raise OpEmbedError(f"--projection {args.projection}: use umap, pca, tsne (comma-separated)")
    check_output_dir(args.out, "--out")
    written = export_runs(args.runs, args.format, args.out, projections=projections, data_dir=args.data_dir)
    print(f"wrote {len(written)} files to {args.out}")


def _add_quality(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--targets", default="0.9,0.99",
                   help="comma-separated recon_greedy shares to time (default 0.9,0.99)")
    p.add_argument("--by-encoding", action="store_true",
                   help="also pool the runs of one space, encoding and recipe (seeds): mean ± std")
    p.add_argument("--groups", action="store_true",
                   help="one row per seed group instead (folders are searched): epochs and minutes to 99 %% greedy "
                        "reconstruction, mean ± 95 %% CI over seeds, and n")


def _cmd_quality(args) -> None:
    try:
        targets = tuple(float(t) for t in args.targets.split(",") if t.strip())
    except ValueError:
        targets = ()
    if not targets or not all(0 < t <= 1 for t in targets):
        raise OpEmbedError(f"--targets {args.targets}: give shares in (0, 1], e.g. --targets 0.5,0.75")
    if args.groups:
        from .groups import find_runs, group_runs
        from .groups.tables import group_quality_markdown

        print(group_quality_markdown(group_runs(find_runs(args.runs))))
        return
    print(to_markdown(quality_table(args.runs, targets)))
    if args.by_encoding:
        print()
        print(to_markdown(seed_summary(args.runs, targets)))


def _add_recon_bound(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", required=True, help="enas6 | nbg-<dataset>")
    p.add_argument("--split", choices=["all", "train", "test"], default="all")
    p.add_argument("--order", choices=["stored", "canonical", "both"], default="both",
                   help="the node order of the cells: as the table stores them, the canonical order "
                        "(core/spaces/node_order.py), or both (default)")
    p.add_argument("--data-dir", default=None)


def _cmd_recon_bound(args) -> None:
    from .spaces.node_order import apply_node_order

    space, table = _load_space(args.space, args.data_dir)
    if args.split != "all":
        table = table.subset(table.indices(args.split))
    for order in (("stored", "canonical") if args.order == "both" else (args.order,)):
        result = recon_bound(apply_node_order(table, order, space.max_nodes), space.max_nodes)
        print(f"{space.name} ({args.split}, {order} order, {result.graphs} graphs): type collisions "
              f"{100 * result.type_collisions:.2f} %, early-END risk {100 * result.end_collisions:.2f} %, edge "
              f"collisions {100 * result.edge_collisions:.2f} %; greedy exact reconstruction is at most "
              f"{100 * result.bound:.2f} %, and {100 * result.strict_bound:.2f} % where every early-END risk fails "
              "(the papers' loss trains END at the last operation's state)")

def _add_relabel(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a finished run")
    p.add_argument("--space", required=True, help="the space whose labels the copy takes, e.g. nbg-citeseer")
    p.add_argument("--out", type=Path, required=True, help="the new run directory")
    p.add_argument("--data-dir", default=None)


def _cmd_relabel(args) -> None:
    runs.load_run_config(args.run)
    out = relabel_run(args.run, args.space, args.out, args.data_dir)
    print(f"{out}: {args.run} under the labels of {args.space} (model and latents unchanged); "
          f"`python -m core evaluate {out} --parts gp` adds its GP figures")


# ---------------------------------------------------------------- seed groups
def _add_verdict(p: argparse.ArgumentParser) -> None:
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


def _cmd_verdict(args) -> None:
    from .groups.verdict import choose_groups, verdict, verdict_text

    group_a, group_b = choose_groups(args.groups, args.space)
    result = verdict(group_a, group_b, paired=args.paired, allow_diff=args.allow_diff, data_dir=args.data_dir)
    print(verdict_text(result, as_json=args.json))


def _add_compact(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a finished run")
    p.add_argument("--out", type=Path, required=True, help="the compact copy's folder")


def _cmd_compact(args) -> None:
    from .runs.compact import compact_run

    check_output_dir(args.out, "--out")
    written = compact_run(args.run, args.out)
    print(f"{args.out}: {len(written)} files ({', '.join(written[:6])}{' ...' if len(written) > 6 else ''}); "
          "model, latents and checkpoint left out")


# ---------------------------------------------------------------- data
def _add_fetch(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", choices=["enas6"])
    p.add_argument("--data-dir", default=None)


def _cmd_fetch(args) -> None:
    path = fetch_enas6(resolve_data_dir(args.data_dir))
    print(f"ok: {path}")


# ---------------------------------------------------------------- main
Adder = Callable[[argparse.ArgumentParser], None]  # adds a command's flags to its parser
Runner = Callable[[argparse.Namespace], None]  # runs the command

# name: (help, its flags, what it runs), in the order --help lists them
COMMANDS: dict[str, tuple[str, Adder, Runner]] = {
    "train": ("train a D-VAE (one-hot) or DVAE-EMB (learned) model", _add_train, train_main),
    "evaluate": ("the D-VAE evaluation protocol; writes metrics.json", _add_evaluate, _cmd_evaluate),
    "table": ("print the metrics of runs side by side (Markdown)", _add_table, _cmd_table),
    "project": ("2-D projection of every latent mean, cached in the run", _add_project, _cmd_project),
    "smoothness": ("smoothness numbers of a latent space; writes smoothness.json", _add_smoothness,
                   _cmd_smoothness),
    "export": ("write every dashboard figure and its CSV, without a browser", _add_export, _cmd_export),
    "fetch": ("download a dataset and check its sha256", _add_fetch, _cmd_fetch),
    "recon-bound": ("the most a D-VAE decoder can reconstruct exactly, greedily, in a space", _add_recon_bound,
                    _cmd_recon_bound),
    "quality": ("time to quality: recipe, wall time to 90 %% and 99 %% greedy reconstruction, final metrics "
                "(Markdown)", _add_quality, _cmd_quality),
    "relabel": ("copy a run under another space with the same architectures (NAS-Bench-Graph datasets)",
                _add_relabel, _cmd_relabel),
    "verdict": ("a verdict on each of the paper's claims: seed group B against seed group A, mean ± 95 %% CI, "
                "test, p", _add_verdict, _cmd_verdict),
    "compact": ("copy a finished run's figures (config, history, metrics, embeddings, smoothness, BO keys and "
                "values) without its model and latents, for seed groups", _add_compact, _cmd_compact),
    "bo": ("Bayesian optimisation in the latent space of a run", add_bo_arguments, bo_main),
    "bo-summary": ("best-found against queries, as a table", add_bo_summary_arguments, bo_summary_main),
    "bench": ("speed benchmark: prints a table, writes JSON", add_bench_arguments, bench_main),
    "demo": ("train, evaluate and analyse the shipped demo pair", add_demo_arguments, demo_main),
    "sweep": ("a grid of runs (train, evaluate, project, smoothness, bo) as Ray tasks", add_sweep_arguments,
              sweep_main),
}


def _run_dirs_written(args) -> list[Path]:
    """The run directories a command writes into (its ``run`` argument), if it has one."""
    if args.command == "bo":
        return [Path(run) for run in args.runs]
    run = getattr(args, "run", None)
    return [Path(run)] if args.command in ("evaluate", "project", "smoothness") and run else []


class OneLineParser(argparse.ArgumentParser):
    """argparse with its usage errors as one ``error:`` line and a ``fix:`` line (exit 2),
    instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message}\n  fix: `{self.prog} --help` lists the flags and their choices\n")


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m core", description=__doc__,
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for name, (help_text, add, _) in COMMANDS.items():
        add(sub.add_parser(name, help=help_text))
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error, already printed as one line (2)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        for run_dir in _run_dirs_written(args):  # a killed earlier command's half-written files
            runs.remove_stale_temp_files(run_dir)
        COMMANDS[args.command][2](args)
    except OpEmbedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished checkpoints are kept; continue with --resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
