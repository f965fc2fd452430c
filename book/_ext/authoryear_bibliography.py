"""Label the bibliography author-year ("Callaway and Sant'Anna 2021"), as citations read.

sphinxcontrib-bibtex numbers its bibliography [1], [2]... with the ``plain``
style even when citations in the text are author-year; this registers a pybtex
style, ``authoryear``, whose labels match the citations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx


def _surname(person: Any) -> str:
    words = [*person.prelast_names, *person.last_names]
    return " ".join(str(w) for w in words).replace("{", "").replace("}", "")


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels of the form 'Smith 2020', 'Smith and Jones 2020', 'Smith et al. 2020'."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        labels = [self._label(entry) for entry in sorted_entries]
        repeated = {label for label in labels if labels.count(label) > 1}
        suffix: dict[str, int] = {}
        for label in labels:
            if label in repeated:  # Smith 2020a, Smith 2020b
                suffix[label] = suffix.get(label, 0) + 1
                yield f"{label}{'abcdefghijklmnopqrstuvwxyz'[suffix[label] - 1]}"
            else:
                yield label

    @staticmethod
    def _label(entry: Any) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_surname(p) for p in people]
        if not names:
            who = str(entry.fields.get("organization", entry.fields.get("title", "")))
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who} {entry.fields.get('year', 'n.d.')}".strip()


class AuthorYearStyle(UnsrtStyle):
    """The unsrt formatting, sorted by author and year, with author-year labels."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app: Sphinx) -> dict[str, Any]:
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
