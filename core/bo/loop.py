"""The round loop: propose, score, record, write the result file after every round.

A result file ``RUN/bo/<method>-seed<S>.json`` holds::

    format, method, seed, start_seed (the seed whose start it began from), config (BOConfig,
    resolved), problem (space, mode, oracle, protocol, start_keys, space_best, top10_value,
    top100_value, ...),
    train_best (the start's best: key, value, test, rank), rounds_requested, complete,
    rounds: one record per finished round:
        round, seconds, keys, values, tests, ranks, status, points (latent methods), graphs,
        n_new, n_duplicate, n_invalid, n_unknown, n_short (queries the round fell short by),
        best_so_far, best_so_far_test, best_so_far_key, best_so_far_rank,
        info (timings, GP diagnostics, decode mode: redrawn_duplicate, redrawn_invalid)

The start is the protocol's (:mod:`core.bo.protocols`): under ``few-label`` the problem is
narrowed to the seed's ``init`` labelled architectures before the first round.

It is written atomically after every round, so a killed search resumes from its last
finished round. A method sees only the history rebuilt from those records and seeds
derived from ``(seed, round)``, so a resumed search is the search that was not killed.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from core import runs
from core.errors import OpEmbedError
from core.bo.config import BOConfig
from core.spaces.graph import Graph
from core.bo.history import History
from core.bo.methods.base import Method, Proposal, derived_seed
from core.bo.oracle import Evaluation
from core.bo.problem import BOProblem

FORMAT = 2  # 2: protocols, per-query ranks, re-drawn decodes


def result_path(run_dir: Path, method: str, seed: int) -> Path:
    """``RUN/bo/<method>-seed<S>.json``."""
    return Path(run_dir) / runs.BO_DIR / f"{method}-seed{seed}.json"


def score_proposal(problem: BOProblem, proposal: Proposal, observed: dict[str, Evaluation | None]) -> dict:
    """Score and classify a round's proposals. ``observed`` (key -> evaluation, ``None``
    for a key the oracle could not score) is updated with the new keys.

    Returns:
        The lists ``keys``, ``values``, ``tests``, ``ranks``, ``status``, ``graphs`` of a round record.
    """
    record = {"keys": [], "values": [], "tests": [], "ranks": [], "status": [], "graphs": []}
    for i, key in enumerate(proposal.keys):
        graph = proposal.graphs[i] if proposal.graphs is not None else None
        if graph is None and key is not None and key in problem.key_rows:
            graph = problem.table.graph(problem.key_rows[key])
        if key is None:
            status, evaluation = "invalid", None
        elif key in observed:
            status, evaluation = "duplicate", observed[key]
        else:
            given = proposal.evaluations[i] if proposal.evaluations is not None else None
            evaluation = given if given is not None else problem.oracle(key)
            status = "unknown" if evaluation is None else "new"
            observed[key] = evaluation
        record["keys"].append(key)
        record["values"].append(None if evaluation is None else float(evaluation[0]))
        record["tests"].append(None if evaluation is None or evaluation[1] is None else float(evaluation[1]))
        record["ranks"].append(problem.rank(None if evaluation is None else float(evaluation[0])))
        record["status"].append(status)
        record["graphs"].append(None if graph is None else graph.to_json())
    return record


def _new_file(problem: BOProblem, method: Method, seed: int, config: BOConfig, start_seed: int | None = None) -> dict:
    return {
        "format": FORMAT,
        "method": method.name,
        "seed": int(seed),
        "start_seed": int(seed if start_seed is None else start_seed),
        "config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "problem": problem.describe(),
        "train_best": problem.train_best(),
        "rounds_requested": config.rounds,
        "complete": False,
        "rounds": [],
    }


def _check_resumable(path: Path, saved: dict, fresh: dict) -> None:
    """Raise when a saved file belongs to a different experiment than the new call. A setting
    the saved file lacks (written before it existed) counts as its default."""
    comparable = {k: v for k, v in fresh["config"].items() if k != "rounds"}
    saved_config = {k: v for k, v in saved.get("config", {}).items() if k != "rounds"}
    defaults = BOConfig()
    differences = [k for k in comparable if saved_config.get(k, getattr(defaults, k)) != comparable[k]]
    for field in ("space", "mode", "oracle", "protocol", "start_keys"):
        if saved.get("problem", {}).get(field) != fresh["problem"][field]:
            differences.append(field)
    if saved.get("method") != fresh["method"] or saved.get("seed") != fresh["seed"]:
        differences.append("method/seed")
    if differences:
        raise OpEmbedError(
            f"{path}: holds a search with other settings ({', '.join(differences)}); "
            "pass --no-resume to overwrite it, or keep the same settings to continue it"
        )


def run_search(problem: BOProblem, method: Method, seed: int, config: BOConfig, path: Path,
               resume: bool = True, progress: bool = False, start_seed: int | None = None) -> dict:
    """Run (or continue) one search of ``config.rounds`` rounds and write it to ``path``.

    Args:
        problem: the search problem.
        method: the search method.
        seed: the search's seed; round ``r`` uses seeds derived from ``(seed, r)``.
        config: the experiment's settings.
        path: the result file.
        resume: continue an existing file with the same settings (a finished file with at
            least ``config.rounds`` rounds is left as it is); ``False`` starts over.
        progress: show a bar over rounds.
        start_seed: the seed whose few-label start the search begins from (default ``seed``):
            :mod:`core.bo.conditional` runs many searches from one seed's start.

    Returns:
        The result file's content.

    Example:
        >>> run_search(problem, RandomSearch(), seed=0, config=BOConfig(rounds=2), path=Path("rs.json"))
    """
    path = Path(path)
    config = config.resolved()
    problem = problem.with_start(config.protocol, config.init, seed if start_seed is None else start_seed)
    data = _new_file(problem, method, seed, config, start_seed)
    if resume and path.exists():
        saved = runs.load_bo_result(path)
        _check_resumable(path, saved, data)
        if len(saved["rounds"]) >= config.rounds:
            return saved  # finished: left as it is
        data["rounds"] = saved["rounds"]
    if method.uses_decoder and problem.mode == "decode" and problem.decoder is None:
        raise OpEmbedError(f"{method.name} in decode mode needs a decoder (a trained model)")

    start = problem.train_evaluations()
    bar = tqdm(range(len(data["rounds"]), config.rounds), desc=f"{method.name} seed {seed}",
               disable=not progress, unit="round")
    for round_index in bar:
        started = time.perf_counter()
        history = History.from_rounds(data["rounds"], problem.pool_point)
        observed: dict[str, Evaluation | None] = history.observed(start)
        for query in history.queries:  # keys proposed before that could not be scored
            if query.key is not None:
                observed.setdefault(query.key, None)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derived_seed(seed, round_index))
            proposal = method.propose(problem, history, config.batch_size, seed, round_index)
        record = {"round": round_index}
        record.update(score_proposal(problem, proposal, observed))
        if problem.mode == "pool":  # a pool query's point and graph are its table row's: not written
            record.pop("graphs")
        else:
            record["points"] = None if proposal.points is None else np.asarray(proposal.points, dtype=np.float64).tolist()
        for status in ("new", "duplicate", "invalid", "unknown"):
            record[f"n_{status}"] = record["status"].count(status)
        record["n_short"] = config.batch_size - len(record["keys"])
        best = History.from_rounds([*data["rounds"], record], problem.pool_point).best()
        record["best_so_far"] = None if best is None else best.value
        record["best_so_far_test"] = None if best is None else best.test
        record["best_so_far_key"] = None if best is None else best.key
        record["best_so_far_rank"] = None if best is None else problem.rank(best.value)
        record["info"] = proposal.info
        record["seconds"] = time.perf_counter() - started
        data["rounds"].append(record)
        data["complete"] = len(data["rounds"]) >= config.rounds
        runs.atomic_write_json(path, data, compact=True)
        bar.set_postfix(best=record["best_so_far"])
    data["complete"] = True
    if not path.exists():
        runs.atomic_write_json(path, data, compact=True)
    return data
