"""The GPU check's tolerances and sizes: plain dataclasses, free of torch, so ``bench --help``
can name them and the JSON record can store them as they were."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    """How far the device may be from the CPU, in fp32, from the same weights and inputs.

    Matrix products and sums run in another order on a GPU (cuBLAS, atomics) than on a CPU,
    so each fp32 result differs in its last bits (relative ~1e-7 per operation); a loss that
    sums a few thousand terms through eight GRU steps lands within ~1e-5 of the CPU's. The
    limits below are ten times that and more, and still catch a wrong kernel, a missing mask
    or a dropped term, which move the loss by far more (percents)."""

    loss_rtol: float = 1e-4  # |loss_device - loss_cpu| <= loss_atol + loss_rtol * |loss_cpu| (math.isclose)
    loss_atol: float = 1e-5
    grad_rtol: float = 1e-3  # per parameter: ||g_device - g_cpu|| / ||g_cpu|| at most this ...
    grad_floor: float = 1e-6  # ... with ||g_cpu|| raised to this share of the whole gradient's norm,
    # so a parameter whose gradient is (near) zero on the CPU is not judged by rounding noise alone
    decode_share: float = 0.99  # share of greedy decodes that must be identical graphs: an argmax
    # between two near-equal logits (or an edge probability at 0.5) may fall either way


TOLERANCES = Tolerances()


@dataclass(frozen=True)
class CheckSizes:
    """How much each stage does: the full check on a GPU, or the dry run's tiny sizes."""

    mode: str  # "full" or "dry-run"
    parity_graphs: int  # graphs per space whose loss and gradients are compared
    parity_prior_points: int  # N(0, I) latents decoded beside those graphs' latent means
    parity_preset: str  # the preset whose model sizes the parity check builds
    epoch_preset: str  # the preset timed for one epoch
    epoch_graphs: int | None  # training graphs in that epoch (None: the space's whole training split)
    train_preset: str  # the preset trained to the target
    train_graphs: int | None  # its training graphs (None: the whole training split)
    train_target: float | None  # greedy reconstruction to reach (None: train one epoch, no target)
    monitor_graphs: int  # test graphs greedily reconstructed after each epoch
    trained_decodes: int  # test graphs whose greedy decodes by the trained model are compared too
    budget_minutes: float  # the whole check's wall time; training gets what the first stages leave


FULL = CheckSizes(mode="full", parity_graphs=64, parity_prior_points=448, parity_preset="paper", epoch_preset="paper",
                  epoch_graphs=None, train_preset="fast", train_graphs=None, train_target=0.99, monitor_graphs=500,
                  trained_decodes=1024, budget_minutes=8.0)
# every code path, in seconds on one CPU thread: 8 graphs, tiny models, 2 training steps, no target
DRY_RUN = CheckSizes(mode="dry-run", parity_graphs=8, parity_prior_points=24, parity_preset="tiny", epoch_preset="tiny",
                     epoch_graphs=64, train_preset="tiny", train_graphs=64, train_target=None, monitor_graphs=8,
                     trained_decodes=32, budget_minutes=2.0)
TRAIN_RESERVE_MINUTES = 0.5  # kept from the training's share for what follows it (latents, decodes, JSON)
MIN_TRAIN_MINUTES = 1.0  # the training gets at least this, whatever the first stages took
