"""Evolution's conditional expectation from a seed's start cells: the race's reference.

Under the few-label protocol a search's best after ``b`` queries depends on its start (the
seed's ``init`` labelled cells) as well as on the method. Pairing a BO seed with the one
evolution search of the same seed compares it with one noisy draw; here each start seed
``S`` gets ``K`` evolution searches from that very start, and the race
(:func:`core.bo.race.race_frame`) pairs the BO seed with their mean: the expectation of
evolution's best given the start (the practice of naszilla / NASLib: a table-lookup baseline
is cheap, so compare with its expectation from the same start).

Files: ``RUN/bo/conditional/evolution-seed<N>.json`` with ``N = (S + 1) * STRIDE + r`` for
start seed ``S`` and replicate ``r < STRIDE``. ``N`` is the search's seed, so the replicates of
one start, and those of different starts, draw different evolutions. Each file records its
``start_seed`` and ``start_keys``; the race groups the files by ``start_keys``. They sit in a
folder of their own, so the race's per-seed rows and ``bo-summary`` never count them as
evolution seeds.
"""

from __future__ import annotations

from pathlib import Path

from core import runs

CONDITIONAL_DIR = "conditional"  # under RUN/bo/
METHOD = "evolution"  # the reference method
STRIDE = 10_000  # replicates per start seed, at most


def conditional_seed(start_seed: int, replicate: int) -> int:
    """The search seed of replicate ``replicate`` from start seed ``start_seed``."""
    if not 0 <= int(replicate) < STRIDE:
        raise ValueError(f"replicate {replicate}: must be in 0 .. {STRIDE - 1}")
    return (int(start_seed) + 1) * STRIDE + int(replicate)


def conditional_folder(run_dir: Path) -> Path:
    """``RUN/bo/conditional``."""
    return Path(run_dir) / runs.BO_DIR / CONDITIONAL_DIR


def conditional_path(run_dir: Path, start_seed: int, replicate: int) -> Path:
    """``RUN/bo/conditional/evolution-seed<N>.json`` (module docstring)."""
    return conditional_folder(run_dir) / f"{METHOD}-seed{conditional_seed(start_seed, replicate)}.json"


def start_key(result: dict) -> tuple[str, ...] | None:
    """What a search started from: its sorted ``start_keys`` (few-label), or ``None`` (the
    paper protocol's training split, the same for every seed)."""
    keys = result.get("problem", {}).get("start_keys")
    return None if keys is None else tuple(sorted(keys))


def load_conditional(run_dir: Path) -> dict[tuple[str, ...] | None, list[dict]]:
    """The run's conditional evolution searches, grouped by :func:`start_key` (empty when
    there are none).

    Raises:
        RunFileError: a file is damaged.
    """
    folder = conditional_folder(run_dir)
    groups: dict[tuple[str, ...] | None, list[dict]] = {}
    for path in sorted(folder.glob(f"{METHOD}-seed*.json")) if folder.is_dir() else []:
        data = runs.load_bo_result(path)
        groups.setdefault(start_key(data), []).append(data)
    return groups


def run_conditional(problem, config, start_seeds, replicates: int, run_dir: Path, resume: bool = True,
                    progress: bool = False) -> list[Path]:
    """``replicates`` evolution searches from the start of each of ``start_seeds``.

    Args:
        problem: the run's problem (:func:`core.bo.problem.load_problem`).
        config: the experiment's settings (the BO seeds' own: same protocol, init and budget).
        start_seeds: the seeds whose starts are searched from (the BO seeds).
        replicates: searches per start (the race asks for at least 50).
        run_dir: the run; files go to ``RUN/bo/conditional/``.
        resume: continue existing files.
        progress: a bar per search.

    Returns:
        The files written, start by start.

    Example:
        >>> run_conditional(problem, BOConfig(rounds=10), range(20), 50, Path("runs/nbg-cora-learned"))
    """
    from core.bo.loop import run_search  # torch, from here on
    from core.bo.methods import make_method

    method = make_method(METHOD, config)
    paths = []
    for start in start_seeds:
        for replicate in range(int(replicates)):
            path = conditional_path(run_dir, start, replicate)
            run_search(problem, method, conditional_seed(start, replicate), config, path, resume=resume,
                       progress=progress, start_seed=int(start))
            paths.append(path)
    return paths
