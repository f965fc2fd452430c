"""Tests of evaluation.guide.tree: the decision-tree figure agrees with choose_design."""

from __future__ import annotations

import itertools

import matplotlib

from evaluation import its, synth
from evaluation.guide import tree
from evaluation.guide.designs import DESIGNS, choose_design
from evaluation.guide.tree import TREE_EDGES, TREE_NODES

matplotlib.use("Agg")


# --------------------------------------------------------------------------- the figure
def walk(args: dict[str, object]) -> str:
    """Follow the figure's arrows for ``args``; return the box reached."""
    n_pre = int(args["n_pre_periods"])  # type: ignore[call-overload]
    answer = {
        "q_provider": args["compare_providers"],
        "q_prov_random": args["randomised"],
        "q_random": args["randomised"],
        "q_cutoff": args["threshold"] and args["comparison_group"],
        "q_comparison": args["comparison_group"],
        "q_long": n_pre >= its.MIN_PRE_PERIODS,
        "q_before": n_pre >= 1,
        "q_one": args["n_treated_units"] == 1,
        "q_stagger": args["staggered"],
    }
    node = "q_provider"
    while TREE_NODES[node].kind == "q":
        label = "yes" if answer[node] else "no"
        node = next(end for start, end, lab in TREE_EDGES if start == node and lab == label)
    return node


GRID = [
    dict(zip(names, values, strict=True))
    for names in [
        (
            "compare_providers",
            "randomised",
            "threshold",
            "comparison_group",
            "staggered",
            "covariates",
            "n_treated_units",
            "n_pre_periods",
        )
    ]
    for values in itertools.product(
        [False, True],
        [False, True],
        [False, True],
        [False, True],
        [False, True],
        [False, True],
        [1, 2, 40],
        [0, 1, synth.MIN_PRE_PERIODS, its.MIN_PRE_PERIODS],
    )
]


def test_figure_and_function_agree_on_every_combination() -> None:
    checked = set()
    for args in GRID:
        box = TREE_NODES[walk(args)]
        try:
            rec = choose_design(**args)  # type: ignore[arg-type]
        except ValueError as error:
            # contradictions, and the figure's dead end or a match with nothing to match on
            contradiction = "No design" not in str(error) and "no recorded" not in str(error)
            assert contradiction or box.kind == "x" or box.key == "matching", (args, error)
            continue
        if box.key == "synth" and args["n_pre_periods"] < synth.MIN_PRE_PERIODS:
            assert rec.design.key == "did", args  # the box says: DiD if too few periods or donors
        else:
            assert rec.design.key == box.key, args
        checked.add(box.key)
    assert checked == set(DESIGNS), "every design box is reached by some combination"


def test_figure_draws_every_box_and_arrow() -> None:
    ax = tree.plot_decision_tree()
    assert len(ax.patches) == len(TREE_NODES) + len(TREE_EDGES)
    texts = [t.get_text() for t in ax.texts]
    for key in DESIGNS:
        assert any(f"level {DESIGNS[key].level}" in t for t in texts)
    matplotlib.pyplot.close(ax.figure)


def test_every_question_has_a_yes_and_a_no() -> None:
    for node, box in TREE_NODES.items():
        labels = sorted(lab for start, _, lab in TREE_EDGES if start == node)
        assert labels == (["no", "yes"] if box.kind == "q" else []), node
