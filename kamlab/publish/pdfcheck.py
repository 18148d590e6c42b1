"""Looking at a finished ``report.pdf`` from code: where its text lies, where its sections start.

For the tests and ``scripts/screenshots.py`` (it needs ``pypdf``, in the ``dev`` extra):

- :func:`text_runs`: every run of text (one ``Tj``/``TJ`` operator: a line or a cell's
  text) with its page, its left and right ends and its baseline, in points from the
  page's lower-left corner. The width is the font's own glyph widths (``/W`` or
  ``/Widths``) times the size, plus the kerning and character spacing, through the text
  and transformation matrices: exact for the fonts WeasyPrint embeds;
- :func:`text_outside`: the runs that leave the printable area, the page less
  ``margin_mm`` on each side (a cut-off table column, a word run past the edge);
- :func:`section_pages`: the first page (1-based) of each top-level bookmark, i.e. of
  each ``<h1>`` (WeasyPrint writes the headings as the PDF's outline).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["TextRun", "section_pages", "text_outside", "text_runs"]

MM = 72 / 25.4
"""Points in a millimetre."""
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


@dataclass(frozen=True)
class TextRun:
    """A run of text on ``page`` (1-based) from ``x0`` to ``x1`` on baseline ``y``, in points
    from the lower-left corner of a page ``width`` x ``height``."""

    page: int
    x0: float
    x1: float
    y: float
    text: str
    width: float
    height: float


def _reader(path):
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # a dev tool: pypdf is in the dev extra
        raise ImportError("reading a PDF's layout needs pypdf: pip install pypdf") from exc
    return PdfReader(os.fspath(path))


def _unicode_map(font) -> dict[int, str]:
    """Code -> text from the font's ``/ToUnicode`` CMap (``bfchar`` and ``bfrange``)."""
    cmap = font.get("/ToUnicode")
    if cmap is None:
        return {}
    data = cmap.get_object().get_data()
    out: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        found = _HEX.findall(block)
        for code, text in zip(found[::2], found[1::2], strict=False):
            out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    for block in _BFRANGE.findall(data):
        found = _HEX.findall(block)
        for low, high, text in zip(found[::3], found[1::3], found[2::3], strict=False):
            start = int(text, 16)
            for i, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[code] = chr(start + i)
    return out


class _Font:
    """A PDF font's glyph widths (thousandths of the size) and text, by code."""

    def __init__(self, font):
        font = font.get_object()
        self.two_bytes = font.get("/Subtype") == "/Type0"
        self.widths: dict[int, float] = {}
        if self.two_bytes:  # a CID font: /W is [first [w w ...]] or [first last w]
            cid = font["/DescendantFonts"][0].get_object()
            self.default = float(cid.get("/DW", 1000))
            w, i = list(cid.get("/W", [])), 0
            while i + 1 < len(w):
                first = int(w[i])
                if isinstance(w[i + 1], list):
                    self.widths.update({first + k: float(v) for k, v in enumerate(w[i + 1])})
                    i += 2
                else:
                    self.widths.update(
                        dict.fromkeys(range(first, int(w[i + 1]) + 1), float(w[i + 2]))
                    )
                    i += 3
        else:
            first = int(font.get("/FirstChar", 0))
            self.widths = {first + k: float(v) for k, v in enumerate(font.get("/Widths", []))}
            self.default = 500.0
        self.text = _unicode_map(font)

    def codes(self, data: bytes) -> list[int]:
        if self.two_bytes:
            return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _apply(matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = (float(v) for v in matrix)
    return a * x + c * y + e, b * x + d * y + f


def text_runs(path: str | os.PathLike) -> list[TextRun]:
    """Every run of text in the PDF at ``path``, page by page, in drawing order."""
    reader = _reader(path)
    return [run for n, page in enumerate(reader.pages, 1) for run in _page_runs(page, n)]


def _page_runs(page, number: int) -> list[TextRun]:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    resources = page.get("/Resources")
    declared = resources.get_object().get("/Font", {}) if resources is not None else {}
    declared = declared.get_object() if hasattr(declared, "get_object") else declared
    fonts: dict[str, _Font] = {}
    state = {"font": None, "size": 0.0, "Tc": 0.0, "Tz": 100.0}
    runs: list[TextRun] = []

    def visit(op, args, cm, tm):
        if op == b"Tf":
            name = str(args[0])
            if name not in fonts and name in declared:
                fonts[name] = _Font(declared[name])
            state["font"], state["size"] = fonts.get(name), float(args[1])
        elif op in (b"Tc", b"Tz"):
            state[op.decode()] = float(args[0])
        elif op in (b"TJ", b"Tj", b"'", b'"'):
            shown = args[0] if op == b"TJ" else [args[-1]]
            advance, text = _advance(shown, state)
            x0, y = _apply(cm, *_apply(tm, 0, 0))
            x1, _ = _apply(cm, *_apply(tm, advance, 0))
            runs.append(TextRun(number, min(x0, x1), max(x0, x1), y, "".join(text), width, height))

    page.extract_text(visitor_operand_before=visit)
    return runs


def _advance(shown, state) -> tuple[float, list[str]]:
    """The horizontal advance of a shown string or ``TJ`` array (text space), and its text."""
    font, size = state["font"], state["size"]
    advance, text = 0.0, []
    for item in shown:
        if isinstance(item, bytes | str):
            data = item if isinstance(item, bytes) else item.encode("latin-1", "replace")
            for code in font.codes(data) if font else list(data):
                glyph = font.widths.get(code, font.default) if font else 500.0
                advance += glyph / 1000 * size + state["Tc"]
                text.append(font.text.get(code, "?") if font else "?")
        else:  # a kerning adjustment, thousandths of the size, to the left
            advance -= float(item) / 1000 * size
    return advance * state["Tz"] / 100, text


def text_outside(path: str | os.PathLike, margin_mm: float = 5.0) -> list[TextRun]:
    """The runs of text not wholly inside the page less ``margin_mm`` on every side (the
    printable area of an office printer is about 4 to 5 mm in from the edge)."""
    m = margin_mm * MM
    return [
        r
        for r in text_runs(path)
        if r.text.strip() and (r.x0 < m or r.x1 > r.width - m or r.y < m or r.y > r.height - m)
    ]


def section_pages(path: str | os.PathLike) -> dict[str, int]:
    """Title -> first page (1-based) of each top-level entry of the PDF's outline."""
    reader = _reader(path)
    return {
        entry.title: reader.get_destination_page_number(entry) + 1
        for entry in reader.outline
        if not isinstance(entry, list)
    }
