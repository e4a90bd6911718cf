"""One round of latent BO with the exact GP (the few-label protocol's surrogate).

* Data: the latent means of the labelled architectures (the start and every query; a
  decoded query is placed at its architecture's latent mean where the table has it), mapped
  to the unit cube of the reference latents; ``y`` warped to the normal scores of its ranks
  (``output_warp="copula"``: the objective is monotone in it, and NAS-Bench-Graph's long low
  tail, 1 % of cora's cells below 0.42 against a median of 0.78, no longer sets the scale).
* Pool mode: the unobserved architectures' latent means are the candidates
  (:func:`core.bo.batch.exact_batch`).
* Decode mode: Sobol candidates in the region (:mod:`core.bo.regions`), ordered by the
  believer, decoded and re-drawn (:mod:`core.bo.redraw`) until ``q`` new architectures.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import torch
from scipy.stats import norm, rankdata

from core.analysis.gp import torch_threads
from core.bo.batch import exact_batch, exact_order, observed_incumbent, to_unit
from core.bo.config import BOConfig
from core.bo.exact_gp import ExactGP, fit_exact_gp
from core.bo.history import History
from core.bo.problem import BOProblem
from core.bo.redraw import draw_queries
from core.bo.regions import region_bounds, region_candidates, replay_trust_region
from core.bo.methods.base import Proposal, derived_seed, table_graphs, unobserved_rows


def labelled_data(problem: BOProblem, history: History,
                  inputs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (``n x d`` latent points) and ``y`` (``n``) of every labelled architecture:
    the start, then each query with a value, at its table latent mean where there is one.
    ``inputs`` (``A x f``, one row per table row) replaces the latent means; every labelled
    architecture must then be in the table (pool mode)."""
    table_inputs = problem.latents if inputs is None else inputs
    rows = list(problem.train_rows)
    X = [table_inputs[rows]]
    y = [problem.table.y[rows]]
    for query in history.queries:
        if query.value is None or query.status != "new":
            continue
        row = problem.key_rows.get(query.key)
        if row is None and inputs is not None:
            raise ValueError(f"{query.key}: not in the table, so it has no inputs")
        X.append((table_inputs[row] if row is not None else query.point)[None])
        y.append(np.array([query.value]))
    return np.concatenate(X).astype(np.float64), np.concatenate(y).astype(np.float64)


def warp(y: np.ndarray, output_warp: str) -> np.ndarray:
    """``copula``: normal scores of the ranks (ties share the mean rank); ``none``: ``y``."""
    if output_warp == "none":
        return np.asarray(y, dtype=np.float64)
    return norm.ppf((rankdata(y) - 0.5) / len(y))


def propose_exact(problem: BOProblem, history: History, config: BOConfig, batch_size: int, seed: int,
                  round_index: int, rows: np.ndarray | None = None, features: np.ndarray | None = None) -> Proposal:
    """The round's proposals (see the module docstring), computed on one CPU thread (small
    matrices; the machine is shared).

    Args:
        rows: pool mode: the candidate rows (default: every unobserved one).
        features: pool mode: ``A x f`` GP inputs of every table row in the unit cube, in place
            of the latent means (``core.bo.features``); ``None``: the latent means.
    """
    with torch_threads(1):
        return _propose(problem, history, config, batch_size, seed, round_index, rows, features)


def _propose(problem: BOProblem, history: History, config: BOConfig, batch_size: int, seed: int,
             round_index: int, rows: np.ndarray | None = None, features: np.ndarray | None = None) -> Proposal:
    started = time.perf_counter()
    X, y = labelled_data(problem, history, features)
    unit = to_unit(X, problem.lower, problem.upper) if features is None else X
    round_seed = derived_seed(seed, round_index)
    gp, model = fit_exact_gp(unit, warp(y, config.output_warp), seed=round_seed)
    best_f = observed_incumbent(gp)
    info = {"gp_seconds": time.perf_counter() - started, "gp_points": len(X), "incumbent": best_f,
            **gp.hyperparameters()}
    started = time.perf_counter()
    if problem.mode == "pool":
        rows = unobserved_rows(problem, history) if rows is None else np.asarray(rows, dtype=np.int64)
        inputs = to_unit(problem.latents[rows], problem.lower, problem.upper) if features is None else features[rows]
        candidates = torch.as_tensor(inputs)
        picks = exact_batch(gp, candidates, batch_size, best_f, rule=config.batch_rule, keep=config.pool_prune,
                            model=model, seed=round_seed)
        chosen = rows[picks]
        info["acquisition_seconds"] = time.perf_counter() - started
        return Proposal([problem.table.keys[r] for r in chosen], table_graphs(problem, chosen),
                        problem.latents[chosen], info=info)
    if features is not None:
        raise ValueError("features other than the latent means work in pool mode only")
    return _decode(problem, history, config, gp, unit, y, batch_size, round_seed, info)


def _decode(problem: BOProblem, history: History, config: BOConfig, gp: ExactGP, unit: np.ndarray,
            y: np.ndarray, batch_size: int, round_seed: int, info: dict) -> Proposal:
    """Decode mode: believer-ordered region candidates, decoded with re-draws."""
    started = time.perf_counter()
    reference = to_unit(problem.reference_latents, problem.lower, problem.upper)
    center = unit[int(np.argmax(y))]
    state = replay_trust_region(history.round_bests, float(np.max(problem.table.y[problem.train_rows])),
                                unit.shape[1], batch_size)
    lower, upper = region_bounds(config.region, reference, center=center, lengthscale=gp.lengthscale.numpy(),
                                 length=state.length, quantile=config.quantile)
    candidates = region_candidates(lower, upper, config.candidates, round_seed,
                                   center=center if config.region == "trust-region" else None)
    span = problem.upper - problem.lower

    def batches():
        order = exact_order(gp, candidates, info["incumbent"], config.pool_prune)
        for _ in range(1 + config.max_redraws):
            picks = list(itertools.islice(order, batch_size))
            if not picks:
                return
            yield problem.lower + candidates[picks].numpy() * span

    seen = set(problem.train_keys) | history.queried_keys()
    counter = itertools.count()
    drawn = draw_queries(batches(), lambda z: problem.decoder(z, derived_seed(round_seed, next(counter))), seen,
                         batch_size)
    points = np.stack(drawn.points) if drawn.points else np.zeros((0, unit.shape[1]))
    info.update(drawn.info(), decode_seconds=time.perf_counter() - started, region=config.region,
                trust_length=state.length if config.region == "trust-region" else None,
                trust_restarts=state.restarts, region_width=float(np.mean(upper - lower)),
                distance_to_data=nearest_distance(points, problem.reference_latents))
    if len(points):
        mean, _ = gp.mean_and_variance(torch.as_tensor(to_unit(points, problem.lower, problem.upper)))
        info["predicted_at_points"] = mean.tolist()
    return Proposal(drawn.keys, drawn.graphs, points, info=info)


def nearest_distance(points: np.ndarray, reference: np.ndarray, chunk_size: int = 4096) -> float | None:
    """Median over ``points`` (``k x d``) of the distance to the nearest ``reference`` row."""
    if len(points) == 0:
        return None
    nearest = np.full(len(points), np.inf)
    norms = (points * points).sum(1)[:, None]  # k x 1
    for start in range(0, len(reference), chunk_size):
        part = reference[start : start + chunk_size]  # c x d
        squared = norms + (part * part).sum(1)[None] - 2 * points @ part.T  # k x c
        nearest = np.minimum(nearest, squared.min(1))
    return float(np.median(np.sqrt(np.maximum(nearest, 0.0))))
