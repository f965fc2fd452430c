"""Scaffold a new review: a runnable MyST notebook for one evaluation design.

:func:`new_review` writes ``NAME.md``, a text notebook with the sections every
review in the handbook has (question, theory of change, data and provenance,
design and its Maryland level, estimate, diagnostics, confidence statement,
value for money, what would change the conclusion). As generated it runs on a
seeded simulated example whose true effect is known and printed beside the
estimate; one marked cell points it at the analyst's own file.

:data:`TEMPLATES` is the table of designs the kit knows (recorded in
``scaffold.toml`` beside this module): the estimating function, the columns it
needs and the bundled example. The design's name, the
Maryland level it reaches at best and the diagnostics it demands are read from
its entry in :data:`evaluation.guide.designs.DESIGNS`, the one record of each
design, which the decision guide uses too. :func:`designs_table` shows both as
a DataFrame; :func:`headline` and :func:`draft_statement` are the two helpers
the generated notebooks call.

The templates are ``templates/review.md`` (the sections every design shares)
and ``templates/designs/<design>.md`` (the blocks that differ), read with
``importlib.resources``.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> new_review("pilot_review", "its", folder).name
'pilot_review.md'
>>> list(TEMPLATES)[:3]
['did', 'staggered', 'synth']
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evaluation import __version__
from evaluation.guide import _read_register

if TYPE_CHECKING:
    from evaluation.guide import designs

__all__ = [
    "TEMPLATES",
    "Template",
    "designs_table",
    "draft_statement",
    "headline",
    "new_review",
    "render",
]

#: A review name: letters, digits, ``_`` and ``-``, starting with a letter or digit.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

_BLOCK = re.compile(r"^<!-- block: (\w+) -->\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Template:
    """The review template of one design: what the scaffold alone needs to write its notebook.

    The design's name (:attr:`label`), Maryland level and diagnostics are not
    held here: they are read from its :class:`~evaluation.guide.designs.Design`
    (:attr:`guide`), so the decision guide and the scaffold cannot disagree.

    Attributes
    ----------
    key
        The name used on the command line (``--design``): the ``cli`` of its
        :class:`~evaluation.guide.designs.Design`.
    module, function
        The ``evaluation`` function that estimates it.
    columns
        Role of each required column and what it must hold.
    example
        The simulator call that makes the bundled example (``evaluation.simulate``).
    true_effect
        Expression, in terms of ``example``, for the example's true effect.
    default_columns
        Column names of the example, by role.
    settings
        Design-specific values (cutoff, interruption date, treated unit...).
    vfm
        Illustrative value-for-money inputs.
    vfm_effect
        Expression for the effect the value-for-money section uses.
    attribute
        Attribute of the fitted result that is the headline number.
    """

    key: str
    module: str
    function: str
    columns: Mapping[str, str]
    example: str
    true_effect: str
    default_columns: Mapping[str, Any]
    settings: Mapping[str, Any] = field(default_factory=dict)
    vfm: Mapping[str, Any] = field(default_factory=dict)
    vfm_effect: str = "fit.estimate"
    attribute: str = "estimate"

    @property
    def guide(self) -> designs.Design:
        """The decision guide's entry for this design (:data:`evaluation.guide.designs.DESIGNS`)."""
        # Imported here: the guide pulls in the estimators (statsmodels, matplotlib), which
        # the command line should not load just to list its options.
        from evaluation.guide import designs

        return next(d for d in designs.DESIGNS.values() if d.cli == self.key)

    @property
    def label(self) -> str:
        """Its name in the decision guide, which describes the design in words."""
        return self.guide.name

    @property
    def level(self) -> int:
        """The Maryland Scientific Methods Scale level the design reaches at best."""
        return self.guide.level

    @property
    def level_note(self) -> str:
        """Why that level, and what would raise or lower it."""
        return self.guide.level_note

    @property
    def diagnostics(self) -> tuple[str, ...]:
        """The checks the design demands, each in a few words (the decision guide's)."""
        return self.guide.diagnostics


#: The designs the kit scaffolds, by ``--design`` name, as scaffold.toml beside this module
#: records them.
TEMPLATES: dict[str, Template] = _read_register("scaffold.toml", Template)


