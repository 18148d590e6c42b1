"""``index.html``: the executed notebooks as one self-contained, offline document.

One ``<section>`` per notebook, in the report's order, each opening with the notebook's
own first heading; a table of contents of the notebooks' level-1 and level-2 headings;
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

from kamlab.publish.notebook import parts
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
    """One notebook rendered: its ``id`` (the notebook's stem), ``title`` and ``html``."""

    id: str
    title: str
    html: str
    headings: list[Heading] = field(default_factory=list)


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

    def __init__(self, *, prefix: str, ids: _Ids, headings: list[Heading]):
        super().__init__(escape=False)
        self.prefix, self.ids, self.headings = prefix, ids, headings
        self.break_headings = False

    def heading(self, text: str, level: int, **attrs) -> str:
        plain = " ".join(unescape(_TAG.sub("", text)).split())
        anchor = self.ids.make(f"{self.prefix}-{_slug(plain)}")
        self.headings.append(Heading(level, plain, anchor, self.break_headings))
        extra = ' class="page-break"' if self.break_headings else ""
        return f'<h{level} id="{anchor}"{extra}>{text}</h{level}>\n'


def _markdown(renderer: _Renderer):
    return mistune.create_markdown(
        renderer=renderer, plugins=["table", "strikethrough", "footnotes"]
    )


def render_section(nb: NotebookNode, stem: str, ids: _Ids | None = None) -> Section:
    """Render executed notebook ``nb`` (file stem ``stem``) as one section, code hidden."""
    ids = ids or _Ids()
    section_id = ids.make(_slug(stem))
    headings: list[Heading] = []
    authored = _Renderer(prefix=section_id, ids=ids, headings=headings)
    from_data = _Renderer(prefix=section_id, ids=ids, headings=headings)
    md_authored, md_data = _markdown(authored), _markdown(from_data)
    body: list[str] = []
    for part in parts(nb, stem):
        css = ' class="page-break"' if part.page_break else ""
        if part.kind == "markdown":
            body.append(f"<div{css}>{md_authored(part.content)}</div>")
        elif part.kind == "output-markdown":
            from_data.break_headings = part.page_cell
            rendered = sanitize_html(md_data(part.content), keep_ids=True)
            body.append(f'<div class="output"{css}>{rendered}</div>')
            from_data.break_headings = False
        elif part.kind == "html":
            body.append(f'<div class="output"{css}>{sanitize_html(part.content)}</div>')
        elif part.kind == "image":
            alt = f"Figure {part.figure}"
            body.append(
                f'<figure{css}><img src="data:{part.mime};base64,{part.content}" '
                f'alt="{escape(alt)}"></figure>'
            )
        else:
            body.append(f'<pre class="output"{css}>{escape(part.content.rstrip())}</pre>')
    first = next((h for h in headings if h.level == 1), None)
    title = first.text if first else stem
    html = f'<section class="notebook" id="{section_id}">\n' + "\n".join(body) + "\n</section>"
    return Section(section_id, title, html, headings)


def _contents(sections: list[Section], extra: list[tuple[str, str]]) -> str:
    items = []
    for section in sections:
        subs = "".join(
            f'<li><a href="#{h.id}">{escape(h.text)}</a></li>'
            for h in section.headings
            if h.level == 2 or (h.page and h.level > 1)
        )
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
    return render_document(sections, title=title, subtitle=subtitle, facts=facts)
