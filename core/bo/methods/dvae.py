"""BO in the latent space of the run's D-VAE (the paper's method)."""

from __future__ import annotations

import itertools
import time

import numpy as np

from core.analysis.gp import SparseGP, fit_sparse_gp, refit_variational
from core.bo.acquisition import incumbent, propose_from_pool, propose_in_box
from core.bo.batch import to_unit
from core.bo.config import BOConfig
from core.bo.history import History
from core.bo.problem import BOProblem
from core.bo.redraw import draw_queries
from core.bo.regions import region_bounds, replay_trust_region
from core.bo.methods.base import Method, Proposal, derived_seed, table_graphs, unobserved_rows
from core.bo.methods.exact_search import nearest_distance, propose_exact


def surrogate_data(problem: BOProblem, history: History) -> tuple[np.ndarray, np.ndarray]:
    """The GP's data: the training latents and values, then every query's latent point and
    value. A query without a value (invalid or unknown) gets the worst training value, as
    in D-VAE's ``bo.py``. Returns ``X`` (``n x d``) and ``y`` (``n``)."""
    X = [problem.latents[problem.train_rows]]
    y = [problem.table.y[problem.train_rows]]
    worst = float(np.min(y[0]))
    points = [q.point for q in history.queries if q.point is not None]
    if points:
        X.append(np.stack(points))
        y.append(np.array([worst if q.value is None else q.value for q in history.queries if q.point is not None]))
    return np.concatenate(X), np.concatenate(y).astype(np.float64)


class DVAESearch(Method):
    """BO in the run's latent space. ``config.surrogate`` picks the surrogate:

    * ``exact`` (the few-label protocol's): :mod:`.exact_search`.
    * ``sparse`` (the paper protocol's): a sparse GP on latent means + a believer batch of
      LogEI; decode mode optimises it in the region's box and decodes with re-draws, pool
      mode picks unobserved dataset architectures by their latent means.

    The sparse surrogate of every round has ``q(u)`` fitted to everything observed so far.
    With ``config.gp_refit == "variational"`` (default) the kernel, noise, mean and inducing
    points come from one sparse-GP fit on the training latents, seeded by the search's
    round-0 seed, and ``q(u)`` is then set to its exact optimum on all observations every
    round (0.4 s instead of 6 s for a fit on nbg-cora's 23.6k points; 50 new points a round
    barely move the kernel). The fit is kept in memory, and a resumed search redoes it from
    the same seed, so it is the same fit. ``"full"`` refits everything every round, like the
    reference.

    Args:
        config: GP and acquisition settings.
        device: where the sparse GP trains.
    """

    name = "dvae"
    uses_decoder = True

    def __init__(self, config: BOConfig, device="cpu"):
        self.config = config.resolved()
        self.device = device
        self._kernel_fits: dict[tuple, SparseGP] = {}  # (table, seed, start rows) -> fit

    def _surrogate(self, problem: BOProblem, history: History, seed: int,
                   round_index: int) -> tuple[SparseGP, np.ndarray]:
        """The round's sparse GP on everything observed (see the class docstring), and its
        inputs ``X`` (``n x d``)."""
        config = self.config
        X, y = surrogate_data(problem, history)
        options = dict(num_inducing=config.gp_inducing, iterations=config.gp_iterations, lr=config.gp_lr,
                       device=self.device, y_stats=problem.y_stats)
        if config.gp_refit == "full":
            return fit_sparse_gp(X, y, seed=derived_seed(seed, round_index), **options), X
        key = (id(problem.table), int(seed), problem.train_rows.tobytes())  # a few-label start is per seed
        if key not in self._kernel_fits:
            X_train, y_train = surrogate_data(problem, History([]))
            self._kernel_fits = {key: fit_sparse_gp(X_train, y_train, seed=derived_seed(seed, 0), **options)}
        return refit_variational(self._kernel_fits[key], X, y), X

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int, rows: np.ndarray | None = None) -> Proposal:
        """The round's proposals; ``rows``: in pool mode, the candidate rows (default: every
        unobserved one; ``dvae-local`` passes its neighbourhood)."""
        if self.config.surrogate == "exact":
            return propose_exact(problem, history, self.config, batch_size, seed, round_index, rows=rows)
        info: dict = {}
        started = time.perf_counter()
        gp, X = self._surrogate(problem, history, seed, round_index)
        seed = derived_seed(seed, round_index)
        best_f = incumbent(gp, X)
        info.update(gp_seconds=time.perf_counter() - started, gp_points=len(X), incumbent=best_f)

        started = time.perf_counter()
        if problem.mode == "pool":
            rows = unobserved_rows(problem, history) if rows is None else np.asarray(rows, dtype=np.int64)
            chosen = rows[propose_from_pool(gp, problem.latents[rows], batch_size, best_f)]
            info["acquisition_seconds"] = time.perf_counter() - started
            keys = [problem.table.keys[row] for row in chosen]
            return Proposal(keys, table_graphs(problem, chosen), problem.latents[chosen], info=info)
        return self._decode(problem, history, gp, best_f, batch_size, seed, info)

    def _decode(self, problem: BOProblem, history: History, gp: SparseGP, best_f: float, batch_size: int,
                seed: int, info: dict) -> Proposal:
        """Decode mode: batches of LogEI points in the region's box, decoded with re-draws."""
        config = self.config
        lower, upper = self._box(problem, history, gp, batch_size)
        started = time.perf_counter()
        pending: list[np.ndarray] = []

        def batches():
            for attempt in range(1 + config.max_redraws):
                z = propose_in_box(gp, lower, upper, batch_size, best_f, derived_seed(seed, attempt),
                                   num_restarts=config.num_restarts, raw_samples=config.raw_samples,
                                   maxiter=config.acq_maxiter, pending=np.stack(pending) if pending else None)
                pending.extend(z)
                yield z

        counter = itertools.count()
        drawn = draw_queries(batches(), lambda z: problem.decoder(z, derived_seed(seed, 1000 + next(counter))),
                             set(problem.train_keys) | history.queried_keys(), batch_size)
        points = np.stack(drawn.points) if drawn.points else np.zeros((0, len(lower)))
        info.update(drawn.info(), decode_seconds=time.perf_counter() - started, region=config.region,
                    distance_to_data=nearest_distance(points, problem.reference_latents))
        if len(points):
            info["predicted_at_points"] = gp.predict(points, include_noise=False)[0].tolist()
        return Proposal(drawn.keys, drawn.graphs, points, info=info)

    def _box(self, problem: BOProblem, history: History, gp: SparseGP, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """The region's box in latent coordinates (``box``: the training latents', as the reference)."""
        config = self.config
        if config.region == "box":
            return problem.lower, problem.upper
        span = np.maximum(problem.upper - problem.lower, 1e-12)
        reference = to_unit(problem.reference_latents, problem.lower, problem.upper)
        X, y = surrogate_data(problem, history)
        center = to_unit(X[int(np.argmax(y))][None], problem.lower, problem.upper)[0]
        lengthscale = gp.model.covar_module.base_kernel.lengthscale.detach().cpu().double().numpy().reshape(-1) / span
        state = replay_trust_region(history.round_bests, float(np.max(problem.table.y[problem.train_rows])),
                                    len(span), batch_size)
        lower, upper = region_bounds(config.region, reference, center=center, lengthscale=lengthscale,
                                     length=state.length, quantile=config.quantile)
        return problem.lower + lower * span, problem.lower + upper * span
