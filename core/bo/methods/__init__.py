"""Search methods: BO in the D-VAE latent space (global and local) and three baselines with the
same budget."""

from __future__ import annotations

from core.bo.config import METHODS, BOConfig
from core.bo.methods.base import Method, Proposal, derived_seed
from core.bo.methods.dvae import DVAESearch
from core.bo.methods.dvae_local import DVAELocalSearch
from core.bo.methods.evolution import RegularisedEvolution
from core.bo.methods.random_prior import RandomPrior
from core.bo.methods.random_search import RandomSearch

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
