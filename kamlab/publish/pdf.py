"""``report.pdf``: the same HTML as ``index.html``, laid out for A4 by WeasyPrint.

The print rules are in :mod:`kamlab.publish.style` (page numbers, a page break before
each notebook's section, images at most the page width, smaller type for wide tables).
Rendering fetches nothing: every resource of the report is inline, and any other URL
is refused.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kamlab.errors import KamlabError


class PdfError(KamlabError):
    """The PDF could not be rendered."""


def write_pdf(html: str, path: str | os.PathLike) -> int:
    """Render ``html`` to ``path`` as PDF; return the number of pages (at least 1)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfError(
            f"cannot render the PDF: WeasyPrint is not usable here ({exc}). Install it with "
            "'pip install weasyprint' and the Pango library (Debian: libpango-1.0-0)."
        ) from exc
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)  # unsupported-CSS notes are not the user's concern
    try:
        offline = URLFetcher(allowed_protocols={"data"})  # inline images only
        document = HTML(string=html, url_fetcher=offline).render()
        pages = len(document.pages)
        if pages == 0:
            raise PdfError("the PDF has no pages: the report's HTML is empty")
        document.write_pdf(Path(path))
    finally:
        logger.setLevel(level)
    return pages
