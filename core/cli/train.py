"""``python -m core train``: its flags, the checks made before anything is read or written,
and the call to :func:`core.training.train.train_run`. Torch is imported only once training starts, so
``train --help`` answers at once."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import get_args

from core import runs
from core.config import DVAE_BN_OPTIONS, PRESETS, Encoding, GCNOrder, ModelConfig
from core.errors import OpEmbedError
from core.spaces import get_space
from core.models.encodings import encoding_class
from core.models.registry import MODELS, check_model_encoding
from core.spaces.base import SearchSpace
from core.spaces.node_order import NODE_ORDERS, node_ordered_table
from core.cli.validation import (
    check_output_dir, require_at_least, require_in_limits, require_positive, require_share, run_entries,
)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``train`` (``--data-dir`` and ``--device`` are added by the caller)."""
    parser.add_argument("--space", required=True,
                        help="enas6 | nbg-<dataset> (e.g. nbg-cora) | bn-asia (D-VAE's Bayesian networks)")
    parser.add_argument("--model", choices=list(MODELS), default="dvae",
                        help="; ".join(f"{name}: {spec.summary}" for name, spec in MODELS.items())
                             + " (default: %(default)s)")
    parser.add_argument("--encoding", choices=get_args(Encoding), default="learned")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--out", required=True, type=Path, help="run directory to write")
    parser.add_argument("--resume", action="store_true", help="continue a killed run from its last checkpoint")
    parser.add_argument("--dvae-bn", action=argparse.BooleanOptionalAction, default=None,
                        help="--model dvae as the D-VAE reference's DVAE_BN: nodes send their types' messages, "
                             "not their states, the graph state sums the nodes, the edge MLP reads h0, no vertex "
                             "ids (default: on for bn-asia, off elsewhere)")
    parser.add_argument("--embedding-dim", type=int, default=3,
                        help="size of learned embeddings (default 3, the paper's)")
    parser.add_argument("--init-embeddings-from", type=Path, default=None,
                        help="warm-start embeddings from a learned RUN")
    parser.add_argument("--epochs", type=int, default=None, help="override the preset")
    parser.add_argument("--batch-size", type=int, default=None, help="override the preset")
    parser.add_argument("--hidden-dim", type=int, default=None, help="override the preset")
    parser.add_argument("--latent-dim", type=int, default=None, help="override the preset")
    parser.add_argument("--lr", type=float, default=None, help="override the preset")
    parser.add_argument("--schedule", choices=["plateau", "cosine", "constant"], default=None,
                        help="learning-rate schedule (override the preset; paper: plateau)")
    parser.add_argument("--warmup-epochs", type=float, default=None, help="cosine: epochs of linear warm-up")
    parser.add_argument("--grad-clip", type=float, default=None, help="clip the per-graph gradient norm (0: off)")
    parser.add_argument("--beta", type=float, default=None, help="KL weight (default 0.005, the papers')")
    parser.add_argument("--kl-warmup-epochs", type=float, default=None, help="ramp the KL weight up over these epochs")
    parser.add_argument("--eps-scale", type=float, default=None,
                        help="scale of the reparameterisation noise (default 0.01, the papers')")
    parser.add_argument("--stop-at-recon", type=float, default=None,
                        help="end once the per-epoch recon_greedy reaches this share (e.g. 0.99) and valid_prior "
                             "reaches --stop-at-valid")
    parser.add_argument("--stop-at-valid", type=float, default=0.99, help="validity needed by --stop-at-recon")
    parser.add_argument("--no-stop", action="store_true", help="train every epoch, even where the preset stops early")
    parser.add_argument("--monitor-graphs", type=int, default=500,
                        help="test graphs greedily reconstructed after each epoch (0: no monitor)")
    parser.add_argument("--monitor-prior-points", type=int, default=200,
                        help="prior points greedily decoded after each epoch for valid_prior")
    parser.add_argument("--unidirectional", action="store_true",
                        help="no backward encoder GRU (gcn: predecessors only, not neighbours both ways)")
    parser.add_argument("--gcn-levels", type=int, default=3, help="gcn: graph-convolution levels (default 3)")
    parser.add_argument("--gcn-order", choices=get_args(GCNOrder), default="sequential",
                        help="gcn: sequential (the reference: nodes update in index order within a level) or "
                             "synchronous (default: %(default)s)")
    parser.add_argument("--split", choices=["train", "all"], default="train",
                        help="graphs to train on: the training split, or all architectures (the few-label BO "
                             "protocol's unsupervised pretraining; the VAE never sees accuracies) (default: %(default)s)")
    parser.add_argument("--node-order", choices=NODE_ORDERS, default=None,
                        help="which of each cell's node orders to train on: canonical (the default for "
                             "NAS-Bench-Graph: the order the decoder can write, core/spaces/node_order.py) or "
                             "stored (the table's; ENAS has only one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default=None, metavar="S,S,...",
                        help="train a seed group: one run per seed in OUT/seed<S>, one after another (e.g. "
                             "--seeds 0,1,2,3,4); finished seeds are skipped, --resume continues a stopped one")
    parser.add_argument("--checkpoint-every", type=int, default=10, help="epochs between checkpoints")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_train_arguments(args: argparse.Namespace) -> None:
    """Every numeric flag of ``train`` in range (before anything is read or written)."""
    for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size),
                        ("--hidden-dim", args.hidden_dim), ("--latent-dim", args.latent_dim),
                        ("--embedding-dim", args.embedding_dim), ("--checkpoint-every", args.checkpoint_every),
                        ("--gcn-levels", args.gcn_levels)):
        require_at_least(flag, value, 1)
    check_model_encoding(args.model, args.encoding)
    if getattr(args, "dvae_bn", None) and args.model != "dvae":
        raise OpEmbedError(f"--dvae-bn --model {args.model}: DVAE_BN's options are --model dvae's\n"
                           "  fix: leave --dvae-bn out, or use --model dvae")
    require_positive("--lr", args.lr)
    for flag, value in (("--warmup-epochs", args.warmup_epochs), ("--grad-clip", args.grad_clip),
                        ("--beta", args.beta), ("--kl-warmup-epochs", args.kl_warmup_epochs),
                        ("--eps-scale", args.eps_scale), ("--monitor-graphs", args.monitor_graphs),
                        ("--monitor-prior-points", args.monitor_prior_points)):
        require_at_least(flag, value, 0)
    require_share("--stop-at-recon", args.stop_at_recon)
    require_share("--stop-at-valid", args.stop_at_valid)
    require_at_least("--seed", args.seed, 0)
    require_in_limits({"--epochs": args.epochs, "--batch-size": args.batch_size, "--hidden-dim": args.hidden_dim,
                       "--latent-dim": args.latent_dim, "--embedding-dim": args.embedding_dim,
                       "--checkpoint-every": args.checkpoint_every, "--gcn-levels": args.gcn_levels,
                       "--monitor-graphs": args.monitor_graphs, "--monitor-prior-points": args.monitor_prior_points,
                       "--seed": args.seed, "--lr": args.lr})


