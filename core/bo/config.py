"""The settings of a Bayesian-optimisation experiment, stored in every result file."""

from __future__ import annotations

from dataclasses import dataclass

from ..gp import GP_INDUCING, GP_ITERATIONS, GP_LR

METHODS = ["dvae", "random-prior", "random-search", "evolution"]
MODES = ["pool", "decode"]
GP_REFITS = ["variational", "full"]


@dataclass(frozen=True)
class BOConfig:
    """One BO experiment. Defaults follow D-VAE's ``bo.py`` where it has a setting."""

    rounds: int = 10  # BO rounds (the reference: 10)
    batch_size: int = 50  # queries per round (the reference: 50)
    decode_attempts: int = 50  # stochastic decodes per latent point (the reference: 500)
    gp_inducing: int = GP_INDUCING  # sparse-GP inducing points (the reference: 500)
    gp_iterations: int = GP_ITERATIONS  # sparse-GP epochs per fit (see core.gp)
    # "variational": kernel, noise and inducing points fitted once per search on the training
    # latents; q(u) refitted exactly on everything observed, every round (core.gp.refit_variational).
    # "full": a fresh sparse-GP fit on everything observed, every round.
    gp_refit: str = "variational"
    gp_lr: float = GP_LR  # Adam learning rate of the sparse GP's hyperparameters
    num_restarts: int = 8  # L-BFGS ascents of LogEI per batch point (decode mode)
    raw_samples: int = 512  # random box points whose best seed those ascents (decode mode)
    acq_maxiter: int = 20  # L-BFGS iterations per batch point (decode mode)
    population: int = 50  # regularised evolution: population size
    tournament: int = 10  # regularised evolution: tournament (sample) size

    def __post_init__(self):
        for name in ("rounds", "batch_size", "decode_attempts", "gp_inducing", "num_restarts",
                     "raw_samples", "population", "tournament"):
            if getattr(self, name) < 1:
                raise ValueError(f"BOConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.gp_refit not in GP_REFITS:
            raise ValueError(f"BOConfig.gp_refit must be one of {', '.join(GP_REFITS)}, got {self.gp_refit!r}")
        if self.tournament > self.population:
            raise ValueError("BOConfig.tournament must not exceed BOConfig.population")
