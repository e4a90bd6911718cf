"""The cells of a sweep's grid, their names, and each cell's steps with the steps they wait for.

A cell is one run directory, ``OUT/<name>``, its name made from its settings::

    <space>-<encoding>-<preset>[-<axis flag><value> ...]-seed<seed>
    e.g. nbg-cora-learned-quick-seed0, enas6-onehot-fast-eps-scale0.1-seed1

A step is one ``python -m core`` command on that run. ``evaluate``, ``project`` and
``smoothness`` wait for ``train``; ``bo`` waits for ``evaluate`` when the sweep evaluates, else
for ``train``. Every step's command is read by the command's own parser (in a child process,
see :mod:`core.sweep.child`) before anything runs, so a misspelt flag is reported at its line
of the sweep file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.errors import OpEmbedError
from core.sweep.spec import STEPS, FlagValue, Flags, SweepSpec


@dataclass(frozen=True)
class Cell:
    """One combination of the grid: one run directory.

    Attributes:
        name: the run directory's name (see the module docstring).
        space: search space.
        encoding: ``onehot`` or ``learned``.
        preset: training preset.
        seed: training seed.
        axes: this cell's value of each further grid axis (train flag, value).
    """

    name: str
    space: str
    encoding: str
    preset: str
    seed: int
    axes: Flags = ()

    def run_dir(self, out: Path) -> Path:
        return Path(out) / self.name


@dataclass(frozen=True)
class Step:
    """One command on one cell.

    Attributes:
        cell: the cell.
        kind: ``train``, ``evaluate``, ``project``, ``smoothness`` or ``bo``.
        argv: the command, ``python -m core`` without the program (``train`` adds
            ``--resume`` itself when its run was started before).
        after: the kinds of the same cell that must finish first.
        cpus: CPUs the task reserves; its torch threads.
        options: the command's flags as its parser reads ``argv`` (defaults filled in).
    """

    cell: Cell
    kind: str
    argv: tuple[str, ...]
    after: tuple[str, ...]
    cpus: int
    options: Mapping[str, object]

    @property
    def key(self) -> str:
        """``<cell>/<kind>``: unique in a sweep."""
        return f"{self.cell.name}/{self.kind}"

    def run_dir(self, out: Path) -> Path:
        return self.cell.run_dir(out)


@dataclass(frozen=True)
class SweepPlan:
    """The cells of a sweep and their steps (each cell's in :data:`~core.sweep.spec.STEPS` order)."""

    spec: SweepSpec
    out: Path
    cells: tuple[Cell, ...]
    steps: tuple[Step, ...]
    left_out: tuple[str, ...] = ()  # cells of the grid no model takes, e.g. dvae-att x onehot: one line each

    def steps_of(self, cell: Cell) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.cell == cell)


def format_value(value: FlagValue) -> str:
    """A flag value as the command line takes it (``0.1``, ``1e-05``, ``3``, ``umap``)."""
    return repr(value) if isinstance(value, float) else str(value)


def flag_argv(flags: Flags) -> list[str]:
    """``--name value`` for each flag; ``true`` is the bare switch, ``false`` leaves it out."""
    argv: list[str] = []
    for name, value in flags:
        if value is True:
            argv.append(f"--{name}")
        elif value is not False:
            argv += [f"--{name}", format_value(value)]
    return argv


def cell_name(space: str, encoding: str, preset: str, seed: int, axes: Flags = ()) -> str:
    """The run directory name of a cell (characters outside ``A-Za-z0-9.+-`` become ``_``)."""
    parts = [space, encoding, preset]
    for flag, value in axes:
        if value is True:
            parts.append(flag)
        elif value is False:
            parts.append(f"no-{flag}")
        else:
            parts.append(f"{flag}{format_value(value)}")
    parts.append(f"seed{seed}")
    return re.sub(r"[^A-Za-z0-9.+-]", "_", "-".join(parts))


def cells_of(spec: SweepSpec) -> tuple[Cell, ...]:
    """Every combination of the grid: spaces, then encodings, presets, the further axes, seeds."""
    combos: list[Flags] = [()]
    for flag, values in spec.axes:
        combos = [(*combo, (flag, value)) for combo in combos for value in values]
    cells = [Cell(cell_name(space, encoding, preset, seed, axes), space, encoding, preset, seed, axes)
             for space in spec.spaces for encoding in spec.encodings for preset in spec.presets
             for axes in combos for seed in spec.seeds]
    names: dict[str, Cell] = {}
    for cell in cells:
        if cell.name in names:
            raise spec.error("grid", None, f"two cells would share the run folder {cell.name!r}",
                             fix="give the axes values that differ as text")
        names[cell.name] = cell
    return tuple(cells)


