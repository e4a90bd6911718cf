"""User-facing errors: the command line prints them as one clear message, never a traceback.

A located error reads ``PATH[:LINE]: what is wrong`` and may end with a second line
``  fix: what to do``; nothing else. :func:`one_line` squeezes a library's message (which
may span lines) into that shape.
"""

from __future__ import annotations

from pathlib import Path


class OpEmbedError(Exception):
    """An error caused by the user's input or environment, with the fix in its message."""


def one_line(text: object, limit: int = 200) -> str:
    """``text`` as one line of at most ``limit`` characters (whitespace runs collapsed)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _located(path: str | Path, message: str, line: int | None, fix: str | None) -> str:
    where = f"{path}:{line}" if line is not None else f"{path}"
    text = f"{where}: {one_line(message, 400)}"
    if fix:
        text += f"\n  fix: {one_line(fix, 400)}"
    return text


class DataFileError(OpEmbedError):
    """A data file is missing or malformed."""

    def __init__(self, path, message: str, line: int | None = None, fix: str | None = None):
        super().__init__(_located(path, message, line, fix))
        self.path = path
        self.line = line


class RunDirError(OpEmbedError):
    """A run directory lacks what a command needs."""


class RunFileError(RunDirError):
    """A file of a run directory is missing, unreadable or not what it should be.

    Args:
        path: the file.
        problem: what is wrong, one line.
        line: the 1-based line of a text file where it is wrong, when known.
        fix: what to do about it, one line.

    Example:
        >>> str(RunFileError("runs/a/metrics.json", "not valid JSON (Expecting value)", line=1,
        ...                  fix="run `python -m core evaluate runs/a` again"))
        'runs/a/metrics.json:1: not valid JSON (Expecting value)\\n  fix: run `python -m core evaluate runs/a` again'
    """

    def __init__(self, path: str | Path, problem: str, line: int | None = None, fix: str | None = None):
        super().__init__(_located(path, problem, line, fix))
        self.path = Path(path)
        self.problem = one_line(problem, 400)
        self.line = line
        self.fix = one_line(fix, 400) if fix else None