def check_train_output(args: argparse.Namespace, space: SearchSpace) -> None:
    """``--out`` is writable; a fresh run never lands on an existing one; a resumed run has a
    readable config and checkpoint that agree with the flags."""
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
        runs.model_config_of(config, config_path)  # strict: every field the model needs is written
        runs.train_config_of(config, config_path)
        trained_on = runs.load_run_config(args.out).space
        if trained_on != space.name:
            raise OpEmbedError(f"--space {space.name}: the run in {args.out} was trained on {trained_on}\n"
                               f"  fix: resume it with --space {trained_on}")
    if not (args.out / runs.CHECKPOINT).exists():
        return  # train_run says what is missing, before it writes
    state = runs.load_checkpoint(args.out)
    if args.epochs is not None and args.epochs < state["epoch"]:
        raise OpEmbedError(f"--epochs {args.epochs}: the run in {args.out} is already at epoch {state['epoch']}\n"
                           f"  fix: resume with --epochs {state['epoch']} or more, or leave --epochs out")


def check_warm_start(args: argparse.Namespace, space: SearchSpace) -> None:
    """``--init-embeddings-from RUN`` names a learned run whose last vectors fit this model."""
    if args.init_embeddings_from is None:
        return
    if not encoding_class(args.encoding).saves_embeddings:
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


def training_node_order(args: argparse.Namespace, space: SearchSpace) -> str:
    """``--node-order``, else a resumed run's own, else canonical for NAS-Bench-Graph and
    stored for ENAS (whose chain allows one order only). A resumed run keeps its order.

    A space with ``single_order`` (bn-asia) trains on its stored order only: ``--node-order
    canonical`` is one line naming the reason (exit status 2), before anything is read. There
    every variable appears once, so the canonical rule, which breaks ties between nodes sharing
    a decoder state, has nothing to break; and its search over every topological order (up to
    40,320 per network) would take hours on the table for nothing.
    """
    if args.node_order == "canonical" and space.single_order is not None:
        raise OpEmbedError(f"--node-order canonical: {space.name} trains on its stored order only: "
                           f"{space.single_order}\n  fix: leave --node-order out")
    saved = None
    if args.resume and (args.out / runs.CONFIG).exists():
        saved = runs.load_run_config(args.out).node_order
    if saved is not None and args.node_order is not None and args.node_order != saved:
        raise OpEmbedError(f"--node-order {args.node_order}: the run in {args.out} trained on the {saved} order\n"
                           f"  fix: resume it with --node-order {saved}, or leave the flag out")
    if saved is not None:
        return saved
    if args.node_order is not None:
        return args.node_order
    return "canonical" if space.name.startswith("nbg-") else "stored"


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``; one line naming the flag for anything else."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise OpEmbedError(f"--seeds {text}: give distinct seeds ≥ 0 separated by commas, e.g. --seeds 0,1,2,3,4")
    return seeds


