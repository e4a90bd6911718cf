"""The settings of a Bayesian-optimisation experiment, stored in every result file."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.config import GP_INDUCING, GP_ITERATIONS, GP_LR

METHODS = ["dvae", "dvae-local", "random-prior", "random-search", "evolution"]
POOL_ONLY = ["dvae-local"]  # methods that pick among the table's cells and never decode
MODES = ["pool", "decode"]
GP_REFITS = ["variational", "full"]
# paper: D-VAE's protocol, the training split is labelled at the start (about 90 % of the space).
# few-label: arch2vec's, every method starts from the same `init` random labelled architectures.
PROTOCOLS = ["few-label", "paper"]
SURROGATES = ["exact", "sparse"]  # exact: BoTorch SingleTaskGP; sparse: core.analysis.gp's SVGP
REGIONS = ["trust-region", "quantile", "box"]  # where decode mode looks (core.bo.regions)
BATCH_RULES = ["believer", "qlognei"]  # how the exact GP fills a batch (core.bo.batch)
OUTPUT_WARPS = ["copula", "none"]  # the exact GP's y: normal scores of the ranks, or y itself
FEATURES = ["latent", "onehot-adjacency"]  # dvae-local's GP inputs (core.bo.features)
LOCAL_DEPTHS = [1, 2]  # dvae-local: mutations from a parent cell


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
    gp_iterations: int = GP_ITERATIONS  # sparse-GP epochs per fit (see core.analysis.gp)
    # "variational": kernel, noise and inducing points fitted once per search on the training
    # latents; q(u) refitted exactly on everything observed, every round (core.analysis.gp.refit_variational).
    # "full": a fresh sparse-GP fit on everything observed, every round.
    gp_refit: str = "variational"
    gp_lr: float = GP_LR  # Adam learning rate of the sparse GP's hyperparameters
    num_restarts: int = 8  # L-BFGS ascents of LogEI per batch point (decode mode, sparse surrogate)
    raw_samples: int = 512  # random box points whose best seed those ascents (decode mode, sparse)
    acq_maxiter: int = 20  # L-BFGS iterations per batch point (decode mode, sparse)
    population: int = 50  # regularised evolution: population size
    tournament: int = 10  # regularised evolution: tournament (sample) size
    local_parents: int = 10  # dvae-local: the best observed cells whose neighbourhoods are the candidates
    local_depth: int = 1  # dvae-local: mutations from a parent (LOCAL_DEPTHS)
    local_candidates: int = 2000  # dvae-local: most candidates per round (nearest first, see core.bo.neighbourhood)
    features: str = "latent"  # dvae-local: the GP's inputs (FEATURES)

    def __post_init__(self):
        for name in ("rounds", "batch_size", "init", "decode_attempts", "gp_inducing", "num_restarts",
                     "raw_samples", "population", "tournament", "pool_prune", "candidates", "local_parents",
                     "local_candidates"):
            if getattr(self, name) < 1:
                raise ValueError(f"BOConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.max_redraws < 0:
            raise ValueError(f"BOConfig.max_redraws must be at least 0, got {self.max_redraws}")
        if not 0.0 <= self.quantile < 0.5:
            raise ValueError(f"BOConfig.quantile must be in [0, 0.5), got {self.quantile}")
        for name, allowed in (("protocol", PROTOCOLS), ("surrogate", SURROGATES), ("region", REGIONS),
                              ("batch_rule", BATCH_RULES), ("output_warp", OUTPUT_WARPS), ("gp_refit", GP_REFITS),
                              ("local_depth", LOCAL_DEPTHS), ("features", FEATURES)):
            optional = name in ("surrogate", "region") and getattr(self, name) is None
            if getattr(self, name) not in allowed and not optional:
                raise ValueError(f"BOConfig.{name} must be one of {', '.join(map(str, allowed))}, got {getattr(self, name)!r}")
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


def methods_of(method: str, mode: str | None) -> list[str]:
    """The methods ``--method`` names: one, or for ``all`` every method that applies in the
    mode (``None``: pool; decode mode leaves out :data:`POOL_ONLY`)."""
    if method != "all":
        return [method]
    return [name for name in METHODS if not (mode == "decode" and name in POOL_ONLY)]
