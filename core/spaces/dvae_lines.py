"""D-VAE's text format for a DAG, one graph a line: ``[[t0], [t1, b], [t2, b, b], ...], value``.
Node ``i`` is ``[type]`` followed by ``i`` bits, one per earlier node (an ENAS skip connection,
a Bayesian-network parent). The ENAS and asia files share it; each space names its parts
(:class:`LineParts`) so an error reads in its words."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from core.errors import DataFileError


@dataclass(frozen=True)
class LineParts:
    """How a space names the parts of a line, for its error messages."""

    line_format: str  # e.g. "[[op], [op, skip], ...], accuracy"
    node: str  # "layer" / "node"
    type_name: str  # "op id" / "variable"
    bit: str  # "skip bit" / "parent bit"
    value: str  # "accuracy" / "BIC"
    node_note: str = ""  # appended to a wrong node count, e.g. " (one per asia variable)"


def read_lines(path: Path, line_format: str, fix: str) -> list[str]:
    """The file's lines as text, trailing blank lines dropped.

    Raises:
        DataFileError: a byte is not UTF-8 (names the line, says ``fix``).
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(path, f"byte 0x{data[error.start]:02x} is not UTF-8 text (expected `{line_format}`)",
                            line=data.count(b"\n", 0, error.start) + 1, fix=fix) from None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_dvae_line(line: str, path: Path, number: int, num_nodes: int, num_types: int,
                    parts: LineParts) -> tuple[list[list[int]], float]:
    """One line as its nodes (``[type, bit, ...]`` each, checked) and its value.

    Raises:
        DataFileError: names ``path``, the 1-based line ``number`` and what is wrong.
    """

    def fail(what: str) -> DataFileError:
        return DataFileError(path, f"{what} (expected `{parts.line_format}`)", line=number)

    try:
        parsed = json.loads(f"[{line}]")
    except json.JSONDecodeError:
        raise fail(f"not a list of {parts.node}s followed by {_article(parts.value)}") from None
    if len(parsed) != 2 or not isinstance(parsed[0], list):
        raise fail(f"not a list of {parts.node}s followed by {_article(parts.value)}")
    nodes, value = parsed
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(f"{parts.value} {value!r} is not a finite number")
    if len(nodes) != num_nodes:
        raise fail(f"{len(nodes)} {parts.node}s, expected {num_nodes}{parts.node_note}")
    for i, node in enumerate(nodes):
        if not isinstance(node, list) or len(node) != i + 1:
            raise fail(f"{parts.node} {i} must be [{parts.type_name.split()[0]}] followed by {i} {parts.bit}s, "
                       f"got {node!r}")
        kind = node[0]
        if type(kind) is not int or not 0 <= kind < num_types:
            raise fail(f"{parts.node} {i} has {parts.type_name} {kind!r}, expected an integer 0..{num_types - 1}")
        for bit in node[1:]:
            if type(bit) is not int or bit not in (0, 1):
                raise fail(f"{parts.node} {i} has {parts.bit} {bit!r}, expected 0 or 1")
    return nodes, float(value)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"