def designs_table() -> pd.DataFrame:
    """The designs as a table: design, function, Maryland level, diagnostics, columns.

    The name (``what``), level and diagnostics are the decision guide's
    (:data:`evaluation.guide.designs.DESIGNS`); the function and columns are
    the template's.

    Examples
    --------
    >>> designs_table().loc[lambda t: t["design"] == "rdd", "level"].item()
    4
    """
    return pd.DataFrame(
        [
            {
                "design": d.key,
                "what": d.label,
                "function": f"evaluation.{d.module}.{d.function}",
                "level": d.level,
                "diagnostics": "; ".join(d.diagnostics),
                "columns": ", ".join(d.columns),
            }
            for d in TEMPLATES.values()
        ]
    )


# --------------------------------------------------------------------------- rendering
def _template(*parts: str) -> str:
    return (
        resources.files("evaluation.guide")
        .joinpath("templates", *parts)
        .read_text(encoding="utf-8")
    )


def _blocks(text: str) -> dict[str, str]:
    """Split a design template into its ``<!-- block: NAME -->`` blocks."""
    pieces = _BLOCK.split(text)
    return {name: body.strip() for name, body in zip(pieces[1::2], pieces[2::2], strict=True)}


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"Review name {name!r} is not a safe file name: use 1-64 letters, digits, '_' or "
            "'-', starting with a letter or digit (the file is NAME.md; leave out '.md')."
        )


def _check_design(design: str) -> Template:
    if design not in TEMPLATES:
        raise ValueError(f"Unknown design {design!r}; choose one of {', '.join(TEMPLATES)}.")
    return TEMPLATES[design]


def render(
    name: str,
    design: str,
    *,
    data: str | os.PathLike[str] | None = None,
    columns: Mapping[str, Any] | None = None,
) -> str:
    """The text of the review notebook, without writing it.

    Parameters
    ----------
    name
        Review name (used in the title and the command shown).
    design
        A key of :data:`TEMPLATES`.
    data
        The analyst's CSV file, or ``None`` for the bundled simulated example.
    columns
        Column names by role, overriding the example's (roles as in
        ``TEMPLATES[design].columns``).

    Returns
    -------
    str
        MyST Markdown with jupytext front matter.

    Raises
    ------
    ValueError
        For an unsafe name, an unknown design, or a role the design does not have.
    """
    _check_name(name)
    spec = _check_design(design)
    chosen = dict(spec.default_columns)
    for role, column in (columns or {}).items():
        if role not in spec.columns:
            raise ValueError(
                f"Design {design!r} has no column role {role!r}; its roles are "
                f"{', '.join(spec.columns)}."
            )
        chosen[role] = column
    values = {
        "title": f"Review: {name.replace('_', ' ').replace('-', ' ')}",
        "name": name,
        "design": design,
        "label": spec.label,
        "level": str(spec.level),
        "module": spec.module,
        "function": spec.function,
        "version": __version__,
        "data_file": "None" if data is None else f"Path({str(Path(data).resolve())!r})",
        "columns": repr(chosen),
        "settings": repr(dict(spec.settings)),
        "simulator": spec.example,
        "sim_module": spec.example.split(".")[1],
        "true_effect": spec.true_effect,
        "vfm": repr(dict(spec.vfm)),
        "vfm_effect": spec.vfm_effect,
        "attribute": spec.attribute,
        **_blocks(_template("designs", f"{design}.md")),
    }

    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(fill, _template("review.md"))


def new_review(
    name: str,
    design: str,
    directory: str | os.PathLike[str] = ".",
    *,
    data: str | os.PathLike[str] | None = None,
    columns: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``directory/NAME.md``, a review notebook for ``design``; return its path.

    Parameters
    ----------
    name
        Review name: 1-64 letters, digits, ``_`` or ``-``.
    design
        A key of :data:`TEMPLATES`.
    directory
        An existing, writable folder.
    data, columns
        Optional: the analyst's CSV file and column names by role (see :func:`render`).

    Returns
    -------
    pathlib.Path
        The new file.

    Raises
    ------
    ValueError
        For an unsafe name, an unknown design or role, or a folder that is
        absent, not a folder or not writable.
    FileExistsError
        If ``NAME.md`` already exists: a review is never overwritten.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ValueError(f"Folder {str(folder)!r} does not exist or is not a folder.")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"Folder {str(folder)!r} is not writable.")
    text = render(name, design, data=data, columns=columns)
    target = folder / f"{name}.md"
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise FileExistsError(
            f"{target} already exists; refusing to overwrite it. Choose another name or "
            "folder, or move the old review away."
        ) from None
    return target


