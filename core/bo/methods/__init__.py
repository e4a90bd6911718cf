"""Search methods: BO in the D-VAE latent space (global and local) and three baselines with the
same budget."""

from __future__ import annotations

from ..config import METHODS, BOConfig
from .base import Method, Proposal, derived_seed
from .dvae import DVAESearch
from .dvae_local import DVAELocalSearch
from .evolution import RegularisedEvolution
from .random_prior import RandomPrior
from .random_search import RandomSearch

__all__ = ["DVAELocalSearch", "DVAESearch", "Method", "Proposal", "RandomPrior", "RandomSearch",
           "RegularisedEvolution", "derived_seed", "make_method"]


def make_method(name: str, config: BOConfig, device="cpu") -> Method:
    """The method called ``name`` (one of ``METHODS``)."""
    if name == "dvae":
        return DVAESearch(config, device)
    if name == "dvae-local":
        return DVAELocalSearch(config, device)
    if name == "random-prior":
        return RandomPrior(config.max_redraws)
    if name == "random-search":
        return RandomSearch()
    if name == "evolution":
        return RegularisedEvolution(config)
    raise ValueError(f"unknown BO method {name!r}; choose from {', '.join(METHODS)}")
