"""``python -m core <command>``: a thin command line over the modules of ``core``.

Errors in the user's input print as one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from . import runs
from .config import PRESETS, ModelConfig
from .errors import OpEmbedError
from .validation import check_output_dir, require_at_least, require_positive, require_share

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
  python -m core recon-bound --space nbg-cora
  python -m core bench --json bench.json
  python -m core demo --out assets/demo
"""


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None, help="data directory (else $OPEMBED_DATA_DIR, else the user cache)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")


def _load_space(name: str, data_dir, run_dir: Path | None = None):
    """The space and its table; a run's own keys stand in for a missing ENAS data file."""
    from .runs import load_table
    from .spaces import get_space

    space = get_space(name)
    return space, load_table(space, data_dir, () if run_dir is None else (run_dir,))


# ---------------------------------------------------------------- train
def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a D-VAE (one-hot) or DVAE-EMB (learned) model")
    p.add_argument("--space", required=True, help="enas6 | nbg-<dataset> (e.g. nbg-cora)")
    p.add_argument("--encoding", choices=["onehot", "learned"], default="learned")
    p.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    p.add_argument("--out", required=True, type=Path, help="run directory to write")
    p.add_argument("--resume", action="store_true", help="continue a killed run from its last checkpoint")
    p.add_argument("--embedding-dim", type=int, default=3, help="size of learned embeddings (default 3, the paper's)")
    p.add_argument("--init-embeddings-from", type=Path, default=None, help="warm-start embeddings from a learned RUN")
    p.add_argument("--epochs", type=int, default=None, help="override the preset")
    p.add_argument("--batch-size", type=int, default=None, help="override the preset")
    p.add_argument("--hidden-dim", type=int, default=None, help="override the preset")
    p.add_argument("--latent-dim", type=int, default=None, help="override the preset")
    p.add_argument("--lr", type=float, default=None, help="override the preset")
    p.add_argument("--schedule", choices=["plateau", "cosine", "constant"], default=None,
                   help="learning-rate schedule (override the preset; paper: plateau)")
    p.add_argument("--warmup-epochs", type=float, default=None, help="cosine: epochs of linear warm-up")
    p.add_argument("--grad-clip", type=float, default=None, help="clip the per-graph gradient norm (0: off)")
    p.add_argument("--beta", type=float, default=None, help="KL weight (default 0.005, the papers')")
    p.add_argument("--kl-warmup-epochs", type=float, default=None, help="ramp the KL weight up over these epochs")
    p.add_argument("--eps-scale", type=float, default=None,
                   help="scale of the reparameterisation noise (default 0.01, the papers')")
    p.add_argument("--stop-at-recon", type=float, default=None,
                   help="end once the per-epoch recon_greedy reaches this share (e.g. 0.99) and valid_prior "
                        "reaches --stop-at-valid")
    p.add_argument("--stop-at-valid", type=float, default=0.99, help="validity needed by --stop-at-recon")
    p.add_argument("--no-stop", action="store_true", help="train every epoch, even where the preset stops early")
    p.add_argument("--monitor-graphs", type=int, default=500,
                   help="test graphs greedily reconstructed after each epoch (0: no monitor)")
    p.add_argument("--monitor-prior-points", type=int, default=200,
                   help="prior points greedily decoded after each epoch for valid_prior")
    p.add_argument("--unidirectional", action="store_true", help="no backward encoder GRU")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=10, help="epochs between checkpoints")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_common(p)


def _check_train_arguments(args) -> None:
    """Every numeric flag of ``train`` in range (before anything is read or written)."""
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size),
                        ("--hidden-dim", args.hidden_dim), ("--latent-dim", args.latent_dim),
                        ("--embedding-dim", args.embedding_dim), ("--checkpoint-every", args.checkpoint_every)):
        require_at_least(flag, value, 1)
    require_positive("--lr", args.lr)
    for flag, value in (("--warmup-epochs", args.warmup_epochs), ("--grad-clip", args.grad_clip),
                        ("--beta", args.beta), ("--kl-warmup-epochs", args.kl_warmup_epochs),
                        ("--eps-scale", args.eps_scale), ("--monitor-graphs", args.monitor_graphs),
                        ("--monitor-prior-points", args.monitor_prior_points)):
        require_at_least(flag, value, 0)
    require_share("--stop-at-recon", args.stop_at_recon)
    require_share("--stop-at-valid", args.stop_at_valid)


