"""Look at a built report as a reader does: its HTML and its PDF pages as PNG images.

    python scripts/screenshots.py reports/2026Q3            # or: make screenshots
    python scripts/screenshots.py reports/2026Q3 --readme   # also refresh docs/report.png

Writes into ``<report>/screenshots/`` (replacing what was there):

- ``html-<page>-NN.png``: ``index.html`` and each section page (``00_summary.html``...)
  as a browser shows them 1000 px wide, rendered by headless Chromium in one tall
  window and cut into screens of 1000 x 1400 px, top to bottom;
- ``pdf-NN.png``: every page of ``report.pdf`` (``pdftoppm``, 60 dpi; ``--dpi``);

then prints what to look at first: the PDF's section start pages, the pages before the
key account pages, and any text off the printable area (``kamlab.publish.pdfcheck``,
when ``pypdf`` is installed). ``--readme`` writes the first screen of the executive
summary to ``docs/report.png``, the picture the README shows.

A developer's tool: it needs Chromium (``$CHROMIUM``, else ``chromium`` or
``chromium-browser`` on the PATH) and poppler's ``pdftoppm``; the tests and ``make
report`` need neither. Nothing is fetched: the report's pages are self-contained.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

WIDTH, SCREEN = 1000, 1400
TALLEST = 14000  # px: one Chromium window (its surfaces stop near 16,384)
ROOT = Path(__file__).resolve().parent.parent
README_IMAGE = ROOT / "docs" / "report.png"
SUMMARY = "00_summary.html"


def _tool(names: list[str], what: str) -> str:
    for name in names:
        if name and (found := shutil.which(name)):
            return found
    sys.exit(f"screenshots: {what} not found (tried {', '.join(n for n in names if n)})")


def chromium() -> str:
    return _tool([os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser"], "Chromium")


def screenshot(browser: str, page: Path, target: Path, height: int) -> None:
    """``page`` as Chromium shows it in a window ``WIDTH`` x ``height``, to ``target``."""
    with tempfile.TemporaryDirectory(prefix="kamlab-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={profile}", "--force-device-scale-factor=1",
            f"--window-size={WIDTH},{height}", f"--screenshot={target}", page.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not target.exists():
        sys.exit(f"screenshots: Chromium failed on {page.name}: {done.stderr.strip()[-500:]}")


def html_screens(browser: str, page: Path, out: Path, screens: int) -> list[Path]:
    """The first ``screens`` screens of ``page`` (blank ones at the end left out)."""
    tall = out / f".{page.stem}-tall.png"
    screenshot(browser, page, tall, min(TALLEST, SCREEN * screens))
    written = []
    with Image.open(tall) as image:
        for n, top in enumerate(range(0, image.height, SCREEN), 1):
            tile = image.crop((0, top, WIDTH, min(top + SCREEN, image.height)))
            if tile.convert("L").getextrema()[0] >= 250 and n > 1:
                break  # white from here on: the page ended
            path = out / f"html-{page.stem}-{n:02d}.png"
            tile.save(path, optimize=True)
            written.append(path)
    tall.unlink()
    return written


def pdf_pages(pdf: Path, out: Path, dpi: int) -> list[Path]:
    pdftoppm = _tool(["pdftoppm"], "pdftoppm (poppler-utils)")
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(out / "pdf")], check=True)
    return sorted(out.glob("pdf-*.png"))


def readme_image(browser: str, report: Path) -> Path:
    """The executive summary's first screen as ``docs/report.png`` (a 256-colour PNG)."""
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "summary.png"
        screenshot(browser, report / SUMMARY, shot, SCREEN)
        with Image.open(shot) as image:
            image.convert("RGB").quantize(256).save(README_IMAGE, optimize=True)
    return README_IMAGE


def describe_pdf(pdf: Path) -> list[str]:
    """What to check first in the PDF, as lines (empty without pypdf)."""
    try:
        from kamlab.publish.pdfcheck import section_pages, text_outside
    except ImportError:
        return []
    try:
        starts = section_pages(pdf)
        outside = text_outside(pdf)
    except ImportError:
        return ["(install pypdf to check the PDF's layout)"]
    lines = [f"  p. {page:>3}  {title}" for title, page in starts.items()]
    key = next((p for t, p in starts.items() if t.lower().startswith("the key accounts")), None)
    if key:
        lines.append(f"{key - 1} pages before the key account pages (issue 15's target: 30)")
    pages = sorted({r.page for r in outside})
    lines.append(
        f"text off the printable area on page(s) {', '.join(map(str, pages))}: "
        + "; ".join(f"{r.text[:30]!r} (p. {r.page})" for r in outside[:5])
        if outside
        else "all text inside the printable area"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a built report folder, e.g. reports/2026Q3")
    parser.add_argument("--readme", action="store_true", help="also refresh docs/report.png")
    parser.add_argument("--dpi", type=int, default=60, help="PDF pages' resolution (60)")
    parser.add_argument(
        "--screens", type=int, default=10, help="screens of each HTML page, at most (10)"
    )
    args = parser.parse_args(argv)
    report = args.report
    if not (report / "index.html").is_file() or not (report / "report.pdf").is_file():
        sys.exit(f"screenshots: {report} holds no built report (index.html, report.pdf)")
    browser = chromium()
    out = report / "screenshots"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    pages = [report / "index.html", *sorted(report.glob("0*.html"))]
    for page in pages:
        shots = html_screens(browser, page, out, args.screens)
        print(f"{page.name}: {len(shots)} screen(s)", file=sys.stderr)
    pdf = pdf_pages(report / "report.pdf", out, args.dpi)
    print(f"report.pdf: {len(pdf)} page(s) -> {out}", file=sys.stderr)
    for line in describe_pdf(report / "report.pdf"):
        print(line, file=sys.stderr)
    if args.readme:
        print(f"README picture: {readme_image(browser, report)}", file=sys.stderr)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
