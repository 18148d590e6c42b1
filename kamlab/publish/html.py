"""``index.html``: the executed notebooks as one self-contained, offline document.

One ``<section>`` per notebook, in the report's order, each opening with the notebook's
own first heading; then, when cells are tagged ``appendix``
(:mod:`kamlab.publish.notebook`), an appendix section ("Appendix: methods and
background") holding them under their notebook's title; a table of contents of the
notebooks' level-1 and level-2 headings;
the report's key facts (period, run date, inputs, rows read, accepted and quarantined)
at the end. Figures are embedded as ``data:`` URIs and the stylesheet is inline: the
document loads nothing from anywhere, and has no scripts.

Escaping: authored Markdown is rendered as written (it is the notebook's prose); every
string that can come from data is escaped: ``stdout`` and plain-text outputs and the
facts with :func:`html.escape`; HTML outputs and Markdown outputs (after rendering) are
re-serialised through :func:`kamlab.publish.sanitize.sanitize_html`, which keeps
table and text markup only, drops scripts, styles and links, and escapes all text. Text
that a notebook escaped itself (e.g. :func:`kamlab.safe.markdown_text`) shows as
written, once; raw HTML from data never runs (its scripts are dropped).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html import escape, unescape

import mistune
from nbformat import NotebookNode

from kamlab.publish.notebook import Part, parts
from kamlab.publish.sanitize import sanitize_html
from kamlab.publish.style import CSS

_TAG = re.compile(r"<[^>]+>")


@dataclass
class Heading:
    level: int
    text: str  # plain text
    id: str
    page: bool = False  # starts a page (a heading in the outputs of a page-break cell)


@dataclass
class Section:
    """One notebook rendered: its ``id`` (the notebook's stem), ``title`` and ``html``;
    ``appendix_html`` and ``appendix_headings``: its cells tagged ``appendix``, for the
    report's appendix."""

    id: str
    title: str
    html: str
    headings: list[Heading] = field(default_factory=list)
    appendix_html: str = ""
    appendix_headings: list[Heading] = field(default_factory=list)


APPENDIX_ID = "appendix"
APPENDIX_TITLE = "Appendix: methods and background"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


class _Ids:
    """Unique ``id`` attributes across the whole document."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        return candidate


class _Renderer(mistune.HTMLRenderer):
    """Markdown to HTML, recording headings (with document-unique ids) for the contents."""

    def __init__(self, *, prefix: str, ids: _Ids, headings: list[Heading], shift: int = 0):
        super().__init__(escape=False)
        self.prefix, self.ids, self.headings = prefix, ids, headings
        self.shift = shift  # headings this many levels down (the appendix: 1)
        self.break_headings = False

    def heading(self, text: str, level: int, **attrs) -> str:
        level = min(6, level + self.shift)
        plain = " ".join(unescape(_TAG.sub("", text)).split())
        anchor = self.ids.make(f"{self.prefix}-{_slug(plain)}")
        self.headings.append(Heading(level, plain, anchor, self.break_headings))
        extra = ' class="page-break"' if self.break_headings else ""
        return f'<h{level} id="{anchor}"{extra}>{text}</h{level}>\n'


def _markdown(renderer: _Renderer):
    return mistune.create_markdown(
        renderer=renderer, plugins=["table", "strikethrough", "footnotes"]
    )


def _render_parts(items: list[Part], prefix: str, ids: _Ids, shift: int = 0):
    """The HTML blocks of ``items`` and the headings in them (ids unique in ``ids``)."""
    headings: list[Heading] = []
    authored = _Renderer(prefix=prefix, ids=ids, headings=headings, shift=shift)
    from_data = _Renderer(prefix=prefix, ids=ids, headings=headings, shift=shift)
    md_authored, md_data = _markdown(authored), _markdown(from_data)
    body: list[str] = []
    for part in items:
        css = ' class="page-break"' if part.page_break else ""
        output = ' class="output page-break"' if part.page_break else ' class="output"'
        if part.kind == "markdown":
            body.append(f"<div{css}>{md_authored(part.content)}</div>")
        elif part.kind == "output-markdown":
            from_data.break_headings = part.page_cell
            rendered = sanitize_html(md_data(part.content), keep_ids=True)
            body.append(f"<div{output}>{rendered}</div>")
            from_data.break_headings = False
        elif part.kind == "html":
            body.append(f"<div{output}>{sanitize_html(part.content)}</div>")
        elif part.kind == "image":
            alt = f"Figure {part.figure}"
            body.append(
                f'<figure{css}><img src="data:{part.mime};base64,{part.content}" '
                f'alt="{escape(alt)}"></figure>'
            )
        else:
            body.append(f"<pre{output}>{escape(part.content.rstrip())}</pre>")
    return body, headings


def render_section(nb: NotebookNode, stem: str, ids: _Ids | None = None) -> Section:
    """Render executed notebook ``nb`` (file stem ``stem``) as one section, code hidden;
    its cells tagged ``appendix`` apart, headings one level down, for the appendix."""
    ids = ids or _Ids()
    section_id = ids.make(_slug(stem))
    all_parts = list(parts(nb, stem))
    main = [p for p in all_parts if not p.appendix]
    body, headings = _render_parts(main, section_id, ids)
    extra = [p for p in all_parts if p.appendix]
    appendix, appendix_headings = _render_parts(extra, f"{APPENDIX_ID}-{section_id}", ids, 1)
    first = next((h for h in headings if h.level == 1), None)
    title = first.text if first else _first_heading(nb) or stem
    html = f'<section class="notebook" id="{section_id}">\n' + "\n".join(body) + "\n</section>"
    return Section(section_id, title, html, headings, "\n".join(appendix), appendix_headings)


def _first_heading(nb: NotebookNode) -> str:
    """The text of the notebook's first level-1 Markdown heading (in any cell), or ""."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return " ".join(unescape(_TAG.sub("", line[2:])).split())
    return ""


def render_appendix(sections: list[Section], ids: _Ids) -> Section | None:
    """The report's appendix: each section's ``appendix`` cells under the section's title,
    in report order; None when no cell is tagged ``appendix``."""
    with_appendix = [s for s in sections if s.appendix_html]
    if not with_appendix:
        return None
    section_id = ids.make(APPENDIX_ID)
    headings = [Heading(1, APPENDIX_TITLE, section_id)]
    body = [f"<h1>{escape(APPENDIX_TITLE)}</h1>"]
    for section in with_appendix:
        anchor = ids.make(f"{section_id}-{section.id}")
        headings.append(Heading(2, section.title, anchor))
        body.append(f'<h2 id="{anchor}">{escape(section.title)}</h2>')
        body.append(section.appendix_html)
        headings += section.appendix_headings
    html = (
        f'<section class="notebook appendix" id="{section_id}">\n'
        + "\n".join(body)
        + "\n</section>"
    )
    return Section(section_id, APPENDIX_TITLE, html, headings)


def _contents(sections: list[Section], extra: list[tuple[str, str]]) -> str:
    """The sections with their level-2 headings; a section's pages (one per key account)
    follow as one run of names, so the contents stay on one page however many there are."""
    items = []
    for section in sections:
        subs = "".join(
            f'<li><a href="#{h.id}">{escape(h.text)}</a></li>'
            for h in section.headings
            if h.level == 2 and not h.page
        )
        pages = [h for h in section.headings if h.page and h.level > 1]
        if pages:
            links = " &middot; ".join(f'<a href="#{h.id}">{escape(h.text)}</a>' for h in pages)
            subs += f'<li class="pages">{links}</li>'
        items.append(
            f'<li><a href="#{section.id}">{escape(section.title)}</a>'
            + (f"<ol>{subs}</ol>" if subs else "")
            + "</li>"
        )
    items += [f'<li><a href="#{anchor}">{escape(text)}</a></li>' for anchor, text in extra]
    return (
        '<nav class="contents" id="contents"><h2>Contents</h2><ol>' + "".join(items) + "</ol></nav>"
    )


def _facts_table(facts: list[tuple[str, object]]) -> str:
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def render_document(
    sections: list[Section],
    *,
    title: str,
    subtitle: str = "",
    facts: list[tuple[str, object]] = (),
) -> str:
    """The whole report: title, contents, the sections in order, then ``facts``."""
    about = (
        '<section class="about" id="about-this-report"><h1>About this report</h1>'
        + _facts_table(list(facts))
        + "</section>"
    )
    contents = _contents(sections, [("about-this-report", "About this report")])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="cover"><p class="report-title">{escape(title)}</p>'
        + (f'<p class="subtitle">{escape(subtitle)}</p>' if subtitle else "")
        + "</header>\n"
        + contents
        + "\n<main>\n"
        + "\n".join(s.html for s in sections)
        + "\n"
        + about
        + "\n</main>\n</body>\n</html>\n"
    )


def render_report(
    notebooks: list[tuple[str, NotebookNode]],
    *,
    title: str,
    subtitle: str = "",
    facts: list[tuple[str, object]] = (),
) -> str:
    """``index.html`` from ``(stem, executed notebook)`` pairs, in report order."""
    ids = _Ids()
    ids.used.update({"contents", "about-this-report"})
    sections = [render_section(nb, stem, ids) for stem, nb in notebooks]
    appendix = render_appendix(sections, ids)
    if appendix is not None:
        sections.append(appendix)
    return render_document(sections, title=title, subtitle=subtitle, facts=facts)