def step_argv(spec: SweepSpec, cell: Cell, kind: str, out: Path) -> list[str]:
    """The ``python -m core`` command of ``kind`` on ``cell`` (``train`` without ``--resume``)."""
    run = str(cell.run_dir(out))
    fixed = flag_argv(spec.flags_of(kind))
    if kind == "train":
        return ["train", "--space", cell.space, "--encoding", cell.encoding, "--preset", cell.preset,
                "--seed", str(cell.seed), *flag_argv(cell.axes), *fixed, "--out", run, "--no-progress"]
    if kind == "evaluate":
        return ["evaluate", run, *fixed, "--no-progress"]
    if kind == "bo":
        return ["bo", run, *fixed, "--quiet"]
    return [kind, run, *fixed]


def dependencies(kind: str, steps: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds a step of ``kind`` waits for, among the sweep's ``steps``."""
    if kind == "train":
        return ()
    if kind == "bo" and "evaluate" in steps:
        return ("evaluate",)
    return ("train",) if "train" in steps else ()


def read_commands(commands: list[list[str]]) -> list[dict]:
    """Each command read by the parser of ``python -m core <command>``, in a child process
    (:mod:`core.sweep.step_process`): ``{"options": {...}}`` or ``{"error": "..."}``.

    Raises:
        OpEmbedError: the child process failed.
    """
    import json
    import subprocess

    from core.sweep.child import REPO_ROOT, child_command, child_env

    result = subprocess.run(child_command("--parse"), input=json.dumps(commands), capture_output=True, text=True,
                            cwd=REPO_ROOT, env=child_env())
    if result.returncode != 0:
        tail = " ".join(result.stderr.split())[-300:]
        raise OpEmbedError(f"{REPO_ROOT}: reading the sweep's commands failed ({tail})\n"
                           "  fix: check that `python -m core --help` works in this environment")
    return json.loads(result.stdout)


def _locate(spec: SweepSpec, kind: str, message: str) -> tuple[str | None, str | None]:
    """The table and key of the sweep file a parser's complaint is about."""
    for flag in re.findall(r"--([a-z0-9-]+)", message):
        if kind == "train" and flag in dict(spec.axes):
            return "grid", flag
        if flag in dict(spec.flags_of(kind)):
            return kind, flag
    return kind, None


def plan_sweep(spec: SweepSpec, out: Path) -> SweepPlan:
    """The cells and steps of ``spec`` with run directories under ``out``.

    Raises:
        SweepFileError: an unknown space, or a flag a command refuses (with its line).
    """
    from core.spaces import get_space

    for space in spec.spaces:
        try:
            get_space(space)
        except OpEmbedError as error:
            raise spec.error("grid", "spaces", str(error).splitlines()[0]) from None
    cells, left_out = _takeable(cells_of(spec))
    pairs = [(cell, kind) for cell in cells for kind in STEPS if kind in spec.steps]
    commands = [step_argv(spec, cell, kind, out) for cell, kind in pairs]
    steps = []
    for (cell, kind), argv, read in zip(pairs, commands, read_commands(commands)):
        if "error" in read:
            table, key = _locate(spec, kind, read["error"])
            raise spec.error(table, key, f"`python -m core {kind}` refuses it: {read['error']}",
                             fix=f"see `python -m core {kind} --help` for its flags")
        steps.append(Step(cell=cell, kind=kind, argv=tuple(argv), after=dependencies(kind, spec.steps),
                          cpus=spec.cpus_of(kind), options=read["options"]))
    return SweepPlan(spec=spec, out=Path(out), cells=cells, steps=tuple(steps), left_out=left_out)


def _takeable(cells: tuple[Cell, ...]) -> tuple[tuple[Cell, ...], tuple[str, ...]]:
    """The cells whose model (the grid's ``model`` axis, else ``dvae``) takes their encoding,
    and one line for each cell left out. An unknown model stays in: its train command is
    refused with the file's line."""
    from core.models.registry import MODELS

    kept, left_out = [], []
    for cell in cells:
        model = str(dict(cell.axes).get("model", "dvae"))
        if model in MODELS and cell.encoding not in MODELS[model].names:
            left_out.append(f"{cell.name}: --model {model} takes --encoding {' or '.join(MODELS[model].names)} only")
        else:
            kept.append(cell)
    return tuple(kept), tuple(left_out)