# ------------------------------------------------------------- helpers the notebooks call
def headline(
    result: Any, *, true_effect: float | None = None, attribute: str = "estimate"
) -> pd.DataFrame:
    """One row: the headline estimate, its interval and, for simulated data, the truth.

    Parameters
    ----------
    result
        A fitted result (see :mod:`evaluation.results`).
    true_effect
        The simulated true effect; ``None`` for real data (shown as missing).
    attribute
        The attribute holding the headline number (``"estimate"`` unless the
        design reports another quantity, e.g. ``"prior_sd"``); the interval is
        shown only for ``"estimate"``.

    Examples
    --------
    >>> from evaluation.results import Result
    >>> fit = Result(estimate=-4.6, se=0.7, ci_low=-6.0, ci_high=-3.2, p_value=0.0,
    ...              n_obs=84, method="Segmented regression", estimand="level change")
    >>> headline(fit, true_effect=-5.0)[["estimate", "true_effect"]].to_dict("records")
    [{'estimate': -4.6, 'true_effect': -5.0}]
    """
    own = attribute == "estimate"
    return pd.DataFrame(
        [
            {
                "quantity": result.estimand if own else attribute,
                "estimate": float(getattr(result, attribute)),
                "ci_low": float(result.ci_low) if own else math.nan,
                "ci_high": float(result.ci_high) if own else math.nan,
                "p_value": float(result.p_value) if own else math.nan,
                "n_obs": int(result.n_obs),
                "true_effect": math.nan if true_effect is None else float(true_effect),
            }
        ]
    )


def draft_statement(design: str, result: Any) -> str:
    """A first draft of the confidence statement, for the analyst to edit.

    The grade offered is the highest the design's Maryland level allows
    (high for levels 4-5, moderate for 3, low for 1-2), lowered to low when
    the interval includes zero; the analyst must lower it further if any of
    the diagnostics the design demands (its
    :class:`~evaluation.guide.designs.Design`'s) fails.

    Examples
    --------
    >>> from evaluation.results import Result
    >>> fit = Result(estimate=-0.1, se=0.02, ci_low=-0.14, ci_high=-0.06, p_value=0.0,
    ...              n_obs=2000, method="RD", estimand="jump at the cutoff")
    >>> print(draft_statement("rdd", fit).splitlines()[0])
    Design: A threshold or eligibility cut-off: regression discontinuity (Maryland level 4 at most).
    """
    spec = _check_design(design)
    grade = "high" if spec.level >= 4 else "moderate" if spec.level == 3 else "low"
    own = spec.attribute == "estimate"
    low, high = (float(result.ci_low), float(result.ci_high)) if own else (math.nan, math.nan)
    quantity = result.estimand if own else spec.attribute
    value = float(getattr(result, spec.attribute))
    if not math.isfinite(value):
        raise ValueError(
            f"The result's {spec.attribute} is {value}: there is no estimate to grade. "
            "Find why the estimator returned it before drafting a statement."
        )
    spans_zero = not (math.isnan(low) or math.isnan(high)) and low <= 0 <= high
    if spans_zero:
        grade = "low"
    level = getattr(result, "level", 0.95)
    interval = (
        "no sampling interval (see the diagnostics)"
        if math.isnan(low)
        else f"{100 * level:g}% interval {low:.3g} to {high:.3g}"
    )
    return (
        f"Design: {spec.label} (Maryland level {spec.level} at most).\n"
        f"Estimate: {quantity} {value:.3g}, {interval}.\n"
        f"Draft confidence: {grade} at most"
        + (", because the interval includes zero" if spans_zero else "")
        + ". Lower it if a check the design demands fails (section 6 runs the main ones;"
        + " add the others): "
        + "; ".join(spec.diagnostics)
        + "."
    )