def seed_run_dir(out: Path, seed: int) -> Path:
    """Where ``train --seeds`` writes a seed's run: ``OUT/seed<S>``."""
    return Path(out) / f"seed{seed}"


def _finished(run_dir: Path) -> bool:
    return (run_dir / runs.MODEL).exists() and (run_dir / runs.LATENTS).exists()


def train_seeds_main(args: argparse.Namespace) -> None:
    """``train --seeds``: every seed's run checked first, then trained one after another."""
    seeds = parse_seeds(args.seeds)
    check_output_dir(args.out, "--out")
    plan = []
    for seed in seeds:
        seed_args = argparse.Namespace(**{**vars(args), "seed": seed, "seeds": None,
                                          "out": seed_run_dir(args.out, seed)})
        if _finished(seed_args.out):
            print(f"seed {seed}: finished already ({seed_args.out}), skipped")
            continue
        seed_args.resume = args.resume and bool(run_entries(seed_args.out))
        if not args.resume and run_entries(seed_args.out):
            raise OpEmbedError(f"--out {seed_args.out}: already holds an unfinished run of seed {seed}; nothing "
                               "was written\n  fix: pass --resume to continue it")
        plan.append(seed_args)
    for seed_args in plan:  # every seed checked before the first one trains
        check_train_arguments(seed_args)
    for number, seed_args in enumerate(plan, start=1):
        print(f"seed {seed_args.seed} ({number} of {len(plan)}): {seed_args.out}")
        train_main(seed_args)


def train_model_config(args: argparse.Namespace, space: SearchSpace) -> ModelConfig:
    """The ``ModelConfig`` of a new run: the preset's sizes unless overridden, and DVAE_BN's
    options (:data:`core.config.DVAE_BN_OPTIONS`) for ``--model dvae`` where ``--dvae-bn`` or,
    without the flag, the space (``SearchSpace.dvae_bn``: bn-asia) asks for them."""
    preset = PRESETS[args.preset]
    pick = lambda value, default: default if value is None else value  # noqa: E731
    dvae_bn = args.model == "dvae" and pick(getattr(args, "dvae_bn", None), space.dvae_bn)
    return ModelConfig(
        num_node_types=space.num_node_types,
        max_nodes=space.max_nodes,
        hidden_dim=pick(args.hidden_dim, preset.hidden_dim),
        latent_dim=pick(args.latent_dim, preset.latent_dim),
        bidirectional=preset.bidirectional and not args.unidirectional,
        encoding=args.encoding,
        embedding_dim=args.embedding_dim,
        model=args.model,
        gcn_levels=args.gcn_levels,
        gcn_order=args.gcn_order,
        **(DVAE_BN_OPTIONS if dvae_bn else {}),
    )


def train_main(args: argparse.Namespace) -> None:
    """``python -m core train``: check every flag, then train (or resume) the run."""
    if getattr(args, "seeds", None) is not None:
        train_seeds_main(args)
        return
    check_train_arguments(args)
    from core.training.devices import resolve_device  # torch, from here on
    from core.training.train import train_run

    device = resolve_device(args.device)
    space = get_space(args.space)
    check_train_output(args, space)
    check_warm_start(args, space)
    node_order = training_node_order(args, space)
    table = node_ordered_table(space, space.load(args.data_dir), node_order, args.data_dir)
    preset = PRESETS[args.preset]
    model_config = train_model_config(args, space)
    train_config = preset.train_config(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, beta=args.beta, eps_scale=args.eps_scale,
        schedule=args.schedule, warmup_epochs=args.warmup_epochs, grad_clip=args.grad_clip,
        kl_warmup_epochs=args.kl_warmup_epochs, seed=args.seed, checkpoint_every=args.checkpoint_every,
        precision=args.precision, monitor_graphs=args.monitor_graphs,
        monitor_prior_points=args.monitor_prior_points, stop_at_recon=args.stop_at_recon,
        stop_at_valid=args.stop_at_valid, split=args.split,
    )
    if args.no_stop:
        train_config = dataclasses.replace(train_config, stop_at_recon=None)
    train_run(space, table, model_config, train_config, args.out, device, resume=args.resume,
              init_embeddings_from=args.init_embeddings_from, preset=args.preset, progress=not args.no_progress,
              node_order=node_order)
    print(f"trained: {args.out}")
