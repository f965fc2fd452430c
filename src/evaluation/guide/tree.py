"""The decision tree of the guide, drawn as a figure.

The questions, the answers and the design each leads to.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from evaluation import its
from evaluation.guide.designs import DESIGNS
from evaluation.report import style

__all__ = ["TreeNode", "plot_decision_tree"]


# --------------------------------------------------------------------------- the figure
class TreeNode(NamedTuple):
    """A box of the decision-tree figure: a question, a design (``key``) or a dead end."""

    kind: str  # "q" question, "d" design, "x" no design
    column: int
    row: float
    text: str
    key: str | None = None


#: The decision tree's boxes, at (column, row) positions. Design boxes name the
#: :data:`DESIGNS` key they stand for, so the figure's colours and levels come from there.
TREE_NODES: dict[str, TreeNode] = {
    "q_provider": TreeNode("q", 0, 0, "Is the question which\nprovider does better?"),
    "q_prov_random": TreeNode("q", 1, 0, "Were people allocated to\nproviders at random?"),
    "q_random": TreeNode("q", 0, 1.45, "Was the policy allocated\nat random?"),
    "q_cutoff": TreeNode(
        "q", 0, 2.45, "Did a cut-off on a score decide\nwho got it (records both sides)?"
    ),
    "q_comparison": TreeNode("q", 0, 3.9, "Are untreated (or not yet\ntreated) units recorded?"),
    "q_long": TreeNode("q", 1, 3.9, f"At least {its.MIN_PRE_PERIODS} periods\nbefore the start?"),
    "q_before": TreeNode("q", 0, 5.35, "Are outcomes recorded\nbefore the start?"),
    "q_one": TreeNode("q", 0, 6.35, "Is only one unit\ntreated?"),
    "q_stagger": TreeNode("q", 0, 7.8, "Did treated units start\nat different dates?"),
    "d_prov_rct": TreeNode("d", 2, -0.45, "Randomised comparison\nof providers", "rct"),
    "d_perf": TreeNode(
        "d", 2, 0.45, "Performance: risk adjustment,\nfunnels, shrinkage", "performance"
    ),
    "d_rct": TreeNode("d", 2, 1.45, "Randomised trial\nor roll-out", "rct"),
    "d_rdd": TreeNode("d", 2, 2.45, "Regression\ndiscontinuity", "rdd"),
    "d_its": TreeNode("d", 2, 3.45, "Interrupted time series\n(3 with a comparison series)", "its"),
    "d_none": TreeNode("x", 2, 4.35, "No design here: find a\ncomparison or a longer series"),
    "d_match": TreeNode(
        "d", 2, 5.35, "Matched comparison, if records\nhold what drove selection", "matching"
    ),
    "d_synth": TreeNode(
        "d", 2, 6.35, "Synthetic control (DiD if\ntoo few periods or donors)", "synth"
    ),
    "d_stag": TreeNode("d", 2, 7.35, "Staggered DiD\nand event study", "staggered"),
    "d_did": TreeNode("d", 2, 8.25, "Difference-in-\ndifferences", "did"),
}


#: The arrows: from, to, label.
TREE_EDGES: tuple[tuple[str, str, str], ...] = (
    ("q_provider", "q_prov_random", "yes"),
    ("q_prov_random", "d_prov_rct", "yes"),
    ("q_prov_random", "d_perf", "no"),
    ("q_provider", "q_random", "no"),
    ("q_random", "d_rct", "yes"),
    ("q_random", "q_cutoff", "no"),
    ("q_cutoff", "d_rdd", "yes"),
    ("q_cutoff", "q_comparison", "no"),
    ("q_comparison", "q_long", "no"),
    ("q_long", "d_its", "yes"),
    ("q_long", "d_none", "no"),
    ("q_comparison", "q_before", "yes"),
    ("q_before", "d_match", "no"),
    ("q_before", "q_one", "yes"),
    ("q_one", "d_synth", "yes"),
    ("q_one", "q_stagger", "no"),
    ("q_stagger", "d_stag", "yes"),
    ("q_stagger", "d_did", "no"),
)


_X = {0: 0.0, 1: 3.55, 2: 7.1}


_W, _H, _HD = 3.0, 0.66, 0.8


#: Fill of a design box by its Maryland level (Okabe-Ito colours; level 1 in grey).
LEVEL_COLOURS = {
    5: style.PALETTE[5],
    4: style.PALETTE[2],
    3: style.PALETTE[6],
    2: style.PALETTE[1],
    1: "#CCCCCC",
}


def _anchor(node: str, side: str) -> tuple[float, float]:
    box = TREE_NODES[node]
    x, y = _X[box.column], -box.row
    half = (_H if box.kind == "q" else _HD) / 2
    return {
        "right": (x + _W / 2, y),
        "bottom": (x, y - half),
        "left": (x - _W / 2, y),
        "top": (x, y + half),
    }[side]


def _label(box: TreeNode) -> str:
    """A design box's text with its Maryland level added from :data:`DESIGNS`."""
    if box.key is None:
        return box.text
    return f"{box.text}\nlevel {DESIGNS[box.key].level}"


def plot_decision_tree(ax: Axes | None = None) -> Axes:
    """Draw the decision tree as boxes and arrows, designs shaded by Maryland level.

    Questions are white boxes; designs are filled boxes whose text also states the
    level, so the colour is never the only cue. Colours come from
    :data:`evaluation.report.style.PALETTE` (Okabe-Ito, colour-blind safe). The caller
    adds the title and source (``style.finish``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_decision_tree()
    >>> len(ax.patches) == len(TREE_NODES) + len(TREE_EDGES)
    True
    >>> plt.close(ax.figure)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10.5, 10))
    for box in TREE_NODES.values():
        x, y = _X[box.column], -box.row
        face = "white" if box.key is None else LEVEL_COLOURS[DESIGNS[box.key].level]
        height = _H if box.kind == "q" else _HD
        ax.add_patch(
            FancyBboxPatch(
                (x - _W / 2, y - height / 2),
                _W,
                height,
                boxstyle="round,pad=0.02,rounding_size=0.1",
                facecolor=face,
                edgecolor="#333333",
                linestyle="--" if box.kind == "x" else "-",
                linewidth=1.2,
            )
        )
        ax.text(
            x,
            y,
            _label(box),
            ha="center",
            va="center",
            fontsize=9.5,
            fontweight="bold" if box.kind == "d" else "normal",
            linespacing=1.15,
        )
    for start, end, label in TREE_EDGES:
        rightward = TREE_NODES[end].column > TREE_NODES[start].column
        a = _anchor(start, "right" if rightward else "bottom")
        b = _anchor(end, "left" if rightward else "top")
        ax.add_patch(
            FancyArrowPatch(
                a, b, arrowstyle="-|>", mutation_scale=14, color="#333333", linewidth=1.2
            )
        )
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        ax.text(
            mx + (0.0 if rightward else 0.3),
            my,
            label,
            ha="center",
            va="center",
            fontsize=9.5,
            fontstyle="italic",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )
    ax.set_xlim(_X[0] - _W / 2 - 0.05, _X[2] + _W / 2 + 0.05)
    rows = [box.row for box in TREE_NODES.values()]
    ax.set_ylim(-max(rows) - _HD / 2 - 0.05, -min(rows) + _HD / 2 + 0.05)
    ax.set_axis_off()
    return ax
