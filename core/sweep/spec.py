"""The sweep file: a TOML grid of runs and the steps to run on each, as a typed
:class:`SweepSpec`.

A sweep file reads::

    steps = ["train", "evaluate", "bo"]      # any of train, evaluate, project, smoothness, bo

    [grid]                                   # every combination is one cell (one run directory)
    spaces = ["nbg-cora", "nbg-citeseer"]
    encodings = ["onehot", "learned"]        # default: both
    presets = ["quick"]                      # default: ["quick"]
    seeds = [0, 1]                           # default: [0]
    eps-scale = [0.01, 0.1]                  # any other key: a train flag, one more axis

    [train]                                  # flags given to every step of that kind, as on
    epochs = 40                              # the command line without the leading "--"
    [evaluate]
    gp-seeds = 10
    [bo]
    rounds = 10
    seeds = 10

    [cpus]                                   # CPUs (and torch threads) of each task; default 1
    train = 1

A flag's value is a string, a number, or ``true`` for a switch (``false`` leaves it out).
What the grid sets (``--space``, ``--out``, the run folder ...) cannot be given again.
Every error names the file and line, with a fix, and nothing is run.

A file that names an ``oracle`` names code that its ``bo`` steps import and run: the sweep
refuses it unless the command line says ``--trust-oracles`` (:func:`check_oracles`).

Example:
    >>> spec = load_spec(Path("sweeps/tiny.toml"))  # doctest: +SKIP
    >>> spec.steps, spec.spaces
    (('train', 'evaluate', 'bo'), ('enas6',))
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from core.config import Encoding
from core.errors import DataFileError

STEPS = ("train", "evaluate", "project", "smoothness", "bo")  # in the order a cell runs them
ENCODINGS: tuple[str, ...] = get_args(Encoding)
DEFAULT_PRESET = "quick"  # train's own default

# flags the sweep sets itself, per step: they name the cell's run, or the sweep decides them
SET_BY_SWEEP = {
    "train": ("space", "encoding", "preset", "seed", "out", "resume", "no-progress"),
    "evaluate": ("run", "no-progress"),
    "project": ("run",),
    "smoothness": ("run",),
    "bo": ("runs", "quiet", "resume", "no-resume"),
}
GRID_KEYS = {"spaces": "space", "encodings": "encoding", "presets": "preset", "seeds": "seed"}

FlagValue = bool | int | float | str
Flags = tuple[tuple[str, FlagValue], ...]  # (flag name without "--", value), in file order


class SweepFileError(DataFileError):
    """The sweep file is missing or malformed: ``PATH[:LINE]: what is wrong`` plus a ``fix:`` line."""


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file.

    Attributes:
        path: the file it was read from.
        text: its text (copied into the sweep's output folder, and used to locate lines).
        steps: the steps every cell runs, in :data:`STEPS` order.
        spaces: search spaces of the grid (``enas6``, ``nbg-cora`` ...).
        encodings: ``onehot`` and / or ``learned``.
        presets: training presets.
        seeds: training seeds.
        axes: further grid axes, each a train flag and its values, in file order.
        flags: per step, the flags given to every step of that kind.
        cpus: per step, the CPUs a task reserves and the torch threads it runs with.
    """

    path: Path
    text: str
    steps: tuple[str, ...]
    spaces: tuple[str, ...]
    encodings: tuple[str, ...]
    presets: tuple[str, ...]
    seeds: tuple[int, ...]
    axes: tuple[tuple[str, tuple[FlagValue, ...]], ...]
    flags: tuple[tuple[str, Flags], ...]
    cpus: tuple[tuple[str, int], ...]

    def flags_of(self, step: str) -> Flags:
        """The fixed flags of ``step`` (empty when the file has no table for it)."""
        return dict(self.flags).get(step, ())

    def cpus_of(self, step: str) -> int:
        return dict(self.cpus).get(step, 1)

    def line_of(self, table: str | None, key: str | None = None) -> int | None:
        """The 1-based line of ``key`` inside ``[table]`` (top level: ``table=None``), or of the
        table's header when ``key`` is ``None``; ``None`` when not found."""
        return line_of(self.text, table, key)

    def error(self, table: str | None, key: str | None, problem: str, fix: str | None = None) -> SweepFileError:
        """A :class:`SweepFileError` located at ``key`` of ``[table]``."""
        where = f"[{table}] {key}" if table and key else f"[{table}]" if table else key
        return SweepFileError(self.path, f"{where}: {problem}" if where else problem,
                              line=self.line_of(table, key), fix=fix)


