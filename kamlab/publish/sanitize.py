"""Allow-list HTML sanitiser for notebook outputs that arrive as HTML (``text/html``).

pandas escapes the strings of the tables it renders, but a notebook may display any
HTML (``IPython.display.HTML`` of an f-string with an account name would not be
escaped). The report does not rely on every notebook getting that right: every
``text/html`` output is re-serialised through :func:`sanitize_html`, which keeps only
the tags and attributes a table or formatted text needs, drops scripts, styles, event
handlers, links and external resources, and re-escapes all text. A name that arrived
escaped stays escaped; one that arrived raw is shown as text.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    "table thead tbody tfoot tr th td caption colgroup col div span p br hr b i u em strong "
    "code pre ul ol li dl dt dd h1 h2 h3 h4 h5 h6 sub sup small blockquote img".split()
)
VOID_TAGS = frozenset({"br", "hr", "img", "col"})
DROP_CONTENT = frozenset(
    "script style iframe object embed template noscript svg math head title textarea "
    "select button form".split()
)
ALLOWED_ATTRS = frozenset(
    {"class", "colspan", "rowspan", "align", "valign", "halign", "border", "title", "alt"}
)
_SAFE_STYLE = re.compile(r"^(\s*[a-z-]+\s*:\s*[#\w\s.,%-]+;?)*\s*$", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+$")
_NUMBER = re.compile(r"^\d{1,3}$")
_ANCHOR = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
WIDE_COLUMNS = 9
"""Tables with more columns than this get class ``wide`` (smaller type in print)."""


class _Sanitizer(HTMLParser):
    def __init__(self, keep_ids: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_ids = keep_ids
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: list[str] = []
        self.tables: list[tuple[int, list[int]]] = []  # (index in out, [cells in current row])

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            if name in ALLOWED_ATTRS:
                if name in {"colspan", "rowspan"} and not _NUMBER.match(value):
                    continue
                kept.append((name, value))
            elif name == "id" and self.keep_ids and _ANCHOR.match(value):
                kept.append((name, value))
            elif name == "style" and _SAFE_STYLE.match(value) and "url" not in value.lower():
                kept.append((name, value))
            elif name == "src" and tag == "img" and _DATA_IMAGE.match(value):
                kept.append((name, value))
        if tag == "img" and not any(n == "src" for n, _ in kept):
            return ""
        return "".join(f' {n}="{escape(v, quote=True)}"' for n, v in kept)

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if self.skipping:
            if tag in DROP_CONTENT and tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        if tag in DROP_CONTENT:
            self.skipping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        attributes = self._attrs(tag, attrs)
        if tag == "img" and not attributes:
            return
        if tag == "table":
            self.tables.append((len(self.out), [0]))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append(0)
        elif tag in {"td", "th"} and self.tables:
            self.tables[-1][1][-1] += 1
        self.out.append(f"<{tag}{attributes}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag.lower() not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag not in self.open:
            return
        while self.open:
            closing = self.open.pop()
            self._close(closing)
            if closing == tag:
                break

    def _close(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == "table" and self.tables:
            position, cells = self.tables.pop()
            if max(cells) > WIDE_COLUMNS:
                self.out[position] = self.out[position].replace("<table", '<table data-wide=""', 1)

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(escape(data, quote=False))

    def close(self) -> None:
        super().close()
        while self.open:
            self._close(self.open.pop())


def sanitize_html(fragment: str, *, keep_ids: bool = False) -> str:
    """``fragment`` with only allow-listed tags and attributes, all text escaped.

    ``keep_ids`` keeps ``id`` attributes made of lower-case letters, digits and ``-``
    (the heading anchors the report's Markdown renderer makes).
    """
    parser = _Sanitizer(keep_ids)
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)
