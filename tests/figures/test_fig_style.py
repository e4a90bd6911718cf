from core.figures import op_colors, run_colors
from core.figures.style import INPUT_COLOR, OUTPUT_COLOR, text_color


def test_op_colors_are_stable_and_distinct():
    names = ["input", "output", "conv3", "sep3", "conv5", "sep5", "avg3", "max3"]
    colors = op_colors(names)
    assert colors["input"] == INPUT_COLOR and colors["output"] == OUTPUT_COLOR
    assert len(set(colors[n] for n in names[2:])) == 6
    assert op_colors(names[2:]) == {n: colors[n] for n in names[2:]}  # with or without input/output
    assert all(c.startswith("#") and len(c) == 7 for c in colors.values())


def test_run_colors_and_contrast():
    assert list(run_colors(["a", "b"]).values()) == ["#0072B2", "#D55E00"]
    assert text_color("#FFFFFF") == "#000000" and text_color("#332288") == "#FFFFFF"
