"""One look for every figure: white template, readable fonts, and stable colours.

Operations keep one colour everywhere (latent scatter legends, cell diagrams, embedding
plots) through :func:`op_colors`; runs keep one colour everywhere through
:func:`run_colors`. Both palettes are colour-blind safe (Paul Tol's *muted* scheme for
operations, Okabe-Ito for runs).
"""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

TEMPLATE = "plotly_white"
FONT = {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": "#222222"}
INPUT_COLOR = "#DDDDDD"
OUTPUT_COLOR = "#555555"
UNKNOWN_COLOR = "#FFFFFF"
# Paul Tol "muted" (9), then Tol "bright" for spaces with more operations
OP_PALETTE = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
              "#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377"]
# Okabe-Ito, black last
RUN_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
SEQUENTIAL = "Viridis"


def op_colors(node_type_names: Iterable[str]) -> dict[str, str]:
    """Hex colour of every node type: grey input and output, then the operation palette in
    the order of the operations (so one space's operations always get the same colours).

    Args:
        node_type_names: ``SearchSpace.node_type_names`` (``["input", "output", *ops]``), or
            just the operation names.

    Example:
        >>> op_colors(["input", "output", "conv3", "max3"])["conv3"]
        '#CC6677'
    """
    colors: dict[str, str] = {}
    position = 0
    for name in node_type_names:
        if name == "input":
            colors[name] = INPUT_COLOR
        elif name == "output":
            colors[name] = OUTPUT_COLOR
        else:
            colors[name] = OP_PALETTE[position % len(OP_PALETTE)]
            position += 1
    return colors


def run_colors(run_names: Iterable[str]) -> dict[str, str]:
    """Hex colour of each run, in order."""
    return {name: RUN_PALETTE[i % len(RUN_PALETTE)] for i, name in enumerate(run_names)}


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#RRGGBB`` colour (0 black, 1 white)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 to 21; body text wants ≥ 4.5)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_color(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast on a ``#RRGGBB`` background."""
    return "#000000" if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#FFFFFF") else "#FFFFFF"


def rgba(color: str, alpha: float) -> str:
    """``#RRGGBB`` as an ``rgba(...)`` string with opacity ``alpha``."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def style_figure(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the shared look (template, fonts, margins, title) in place and return ``fig``."""
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        margin={"l": 70, "r": 30, "t": 80 if title else 40, "b": 60},
        legend={"bgcolor": "rgba(255, 255, 255, 0.8)"},
        hoverlabel={"font": {"family": FONT["family"]}},
    )
    if title:
        fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
                                 "font": {"size": 17}})
    if fig.layout.legend.orientation == "h":  # a legend above the plot needs room under the title
        fig.update_layout(margin={"t": 120 if title else 70})
    if height is not None:
        fig.update_layout(height=height)
    fig.update_xaxes(showline=True, linecolor="#444444", ticks="outside", zeroline=False)
    fig.update_yaxes(showline=True, linecolor="#444444", ticks="outside", zeroline=False)
    return fig
