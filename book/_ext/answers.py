"""Answer boxes, findings and the generated findings page.

Every service, stewardship and adapting chapter opens with an ``answer`` box that a
commissioner can read in thirty seconds; sections that earn an answer to one of the
questions market reforms are judged by carry a ``finding``; and ``findings-table``
(on ``book/findings.md``) gathers both into the table at the front of the book. The
chapters are the one source: nothing on the findings page is typed twice.

In a chapter (MyST; values may hold inline markup and ``{glue:text}`` roles)::

    ```{answer}
    ---
    question: >-
      Did converting to an academy raise a school's GCSE results?
    grade: moderate
    reason: Trends before conversion were parallel, but schools chose when to convert.
    design: staggered
    change: Pupil-level records, or conversions whose timing was set from outside.
    ---
    The answer, in one or two sentences.
    ```

    ```{finding} did-it-work
    ---
    grade: moderate
    ---
    One short sentence for the findings page.
    ```

Method chapters (``chapters/methods/``) use ``question``, ``design`` and ``when``, with
no grade. The Maryland level is never typed: it comes from
:data:`evaluation.guide.designs.DESIGNS` through the ``design`` key, so each design has
one level across the book. A finding's service is its chapter's folder; ``grade: none``
marks a cell that is empty, and its text says why.

When every document has been read, the extension warns (and a strict build fails) if a
chapter that needs a box lacks one, or a service has no finding, or two findings, for a
question.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOGGER = logging.getLogger(__name__)

#: The questions a market reform is judged by: key -> (column label, the question in full).
QUESTIONS: dict[str, tuple[str, str]] = {
    "did-it-work": (
        "Did it work?",
        "Did the reform improve outcomes against what would have happened without it?",
    ),
    "who-does-well": (
        "Who does well or badly?",
        "Which providers or areas do well or badly, judged fairly?",
    ),
    "competition": (
        "Is there real competition?",
        "Enough providers, entry and exit, and a chance for small providers?",
    ),
    "gaming": (
        "Is the contract gamed?",
        "Do payment-by-results contracts invite creaming and parking?",
    ),
    "outcomes": (
        "Outcomes, not outputs?",
        "Do the outcomes that matter to users improve, not just activity?",
    ),
    "user-voice": ("The user's voice", "What do users themselves say about the service?"),
    "place": ("Where you live", "Does what you get depend on where you live?"),
    "transparency": (
        "Published comparably?",
        "Is performance published so that providers and areas can be compared?",
    ),
    "value-for-money": ("Value for money?", "Were the benefits worth the costs?"),
}

#: The services, by chapter folder: the columns of the findings table.
SERVICES: dict[str, str] = {
    "employment": "Employment services",
    "care": "Care for older people",
    "schools": "Schools",
    "probation": "Probation",
    "markets": "Across the services",
}

#: Short column heads for the grid of grades (it must fit a phone's width).
SHORT_NAMES: dict[str, str] = {
    "employment": "Employment",
    "care": "Care",
    "schools": "Schools",
    "probation": "Probation",
    "markets": "All services",
}

#: Chapter folders whose chapters must open with a graded answer box.
GRADED_FOLDERS = ("employment", "care", "schools", "probation", "markets", "adapting")
METHOD_FOLDER = "methods"
GRADES = ("high", "moderate", "low")
DESCRIPTIVE = "descriptive"
RUBRIC_LABEL = "confidence-grades"
SCALE_LABEL = "maryland-scale"


def _folder(docname: str) -> str | None:
    parts = docname.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "chapters" else None


def _designs() -> dict[str, Any]:
    from evaluation.guide.designs import DESIGNS

    return DESIGNS


def _level_text(keys: list[str]) -> str:
    """The evidence-level line, from the design registry (one source for levels)."""
    designs = _designs()
    parts = []
    for key in keys:
        if key == DESCRIPTIVE:
            parts.append("descriptive: no impact design, so no Maryland level applies")
        else:
            design = designs[key]
            parts.append(f"Maryland level {design.level} at best ({design.name.lower()})")
    return "; ".join(parts) + f" ({{ref}}`the scale <{SCALE_LABEL}>`)."


class _Box(SphinxDirective):
    """Shared parsing for the two box directives."""

    has_content = True

    def _inline(self, text: str) -> list[nodes.Node]:
        found, messages = self.state.inline_text(" ".join(text.split()), self.lineno)
        return [*found, *messages]

    def _item(self, label: str, body: list[nodes.Node]) -> nodes.list_item:
        paragraph = nodes.paragraph("", "", nodes.strong(text=f"{label}: "), *body)
        return nodes.list_item("", paragraph)

    def _body(self) -> nodes.container:
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container)
        return container

    def _body_inline(self, container: nodes.container) -> list[nodes.Node]:
        """The body as inline nodes when it is one paragraph (so it sits in a list item)."""
        if len(container.children) == 1 and isinstance(container[0], nodes.paragraph):
            return list(container[0].children)
        return [container]


class AnswerDirective(_Box):
    """The box that opens a chapter: question, answer, grade, level, what would change it."""

    option_spec = {
        "question": directives.unchanged_required,
        "grade": directives.unchanged,
        "reason": directives.unchanged,
        "design": directives.unchanged_required,
        "change": directives.unchanged,
        "when": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        folder = _folder(self.env.docname)
        method = folder == METHOD_FOLDER
        needed = (
            ("question", "design", "when")
            if method
            else ("question", "grade", "reason", "design", "change")
        )
        missing = [name for name in needed if not self.options.get(name, "").strip()]
        if missing or not self.content:
            what = ", ".join(missing) if missing else "the answer (the box's body)"
            raise self.error(f"answer box in {self.env.docname} lacks {what}")
        keys = [k.strip() for k in self.options["design"].split(",") if k.strip()]
        unknown = [k for k in keys if k != DESCRIPTIVE and k not in _designs()]
        if unknown:
            known = ", ".join([*_designs(), DESCRIPTIVE])
            raise self.error(f"unknown design {unknown} (known: {known})")
        grade = self.options.get("grade", "").strip().lower()
        if not method and grade not in GRADES:
            raise self.error(f"grade must be one of {', '.join(GRADES)}, not {grade!r}")

        body = self._body()
        items = [self._item("Question", self._inline(self.options["question"]))]
        if method:
            items.append(self._item("In short", self._body_inline(body)))
            items.append(self._item("When to use it", self._inline(self.options["when"])))
        else:
            items.append(self._item("Answer", self._body_inline(body)))
            reason = self._inline(
                f"{grade.capitalize()}. {self.options['reason'].strip()} "
                f"({{ref}}`how grades are set <{RUBRIC_LABEL}>`)"
            )
            items.append(self._item("Confidence", reason))
        items.append(self._item("Evidence level", self._inline(_level_text(keys))))
        if not method:
            items.append(self._item("What would change it", self._inline(self.options["change"])))

        box = nodes.admonition(classes=["tip", "answer-box"])
        box += nodes.title(text="In short")
        box += nodes.bullet_list("", *items, classes=["answer-list"])
        self.env.answer_boxes = getattr(self.env, "answer_boxes", {})  # type: ignore[attr-defined]
        self.env.answer_boxes[self.env.docname] = {  # type: ignore[attr-defined]
            "question": " ".join(self.options["question"].split()),
            "answer": body.astext().strip(),
            "grade": grade or None,
        }
        return [box]


class FindingDirective(_Box):
    """One cell of the findings table, placed in the section that earns it."""

    required_arguments = 1
    option_spec = {"grade": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        key = self.arguments[0].strip()
        service = _folder(self.env.docname)
        if key not in QUESTIONS:
            raise self.error(f"unknown finding {key!r} (known: {', '.join(QUESTIONS)})")
        if service not in SERVICES:
            raise self.error(f"a finding belongs in a service chapter, not {self.env.docname}")
        grade = self.options.get("grade", "").strip().lower()
        if grade not in (*GRADES, "none"):
            raise self.error(f"finding grade must be high, moderate, low or none, not {grade!r}")
        if not self.content:
            raise self.error(f"finding {key!r} in {self.env.docname} has no text")
        body = self._body()
        anchor = f"finding-{service}-{key}"
        label, _ = QUESTIONS[key]
        box = nodes.admonition(classes=["note", "finding-box"], ids=[anchor])
        box += nodes.title(text=f"Finding: {label} ({_grade_text(grade)})")
        box += body.children
        findings = getattr(self.env, "answer_findings", [])
        findings.append(
            {
                "docname": self.env.docname,
                "service": service,
                "key": key,
                "grade": grade,
                "text": body.astext().strip(),
                "anchor": anchor,
            }
        )
        self.env.answer_findings = findings  # type: ignore[attr-defined]
        return [box]


class findings_placeholder(nodes.General, nodes.Element):
    """Where the findings tables go; filled in once every chapter has been read."""


class FindingsTableDirective(SphinxDirective):
    """Place the generated findings tables (used once, on the findings page)."""

    def run(self) -> list[nodes.Node]:
        return [findings_placeholder()]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "answer_boxes", {}).pop(docname, None)
    findings = getattr(env, "answer_findings", [])
    env.answer_findings = [f for f in findings if f["docname"] != docname]  # type: ignore[attr-defined]


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: Any) -> None:
    env.answer_boxes = getattr(env, "answer_boxes", {})  # type: ignore[attr-defined]
    env.answer_boxes.update(getattr(other, "answer_boxes", {}))
    env.answer_findings = [  # type: ignore[attr-defined]
        *getattr(env, "answer_findings", []),
        *getattr(other, "answer_findings", []),
    ]


def _chapters(env: BuildEnvironment) -> list[str]:
    return [d for d in env.found_docs if _folder(d) in (*GRADED_FOLDERS, METHOD_FOLDER)]


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn for a missing box, or a service with no finding (or two) for a question."""
    boxes = getattr(env, "answer_boxes", {})
    for docname in sorted(_chapters(env)):
        if docname not in boxes:
            LOGGER.warning("chapter has no answer box", location=docname)
    cells: dict[tuple[str, str], list[str]] = {}
    for finding in getattr(env, "answer_findings", []):
        cells.setdefault((finding["service"], finding["key"]), []).append(finding["docname"])
    present = {_folder(d) for d in env.found_docs}
    for service in (s for s in SERVICES if s in present):
        for key in QUESTIONS:
            where = cells.get((service, key), [])
            if len(where) != 1:
                LOGGER.warning(
                    f"{len(where)} findings for {service!r} on {key!r} (want one; "
                    f"grade: none with a reason for an empty cell): {sorted(where)}",
                    location=sorted(where)[0] if where else None,
                )


