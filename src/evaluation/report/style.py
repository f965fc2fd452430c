"""One house style for every figure in the handbook, built on seaborn.

Every figure has a title, labelled axes with units, and a source line;
:func:`finish` puts all three on an axes and refuses an empty one. Every
result's ``plot()`` ends with it (source :data:`DEFAULT_SOURCE`), and it is the
one way to change those words afterwards: a figure keeps one source line, so
finishing again replaces it. Colours come
from a colour-blind-safe palette, and figures are drawn on an opaque white
ground so they stay readable when the book is shown in dark mode.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from evaluation.report import style
>>> style.use_house_style()
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([2010, 2011], [1.0, 2.0])
>>> _ = style.finish(ax, title="A rising line", xlabel="Year", ylabel="Homes (count)",
...              source="Source: made up for the example.")

Finishing again puts other words on the figure; its one source line is replaced:

>>> _ = style.finish(ax, title="Homes built in our area", xlabel="Year",
...              ylabel="Homes (count)", source="Source: our own records.")
>>> [text.get_text() for text in fig.texts]
['Source: our own records.']
>>> plt.close(fig)
"""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_SOURCE",
    "PALETTE",
    "SECTOR_COLOURS",
    "use_house_style",
    "axes",
    "finish",
]

#: Okabe-Ito colours, distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: The source line a result's ``plot()`` draws until the caller finishes the figure again.
DEFAULT_SOURCE = "Source: evaluation estimates from the data supplied."

#: Marks the figure's source line, so that :func:`finish` replaces it rather than adds one.
_SOURCE_LINE = "evaluation-source-line"

#: One colour per service, used wherever services appear side by side.
SECTOR_COLOURS = {
    "employment": PALETTE[0],
    "care": PALETTE[1],
    "schools": PALETTE[2],
    "probation": PALETTE[3],
    "geography": "#7f7f7f",
}


def use_house_style() -> None:
    """Set seaborn's theme, the palette and an opaque white figure ground."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.titlelocation": "left",
        }
    )


def axes(ax: Axes | None, figsize: tuple[float, float] = (8, 4.5)) -> Axes:
    """The axes a plot draws on: ``ax`` itself, or a new figure's when it is None.

    Parameters
    ----------
    ax
        The caller's axes, or None for a new figure.
    figsize
        Width and height of the new figure, in inches.

    Returns
    -------
    Axes
        ``ax``, or the one axes of a new figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ax = axes(None, (6, 4))
    >>> [float(inches) for inches in ax.get_figure().get_size_inches()]
    [6.0, 4.0]
    >>> axes(ax) is ax
    True
    >>> plt.close(ax.get_figure())
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def finish(ax: Axes, *, title: str, xlabel: str, ylabel: str, source: str) -> Axes:
    """Give ``ax`` its title, axis labels and a source line under the figure.

    This is also how to change the words on a figure a result's ``plot()``
    returned: call it again on that axes. The figure keeps one source line; a
    source already there is replaced, never drawn twice.

    Parameters
    ----------
    ax
        The axes to finish.
    title
        What the figure shows, in words.
    xlabel, ylabel
        Axis labels with their units, e.g. ``"HHI (0-10,000)"``.
    source
        The data's publisher and licence, e.g. ``datasets.info(name).citation``.

    Returns
    -------
    Axes
        ``ax``, finished.

    Raises
    ------
    ValueError
        If any of the four texts is empty.
    """
    for label, text in {
        "title": title,
        "xlabel": xlabel,
        "ylabel": ylabel,
        "source": source,
    }.items():
        if not text or not text.strip():
            raise ValueError(f"A handbook figure needs a {label}; it was empty.")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    figure = ax.get_figure(root=True)
    if not isinstance(figure, Figure):
        raise ValueError("The axes belong to no figure.")
    for old in [text for text in figure.texts if text.get_gid() == _SOURCE_LINE]:
        old.remove()
    figure.text(
        0.01, 0.005, source, ha="left", va="bottom", fontsize=9, color="#444444", wrap=True
    ).set_gid(_SOURCE_LINE)
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return ax
