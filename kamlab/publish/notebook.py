"""What of an executed notebook goes into the report: cells, outputs, figures.

Code is never shown. Markdown cells are shown as written; of each code cell, its
outputs: ``stdout`` text, tables and other HTML (sanitised), Markdown (raw HTML in it
escaped), images. ``stderr`` streams (warnings, progress bars, kernel messages with
temporary paths) and errors are left out of the report; the executed ``.ipynb`` keeps
them.

Cell tags (in the cell's metadata; JupyterLab: the property inspector, "Cell Tags")
steer the report. The executed ``.ipynb`` in the report folder keeps every cell; the tags
act on ``index.html``, the ``<notebook>.html`` pages and ``report.pdf`` only:

- ``analyst``: a cell (Markdown or code) for an analyst in JupyterLab (how to change the
  parameters, code-level notes) is left out of the report. The code still runs.
- ``appendix``: the cell is moved to the report's appendix ("Appendix: methods and
  background", after the key account pages), under its notebook's title, in notebook
  order; its headings go one level down. For textbook background and methods.
- ``remove-cell`` (or ``remove_cell``, ``report-hide``): the cell is left out (as
  ``analyst``);
- ``remove-output`` (or ``remove_output``): the cell's outputs are left out;
- ``hide-input`` (or ``hide_input``, ``remove-input``, ``remove_input``): accepted for
  JupyterBook habits, and changes nothing: code is never shown, only outputs;
- ``page-break``: the cell starts a new page in the PDF, and so does every heading in
  its Markdown outputs (one page per key account: display a Markdown heading per
  account from one cell tagged ``page-break``). An output displayed with
  ``metadata={"page-break": True}`` also starts a new page (a second page of an
  account, without a heading in the contents).

The ``parameters`` and papermill's ``injected-parameters`` cells are code, so hidden.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass

from nbformat import NotebookNode

ANALYST = "analyst"
APPENDIX = "appendix"
REMOVE_CELL = frozenset({ANALYST, "remove-cell", "remove_cell", "report-hide"})
HIDE_INPUT = frozenset({"hide-input", "hide_input", "remove-input", "remove_input"})  # no-op
REMOVE_OUTPUT = frozenset({"remove-output", "remove_output"})
PAGE_BREAK = "page-break"
IMAGE_TYPES = ("image/png", "image/jpeg")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
# richest first: what a display output is shown as
DISPLAY_ORDER = ("image/png", "image/jpeg", "text/html", "text/markdown", "text/plain")


@dataclass
class Part:
    """One piece of a notebook's report: ``kind`` is one of ``markdown`` (authored),
    ``output-markdown`` (from data), ``html``, ``text``, ``image``; ``content`` is the text or
    (for images) the base64 data; ``mime`` the image type; ``page_break`` from the cell tag;
    ``appendix``: from a cell tagged ``appendix`` (shown in the report's appendix)."""

    kind: str
    content: str
    mime: str = ""
    page_break: bool = False  # starts a page: the first part of a page-break cell
    page_cell: bool = False  # any part of a page-break cell (its headings start pages)
    figure: str = ""  # for images: the figure's file name, <notebook>-<n>.png
    appendix: bool = False  # from a cell tagged ``appendix``


def _tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def parts(nb: NotebookNode, stem: str) -> Iterator[Part]:
    """The parts of executed notebook ``nb`` that the report shows, in order.

    Images are numbered ``<stem>-1``, ``<stem>-2``... in the order they appear, the same
    numbering :func:`figures` uses for the PNG files.
    """
    n_figure = 0
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & REMOVE_CELL:
            continue
        page_break = PAGE_BREAK in tags
        cell_flags = {"page_cell": page_break, "appendix": APPENDIX in tags}
        if cell.cell_type == "markdown":
            if cell.source.strip():
                yield Part("markdown", cell.source, page_break=page_break, **cell_flags)
            continue
        if cell.cell_type != "code" or tags & REMOVE_OUTPUT:
            continue
        stdout: list[str] = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout":
                    stdout.append(_text(output.get("text", "")))
                continue
            if stdout:
                yield Part("text", "".join(stdout), page_break=page_break, **cell_flags)
                stdout, page_break = [], False
            if kind not in {"display_data", "execute_result"}:
                continue  # errors: the report is not built when a cell fails
            if output.get("metadata", {}).get(PAGE_BREAK):  # display(..., metadata=...)
                page_break = True
            data = output.get("data", {})
            mime = next((m for m in DISPLAY_ORDER if m in data), None)
            if mime is None:
                continue  # javascript, widgets, LaTeX: not in a static report
            content = _text(data[mime])
            if mime in IMAGE_TYPES:
                content = "".join(content.split())
                if not _BASE64.fullmatch(content):
                    continue  # not an image IPython made: never pasted into an attribute
                n_figure += 1
                ext = "png" if mime == "image/png" else "jpg"
                yield Part(
                    "image",
                    content,
                    mime=mime,
                    page_break=page_break,
                    **cell_flags,
                    figure=f"{stem}-{n_figure}.{ext}",
                )
            else:
                kind = {"text/html": "html", "text/markdown": "output-markdown"}.get(mime, "text")
                yield Part(kind, content, page_break=page_break, **cell_flags)
            page_break = False
        if stdout:
            yield Part("text", "".join(stdout), page_break=page_break, **cell_flags)


def figures(nb: NotebookNode, stem: str) -> Iterator[tuple[str, bytes]]:
    """``(file name, image bytes)`` of every figure the report shows, named ``<stem>-<n>.png``."""
    for part in parts(nb, stem):
        if part.kind == "image":
            yield part.figure, base64.b64decode(part.content)