def _check_train_output(args, space) -> None:
    """``--out`` is writable; a fresh run never lands on an existing one; a resumed run has a
    readable config and checkpoint that agree with the flags."""
    from .validation import run_entries

    check_output_dir(args.out, "--out")
    if not args.resume:
        existing = run_entries(args.out)
        if existing:
            raise OpEmbedError(
                f"--out {args.out}: already holds a run ({', '.join(existing)}); nothing was written\n"
                f"  fix: pass --resume to continue it, or choose another --out (delete the folder yourself to "
                "start it over)")
        return
    config_path = args.out / runs.CONFIG
    if config_path.exists():
        config = runs.load_config(args.out)
        runs.model_config_of(config, config_path)
        runs.train_config_of(config, config_path)
        if config["space"] != space.name:
            raise OpEmbedError(f"--space {space.name}: the run in {args.out} was trained on {config['space']}\n"
                               f"  fix: resume it with --space {config['space']}")
    if not (args.out / runs.CHECKPOINT).exists():
        return  # train_run says what is missing, before it writes
    state = runs.load_checkpoint(args.out)
    if args.epochs is not None and args.epochs < state["epoch"]:
        raise OpEmbedError(f"--epochs {args.epochs}: the run in {args.out} is already at epoch {state['epoch']}\n"
                           f"  fix: resume with --epochs {state['epoch']} or more, or leave --epochs out")


def _check_warm_start(args, space) -> None:
    """``--init-embeddings-from RUN`` names a learned run whose last vectors fit this model."""
    if args.init_embeddings_from is None:
        return
    if args.encoding != "learned":
        raise OpEmbedError(f"--init-embeddings-from needs --encoding learned, not {args.encoding}")
    if args.resume:
        raise OpEmbedError("--init-embeddings-from starts a run; a resumed run keeps its own embeddings")
    source = Path(args.init_embeddings_from)
    if not source.is_dir():
        raise OpEmbedError(f"--init-embeddings-from {source}: no such run directory")
    path = source / runs.EMBEDDINGS
    if not path.exists():
        raise OpEmbedError(f"{path}: missing; --init-embeddings-from needs a learned run with embeddings.json")
    data = runs.load_embeddings(source)
    vectors = data["snapshots"][-1]["vectors"]
    shape = (len(vectors), len(vectors[0]))
    wanted = (space.num_node_types, args.embedding_dim)
    if shape != wanted:
        raise OpEmbedError(f"{path}: its vectors are {shape[0]} x {shape[1]}, this model needs {wanted[0]} x "
                           f"{wanted[1]} ({space.name}, --embedding-dim {args.embedding_dim})")


def _cmd_train(args) -> None:
    from .devices import resolve_device
    from .spaces import get_space
    from .train import train_run

    _check_train_arguments(args)
    device = resolve_device(args.device)
    space = get_space(args.space)
    _check_train_output(args, space)
    _check_warm_start(args, space)
    table = space.load(args.data_dir)
    preset = PRESETS[args.preset]
    pick = lambda value, default: default if value is None else value  # noqa: E731
    model_config = ModelConfig(
        num_node_types=space.num_node_types,
        max_nodes=space.max_nodes,
        hidden_dim=pick(args.hidden_dim, preset.hidden_dim),
        latent_dim=pick(args.latent_dim, preset.latent_dim),
        bidirectional=preset.bidirectional and not args.unidirectional,
        encoding=args.encoding,
        embedding_dim=args.embedding_dim,
    )
    train_config = preset.train_config(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, beta=args.beta, eps_scale=args.eps_scale,
        schedule=args.schedule, warmup_epochs=args.warmup_epochs, grad_clip=args.grad_clip,
        kl_warmup_epochs=args.kl_warmup_epochs, seed=args.seed, checkpoint_every=args.checkpoint_every,
        precision=args.precision, monitor_graphs=args.monitor_graphs,
        monitor_prior_points=args.monitor_prior_points, stop_at_recon=args.stop_at_recon,
        stop_at_valid=args.stop_at_valid,
    )
    if args.no_stop:
        train_config = dataclasses.replace(train_config, stop_at_recon=None)
    train_run(space, table, model_config, train_config, args.out, device, resume=args.resume,
              init_embeddings_from=args.init_embeddings_from, preset=args.preset, progress=not args.no_progress)
    print(f"trained: {args.out}")


# ---------------------------------------------------------------- evaluate / table
def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="the D-VAE evaluation protocol; writes metrics.json")
    p.add_argument("run", type=Path)
    p.add_argument("--encode-times", type=int, default=10)
    p.add_argument("--decode-times", type=int, default=10)
    p.add_argument("--prior-points", type=int, default=1000)
    p.add_argument("--gp-seeds", type=int, default=10)
    p.add_argument("--parts", default="recon,prior,gp",
                   help="comma-separated subset of recon,prior,gp,constrained (constrained: recon and prior "
                        "again with the space's rules masked while decoding, reported beside the papers' figures)")
    p.add_argument("--constrained", action="store_true", help="add the constrained part to --parts")
    p.add_argument("--no-progress", action="store_true")
    _add_common(p)