def _link(app: Sphinx, fromdoc: str, docname: str, anchor: str, text: str) -> nodes.reference:
    uri = app.builder.get_relative_uri(fromdoc, docname)
    if anchor:  # one page for the whole book (singlehtml, for the PDF): the anchor alone
        uri = f"#{anchor}" if "#" in uri else f"{uri}#{anchor}"
    return nodes.reference("", text, refuri=uri, internal=True)


def _grade_text(grade: str | None) -> str:
    return "not answered" if grade in (None, "none") else f"confidence {grade}"


def _grade_grid(env: BuildEnvironment) -> nodes.table:
    """Questions by services, each cell the grade, linked to the answer below."""
    cells = {(f["service"], f["key"]): f for f in getattr(env, "answer_findings", [])}
    table = nodes.table(classes=["findings-grid"])
    group = nodes.tgroup(cols=len(SERVICES) + 1)
    table += group
    for width in (3, *[2] * len(SERVICES)):
        group += nodes.colspec(colwidth=width)
    head = nodes.row()
    head += nodes.entry("", nodes.paragraph(text="Question"))
    for service in SERVICES:
        head += nodes.entry("", nodes.paragraph(text=SHORT_NAMES[service]))
    group += nodes.thead("", head)
    body = nodes.tbody()
    for key, (label, _) in QUESTIONS.items():
        row = nodes.row()
        link = nodes.reference("", label, refid=f"question-{key}", internal=True)
        row += nodes.entry("", nodes.paragraph("", "", link))
        for service in SERVICES:
            grade = cells[(service, key)]["grade"] if (service, key) in cells else "none"
            text = "none" if grade == "none" else grade
            row += nodes.entry("", nodes.paragraph(text=text), classes=[f"grade-{grade}"])
        body += row
    group += body
    return table