def line_of(text: str, table: str | None, key: str | None) -> int | None:
    """The 1-based line where ``key`` is assigned inside ``[table]`` of a TOML text."""
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\](\s*#.*)?", line)
        if header:
            current = header.group(1).strip().strip('"')
            if key is None and current == table:
                return number
            continue
        if key is not None and current == table:
            match = re.match(r"""["']?([A-Za-z0-9_-]+)["']?\s*=""", line)
            if match and match.group(1) == key:
                return number
    return None


def load_spec(path: Path) -> SweepSpec:
    """Read and check a sweep file.

    Raises:
        SweepFileError: the file is missing, not TOML, or names an unknown step, table,
            encoding or preset, a flag the sweep sets itself, or a value of the wrong type.
    """
    path = Path(path)
    text, data = _read_toml(path)
    empty = SweepSpec(path, text, (), (), (), (), (), (), (), ())
    for key in sorted(set(data) - {"steps", "grid", "cpus", *STEPS}):
        is_table = isinstance(data[key], dict)
        raise empty.error(key if is_table else None, None if is_table else key,
                          f"unknown {'table' if is_table else 'key'} {key!r}",
                          fix=f"use steps, [grid], [cpus] and a table per step ({', '.join(STEPS)})")
    steps = _steps(empty, data.get("steps"))
    spaces, encodings, presets, seeds, axes = _grid(empty, data.get("grid"))
    flags = tuple((step, _step_flags(empty, step, data.get(step, {}), steps, axes)) for step in STEPS)
    return SweepSpec(path=path, text=text, steps=steps, spaces=spaces, encodings=encodings, presets=presets,
                     seeds=seeds, axes=axes, flags=flags, cpus=_cpus(empty, data.get("cpus", {})))


def check_oracles(spec: SweepSpec, trusted: bool) -> None:
    """Every ``oracle`` key of the file (a step's flag or a grid axis) names code, a
    registered oracle or ``module:function``, that the steps would import and run: refused
    unless ``trusted`` (``sweep --trust-oracles``). Trusted, a name must be registered.
    Imports no oracle.

    Raises:
        SweepFileError: an oracle not trusted, or an unregistered name, at its line.
    """
    from core.bo.oracle import ORACLE_GROUP, registered_oracles

    named = [(table, value) for table, flags in spec.flags for key, value in flags if key == "oracle"]
    named += [("grid", value) for key, values in spec.axes if key == "oracle" for value in values]
    for table, value in named:
        if not trusted:
            raise spec.error(table, "oracle", f"{value!r} is code that the sweep's steps would import and run",
                             fix=f"read that code, and run the sweep only if you trust it: "
                                 f"python -m core sweep {spec.path} --trust-oracles")
        registered = registered_oracles() if ":" not in str(value) else {}
        if ":" not in str(value) and value not in registered:
            raise spec.error(table, "oracle", f"{value!r}: no oracle of that name is registered under {ORACLE_GROUP} "
                             f"({', '.join(sorted(registered)) or 'none is'})",
                             fix="give a registered name, or module:function")


def _read_toml(path: Path) -> tuple[str, dict]:
    if not path.is_file():
        raise SweepFileError(path, "no such sweep file", fix="pass the path of a .toml file, e.g. sweeps/tiny.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SweepFileError(path, f"cannot be read as UTF-8 text ({error})", fix="save it as UTF-8 TOML")
    try:
        return text, tomllib.loads(text)
    except RecursionError:  # arrays or tables nested thousands deep
        raise SweepFileError(path, "nested too deeply to be a sweep file",
                             fix="a sweep file holds flat lists of values; sweeps/tiny.toml shows one") from None
    except tomllib.TOMLDecodeError as error:
        located = re.search(r"\(at line (\d+), column \d+\)", str(error))
        raise SweepFileError(path, f"not valid TOML: {re.sub(r' [(]at line .*', '', str(error))}",
                             line=int(located.group(1)) if located else None,
                             fix="see https://toml.io for the syntax; sweeps/tiny.toml shows a sweep file") from None


def _grid(spec: SweepSpec, grid: object) -> tuple:
    """``[grid]``: spaces, encodings, presets, seeds and the further axes."""
    from core.config import PRESETS

    if not isinstance(grid, dict):
        raise spec.error("grid", None, "missing: a sweep needs a [grid] table with at least `spaces`",
                         fix='add [grid] with spaces = ["nbg-cora"]')
    spaces = _strings(spec, grid, "spaces", None)
    encodings = _strings(spec, grid, "encodings", ENCODINGS)
    for encoding in encodings:
        if encoding not in ENCODINGS:
            raise spec.error("grid", "encodings", f"unknown encoding {encoding!r}", fix="use onehot and / or learned")
    presets = _strings(spec, grid, "presets", (DEFAULT_PRESET,))
    for preset in presets:
        if preset not in PRESETS:
            raise spec.error("grid", "presets", f"unknown preset {preset!r}", fix=f"use {', '.join(sorted(PRESETS))}")
    seeds = _values(spec, "grid", "seeds", grid.get("seeds", [0]))
    if not all(isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 for seed in seeds):
        raise spec.error("grid", "seeds", "must be a list of integers >= 0", fix="e.g. seeds = [0, 1, 2]")
    axes = []
    for key, values in grid.items():
        if key not in GRID_KEYS:
            _check_flag_name(spec, "grid", key, "train")
            axes.append((key, _values(spec, "grid", key, values)))
    return spaces, encodings, presets, tuple(seeds), tuple(axes)


def _step_flags(spec: SweepSpec, step: str, table: object, steps: tuple[str, ...],
                axes: tuple[tuple[str, tuple[FlagValue, ...]], ...]) -> Flags:
    """``[<step>]``: one value per flag."""
    if not isinstance(table, dict):
        raise spec.error(None, step, f"must be a table [{step}] of flags", fix=f"write [{step}] on its own line")
    if table and step not in steps:
        raise spec.error(step, None, f"flags for {step}, which is not in `steps`",
                         fix=f"add {step!r} to steps, or remove [{step}]")
    pairs = []
    for key, value in table.items():
        _check_flag_name(spec, step, key, step)
        if key in dict(axes) and step == "train":
            raise spec.error(step, key, "is already a grid axis in [grid]", fix="keep it in one place")
        if isinstance(value, list):
            fix = "put the list in [grid] to make it an axis" if step == "train" else "give one value"
            raise spec.error(step, key, "a list; a step's flags take one value each", fix=fix)
        pairs.append((key, _scalar(spec, step, key, value)))
    return tuple(pairs)


def _cpus(spec: SweepSpec, table: object) -> tuple[tuple[str, int], ...]:
    """``[cpus]``: an integer >= 1 per step."""
    if not isinstance(table, dict):
        raise spec.error(None, "cpus", "must be a table [cpus]", fix="write [cpus] on its own line, then train = 1")
    for key, value in table.items():
        if key not in STEPS:
            raise spec.error("cpus", key, "not a step", fix=f"use {', '.join(STEPS)}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise spec.error("cpus", key, f"{value!r}: must be an integer >= 1", fix=f"e.g. {key} = 1")
    return tuple(table.items())


def _steps(spec: SweepSpec, value: object) -> tuple[str, ...]:
    if value is None:
        raise spec.error(None, None, "no `steps`", fix='add steps = ["train", "evaluate"] at the top of the file')
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise spec.error(None, "steps", "must be a non-empty list of step names", fix=f"choose from {', '.join(STEPS)}")
    for step in value:
        if step not in STEPS:
            raise spec.error(None, "steps", f"unknown step {step!r}", fix=f"choose from {', '.join(STEPS)}")
    if len(set(value)) != len(value):
        raise spec.error(None, "steps", "names a step twice", fix="name each step once")
    return tuple(step for step in STEPS if step in value)


def _strings(spec: SweepSpec, grid: dict, key: str, default: tuple[str, ...] | None) -> tuple[str, ...]:
    if key not in grid:
        if default is None:
            raise spec.error("grid", None, f"no `{key}`", fix=f'add {key} = ["nbg-cora"] to [grid]')
        return default
    values = _values(spec, "grid", key, grid[key])
    if not all(isinstance(v, str) and v for v in values):
        raise spec.error("grid", key, "must be a list of names", fix=f'e.g. {key} = ["{"nbg-cora"}"]')
    return tuple(values)


def _values(spec: SweepSpec, table: str, key: str, value: object) -> tuple[FlagValue, ...]:
    """A grid axis: a non-empty list of distinct scalars."""
    if not isinstance(value, list) or not value:
        raise spec.error(table, key, "a grid axis must be a non-empty list", fix=f"e.g. {key} = [{_example(value)}]")
    values = tuple(_scalar(spec, table, key, v) for v in value)
    if len(set(map(repr, values))) != len(values):
        raise spec.error(table, key, "lists a value twice", fix="list each value once")
    return values


# the numeric flags a sweep may set, with their least value (the command line's checks; upper
# bounds: core.cli.validation.LIMITS); "lr" must be above its least value
NUMERIC_MINIMUMS = {"epochs": 1, "batch-size": 1, "hidden-dim": 1, "latent-dim": 1, "embedding-dim": 1,
                    "checkpoint-every": 1, "gcn-levels": 1, "monitor-graphs": 0, "monitor-prior-points": 0,
                    "lr": 0, "beta": 0, "grad-clip": 0, "eps-scale": 0, "warmup-epochs": 0, "kl-warmup-epochs": 0,
                    "encode-times": 1, "decode-times": 1, "prior-points": 1, "gp-seeds": 1, "gp-epochs": 1,
                    "rounds": 1, "seeds": 1, "init": 2, "gp-inducing": 1, "gp-iterations": 1, "decode-attempts": 1}
EVALUATE_PARTS = ("recon", "prior", "gp", "constrained")


def _check_value(spec: SweepSpec, table: str, key: str, value: FlagValue) -> None:
    """A flag's value within what the command line accepts (before Ray starts anything)."""
    from core.cli.validation import LIMITS

    if key == "parts" and isinstance(value, str):
        unknown = sorted({p.strip() for p in value.split(",")} - set(EVALUATE_PARTS))
        if unknown:
            raise spec.error(table, key, f"unknown part(s) {unknown}", fix=f"use {', '.join(EVALUATE_PARTS)}")
    if key not in NUMERIC_MINIMUMS or (table == "grid" and key in GRID_KEYS):  # [grid] seeds: training seeds
        return
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        return  # not a number at all: the command's own parser names it when the plan is made
    if not math.isfinite(number):
        raise spec.error(table, key, f"{value!r} is not a finite number", fix=f"e.g. {key} = 1")
    least, most = NUMERIC_MINIMUMS[key], LIMITS.get(f"--{key}")
    if number < least or (key == "lr" and number <= 0):
        raise spec.error(table, key, f"{value!r}: must be {'above' if key == 'lr' else 'at least'} {least}",
                         fix=f"e.g. {key} = {max(least, 1)}")
    if most is not None and number > most:
        raise spec.error(table, key, f"{value!r}: must be at most {most:,} on this machine class (2 cores, 24 GB)",
                         fix=f"e.g. {key} = {min(most, 100)}")


def _scalar(spec: SweepSpec, table: str, key: str, value: object) -> FlagValue:
    if isinstance(value, bool | int | str) or (isinstance(value, float) and value == value):
        _check_value(spec, table, key, value)
        return value
    raise spec.error(table, key, f"{value!r} is not a string, number or true/false",
                     fix="give the value as on the command line")


def _check_flag_name(spec: SweepSpec, table: str, key: str, step: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", key):
        raise spec.error(table, key, "not a flag name", fix="write flags as on the command line without '--', "
                                                           "e.g. batch-size")
    if key in SET_BY_SWEEP[step]:
        where = "[grid] (spaces, encodings, presets, seeds)" if step == "train" else "the sweep"
        raise spec.error(table, key, f"is set by {where}, not by a flag", fix=f"remove {key}")


def _example(value: object) -> str:
    return repr(value) if isinstance(value, int | float) and not isinstance(value, bool) else '"..."'
