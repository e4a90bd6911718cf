"""The search problem every BO method shares: the space, its table, the latent means, the
oracle, the decoder, what is observed at the start and what can still be queried.

What counts as observed at the start depends on the protocol (:mod:`core.bo.protocols`):
the training split in the ``paper`` protocol (as in D-VAE's ``bo.py``, whose GP starts from
the training data), ``init`` random architectures per seed in ``few-label``
(:meth:`BOProblem.with_start`). In ``pool`` mode the queryable architectures are the
table's other architectures (the ``candidate_rows``); in ``decode`` mode any valid graph
the oracle can score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import runs
from core.errors import OpEmbedError, RunDirError
from core.runs import load_table
from core.spaces import get_space
from core.spaces.base import ArchitectureTable, SearchSpace
from core.bo.decoding import Decoder, LatentDecoder
from core.bo.oracle import Evaluation, LookupOracle, load_oracle, rank_among, rank_threshold
from core.bo.protocols import start_rows


@dataclass
class BOProblem:
    """One search.

    Args:
        space: the search space.
        table: its architectures; ``split == "train"`` rows are observed at the start.
        latents: ``A x d`` latent means of every table row (row order of ``table``).
        mode: ``"pool"`` (choose among the table's unobserved architectures) or
            ``"decode"`` (decode latent points; any valid graph).
        oracle: ``key -> (value, test) | None``.
        oracle_name: how the result files name the oracle.
        decoder: ``(z, seed) -> (keys, graphs)``; needed in decode mode by the latent methods.
        rank_values: values the best found is ranked among (``None``: no rank).
        run_dir: the run the latents come from.
        start_rows: the rows labelled at the start; ``None``: the training split.
        protocol: ``"paper"`` or ``"few-label"``. Under ``few-label`` the reference latents
            (the box, the unit cube of the exact GP, the prior's mean and std) are every
            architecture's, since the VAE is trained on all of them without labels; under
            ``paper`` they are the training split's, as in the reference.
    """

    space: SearchSpace
    table: ArchitectureTable
    latents: np.ndarray
    mode: str
    oracle: object
    oracle_name: str
    decoder: Decoder | None = None
    rank_values: np.ndarray | None = None
    run_dir: Path | None = None
    start_rows: np.ndarray | None = None
    protocol: str = "paper"
    key_rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self):
        if self.mode not in ("pool", "decode"):
            raise OpEmbedError(f"--mode {self.mode}: use pool or decode")
        if len(self.latents) != len(self.table):
            raise ValueError(f"{len(self.latents)} latent rows for {len(self.table)} architectures")
        self.key_rows = self.table.first_rows()
        start = self.table.indices("train") if self.start_rows is None else self.start_rows
        self.train_rows = np.asarray(start, dtype=np.int64)  # labelled at the start
        if len(self.train_rows) < 2:
            raise OpEmbedError("BO needs at least two labelled architectures at the start")
        self.train_keys = {self.table.keys[row] for row in self.train_rows}
        self.unique_rows = np.array(sorted(self.key_rows.values()), dtype=np.int64)
        self.candidate_rows = np.array(
            [row for row in self.unique_rows if self.table.keys[row] not in self.train_keys], dtype=np.int64
        )
        self.candidate_keys = {self.table.keys[row] for row in self.candidate_rows}
        reference = self.latents[self.unique_rows if self.protocol == "few-label" else self.train_rows]
        self.latent_mean, self.latent_std = reference.mean(0), reference.std(0)
        self.lower, self.upper = reference.min(0), reference.max(0)
        self.reference_latents = reference  # r x d: what the decode-mode regions are drawn from
        y_train = self.table.y[self.train_rows]
        self.y_stats = (float(y_train.mean()), float(y_train.std()) or 1.0)

    def with_start(self, protocol: str, init: int, seed: int) -> "BOProblem":
        """The problem a search with ``seed`` sees under ``protocol``: itself for ``paper``;
        for ``few-label`` the same problem with ``init`` random architectures (drawn from
        every distinct architecture by :func:`core.bo.protocols.start_rows`) labelled."""
        if protocol == "paper":
            return self
        rows = start_rows(self.unique_rows, init, seed)
        return dataclasses.replace(self, start_rows=rows, protocol=protocol)

    # -- start state ----------------------------------------------------------------------
    def train_evaluations(self) -> dict[str, Evaluation]:
        """``key -> (value, test)`` of the training split (the observed start)."""
        values: dict[str, Evaluation] = {}
        for row in self.train_rows:
            key = self.table.keys[row]
            if key not in values:
                test = None if self.table.y_test is None else float(self.table.y_test[row])
                values[key] = (float(self.table.y[row]), test)
        return values

    def train_best(self) -> dict:
        """The best training architecture: key, value and test value."""
        row = int(self.train_rows[np.argmax(self.table.y[self.train_rows])])
        test = None if self.table.y_test is None else float(self.table.y_test[row])
        return {"key": self.table.keys[row], "value": float(self.table.y[row]), "test": test,
                "rank": self.rank(float(self.table.y[row]))}

    def pool_point(self, key: str) -> np.ndarray | None:
        """The latent point of a table key in pool mode (``d``; what a pool query is placed
        at), ``None`` in decode mode or for a key outside the table."""
        row = self.key_rows.get(key) if self.mode == "pool" else None
        return None if row is None else self.latents[row]

    def rank(self, value: float | None) -> int | None:
        """1-based rank of ``value`` among ``rank_values``, or ``None``."""
        return None if self.rank_values is None else rank_among(self.rank_values, value)

    def describe(self) -> dict:
        """What the result files record about the problem."""
        known = self.rank_values is not None and len(self.rank_values) > 0
        return {
            "space": self.space.name,
            "mode": self.mode,
            "oracle": self.oracle_name,
            "protocol": self.protocol,
            "run": None if self.run_dir is None else str(self.run_dir),
            "num_architectures": len(self.key_rows),
            "num_train": len(self.train_keys),
            "start_keys": sorted(self.train_keys) if self.protocol == "few-label" else None,
            "num_candidates": int(len(self.candidate_rows)),
            "rank_among": None if self.rank_values is None else int(len(self.rank_values)),
            "space_best": float(np.max(self.rank_values)) if known else None,
            "top10_value": rank_threshold(self.rank_values, 10) if known else None,
            "top100_value": rank_threshold(self.rank_values, 100) if known else None,
            "objective": self.space.objective_name,
            "test_name": self.space.test_name,
        }


def default_mode(space: SearchSpace) -> str:
    """``pool``: every space here is enumerable (NAS-Bench-Graph's table is the whole bench;
    ENAS's is its dataset, the only architectures it can score without an oracle), so no
    query is spent on an invalid or already observed decode. ``--mode decode`` asks for the
    decoder."""
    return "pool"


def load_problem(run_dir: Path, mode: str | None = None, oracle: str | None = None,
                 decode_attempts: int = 50, data_dir: Path | None = None, device="cpu",
                 need_decoder: bool = True) -> BOProblem:
    """The BO problem of a trained run.

    Args:
        run_dir: a run directory with ``config.json``, ``model.pt`` and ``latents.parquet``.
        mode: ``pool`` or ``decode``; default :func:`default_mode` of the run's space.
        oracle: ``module:function`` scoring a key. Default: the bench (``nbg-*``) or, in pool
            mode, the dataset's recorded values.
        decode_attempts: stochastic decodes per latent point.
        data_dir: where the space's data file lives.
        device: where the model decodes.
        need_decoder: load the model for decode mode (``False``: the baselines that never
            decode, e.g. random search).

    Raises:
        RunDirError: the run lacks ``config.json``, ``model.pt`` or ``latents.parquet``, or
            its latents do not match the space's table.
        OpEmbedError: decode mode on a space with no bench and no ``--oracle``.
    """
    run_dir = Path(run_dir)
    space_name = runs.space_name_of(run_dir)
    if not (run_dir / runs.MODEL).exists():
        raise RunDirError(
            f"{run_dir / runs.MODEL}: missing; BO needs a trained model "
            f"(train it with `python -m core train ... --out {run_dir}`, or --resume it)"
        )
    latents = runs.read_latents(run_dir)
    space = get_space(space_name)
    node_order = runs.load_config(run_dir).get("node_order", "stored")  # the order the run trained on
    table = load_table(space, data_dir, (run_dir,), node_order)  # a run's keys stand in for a missing ENAS file
    if len(latents) != len(table) or list(latents["key"]) != list(table.keys):
        raise RunDirError(
            f"{run_dir / runs.LATENTS}: its {len(latents)} rows do not match the {len(table)} "
            f"architectures of {space.name} in order; the data changed since training "
            "(re-encode the run or use the data it was trained on)"
        )
    mode = mode or default_mode(space)
    lookup = getattr(space, "lookup", None)
    if oracle:
        scorer, oracle_name, rank_values = load_oracle(oracle), oracle, None
    elif lookup is not None:
        scorer, oracle_name = LookupOracle(lookup, f"{space.name} bench"), f"{space.name} bench"
        rank_values = _unique_values(table)
    elif mode == "pool":
        scorer, oracle_name = LookupOracle.from_table(table), f"{space.name} dataset"
        rank_values = _unique_values(table)
    else:
        raise OpEmbedError(
            f"--mode decode on {space.name}: its dataset has no value for most decoded "
            "architectures; pass --oracle module:function (a function key -> accuracy) or use --mode pool"
        )
    decoder = None
    if mode == "decode" and need_decoder:
        model, _ = runs.load_model(run_dir, device)
        decoder = LatentDecoder(model, space, decode_attempts)
    return BOProblem(space=space, table=table, latents=runs.latent_matrix(latents), mode=mode,
                     oracle=scorer, oracle_name=oracle_name, decoder=decoder,
                     rank_values=rank_values, run_dir=run_dir)


def _unique_values(table: ArchitectureTable) -> np.ndarray:
    """``y`` of each distinct key (first row of a repeated key)."""
    return np.asarray(table.y, dtype=np.float64)[list(table.first_rows().values())]
