"""``python -m core bo`` and ``python -m core bo-summary``: argument parsers and entry points.

``core/__main__.py`` lists them in its ``COMMANDS`` table: ``add_bo_arguments`` /
``add_bo_summary_arguments`` fill each command's parser, ``bo_main`` / ``bo_summary_main``
run it. Torch, BoTorch and the figures are imported inside the functions that search or
draw, so ``--help`` and ``bo-summary`` run without them.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from core import runs
from core.errors import OpEmbedError
from core.runs import atomic_write_csv
from core.cli.validation import check_output_dir, check_output_file, require_at_least, require_at_most, require_in_limits
from core.spaces import get_space
from core.bo.config import (
    BATCH_RULES, FEATURES, GP_REFITS, LOCAL_DEPTHS, METHODS, MODES, POOL_ONLY, PROTOCOLS, REGIONS, SURROGATES, BOConfig,
    methods_of,
)
from core.bo.oracle import oracle_target
from core.bo.protocols import default_protocol
from core.bo.race import (
    BUDGETS, compact_race, race_frame, race_markdown, race_wide_markdown, versus_first_run, versus_markdown,
)
from core.bo.summary import DEFAULT_CHECKPOINTS, summarise_bo, summary_markdown


def run_bo_command(run_dir: Path, methods: str | list[str] = "all", seeds: int = 10,
                   mode: str | None = None, oracle: str | None = None, device: str = "auto",
                   data_dir: Path | None = None, resume: bool = True, progress: bool = True,
                   config: BOConfig = BOConfig(), conditional_runs: int = 0) -> list[Path]:
    """Run every method for seeds ``0 .. seeds-1`` on one trained run.

    Args:
        run_dir: the run (``config.json``, ``model.pt``, ``latents.parquet``).
        methods: ``"all"``, one method name, or a list of them.
        seeds: how many seeds (0 .. seeds-1); every method uses the same ones.
        mode: ``pool`` or ``decode``; default pool (every space here is enumerable).
        oracle: a registered oracle's name or ``module:function`` scoring a key (decode mode
            on ENAS needs one); imported and run (:func:`core.bo.oracle.load_oracle`).
        device: ``auto``, ``cpu`` or ``cuda``: where the model decodes and the GP trains.
        data_dir: where the space's data file lives.
        resume: continue existing result files (finished ones are skipped).
        progress: show progress bars.
        config: protocol, rounds, batch size, decode attempts, GP and acquisition settings
            (``config.protocol`` is used as it is; :func:`run_protocol` gives a space's default).
        conditional_runs: then this many evolution searches from each seed's start
            (:mod:`core.bo.conditional`, the race's reference); 0: none.

    Returns:
        The result files, ``RUN/bo/<method>-seed<S>.json`` (then ``RUN/bo/conditional/...``).

    Raises:
        RunDirError: the run lacks ``model.pt``, ``config.json`` or ``latents.parquet``.
        OpEmbedError: a bad ``--oracle``, or decode mode on ENAS without one.

    Example:
        >>> run_bo_command(Path("runs/nbg-cora-learned"), methods="random-search", seeds=2,
        ...                config=BOConfig(rounds=2, batch_size=10, protocol="few-label", init=16))
    """
    from core.training.devices import resolve_device  # torch and BoTorch, from here on
    from core.bo.conditional import run_conditional
    from core.bo.loop import result_path, run_search
    from core.bo.methods import make_method
    from core.bo.methods.dvae_local import check_local
    from core.bo.mutation import has_operator
    from core.bo.problem import load_problem

    names = methods_of(methods, mode) if isinstance(methods, str) else list(methods)
    for name in names:
        if name not in METHODS:
            raise ValueError(f"unknown BO method {name!r}; choose from all, {', '.join(METHODS)}")
    resolved = resolve_device(device)
    chosen = [make_method(name, config, resolved) for name in names]
    problem = load_problem(run_dir, mode=mode, oracle=oracle, decode_attempts=config.decode_attempts,
                           data_dir=data_dir, device=resolved,
                           need_decoder=any(method.uses_decoder for method in chosen))
    if methods == "all" and not has_operator(problem.space):  # "all": the methods that apply
        kept = [i for i, name in enumerate(names) if name not in POOL_ONLY]
        names, chosen = [names[i] for i in kept], [chosen[i] for i in kept]
    for name in names:
        if name in POOL_ONLY:
            check_local(problem, config.features)  # before any search starts
    paths = []
    for name, method in zip(names, chosen):
        for seed in range(int(seeds)):
            path = result_path(run_dir, name, seed)
            run_search(problem, method, seed, config, path, resume=resume, progress=progress)
            paths.append(path)
    if conditional_runs:
        paths += run_conditional(problem, config, range(int(seeds)), conditional_runs, run_dir, resume=resume,
                                 progress=progress)
    return paths


def add_bo_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core bo``."""
    defaults = BOConfig()
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="trained run directories")
    parser.add_argument("--method", default="all", choices=["all", *METHODS],
                        help="search method; all: every one that applies (dvae-local only in pool mode) "
                             "(default: all)")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="BO rounds (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size,
                        help="queries per round (default: %(default)s)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 per method (default: %(default)s)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default=None,
                        help="few-label: every method starts from the same --init random labelled architectures "
                             "per seed; paper: D-VAE's, the training split is labelled (default: few-label for "
                             "nbg-*, paper for enas6)")
    parser.add_argument("--init", type=int, default=defaults.init,
                        help="few-label: labelled architectures at the start (default: %(default)s)")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="pool: choose among the space's unobserved architectures (no query is ever invalid or "
                             "a duplicate); decode: decode latent points, re-drawing observed and invalid decodes "
                             "(default: pool)")
    parser.add_argument("--surrogate", choices=SURROGATES, default=None,
                        help="exact: BoTorch SingleTaskGP; sparse: the paper's sparse GP (default: exact for "
                             "few-label, sparse for paper)")
    parser.add_argument("--region", choices=REGIONS, default=None,
                        help="decode mode: where the acquisition looks (default: trust-region for few-label, box "
                             "for paper)")
    parser.add_argument("--batch-rule", choices=BATCH_RULES, default=defaults.batch_rule,
                        help="exact GP: believer (LogEI with Kriging-believer fantasies) or qlognei (BoTorch "
                             "qLogNoisyExpectedImprovement + optimize_acqf_discrete; slow) (default: %(default)s)")
    parser.add_argument("--max-redraws", type=int, default=defaults.max_redraws,
                        help="decode mode: extra batches of points when re-draws leave a round short "
                             "(default: %(default)s)")
    parser.add_argument("--oracle", default=None, metavar="NAME|MODULE:FUNCTION",
                        help="function key -> accuracy scoring the queried architectures (decode mode on enas needs "
                             "one): a name registered under the opembed.oracles entry points, or module:function; "
                             "it is code, imported and run (default: the bench, or the dataset in pool mode)")
    parser.add_argument("--decode-attempts", type=int, default=defaults.decode_attempts,
                        help="stochastic decodes per latent point; the most common valid one is kept "
                             "(default: %(default)s; the paper: 500)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=None, help="directory of the space's data file")
    parser.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                        help="continue existing result files; --no-resume starts over (default: resume)")
    parser.add_argument("--gp-inducing", type=int, default=defaults.gp_inducing,
                        help="sparse-GP inducing points (default: %(default)s)")
    parser.add_argument("--gp-iterations", type=int, default=defaults.gp_iterations,
                        help="sparse-GP epochs per fit (default: %(default)s)")
    parser.add_argument("--gp-refit", choices=GP_REFITS, default=defaults.gp_refit,
                        help="every round: variational = exact q(u) on all observations with the kernel "
                             "fitted once on the training latents (seconds); full = a fresh sparse-GP fit "
                             "(default: %(default)s)")
    parser.add_argument("--num-restarts", type=int, default=defaults.num_restarts,
                        help="acquisition ascents per batch point, decode mode (default: %(default)s)")
    parser.add_argument("--raw-samples", type=int, default=defaults.raw_samples,
                        help="random points seeding those restarts (default: %(default)s)")
    parser.add_argument("--local-parents", type=int, default=defaults.local_parents,
                        help="dvae-local: the best observed cells whose mutation neighbourhoods are the candidates "
                             "(default: %(default)s)")
    parser.add_argument("--local-depth", type=int, choices=LOCAL_DEPTHS, default=defaults.local_depth,
                        help="dvae-local: mutations from a parent cell (default: %(default)s)")
    parser.add_argument("--local-candidates", type=int, default=defaults.local_candidates,
                        help="dvae-local: most candidates per round, the best parents' nearest first "
                             "(default: %(default)s)")
    parser.add_argument("--features", choices=FEATURES, default=defaults.features,
                        help="dvae-local: the GP's inputs, the run's latent means or the cells' operations one-hot "
                             "and upper-triangular adjacency (exact GP only) (default: %(default)s)")
    parser.add_argument("--conditional-runs", type=int, default=0,
                        help="then this many evolution searches from each seed's start cells (RUN/bo/conditional/): "
                             "the race pairs each seed with their mean; the race asks for at least 50 "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def check_bo_arguments(args: argparse.Namespace) -> None:
    """Every numeric flag of ``bo`` in range, and an ``--oracle`` name registered, before
    anything is read or written (the oracle's code is imported later, by the search)."""
    if args.oracle:
        oracle_target(args.oracle)
    require_at_least("--max-redraws", args.max_redraws, 0)
    require_at_least("--init", args.init, 2)
    for flag, value in (("--rounds", args.rounds), ("--batch-size", args.batch_size), ("--seeds", args.seeds),
                        ("--decode-attempts", args.decode_attempts), ("--gp-inducing", args.gp_inducing),
                        ("--gp-iterations", args.gp_iterations), ("--num-restarts", args.num_restarts),
                        ("--raw-samples", args.raw_samples)):
        require_at_least(flag, value, 1)
    require_in_limits({"--rounds": args.rounds, "--seeds": args.seeds, "--init": args.init,
                       "--gp-inducing": args.gp_inducing, "--gp-iterations": args.gp_iterations,
                       "--decode-attempts": args.decode_attempts, "--batch-size": args.batch_size})
    require_at_least("--local-parents", args.local_parents, 1)
    require_at_least("--local-candidates", args.local_candidates, 1)
    require_at_least("--conditional-runs", args.conditional_runs, 0)
    require_at_most("--local-parents", args.local_parents, 10_000)
    require_at_most("--local-candidates", args.local_candidates, 100_000)
    require_at_most("--conditional-runs", args.conditional_runs, 1_000)
    if args.method == "dvae-local" and args.mode == "decode":
        raise OpEmbedError("--method dvae-local --mode decode: dvae-local picks among the table's cells and never "
                           "decodes\n  fix: drop --mode decode (pool is the default), or use --method dvae")
    if args.features != "latent" and args.method != "dvae-local":  # the other methods' files stay as they were
        raise OpEmbedError(f"--features {args.features}: only dvae-local reads it, not --method {args.method}\n"
                           "  fix: pass --method dvae-local, or drop --features")
    if args.features != "latent" and args.surrogate == "sparse":
        raise OpEmbedError(f"--features {args.features} --surrogate sparse: the one-hot features need the exact GP\n"
                           "  fix: drop --surrogate sparse (few-label's exact GP is the default on nbg)")


def check_local_spaces(method: str, space_names: list[str]) -> None:
    """``--method dvae-local`` on a run whose space has no mutation operator: one line."""
    from core.bo.mutation import has_operator

    if method != "dvae-local":
        return
    for name in space_names:
        if not has_operator(get_space(name)):
            raise OpEmbedError(f"--method dvae-local: {name} has no mutation operator, so its cells have no "
                               "neighbours\n  fix: use --method dvae")


def bo_config_from_args(args: argparse.Namespace, space_name: str | None = None) -> BOConfig:
    """The flags as a :class:`BOConfig`; ``--protocol`` left out takes the default of the
    run's space (``space_name``; :func:`core.bo.protocols.default_protocol`)."""
    protocol = args.protocol or (default_protocol(get_space(space_name)) if space_name else BOConfig().protocol)
    return dataclasses.replace(
        BOConfig(), rounds=args.rounds, batch_size=args.batch_size, protocol=protocol, init=args.init,
        surrogate=args.surrogate, region=args.region, batch_rule=args.batch_rule, max_redraws=args.max_redraws,
        decode_attempts=args.decode_attempts, gp_inducing=args.gp_inducing, gp_iterations=args.gp_iterations,
        gp_refit=args.gp_refit, num_restarts=args.num_restarts, raw_samples=args.raw_samples,
        local_parents=args.local_parents, local_depth=args.local_depth, local_candidates=args.local_candidates,
        features=args.features,
    ).resolved()


def bo_main(args: argparse.Namespace) -> int:
    """Run ``python -m core bo``; prints the race and the summary of the runs at the end."""
    from core.training.devices import resolve_device  # torch

    check_bo_arguments(args)
    resolve_device(args.device)
    configs = []
    for run_dir in args.runs:  # every run readable and writable before the first search starts
        space_name = runs.load_config(run_dir)["space"]
        configs.append(bo_config_from_args(args, space_name))
        if args.features != "latent" and configs[-1].surrogate != "exact":
            raise OpEmbedError(f"--features {args.features}: {run_dir} searches with the sparse GP ({configs[-1].protocol} "
                               "protocol), and the one-hot features need the exact GP\n"
                               "  fix: pass --surrogate exact")
        check_local_spaces(args.method, [space_name])
        check_output_dir(Path(run_dir) / runs.BO_DIR, "RUN")
        runs.read_latents(run_dir)
    for run_dir, config in zip(args.runs, configs):
        paths = run_bo_command(run_dir, methods=args.method, seeds=args.seeds, mode=args.mode,
                               oracle=args.oracle, device=args.device, data_dir=args.data_dir,
                               resume=args.resume, progress=not args.quiet, config=config,
                               conditional_runs=args.conditional_runs)
        print(f"{run_dir}: {len(paths)} result files in {Path(run_dir) / 'bo'} ({config.protocol} protocol)")
    queries = args.rounds * args.batch_size
    print(race_markdown(race_frame(args.runs, tuple(b for b in BUDGETS if b < queries) + (queries,))))
    print()
    print(summary_markdown(summarise_bo(args.runs, _checkpoints(args.rounds))))
    return 0


def _checkpoints(rounds: int) -> tuple[int, ...]:
    """Rounds 1, 5, 10 that exist, and the last round."""
    return tuple(sorted({c for c in DEFAULT_CHECKPOINTS if c <= rounds} | {rounds}))


def add_bo_summary_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m core bo-summary``."""
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="run directories with bo/ results")
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)),
                        help="query budgets of the race table, comma-separated (default: %(default)s)")
    parser.add_argument("--checkpoints", default=",".join(map(str, DEFAULT_CHECKPOINTS)),
                        help="rounds after which to report the best found, comma-separated (default: %(default)s)")
    parser.add_argument("--csv", type=Path, default=None, help="also write the race table as CSV here")
    parser.add_argument("--figure", type=Path, default=None,
                        help="also draw the regret curves (mean ± s.e. over seeds) to this .png, .svg, .pdf or .html")
    parser.add_argument("--compact", action="store_true",
                        help="random search and evolution once, not once per run (where their figures repeat)")
    parser.add_argument("--wide", action="store_true",
                        help="the race as one row per run and method, one column per budget (regret, p vs evolution)")
    parser.add_argument("--groups", action="store_true",
                        help="seed groups instead: the runs (folders are searched) grouped by their settings, latent "
                             "BO's regret per budget as mean ± 95 %% CI over model seeds, and n")


def bo_summary_main(args: argparse.Namespace) -> int:
    """Run ``python -m core bo-summary``: print the race table (per budget), then the
    summary table (per checkpoint round: counts, timing)."""
    checkpoints = _positive_list(args.checkpoints, "--checkpoints", "round numbers, e.g. 1,5,10")
    budgets = _positive_list(args.budgets, "--budgets", "query counts, e.g. 50,100,200,500")
    if args.csv is not None:
        check_output_file(args.csv, "--csv")
    if args.figure is not None:
        check_output_file(args.figure, "--figure")
        figure_format = args.figure.suffix.lstrip(".").lower()
        if figure_format not in ("png", "svg", "pdf", "html"):
            raise OpEmbedError(f"--figure {args.figure}: name a .png, .svg, .pdf or .html file")
    if args.groups:
        from core.groups import find_runs, group_runs
        from core.groups.tables import group_bo_markdown

        print(group_bo_markdown(group_runs(find_runs(args.runs)), budgets))
        return 0
    race: pd.DataFrame = race_frame(args.runs, budgets)
    shown = compact_race(race) if args.compact else race
    print(race_wide_markdown(shown) if args.wide else race_markdown(shown))
    print()
    if len(args.runs) > 1:
        versus = versus_first_run(args.runs, budgets)
        if not versus.empty:
            print(versus_markdown(versus))
            print()
    print(summary_markdown(summarise_bo(args.runs, checkpoints)))
    if args.csv is not None:
        atomic_write_csv(args.csv, race)
    if args.figure is not None:
        from core.reports.export import figure_bytes  # the figures' recipes import torch
        from core.reports.best_cells import bo_regret

        report = bo_regret([runs.Run.open(run) for run in args.runs])
        runs.atomic_write_bytes(args.figure, figure_bytes(report[0], figure_format))
        print(f"wrote {args.figure}")
    return 0


def _positive_list(text: str, flag: str, what: str) -> tuple[int, ...]:
    """Comma-separated positive integers."""
    try:
        values = tuple(int(c) for c in text.split(",") if c.strip())
    except ValueError:
        raise OpEmbedError(f"{flag} {text!r}: expected comma-separated {what}") from None
    if not values or min(values) < 1:
        raise OpEmbedError(f"{flag} {text!r}: expected comma-separated {what}, counted from 1")
    return values
