"""The settings of a Bayesian-optimisation experiment, stored in every result file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import GP_INDUCING, GP_ITERATIONS, GP_LR

METHODS = ["dvae", "random-prior", "random-search", "evolution"]
MODES = ["pool", "decode"]
GP_REFITS = ["variational", "full"]
# paper: D-VAE's protocol, the training split is labelled at the start (about 90 % of the space).
# few-label: arch2vec's, every method starts from the same `init` random labelled architectures.
PROTOCOLS = ["few-label", "paper"]
SURROGATES = ["exact", "sparse"]  # exact: BoTorch SingleTaskGP; sparse: core.gp's SVGP
REGIONS = ["trust-region", "quantile", "box"]  # where decode mode looks (core.bo.regions)
BATCH_RULES = ["believer", "qlognei"]  # how the exact GP fills a batch (core.bo.batch)
OUTPUT_WARPS = ["copula", "none"]  # the exact GP's y: normal scores of the ranks, or y itself


@dataclass(frozen=True)
class BOConfig:
    """One BO experiment. Defaults follow D-VAE's ``bo.py`` where it has a setting.

    ``surrogate`` and ``region`` left as ``None`` take the protocol's choice (:meth:`resolved`):
    the exact GP and the trust region for ``few-label``; the sparse GP and the training
    latents' box (the reference's) for ``paper``. The result file records the resolved values.
    """

    rounds: int = 10  # BO rounds (the reference: 10)
    batch_size: int = 50  # queries per round (the reference: 50)
    protocol: str = "few-label"  # what is labelled at the start (PROTOCOLS)
    init: int = 16  # few-label: random labelled architectures at the start, the same for every method
    surrogate: str | None = None  # SURROGATES; None: exact for few-label, sparse for paper
    region: str | None = None  # REGIONS (decode mode); None: trust-region for few-label, box for paper
    batch_rule: str = "believer"  # BATCH_RULES (exact surrogate)
    output_warp: str = "copula"  # OUTPUT_WARPS (exact surrogate)
    pool_prune: int = 2000  # exact surrogate: candidates kept (by LogEI) before the batch is built
    candidates: int = 4096  # exact surrogate, decode mode: Sobol points drawn in the region per batch
    quantile: float = 0.05  # region "quantile": the box [q, 1 - q] of the reference latents, per dimension
    max_redraws: int = 4  # decode mode: extra batches of acquisition points when redraws leave a round short
    decode_attempts: int = 50  # stochastic decodes per latent point (the reference: 500)
    gp_inducing: int = GP_INDUCING  # sparse-GP inducing points (the reference: 500)
    gp_iterations: int = GP_ITERATIONS  # sparse-GP epochs per fit (see core.gp)
    # "variational": kernel, noise and inducing points fitted once per search on the training
    # latents; q(u) refitted exactly on everything observed, every round (core.gp.refit_variational).
    # "full": a fresh sparse-GP fit on everything observed, every round.
    gp_refit: str = "variational"
    gp_lr: float = GP_LR  # Adam learning rate of the sparse GP's hyperparameters
    num_restarts: int = 8  # L-BFGS ascents of LogEI per batch point (decode mode, sparse surrogate)
    raw_samples: int = 512  # random box points whose best seed those ascents (decode mode, sparse)
    acq_maxiter: int = 20  # L-BFGS iterations per batch point (decode mode, sparse)
    population: int = 50  # regularised evolution: population size
    tournament: int = 10  # regularised evolution: tournament (sample) size

    def __post_init__(self):
        for name in ("rounds", "batch_size", "init", "decode_attempts", "gp_inducing", "num_restarts",
                     "raw_samples", "population", "tournament", "pool_prune", "candidates"):
            if getattr(self, name) < 1:
                raise ValueError(f"BOConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.max_redraws < 0:
            raise ValueError(f"BOConfig.max_redraws must be at least 0, got {self.max_redraws}")
        if not 0.0 <= self.quantile < 0.5:
            raise ValueError(f"BOConfig.quantile must be in [0, 0.5), got {self.quantile}")
        for name, allowed in (("protocol", PROTOCOLS), ("surrogate", SURROGATES), ("region", REGIONS),
                              ("batch_rule", BATCH_RULES), ("output_warp", OUTPUT_WARPS), ("gp_refit", GP_REFITS)):
            optional = name in ("surrogate", "region") and getattr(self, name) is None
            if getattr(self, name) not in allowed and not optional:
                raise ValueError(f"BOConfig.{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        if self.protocol == "few-label" and self.init < 2:
            raise ValueError("BOConfig.init must be at least 2 for the few-label protocol")
        if self.tournament > self.population:
            raise ValueError("BOConfig.tournament must not exceed BOConfig.population")

    def resolved(self) -> "BOConfig":
        """This config with ``surrogate`` and ``region`` set by the protocol where they are ``None``."""
        few = self.protocol == "few-label"
        return dataclasses.replace(
            self, surrogate=self.surrogate or ("exact" if few else "sparse"),
            region=self.region or ("trust-region" if few else "box"))
