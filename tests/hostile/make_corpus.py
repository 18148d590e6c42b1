"""Write the hostile corpus: small files an attacker or a messy ERP export could produce.

Run ``python tests/hostile/make_corpus.py`` to regenerate every file here (deterministic).
Each data file is 20 good base rows (5 accounts x 4 purchases, so every command has
enough to fit its models) plus the hostile lines, and each case states what must happen:

- ``expected.csv``: one line per file: ``file, kind`` (data, criteria, costs),
  ``outcome`` (``ok``: read with ``accepted``/``quarantined`` counts and ``reasons``
  ``reason=n;...``, blank counts when the rule leaves a choice; ``refused``: an
  InputError/ConfigError whose one-line message contains ``phrase`` and names the
  file; ``malformed``: refused naming a line, or the bad lines quarantined, never
  fewer rows without a word), ``rows`` (data rows a strict ``csv`` reader sees, blank
  when it raises), ``sep``, ``encoding``, ``args`` (extra CLI options) and ``gap``
  (a known gap, in words: the case is xfail(strict=True) until it is fixed; none now).
- ``expected_values.json``: for ``ok`` files, the accepted rows that must come out
  unchanged: ``[row, account_id, date, revenue]`` (row = 1-based data row).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
HEADER = ["account_id", "date", "revenue", "account_name"]


def base_rows() -> list[list[str]]:
    """20 good rows: accounts A1..A5, four purchases each in 2025, distinct amounts."""
    rows = []
    for i in range(1, 6):
        for k in range(4):
            rows.append(
                [f"A{i}", f"2025-{1 + 3 * k:02d}-{10 + i:02d}", f"{i * 10 + k}.5", f"Account {i}"]
            )
    return rows


@dataclass
class Case:
    file: str
    outcome: str = "ok"
    kind: str = "data"
    accepted: int | None = None
    quarantined: int | None = None
    reasons: dict | None = None
    phrase: str = ""
    sep: str = ","
    encoding: str = "utf-8"
    args: str = ""
    gap: str = ""
    values: list = field(default_factory=list)
    rows: int | None = None


CASES: list[Case] = []


def strict_rows(data: bytes, sep: str, encoding: str) -> int | None:
    """Data rows (non-empty records after the header) a strict csv reader sees; None if it fails."""
    try:
        text = data.decode(encoding)
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
    except (csv.Error, UnicodeError):
        return None
    records = [r for r in records if r and not (len(r) == 1 and not r[0].strip())]  # blank lines
    return max(len(records) - 1, 0)


def write(case: Case, data: bytes) -> None:
    (HERE / case.file).write_bytes(data)
    if case.kind == "data" and case.file.endswith((".csv", ".txt", ".tsv")):
        case.rows = strict_rows(data, case.sep, case.encoding.replace("-sig", ""))
    CASES.append(case)


def table(rows, header=HEADER, sep=",", end="\n", quoting=csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=end, quoting=quoting)
    if header:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def expect_ok(rows, extra):
    """Values of the base rows plus ``extra`` [(row_index, id, date, revenue)] accepted."""
    vals = [[n + 1, r[0], r[1], float(r[2])] for n, r in enumerate(rows)]
    return vals + [list(e) for e in extra]


def data_case(name, hostile, outcomes, *, gap="", sep=",", args="", reasons=None, pin=True):
    """Base rows, then ``hostile`` rows; ``outcomes`` per hostile row: ``("ok", id, date,
    revenue)`` or ``("q", reason)``."""
    base = base_rows()
    rows = base + hostile
    extra, q = [], {}
    for n, outcome in enumerate(outcomes):
        if outcome[0] == "ok":
            extra.append((len(base) + n + 1, *outcome[1:]))
        else:
            q[outcome[1]] = q.get(outcome[1], 0) + 1
    case = Case(
        name,
        accepted=len(base) + len(extra) if pin else None,
        quarantined=sum(q.values()) if pin else None,
        reasons=(reasons if reasons is not None else q) if pin else None,
        gap=gap,
        sep=sep,
        args=args,
        values=expect_ok(base, extra),
    )
    # csv.writer does not quote a bare CR (not in its line terminator): quote every field
    has_cr = any("\r" in f for row in hostile for f in row)
    write(
        case, table(rows, sep=sep, quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL).encode()
    )


def raw_case(name, text_or_bytes, case: Case):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    write(case, data)


def base_text(sep=",", end="\n") -> str:
    return table(base_rows(), sep=sep, end=end)


def base_values():
    return expect_ok(base_rows(), [])


def ok_base(name, **kw) -> Case:
    kw.setdefault("accepted", 20)
    kw.setdefault("quarantined", 0)
    kw.setdefault("reasons", {})
    return Case(name, values=base_values(), **kw)


# ----------------------------------------------------------------------------- quoting


def quoting_cases():
    raw_case("clean.csv", base_text(), ok_base("clean.csv"))
    raw_case("crlf.csv", base_text(end="\r\n"), ok_base("crlf.csv"))
    raw_case("cr_only.csv", base_text(end="\r"), ok_base("cr_only.csv"))
    lines = base_text().splitlines(keepends=True)
    # a product-name field opening with a stray quote, never closed: swallows the rest
    stray = lines[:8] + ['A9,2025-05-05,7.5,"Widget 5 inch\n'] + lines[8:]
    raw_case("stray_quote_open.csv", "".join(stray), Case("stray_quote_open.csv", "malformed"))
    # two stray quotes: a strict reader sees one field spanning the lines between
    stray2 = (
        lines[:5]
        + ['A9,2025-05-05,7.5,"Widget 5\n']
        + lines[5:12]
        + ['A8,2025-05-06,8.5,Gadget 7"\n']
        + lines[12:]
    )
    raw_case(
        "stray_quote_pair.csv",
        "".join(stray2),
        Case("stray_quote_pair.csv", "malformed"),
    )
    # a quote inside an unquoted field is literal text for every reader
    data_case(
        "quote_inside_field.csv",
        [["A6", "2025-05-05", "7.5", 'Widget 5" inch']],
        [("ok", "A6", "2025-05-05", 7.5)],
    )
    # a quoted field followed by text: csv strict mode refuses, so must kamlab (or quarantine)
    bad = lines[:6] + ['A9,2025-05-05,7.5,"Widget"5\n'] + lines[6:]
    raw_case(
        "quote_then_text.csv",
        "".join(bad),
        Case("quote_then_text.csv", "malformed"),
    )
    data_case(
        "embedded_newline.csv",
        [["A6", "2025-05-05", "7.5", "Acme\nLtd"], ["A7", "2025-05-06", "8.5", "Acme\r\nGmbH"]],
        [("ok", "A6", "2025-05-05", 7.5), ("ok", "A7", "2025-05-06", 8.5)],
    )
    data_case(
        "embedded_cr.csv",
        [["A6", "2025-05-05", "7.5", "Acme\rLtd"]],
        [("ok", "A6", "2025-05-05", 7.5)],
    )
    data_case(
        "embedded_separator.csv",
        [["A6", "2025-05-05", "7.5", "Acme, Ltd; Inc|x\tz"]],
        [("ok", "A6", "2025-05-05", 7.5)],
    )
    data_case(
        "doubled_quotes.csv",
        [["A6", "2025-05-05", "7.5", 'The ""Best"" "Co"']],
        [("ok", "A6", "2025-05-05", 7.5)],
    )
    bare_cr = lines[:21] + ["A6,2025-05-05,7.5,Acme\rLtd\n"]
    raw_case(
        "bare_cr_in_field.csv",
        "".join(bare_cr),
        Case(
            "bare_cr_in_field.csv",  # a bare CR ends the line, as for a strict reader
            accepted=21,
            quarantined=1,
            reasons={"malformed_line": 1},
            values=base_values() + [[21, "A6", "2025-05-05", 7.5]],
        ),
    )
    nul = lines[:4] + ["A9,2025-05-05,7.5,Acme\x00Ltd\n"] + lines[4:]
    raw_case("nul_byte.csv", "".join(nul), Case("nul_byte.csv", "refused", phrase="binary"))
    raw_case("all_quoted.csv", table(base_rows(), quoting=csv.QUOTE_ALL), ok_base("all_quoted.csv"))


# ---------------------------------------------------------------------------- encodings


def encoding_cases():
    text = base_text()
    raw_case(
        "bom_utf8.csv",
        codecs.BOM_UTF8 + text.encode(),
        ok_base("bom_utf8.csv", encoding="utf-8-sig"),
    )
    for name, enc in [
        ("bom_utf16le.csv", "utf-16"),
        ("bom_utf16be.csv", "utf-16-be"),
        ("bom_utf32.csv", "utf-32"),
    ]:
        data = text.encode(enc)
        if enc == "utf-16-be":
            data = codecs.BOM_UTF16_BE + data
        raw_case(name, data, ok_base(name, encoding="utf-16" if "16" in enc else enc))
    raw_case(
        "utf16_encoding_option.csv",
        text.encode("utf-16"),
        ok_base("utf16_encoding_option.csv", args="--encoding utf-16", encoding="utf-16"),
    )
    latin = table(base_rows()[:19] + [["A5", "2025-10-15", "53.5", "Société Générale Müller"]])
    raw_case("latin1.csv", latin.encode("latin-1"), ok_base("latin1.csv", encoding="latin-1"))
    cp = table(
        base_rows()[:19]
        + [["A5", "2025-10-15", "53.5", "Smart \u201cquotes\u201d and \u20ac sign"]]
    )
    raw_case("cp1252.csv", cp.encode("cp1252"), ok_base("cp1252.csv", encoding="latin-1"))
    raw_case(
        "unknown_encoding_option.csv",
        text,
        Case(
            "unknown_encoding_option.csv",
            "refused",
            phrase="encoding",
            args="--encoding klingon-8",
        ),
    )
    raw_case(
        "wrong_encoding_option.csv",
        latin.encode("latin-1"),
        Case("wrong_encoding_option.csv", "refused", phrase="utf-8", args="--encoding utf-8"),
    )


# ---------------------------------------------------------------------- shape of the table


def shape_cases():
    rows = base_rows()
    raw_case(
        "semicolon_decimal_comma.csv",
        table([[a, d, r.replace(".", ","), n] for a, d, r, n in rows], sep=";"),
        ok_base("semicolon_decimal_comma.csv", sep=";"),
    )
    raw_case("tab.tsv", table(rows, sep="\t"), ok_base("tab.tsv", sep="\t"))
    raw_case("pipe.txt", table(rows, sep="|"), ok_base("pipe.txt", sep="|"))
    lines = base_text().splitlines(keepends=True)
    mixed = lines[:5] + ["A6;2025-05-05;7.5;Semi Co\n", "A7;2025-05-06;8.5;Semi Co\n"] + lines[5:]
    raw_case(
        "mixed_separators.csv",
        "".join(mixed),
        Case(
            "mixed_separators.csv",
            accepted=20,
            quarantined=2,
            reasons={"malformed_line": 2},
            values=base_values_shifted(4, 2),
        ),
    )
    trailing = [lines[0]] + [ln.rstrip("\n") + ",\n" for ln in lines[1:]]
    raw_case(
        "trailing_separator.csv",
        "".join(trailing),
        ok_base("trailing_separator.csv"),
    )
    trailing_all = [ln.rstrip("\n") + ",\n" for ln in lines]
    raw_case(
        "trailing_separator_header_too.csv",
        "".join(trailing_all),
        ok_base("trailing_separator_header_too.csv"),
    )
    trailing_semi = [
        ln.rstrip("\n") + ";\n" for ln in table(rows, sep=";").splitlines(keepends=True)[:1]
    ] + [
        ln.rstrip("\n") + ";\n"
        for ln in table(rows, sep=";", header=None).splitlines(keepends=True)
    ]
    raw_case(
        "trailing_semicolon.csv",
        "".join(trailing_semi[:1]).rstrip(";\n") + "\n" + "".join(trailing_semi[1:]),
        ok_base("trailing_semicolon.csv", sep=";"),
    )
    short = lines[:7] + ["A6,2025-05-05\n"] + lines[7:]
    raw_case(
        "ragged_short_row.csv",
        "".join(short),
        Case(
            "ragged_short_row.csv",
            accepted=20,
            quarantined=1,
            reasons={"malformed_line": 1},
            values=base_values_shifted(6, 1),
        ),
    )
    long = lines[:7] + ["A6,2025-05-05,7.5,Acme,extra,more\n"] + lines[7:]
    raw_case(
        "ragged_long_row.csv",
        "".join(long),
        Case(
            "ragged_long_row.csv",
            accepted=20,
            quarantined=1,
            reasons={"malformed_line": 1},
            values=base_values_shifted(6, 1),
        ),
    )
    blank = [ln + ("\n" if i % 4 == 0 else "") for i, ln in enumerate(lines)] + ["\n\n\n"]
    raw_case("blank_lines.csv", "".join(blank), ok_base("blank_lines.csv"))
    ws = lines[:5] + ["   \n", "\t\n"] + lines[5:]
    raw_case("whitespace_lines.csv", "".join(ws), ok_base("whitespace_lines.csv"))
    raw_case("header_only.csv", lines[0], Case("header_only.csv", "refused", phrase="no data rows"))
    raw_case("empty.csv", "", Case("empty.csv", "refused", phrase="empty"))
    raw_case(
        "only_blank_lines.csv",
        "\n\n  \n\n",
        Case("only_blank_lines.csv", "refused", phrase="blank"),
    )
    raw_case(
        "bom_only.csv", codecs.BOM_UTF8, Case("bom_only.csv", "refused", phrase="no text lines")
    )
    dup = "account_id,date,revenue,revenue\n" + "".join(
        f"{a},{d},{r},{float(r) * 2}\n" for a, d, r, _ in rows
    )
    raw_case(
        "duplicate_headers.csv",
        dup,
        Case("duplicate_headers.csv", "refused", phrase="revenue"),
    )
    empty_fields = lines[:5] + [",,,\n"] + lines[5:]
    raw_case(
        "empty_fields_line.csv",
        "".join(empty_fields),
        Case(
            "empty_fields_line.csv",
            accepted=20,
            quarantined=1,
            reasons={"missing_account_id": 1},
            values=base_values_shifted(4, 1),
        ),
    )
    mid = lines[:11] + [lines[0]] + lines[11:]
    raw_case(
        "header_repeated_mid.csv",
        "".join(mid),
        Case(
            "header_repeated_mid.csv",
            accepted=20,
            quarantined=1,
            reasons={"unparseable_date": 1},
            values=base_values_shifted(10, 1),
        ),
    )
    noheader = table(rows, header=None)
    raw_case(
        "no_header.csv",
        noheader,
        Case(
            "no_header.csv",
            accepted=20,
            quarantined=0,
            reasons={},
            args="--names account_id,date,revenue,account_name",
            values=base_values(),
        ),
    )
    CASES[-1].rows += 1  # no header line: every record is data
    data_case(
        "long_field.csv",
        [["A6", "2025-05-05", "7.5", "x" * 3000]],
        [("ok", "A6", "2025-05-05", 7.5)],
    )
    data_case(
        "long_id.csv",
        [["B" * 2000, "2025-05-05", "7.5", "n"]],
        [("ok", "B" * 2000, "2025-05-05", 7.5)],
    )
    data_case("duplicate_line.csv", [rows[3]], [("q", "duplicate_line")])
    data_case(
        "missing_id.csv",
        [["", "2025-05-05", "7.5", "n"], ["  ", "2025-05-06", "8.5", "n"]],
        [("q", "missing_account_id")] * 2,
    )


def base_values_shifted(after: int, inserted: int):
    """Base values when ``inserted`` bad rows come after base row ``after`` (1-based rows)."""
    return [[n + 1 + (inserted if n >= after else 0), *v[1:]] for n, v in enumerate(base_values())]


# ------------------------------------------------------------------- formula and markup


def text_cases():
    payloads = {
        "formula_equals.csv": "=1+1",
        "formula_plus.csv": "+1+cmd|' /C calc'!A0",
        "formula_minus.csv": "-2+3",
        "formula_at.csv": "@SUM(A1:A9)",
        "formula_space.csv": "  =1+1",
        "formula_tab.csv": '\t=HYPERLINK("http://x","y")',
        "formula_cr.csv": "\r=1+1+X",
        "formula_lf.csv": "\n=1+1",
        "html_script.csv": "<script>alert(1)</script><img src=x onerror=alert(2)>",
        "bidi_zero_width.csv": "\u202eevil\u202c\u200b\ufeffname\u2066x\u2069",
    }
    for name, payload in payloads.items():
        data_case(name, [["A6", "2025-05-05", "7.5", payload]], [("ok", "A6", "2025-05-05", 7.5)])
    data_case(
        "formula_in_id.csv",
        [["=1+1", "2025-05-05", "7.5", "n"], ["@A1", "2025-05-06", "8.5", "n"]],
        [("ok", "=1+1", "2025-05-05", 7.5), ("ok", "@A1", "2025-05-06", 8.5)],
    )
    data_case(
        "zero_width_id.csv",
        [["A1\u200b", "2025-05-05", "7.5", "n"]],
        [("ok", "A1\u200b", "2025-05-05", 7.5)],
    )
    data_case(
        "unicode_id.csv",
        [["\u00c5\u0301\u4e2d\U0001f600", "2025-05-05", "7.5", "n"]],
        [("ok", "\u00c5\u0301\u4e2d\U0001f600", "2025-05-05", 7.5)],
    )
    data_case(
        "id_leading_zeros.csv",
        [["007", "2025-05-05", "7.5", "n"], ["7", "2025-05-06", "8.5", "n"]],
        [("ok", "007", "2025-05-05", 7.5), ("ok", "7", "2025-05-06", 8.5)],
    )
    # ids written as whole floats by a spreadsheet: documented, 17850.0 is 17850
    rows = [[f"{17850 + int(a[1:])}.0", d, r, n] for a, d, r, n in base_rows()]
    vals = [[v[0], str(17850 + int(v[1][1:])), v[2], v[3]] for v in base_values()]
    raw_case(
        "id_float_text_whole.csv",
        table(rows),
        Case("id_float_text_whole.csv", accepted=20, quarantined=0, reasons={}, values=vals),
    )
    data_case(
        "unicode_line_separators.csv",
        [
            ["A6", "2025-05-05", "7.5", "a\u2028b\u2029c\x85d"],
            ["A7", "2025-05-06", "8.5", "x\x0by\x0cz"],
        ],
        [("ok", "A6", "2025-05-05", 7.5), ("ok", "A7", "2025-05-06", 8.5)],
    )
    # a header cell that is a formula must not go live in the quarantine file
    text = (
        'account_id,date,revenue,=HYPERLINK("http://x";"y"),@cmd\n'
        + "".join(f"{a},{d},{r},{n},x\n" for a, d, r, n in base_rows())
        + "A6,today,7.5,n,=1+1\n"
    )
    raw_case(
        "formula_in_header.csv",
        text,
        Case(
            "formula_in_header.csv",
            accepted=20,
            quarantined=1,
            reasons={"unparseable_date": 1},
            values=base_values(),
        ),
    )
    # mostly UTF-8, one latin-1 byte: the UTF-8 id must not turn into mojibake
    text = (
        base_text().encode() + "Müller,2025-05-05,7.5,n\n".encode() + b"A7,2025-05-06,8.5,caf\xe9\n"
    )
    raw_case(
        "mixed_utf8_latin1.csv",
        text,
        Case(
            "mixed_utf8_latin1.csv",
            accepted=22,
            quarantined=0,
            reasons={},
            encoding="latin-1",
            values=base_values()
            + [[21, "Müller", "2025-05-05", 7.5], [22, "A7", "2025-05-06", 8.5]],
        ),
    )


# --------------------------------------------------------------------------------- dates


def date_cases():
    q = lambda r: ("q", r)  # noqa: E731
    for name, value, reason in [
        ("date_2999.csv", "2999-12-31", "date_out_of_range"),
        ("date_9999.csv", "9999-12-31", "date_out_of_range"),
        ("date_2300.csv", "2300-01-01", "date_out_of_range"),
        ("date_0000.csv", "0000-01-01", None),
        ("date_minus_one.csv", "-1", None),
        ("date_1677.csv", "1677-09-21", "date_out_of_range"),
        ("date_1899.csv", "1899-12-31", "date_out_of_range"),
        ("date_today_word.csv", "today", "unparseable_date"),
        ("date_now_word.csv", "NOW", "unparseable_date"),
        ("date_excel_serial.csv", "45678", None),
        ("date_feb30.csv", "2025-02-30", "unparseable_date"),
        ("date_hour_25.csv", "2025-02-03 25:00", "unparseable_date"),
        ("date_empty_quoted.csv", "", "unparseable_date"),
        ("date_future.csv", "2199-06-01", "date_in_future"),
    ]:
        reasons = None if reason is None else {reason: 1}
        data_case(
            name,
            [["A6", value, "7.5", "n"]],
            [q(reason or "any")],
            reasons=reasons or {"*": 1},
        )
    data_case("date_2262.csv", [["A6", "2262-04-12", "7.5", "n"]], [q("date_out_of_range")])
    data_case("date_2199_last_day.csv", [["A6", "2199-12-31", "7.5", "n"]], [q("date_in_future")])
    data_case(
        "date_1900_first_day.csv",
        [["A6", "1900-01-01", "7.5", "n"]],
        [("ok", "A6", "1900-01-01", 7.5)],
    )
    # dd.mm.yy: one order for the whole column, decided from the values that can only be day first
    rows = [[a, f"{d[8:10]}.{d[5:7]}.{d[2:4]}", r, n] for a, d, r, n in base_rows()]
    raw_case("date_ddmmyy_dots.csv", table(rows), ok_base("date_ddmmyy_dots.csv"))
    rows = [[a, f"{d[8:10]}/{d[5:7]}/{d[:4]}", r, n] for a, d, r, n in base_rows()]
    raw_case("date_ddmmyyyy_slash.csv", table(rows), ok_base("date_ddmmyyyy_slash.csv"))
    rows = [[a, f"{d[5:7]}/{d[8:10]}/{d[2:4]}", r, n] for a, d, r, n in base_rows()]
    raw_case("date_mmddyy_slash.csv", table(rows), ok_base("date_mmddyy_slash.csv"))
    # days <= 12 only: ambiguous; --dayfirst decides it for the whole column
    rows = [
        [f"A{i}", f"0{k + 1}/1{i % 3}/2025", f"{i}{k}.5", "n"]
        for i in range(1, 6)
        for k in range(4)
    ]
    vals = [
        [
            n + 1,
            r[0],
            f"2025-1{int(r[1][3:5]) % 10}-0{int(r[1][:2])}".replace("-10-", "-10-"),
            float(r[2]),
        ]
        for n, r in enumerate(rows)
    ]
    vals = [
        [
            v[0],
            v[1],
            f"2025-{int(rows[v[0] - 1][1][3:5]):02d}-{int(rows[v[0] - 1][1][:2]):02d}",
            v[3],
        ]
        for v in vals
    ]
    raw_case(
        "date_ambiguous_dayfirst.csv",
        table(rows),
        Case(
            "date_ambiguous_dayfirst.csv",
            accepted=20,
            quarantined=0,
            reasons={},
            args="--dayfirst",
            values=vals,
        ),
    )
    rows = [
        [a, f"{d}T10:00:00{'+01:00' if n % 2 else '-05:00'}", r, nm]
        for n, (a, d, r, nm) in enumerate(base_rows())
    ]
    raw_case("date_mixed_timezones.csv", table(rows), Case("date_mixed_timezones.csv"))
    rows = [[a, f"{d}T10:00:00Z", r, nm] for a, d, r, nm in base_rows()]
    raw_case(
        "date_utc_z.csv",
        table(rows),
        Case(
            "date_utc_z.csv",
            accepted=20,
            quarantined=0,
            reasons={},
            values=[[n + 1, r[0], r[1], float(r[2])] for n, r in enumerate(rows)],
        ),
    )
    rows = [[a, f"{d[:4]}{d[5:7]}{d[8:]}", r, nm] for a, d, r, nm in base_rows()]
    raw_case("date_yyyymmdd.csv", table(rows), ok_base("date_yyyymmdd.csv"))
    rows = [[a, f"{d} 23:59:59.999999", r, nm] for a, d, r, nm in base_rows()]
    raw_case(
        "date_with_micro.csv",
        table(rows),
        Case(
            "date_with_micro.csv",
            accepted=20,
            quarantined=0,
            reasons={},
            values=[[n + 1, r[0], r[1], float(r[2])] for n, r in enumerate(rows)],
        ),
    )


# ------------------------------------------------------------------------------- amounts


def amount_cases():
    data_case(
        "amount_thousands.csv",
        [["A6", "2025-05-05", "1,234.50", "n"], ["A7", "2025-05-06", "6,522", "n"]],
        [("ok", "A6", "2025-05-05", 1234.5), ("ok", "A7", "2025-05-06", 6522.0)],
    )
    rows = [
        [a, d, f"{i},{k}22" if True else r, n]
        for i, (a, d, r, n) in enumerate(base_rows(), 1)
        for k in [i % 9 + 1]
    ]
    rows.append(["A6", "2025-05-05", "12,50", "n"])
    vals = [[n + 1, r[0], r[1], float(r[2].replace(",", ""))] for n, r in enumerate(rows[:-1])]
    raw_case(
        "amount_thousands_one_decimal_comma.csv",
        table(rows),
        Case(
            "amount_thousands_one_decimal_comma.csv",
            accepted=20,
            quarantined=1,
            reasons={"non_numeric_amount": 1},
            values=vals,
        ),
    )
    data_case(
        "amount_currency.csv",
        [
            ["A6", "2025-05-05", "£20", "n"],
            ["A7", "2025-05-06", "$21.5", "n"],
            ["A8", "2025-05-07", "22€", "n"],
        ],
        [
            ("ok", "A6", "2025-05-05", 20.0),
            ("ok", "A7", "2025-05-06", 21.5),
            ("ok", "A8", "2025-05-07", 22.0),
        ],
    )
    data_case(
        "amount_words.csv",
        [["A6", "2025-05-05", "20 EUR", "n"], ["A7", "2025-05-06", "twelve", "n"]],
        [("q", "non_numeric_amount")] * 2,
    )
    data_case(
        "amount_parentheses.csv",
        [["A6", "2025-05-05", "(12.50)", "n"]],
        [("q", "non_numeric_amount")],
    )
    data_case(
        "amount_nonfinite.csv",
        [
            ["A6", "2025-05-0" + str(k + 1), v, "n"]
            for k, v in enumerate(["inf", "-inf", "nan", "NaN", "1e400", "Infinity", "-1e999"])
        ],
        [("q", "non_numeric_amount")] * 7,
    )
    data_case(
        "amount_huge_int.csv",
        [["A6", "2025-05-05", "99999999999999999999", "n"]],
        [("q", "amount_out_of_range")],
    )
    data_case(
        "amount_negative_return.csv",
        [["A1", "2025-05-05", "-7.5", "n"]],
        [("ok", "A1", "2025-05-05", -7.5)],
    )
    data_case(
        "amount_zero.csv", [["A1", "2025-05-05", "0", "n"]], [("ok", "A1", "2025-05-05", 0.0)]
    )
    data_case(
        "amount_exponent.csv",
        [["A1", "2025-05-05", "1.5e3", "n"]],
        [("ok", "A1", "2025-05-05", 1500.0)],
    )
    data_case(
        "amount_two_points.csv", [["A1", "2025-05-05", "1.2.3", "n"]], [("q", "non_numeric_amount")]
    )
    data_case(
        "amount_formula.csv", [["A1", "2025-05-05", "=2*3", "n"]], [("q", "non_numeric_amount")]
    )
    data_case(
        "id_float_text.csv",
        [["1e20", "2025-05-05", "7.5", "n"]],
        [("ok", "1e20", "2025-05-05", 7.5)],
    )
    header = ["account_id", "date", "quantity", "unit_price"]
    rows = [[a, d, "2", r] for a, d, r, _ in base_rows()]
    vals = [[n + 1, r[0], r[1], 2 * float(r[3])] for n, r in enumerate(rows)]
    extra = [
        ["A6", "2025-05-05", "0", "3"],
        ["A1", "2025-05-06", "-2", "3"],
        ["A7", "2025-05-07", "2", "0"],
        ["A8", "2025-05-08", "2", "-3"],
    ]
    vals.append([22, "A1", "2025-05-06", -6.0])
    raw_case(
        "quantity_price.csv",
        table(rows + extra, header=header),
        Case(
            "quantity_price.csv",
            accepted=21,
            quarantined=3,
            reasons={"zero_quantity": 1, "zero_price": 1, "negative_price": 1},
            values=vals,
        ),
    )


# ------------------------------------------------------------------------ Parquet / Excel


def binary_cases():
    import numpy as np
    import pandas as pd

    rows = base_rows()
    frame = pd.DataFrame(rows, columns=HEADER)
    frame["revenue"] = frame["revenue"].astype(float)
    frame["date"] = pd.to_datetime(frame["date"])
    vals = base_values()

    def parquet(name, df, case):
        df.to_parquet(HERE / name, index=False)
        CASES.append(case)

    parquet("parquet_clean.parquet", frame, ok_base("parquet_clean.parquet"))
    f = frame.copy()
    f["tags"] = [["a", "b"]] * len(f)
    parquet("parquet_list_column.parquet", f, ok_base("parquet_list_column.parquet"))
    f = frame.copy()
    f["account_name"] = [{"name": "x", "n": 1}] * len(f)
    parquet(
        "parquet_struct_name.parquet",
        f,
        Case("parquet_struct_name.parquet", "refused", phrase="account_name"),
    )
    f = frame.copy()
    f["date"] = f["date"].dt.tz_localize("Europe/Berlin")
    utc = [  # times with a zone are converted to UTC (Berlin midnight is 23:00 the day before)
        [n, a, str(pd.Timestamp(d).tz_localize("Europe/Berlin").tz_convert(None)), r]
        for n, a, d, r in base_values()
    ]
    parquet(
        "parquet_tz_aware.parquet",
        f,
        Case("parquet_tz_aware.parquet", accepted=20, quarantined=0, reasons={}, values=utc),
    )
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table(
        {
            "account_id": [r[0] for r in rows] + ["A6"],
            "date": pa.array(
                [pd.Timestamp(r[1]).to_pydatetime() for r in rows]
                + [pd.Timestamp("2999-12-31").to_pydatetime()],
                pa.timestamp("us"),
            ),
            "revenue": [float(r[2]) for r in rows] + [7.5],
        }
    )
    pq.write_table(t, HERE / "parquet_year_2999.parquet")
    CASES.append(
        Case(
            "parquet_year_2999.parquet",
            accepted=20,
            quarantined=1,
            reasons={"date_out_of_range": 1},
            values=vals,
        )
    )
    f = frame.copy()
    f["account_id"] = [float(1e20 + i * 2**20) for i in range(len(f))]
    parquet(
        "parquet_ids_1e20.parquet",
        f,
        Case("parquet_ids_1e20.parquet", "refused", phrase="account_id"),
    )
    f = frame.copy()
    f["account_id"] = [float(17850 + int(r[0][1:])) for r in rows]
    pv = [[v[0], str(17850 + int(v[1][1:])), v[2], v[3]] for v in vals]
    parquet(
        "parquet_ids_float_whole.parquet",
        f,
        Case("parquet_ids_float_whole.parquet", accepted=20, quarantined=0, reasons={}, values=pv),
    )
    f = frame.copy()
    f["account_id"] = [2.0**64] * len(f)
    parquet(
        "parquet_ids_2pow64.parquet",
        f,
        Case("parquet_ids_2pow64.parquet", "refused", phrase="account_id"),
    )
    t = pa.table(
        [
            pa.array([r[0] for r in rows]),
            pa.array(frame["date"]),
            pa.array(frame["revenue"]),
            pa.array(frame["revenue"]),
        ],
        names=["account_id", "date", "revenue", "revenue"],
    )
    pq.write_table(t, HERE / "parquet_duplicate_columns.parquet")
    CASES.append(Case("parquet_duplicate_columns.parquet", "refused", phrase="revenue"))
    f = frame.copy()
    f.loc[3, "revenue"] = np.inf
    f.loc[4, "revenue"] = np.nan
    vals5 = [v for v in vals if v[0] not in (4, 5)]
    parquet(
        "parquet_inf_nan.parquet",
        f,
        Case(
            "parquet_inf_nan.parquet",
            accepted=18,
            quarantined=2,
            reasons={"non_numeric_amount": 2},
            values=vals5,
        ),
    )
    (HERE / "not_really.parquet").write_bytes(b"PAR1 this is not parquet at all")
    CASES.append(Case("not_really.parquet", "refused", phrase="Parquet"))

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for a, d, r, n in rows:
        ws.append([a, pd.Timestamp(d).to_pydatetime(), float(r), n])
    ws.append(
        ["A6", pd.Timestamp("2025-05-05").to_pydatetime(), "=2*3", '=HYPERLINK("http://x","y")']
    )
    ws.append(["A7", pd.Timestamp("2025-05-06").to_pydatetime(), 8.5, "=1+1"])
    wb.properties.created = wb.properties.modified = pd.Timestamp("2026-01-01").to_pydatetime()
    wb.save(HERE / "excel_formulas.xlsx")
    CASES.append(
        Case(
            "excel_formulas.xlsx",
            accepted=21,
            quarantined=1,
            reasons={"non_numeric_amount": 1},
            values=vals + [[22, "A7", "2025-05-06", 8.5]],
        )
    )
    (HERE / "not_really.xlsx").write_bytes(b"PK\x03\x04 broken zip")
    CASES.append(Case("not_really.xlsx", "refused", phrase="Excel"))


# ---------------------------------------------------------------------------------- YAML


def yaml_cases():
    # billion laughs inside the value itself (9 ** 9 leaves): no unknown top-level key
    # gives the loader an early way out, and a repr of the value in a message would hang
    def bomb(indent: str) -> str:
        levels = [f"{indent}- &a [x, x, x, x, x, x, x, x, x]\n"] + [
            f"{indent}- &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
        ]
        return "".join(levels)

    for kind in ("criteria", "costs"):
        if kind == "criteria":
            text = "attractiveness:\n  revenue:\n    measure: revenue\n    weight:\n" + bomb(
                "      "
            )
        else:
            text = "transaction_drivers:\n  order:\n" + bomb("    ")
        raw_case(
            f"{kind}_alias_bomb.yaml",
            text,
            Case(f"{kind}_alias_bomb.yaml", "refused", kind=kind, phrase=""),
        )
        raw_case(
            f"{kind}_syntax_error.yaml",
            "a: [1, 2\nb: {c: d\n",
            Case(f"{kind}_syntax_error.yaml", "refused", kind=kind, phrase="line"),
        )
        raw_case(
            f"{kind}_tabs.yaml",
            "a:\n\tb: 1\n",
            Case(f"{kind}_tabs.yaml", "refused", kind=kind, phrase="line"),
        )
        raw_case(
            f"{kind}_python_tag.yaml",
            "a: !!python/object/apply:os.system ['echo pwned']\n",
            Case(f"{kind}_python_tag.yaml", "refused", kind=kind, phrase="line"),
        )
        raw_case(
            f"{kind}_not_a_mapping.yaml",
            "- 1\n- 2\n",
            Case(f"{kind}_not_a_mapping.yaml", "refused", kind=kind, phrase="mapping"),
        )
    raw_case(
        "criteria_weight_list.yaml",
        "attractiveness:\n  revenue: {weight: [1, 2], measure: revenue}\n",
        Case("criteria_weight_list.yaml", "refused", kind="criteria", phrase="weight"),
    )
    raw_case(
        "criteria_weight_yes.yaml",
        "attractiveness:\n  revenue: {weight: yes, measure: revenue}\n",
        Case("criteria_weight_yes.yaml", "refused", kind="criteria", phrase="weight"),
    )
    raw_case(
        "criteria_weight_1e308.yaml",
        "attractiveness:\n  revenue: {weight: 1.0e+308, measure: revenue}\n",
        Case("criteria_weight_1e308.yaml", "refused", kind="criteria", phrase="weight"),
    )
    raw_case(
        "criteria_weight_negative.yaml",
        "attractiveness:\n  revenue: {weight: -15, measure: revenue}\n",
        Case("criteria_weight_negative.yaml", "refused", kind="criteria", phrase="weight"),
    )
    raw_case(
        "costs_rate_1e308.yaml",
        "transaction_drivers:\n  order: 1.0e+308\n",
        Case("costs_rate_1e308.yaml", "refused", kind="costs", phrase="order"),
    )
    raw_case(
        "costs_rate_list.yaml",
        "transaction_drivers:\n  order: [1, 2]\n",
        Case("costs_rate_list.yaml", "refused", kind="costs", phrase="order"),
    )
    raw_case(
        "costs_rate_yes.yaml",
        "transaction_drivers:\n  order: yes\n",
        Case("costs_rate_yes.yaml", "refused", kind="costs", phrase="order"),
    )
    raw_case(
        "costs_rate_nan.yaml",
        "transaction_drivers:\n  order: .nan\n",
        Case("costs_rate_nan.yaml", "refused", kind="costs", phrase="order"),
    )
    raw_case(
        "costs_rate_negative.yaml",
        "transaction_drivers:\n  order: -15\n",
        Case("costs_rate_negative.yaml", "refused", kind="costs", phrase="order"),
    )


def main() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "__init__.py") and old.is_file():
            old.unlink()
    for build in (
        quoting_cases,
        encoding_cases,
        shape_cases,
        text_cases,
        date_cases,
        amount_cases,
        binary_cases,
        yaml_cases,
    ):
        build()
    fields = [
        "file",
        "kind",
        "outcome",
        "accepted",
        "quarantined",
        "reasons",
        "phrase",
        "rows",
        "sep",
        "encoding",
        "args",
        "gap",
    ]
    with (HERE / "expected.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fields)
        for c in CASES:
            reasons = (
                ""
                if c.reasons is None
                else ";".join(f"{k}={v}" for k, v in sorted(c.reasons.items()))
            )
            w.writerow(
                [
                    c.file,
                    c.kind,
                    c.outcome,
                    "" if c.accepted is None else c.accepted,
                    "" if c.quarantined is None else c.quarantined,
                    reasons,
                    c.phrase,
                    "" if c.rows is None else c.rows,
                    c.sep,
                    c.encoding,
                    c.args,
                    c.gap,
                ]
            )
    values = {c.file: c.values for c in CASES if c.outcome == "ok" and c.values}
    (HERE / "expected_values.json").write_text(
        json.dumps(values, indent=0, ensure_ascii=True) + "\n"
    )
    print(f"{len(CASES)} cases written to {HERE}")


if __name__ == "__main__":
    main()