def _cmd_evaluate(args) -> None:
    from .devices import resolve_device
    from .evaluate import EvalConfig, evaluate_run

    for flag, value in (("--encode-times", args.encode_times), ("--decode-times", args.decode_times),
                        ("--prior-points", args.prior_points), ("--gp-seeds", args.gp_seeds)):
        require_at_least(flag, value, 1)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    if args.constrained and "constrained" not in parts:
        parts += ("constrained",)
    unknown = set(parts) - {"recon", "prior", "gp", "constrained"}
    if unknown or not parts:
        raise OpEmbedError(f"--parts {args.parts}: unknown {sorted(unknown)}; use recon, prior, gp, constrained")
    device = resolve_device(args.device)
    config = runs.load_config(args.run)
    check_output_dir(args.run, "RUN")
    if (args.run / runs.METRICS).exists():
        runs.load_metrics(args.run)  # a damaged metrics.json is reported, never overwritten
    space, table = _load_space(config["space"], args.data_dir, args.run)
    eval_config = EvalConfig(encode_times=args.encode_times, decode_times=args.decode_times,
                             num_prior_points=args.prior_points, gp_seeds=args.gp_seeds)
    metrics = evaluate_run(args.run, space, table, device, eval_config,
                           progress=not args.no_progress, parts=parts)
    print(format_metrics_table({str(args.run): metrics}))


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


def _add_table(sub) -> None:
    p = sub.add_parser("table", help="print the metrics of runs side by side (Markdown)")
    p.add_argument("runs", type=Path, nargs="+")


def _cmd_table(args) -> None:
    metrics = {}
    for run in args.runs:
        path = run / runs.METRICS
        if not path.exists():
            raise OpEmbedError(f"{path}: missing; run `python -m core evaluate {run}` first")
        metrics[str(run)] = runs.load_metrics(run)
    print(format_metrics_table(metrics))


# ---------------------------------------------------------------- analysis
def _add_project(sub) -> None:
    p = sub.add_parser("project", help="2-D projection of every latent mean, cached in the run")
    p.add_argument("run", type=Path)
    p.add_argument("--method", choices=["umap", "pca", "tsne"], default="umap")
    p.add_argument("--n-neighbors", type=int, default=15)
    p.add_argument("--min-dist", type=float, default=0.1)
    p.add_argument("--metric", default="euclidean")
    p.add_argument("--seed", type=int, default=0)


def _cmd_project(args) -> None:
    from .projection import load_or_compute_projection

    require_at_least("--n-neighbors", args.n_neighbors, 2)
    require_share("--min-dist", args.min_dist)
    runs.load_config(args.run)
    check_output_dir(args.run / runs.PROJECTIONS, "RUN")
    frame = load_or_compute_projection(args.run, args.method, n_neighbors=args.n_neighbors,
                                       min_dist=args.min_dist, metric=args.metric, seed=args.seed)
    print(f"{args.method}: {len(frame)} points cached in {args.run / 'projections'}")


def _add_smoothness(sub) -> None:
    p = sub.add_parser("smoothness", help="smoothness numbers of a latent space; writes smoothness.json")
    p.add_argument("run", type=Path)
    p.add_argument("--data-dir", default=None)


def _cmd_smoothness(args) -> None:
    import json

    from .smoothness import write_smoothness

    config = runs.load_config(args.run)
    check_output_dir(args.run, "RUN")
    runs.read_latents(args.run)  # before the (slower) space: a damaged file is reported at once
    space, table = _load_space(config["space"], args.data_dir, args.run)
    result = write_smoothness(args.run, space, table)
    print(json.dumps(result, indent=2, default=str))


def _add_export(sub) -> None:
    p = sub.add_parser("export", help="write every dashboard figure and its CSV, without a browser")
    p.add_argument("runs", type=Path, nargs="+")
    p.add_argument("--format", choices=["png", "svg", "pdf", "html"], default="pdf")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--projection", default="umap", help="comma-separated: umap,pca,tsne (default umap)")
    p.add_argument("--data-dir", default=None, help="where the enas data file lives")


