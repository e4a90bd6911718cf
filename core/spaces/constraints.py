"""Opt-in constrained decoding: choices a search space forbids are masked while decoding.

The papers decode without constraints and count invalid graphs; ``--constrained`` is an
extra protocol reported beside theirs, never instead of it. A space states its rules as a
:class:`DecodeConstraints` (``SearchSpace.decode_constraints``):

* no node but the first is an input node, and no output (END) before ``min_nodes - 1``;
* ``chain``: every operation reads the node just before it (ENAS's layer chain);
* ``single_input``: every operation has exactly one input (NAS-Bench-Graph's link list):
  once an edge into the new node is drawn, later candidates are masked, and when no edge
  was drawn by the last candidate (the input node), that edge is the only choice left.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DecodeConstraints:
    min_nodes: int  # nodes of a complete graph (input and output included): END comes no earlier
    chain: bool = False  # force the edge v-1 -> v
    single_input: bool = False  # exactly one edge into every operation
