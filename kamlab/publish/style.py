"""The report's stylesheet, inline in ``index.html``: screen and print (A4, for the PDF).

Fonts are local families only (DejaVu and Liberation ship with Debian; the browser
falls back to its own sans-serif), so nothing is fetched.
"""

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --rule: #d9e2ec; --accent: #1f4e79; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
       color: var(--ink); line-height: 1.45; font-size: 15px; }
body { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
header.cover { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
.report-title { font-size: 2rem; font-weight: bold; color: var(--accent); margin: 0.5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
h1 { color: var(--accent); font-size: 1.7rem; border-bottom: 1px solid var(--rule);
     padding-bottom: 0.2rem; margin-top: 2.5rem; }
h2 { color: var(--accent); font-size: 1.3rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; }
nav.contents ol { padding-left: 1.4rem; }
nav.contents > ol > li { margin-top: 0.4rem; font-weight: bold; }
nav.contents ol ol { font-weight: normal; list-style: none; padding-left: 1.2rem; }
nav.contents a { color: var(--ink); text-decoration: none; }
nav.contents a:hover { text-decoration: underline; }
section.notebook { margin-top: 3rem; }
blockquote { border-left: 3px solid var(--rule); margin-left: 0; padding-left: 1rem;
             color: var(--muted); }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", Consolas, monospace;
       font-size: 0.9em; background: #f5f7fa; padding: 0 0.2em; }
pre.output { font-family: "DejaVu Sans Mono", "Liberation Mono", Consolas, monospace;
             font-size: 0.85rem; background: #f5f7fa; border-left: 3px solid var(--rule);
             padding: 0.6rem 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
figure { margin: 1rem 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
div.output { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0;
        font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.6rem; text-align: right;
         vertical-align: top; }
th { background: #f0f4f8; }
tbody th { text-align: left; }
td:first-child, th:first-child { text-align: left; }
table.facts th { text-align: left; width: 16rem; }
table.facts td { text-align: left; overflow-wrap: anywhere; }
section.about { margin-top: 3rem; }
/* tables written by kamlab.presentation.for_reader: numbers right and never broken,
   text left, headers wrapping between words only (never inside one) */
table.kamlab-table caption { caption-side: top; text-align: left; font-weight: bold;
                             padding-bottom: 0.2rem; }
table.kamlab-table th { vertical-align: bottom; white-space: normal; hyphens: manual;
                        overflow-wrap: normal; word-break: normal; }
table.kamlab-table .num { text-align: right; }
table.kamlab-table td.num { white-space: nowrap; }
table.kamlab-table .text { text-align: left; }
table.kamlab-table td.text { hyphens: manual; overflow-wrap: normal; word-break: normal; }
table.kamlab-table td.long { min-width: 10em; }

@page {
  size: A4;
  margin: 16mm 14mm 18mm 14mm;
  @top-right { content: string(chapter); font-size: 8pt; color: #52606d; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
                   font-size: 8pt; color: #52606d; }
}
@page :first { @top-right { content: none; } }
@page landscape { size: A4 landscape; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; margin: 0; }
  h1 { string-set: chapter content(); }
  section.notebook, section.about { break-before: page; margin-top: 0; }
  .page-break { break-before: page; }
  h1, h2, h3 { break-after: avoid; }
  figure, tr, pre.output { break-inside: avoid; }
  figure img { max-width: 100%; max-height: 230mm; }
  div.output { overflow: visible; }
  table { font-size: 7.5pt; max-width: 100%; table-layout: auto; }
  table[data-wide] { font-size: 6pt; }
  th, td { padding: 1pt 3pt; }
  /* only wide tables may break words: it costs layout time, and narrow ones fit */
  table[data-wide] th, table[data-wide] td { hyphens: auto; overflow-wrap: anywhere; }
  /* reader tables never break words or numbers: compact type instead (A4 portrait) */
  table.kamlab-table { font-size: 7pt; }
  table.kamlab-table[data-wide] { font-size: 6pt; }
  table.kamlab-table[data-wide] th, table.kamlab-table[data-wide] td {
    hyphens: manual; overflow-wrap: normal; word-break: normal; }
  table.kamlab-table th, table.kamlab-table td { padding: 1pt 2.5pt; }
  table.kamlab-table[data-wide] th, table.kamlab-table[data-wide] td { padding: 1pt 1.5pt; }
  table.kamlab-table[data-wide] td.long { min-width: 8em; }
  /* for_reader(..., landscape=True): the table on an A4 landscape page of its own */
  table.kamlab-table.landscape { page: landscape; }
  pre.output { font-size: 7.5pt; }
  nav.contents a::after { content: leader(".") target-counter(attr(href), page); }
  nav.contents li.pages a::after { content: " " target-counter(attr(href), page); }
  nav.contents { break-after: page; font-size: 8.5pt; line-height: 1.2; }
  nav.contents > ol > li { margin-top: 0.1rem; }
  nav.contents h2 { margin: 0.2rem 0; }
}
"""