def _cmd_export(args) -> None:
    from .export import export_runs
    from .projection import METHODS

    projections = tuple(p.strip() for p in args.projection.split(",") if p.strip())
    unknown = [p for p in projections if p not in METHODS]
    if unknown or not projections:
        raise OpEmbedError(f"--projection {args.projection}: use umap, pca, tsne (comma-separated)")
    check_output_dir(args.out, "--out")
    written = export_runs(args.runs, args.format, args.out, projections=projections, data_dir=args.data_dir)
    print(f"wrote {len(written)} files to {args.out}")


def _add_quality(sub) -> None:
    p = sub.add_parser("quality", help="time to quality: recipe, wall time to 90 %% and 99 %% greedy "
                                       "reconstruction, final metrics (Markdown)")
    p.add_argument("runs", type=Path, nargs="+")


def _cmd_quality(args) -> None:
    from .quality_table import quality_table, to_markdown

    print(to_markdown(quality_table(args.runs)))


def _add_recon_bound(sub) -> None:
    p = sub.add_parser("recon-bound", help="the most a D-VAE decoder can reconstruct exactly, greedily, in a space")
    p.add_argument("--space", required=True, help="enas6 | nbg-<dataset>")
    p.add_argument("--split", choices=["all", "train", "test"], default="all")
    p.add_argument("--data-dir", default=None)


def _cmd_recon_bound(args) -> None:
    from .recon_bound import recon_bound

    space, table = _load_space(args.space, args.data_dir)
    result = recon_bound(table, space.max_nodes, None if args.split == "all" else table.indices(args.split))
    print(f"{space.name} ({args.split}, {result.graphs} graphs): type collisions {100 * result.type_collisions:.2f} %, "
          f"early-END risk {100 * result.end_collisions:.2f} %, edge collisions {100 * result.edge_collisions:.2f} %; "
          f"greedy exact reconstruction is at most {100 * result.bound:.2f} %")


# ---------------------------------------------------------------- data
def _add_fetch(sub) -> None:
    p = sub.add_parser("fetch", help="download a dataset and check its sha256")
    p.add_argument("dataset", choices=["enas6"])
    p.add_argument("--data-dir", default=None)


def _cmd_fetch(args) -> None:
    from .data_dir import fetch_enas6, resolve_data_dir

    path = fetch_enas6(resolve_data_dir(args.data_dir))
    print(f"ok: {path}")


# ---------------------------------------------------------------- main
COMMANDS = {
    "train": (_add_train, _cmd_train),
    "evaluate": (_add_evaluate, _cmd_evaluate),
    "table": (_add_table, _cmd_table),
    "project": (_add_project, _cmd_project),
    "smoothness": (_add_smoothness, _cmd_smoothness),
    "export": (_add_export, _cmd_export),
    "fetch": (_add_fetch, _cmd_fetch),
    "recon-bound": (_add_recon_bound, _cmd_recon_bound),
    "quality": (_add_quality, _cmd_quality),
}


def _optional_commands(sub) -> dict:
    """Commands whose modules may add their own parsers (bo, bench, demo)."""
    handlers = {}
    try:
        from .bo.cli import add_bo_arguments, add_bo_summary_arguments, bo_main, bo_summary_main

        add_bo_arguments(sub.add_parser("bo", help="Bayesian optimisation in the latent space of a run"))
        add_bo_summary_arguments(sub.add_parser("bo-summary", help="best-found against queries, as a table"))
        handlers["bo"], handlers["bo-summary"] = bo_main, bo_summary_main
    except ImportError:
        pass
    try:
        from .bench import add_bench_arguments, bench_main

        add_bench_arguments(sub.add_parser("bench", help="speed benchmark: prints a table, writes JSON"))
        handlers["bench"] = bench_main
    except ImportError:
        pass
    try:
        from .demo import add_demo_arguments, demo_main

        add_demo_arguments(sub.add_parser("demo", help="train, evaluate and analyse the shipped demo pair"))
        handlers["demo"] = demo_main
    except ImportError:
        pass
    return handlers


def _run_dirs_written(args) -> list[Path]:
    """The run directories a command writes into (its ``run`` argument), if it has one."""
    if args.command == "bo":
        return [Path(run) for run in args.runs]
    run = getattr(args, "run", None)
    return [Path(run)] if args.command in ("evaluate", "project", "smoothness") and run else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__,
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in COMMANDS.values():
        add(sub)
    extra = _optional_commands(sub)
    args = parser.parse_args(argv)
    try:
        for run_dir in _run_dirs_written(args):  # a killed earlier command's half-written files
            runs.remove_stale_temp_files(run_dir)
        if args.command in COMMANDS:
            COMMANDS[args.command][1](args)
        else:
            extra[args.command](args)
    except OpEmbedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished checkpoints are kept; continue with --resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
