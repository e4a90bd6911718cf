"""How wide a label is, in pixels, before a browser draws it.

The figures use Arial / Helvetica (``style.FONT``); Liberation Sans, the font a Linux
Chromium substitutes for Arial, has the same advance widths. The widths below are the
published Helvetica advance widths in 1/1000 em (Adobe's core-font metrics). A character
missing from the table counts as a full em, so an estimate is never narrower than the
drawn text. The cell drawings size their boxes with :func:`text_width`, and the geometry
tests check every label against its box with it.
"""

from __future__ import annotations

_WIDTHS = {
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191, "(": 333, ")": 333, "*": 389,
    "+": 584, ",": 278, "-": 333, ".": 278, "/": 278, ":": 278, ";": 278, "<": 584, "=": 584, ">": 584, "?": 556,
    "@": 1015, "[": 278, "\\": 278, "]": 278, "^": 469, "_": 556, "`": 333, "{": 334, "|": 260, "}": 334, "~": 584,
    "·": 278, "–": 556, "—": 1000, "±": 584, "×": 584, "≥": 549, "≤": 549,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278, "J": 500, "K": 667,
    "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722, "S": 667, "T": 611, "U": 722, "V": 667,
    "W": 944, "X": 667, "Y": 667, "Z": 611,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222, "j": 222, "k": 500,
    "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333, "s": 500, "t": 278, "u": 556, "v": 500,
    "w": 722, "x": 500, "y": 500, "z": 500,
    **{digit: 556 for digit in "0123456789"},
}
UNKNOWN_WIDTH = 1000  # a full em: never narrower than the drawn glyph


def text_width(text: str, font_size: float) -> float:
    """Width in pixels of ``text`` set in Arial / Helvetica at ``font_size`` pixels.

    Example:
        >>> round(text_width("conv3", 12), 1)
        32.0
    """
    return sum(_WIDTHS.get(char, UNKNOWN_WIDTH) for char in str(text)) * float(font_size) / 1000.0


def points_at_width(font_size: float, figure_width: float, printed_width_cm: float) -> float:
    """The printed size in points of ``font_size``-pixel text when a figure ``figure_width``
    pixels wide is placed ``printed_width_cm`` wide in a document (72 pt to the inch).

    Example:
        >>> round(points_at_width(12, 300, 8.5), 1)  # a single-column figure
        9.6
    """
    return float(font_size) * (printed_width_cm / 2.54 * 72.0) / float(figure_width)
