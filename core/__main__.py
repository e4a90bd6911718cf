"""``python -m core <command>``: a thin command line over the modules of ``core``.

Errors in the user's input print as one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from core.errors import OpEmbedError  # the only project import here: see COMMANDS

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


# ---------------------------------------------------------------- the command table
Adder = Callable[[argparse.ArgumentParser], None]  # adds a command's flags to its parser
Runner = Callable[[argparse.Namespace], None]  # runs the command


def _lazy(target: str) -> Callable:
    """``"module:function"`` as a function that imports ``module`` only when it is called."""
    module, name = target.split(":")
    return lambda *args: getattr(importlib.import_module(module), name)(*args)


def _add_train(parser: argparse.ArgumentParser) -> None:
    """``train``'s flags (core/cli/train.py), then --data-dir and --device."""
    from core.cli.commands import add_common_arguments
    from core.cli.train import add_train_arguments

    add_train_arguments(parser)
    add_common_arguments(parser)


# name: (help, its flags, what it runs), in the order --help lists them. Each command's module is
# imported only when that command is parsed or run: `python -m core --help` imports none of
# them, and `<command> --help` only a light one (torch, PyG, UMAP, BoTorch wait for the run).
COMMANDS: dict[str, tuple[str, Adder, Runner]] = {
    "train": ("train a D-VAE (one-hot) or DVAE-EMB (learned) model", _add_train,
              _lazy("core.cli.train:train_main")),
    "evaluate": ("the D-VAE evaluation protocol; writes metrics.json",
                 _lazy("core.cli.commands:add_evaluate_arguments"), _lazy("core.cli.commands:evaluate_main")),
    "table": ("print the metrics of runs side by side (Markdown)",
              _lazy("core.cli.commands:add_table_arguments"), _lazy("core.cli.commands:table_main")),
    "project": ("2-D projection of every latent mean, cached in the run",
                _lazy("core.cli.commands:add_project_arguments"), _lazy("core.cli.commands:project_main")),
    "smoothness": ("smoothness numbers of a latent space; writes smoothness.json",
                   _lazy("core.cli.commands:add_smoothness_arguments"), _lazy("core.cli.commands:smoothness_main")),
    "export": ("write every dashboard figure and its CSV, without a browser",
               _lazy("core.cli.commands:add_export_arguments"), _lazy("core.cli.commands:export_main")),
    "fetch": ("download a dataset and check its sha256",
              _lazy("core.cli.commands:add_fetch_arguments"), _lazy("core.cli.commands:fetch_main")),
    "recon-bound": ("the most a D-VAE decoder can reconstruct exactly, greedily, in a space",
                    _lazy("core.cli.commands:add_recon_bound_arguments"), _lazy("core.cli.commands:recon_bound_main")),
    "quality": ("time to quality: recipe, wall time to 90 %% and 99 %% greedy reconstruction, final metrics "
                "(Markdown)", _lazy("core.cli.commands:add_quality_arguments"), _lazy("core.cli.commands:quality_main")),
    "relabel": ("copy a run under another space with the same architectures (NAS-Bench-Graph datasets)",
                _lazy("core.cli.commands:add_relabel_arguments"), _lazy("core.cli.commands:relabel_main")),
    "verdict": ("a verdict on each of the paper's claims: seed group B against seed group A, mean ± 95 %% CI, "
                "test, p", _lazy("core.cli.commands:add_verdict_arguments"), _lazy("core.cli.commands:verdict_main")),
    "compact": ("copy a finished run's figures (config, history, metrics, embeddings, smoothness, BO keys and "
                "values) without its model and latents, for seed groups",
                _lazy("core.cli.commands:add_compact_arguments"), _lazy("core.cli.commands:compact_main")),
    "bo": ("Bayesian optimisation in the latent space of a run", _lazy("core.bo.cli:add_bo_arguments"),
           _lazy("core.bo.cli:bo_main")),
    "bo-summary": ("best-found against queries, as a table", _lazy("core.bo.cli:add_bo_summary_arguments"),
                   _lazy("core.bo.cli:bo_summary_main")),
    "bench": ("speed benchmark: prints a table, writes JSON", _lazy("core.bench.cli:add_bench_arguments"),
              _lazy("core.bench.run:bench_main")),
    "demo": ("train, evaluate and analyse the shipped demo pair", _lazy("core.cli.demo:add_demo_arguments"),
             _lazy("core.cli.demo:demo_main")),
    "sweep": ("a grid of runs (train, evaluate, project, smoothness, bo) as Ray tasks",
              _lazy("core.sweep.cli:add_sweep_arguments"), _lazy("core.sweep.cli:sweep_main")),
}


def _run_dirs_written(args) -> list[Path]:
    """The run directories a command writes into (its ``run`` argument), if it has one."""
    if args.command == "bo":
        return [Path(run) for run in args.runs]
    run = getattr(args, "run", None)
    return [Path(run)] if args.command in ("evaluate", "project", "smoothness") and run else []


class OneLineParser(argparse.ArgumentParser):
    """argparse with its usage errors as one ``error:`` line and a ``fix:`` line (exit 2),
    instead of the usage block. A command's parser adds its flags (``add_flags``) only when
    that command is parsed, so ``python -m core --help`` imports no command's module."""

    def __init__(self, *args, add_flags: Adder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_flags = add_flags

    def parse_known_args(self, args=None, namespace=None):
        if self.add_flags is not None:
            add, self.add_flags = self.add_flags, None
            add(self)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message}\n  fix: `{self.prog} --help` lists the flags and their choices\n")


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m core", description=__doc__,
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for name, (help_text, add, _) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_flags=add)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error, already printed as one line (2)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        for run_dir in _run_dirs_written(args):  # a killed earlier command's half-written files
            from core.runs import remove_stale_temp_files

            remove_stale_temp_files(run_dir)
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