def _answers_by_question(app: Sphinx, env: BuildEnvironment, fromdoc: str) -> list[nodes.Node]:
    """For each question, each service's short answer, its grade and where it is earned."""
    cells = {(f["service"], f["key"]): f for f in getattr(env, "answer_findings", [])}
    blocks: list[nodes.Node] = []
    for key, (label, full) in QUESTIONS.items():
        block = nodes.container(classes=["findings-question"], ids=[f"question-{key}"])
        block += nodes.rubric(text=f"{label} {full}")
        items = nodes.bullet_list()
        for service, name in SERVICES.items():
            finding = cells.get((service, key))
            if finding is None:
                continue
            paragraph = nodes.paragraph(
                "",
                "",
                nodes.strong(text=f"{name}: "),
                nodes.Text(finding["text"] + " "),
                nodes.inline(
                    text=f"({_grade_text(finding['grade'])})",
                    classes=[f"grade-{finding['grade']}"],
                ),
                nodes.Text(" "),
                _link(app, fromdoc, finding["docname"], finding["anchor"], "Where"),
            )
            items += nodes.list_item("", paragraph)
        block += items
        blocks.append(block)
    return blocks


def _chapter_list(app: Sphinx, env: BuildEnvironment, fromdoc: str) -> nodes.bullet_list:
    boxes = getattr(env, "answer_boxes", {})
    items = nodes.bullet_list()
    in_services = [d for d in env.found_docs if _folder(d) in SERVICES and d in boxes]
    for docname in sorted(in_services, key=lambda d: (list(SERVICES).index(_folder(d)), d)):
        box = boxes[docname]
        title = env.titles[docname].astext() if docname in env.titles else docname
        paragraph = nodes.paragraph(
            "",
            "",
            _link(app, fromdoc, docname, "", title),
            nodes.Text(f" ({_grade_text(box['grade'])}). "),
            nodes.strong(text=box["question"] + " "),
            nodes.Text(box["answer"]),
        )
        items += nodes.list_item("", paragraph)
    return items


def _fill(app: Sphinx, doctree: nodes.document, fromdoc: str) -> None:
    for placeholder in doctree.findall(findings_placeholder):
        env = app.env
        section = nodes.container(classes=["findings"])
        section += _grade_grid(env)
        section += nodes.rubric(text="The answers, question by question", classes=["findings-h"])
        section += _answers_by_question(app, env, fromdoc)
        section += nodes.rubric(text="Chapter by chapter", classes=["findings-h"])
        section += _chapter_list(app, env, fromdoc)
        placeholder.replace_self(section)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(findings_placeholder)
    app.add_directive("answer", AnswerDirective)
    app.add_directive("finding", FindingDirective)
    app.add_directive("findings-table", FindingsTableDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check)
    app.connect("doctree-resolved", _fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
