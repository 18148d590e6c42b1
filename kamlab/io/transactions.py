"""Transactions: read, map, validate. Every row read is either accepted or quarantined.

Validation rules, applied in this order; a row gets the first reason that applies
(the same list is in README "Data contract"):

==================== ==========================================================
reason               rule
==================== ==========================================================
malformed_line       the line cannot be read as one row: a stray quote, or more or
                     fewer fields than the header (``detail`` names the line)
oversized_field      a mapped text value longer than 10,000 characters
missing_account_id   the account id is empty
duplicate_line       the whole line repeats an earlier line exactly (first kept)
date_out_of_range    the date lies outside 1900-01-01 to 2199-12-31 (never wrapped round)
unparseable_date     the date cannot be read as a date, or does not fit the column's one
                     date format (another day/month order); words like ``today`` are not dates
date_in_future       the date is after ``today`` (the run date by default)
non_numeric_amount   revenue, quantity, price or cost is not a finite number
amount_out_of_range  an amount, or quantity times price or cost, exceeds 1e15 in size
zero_quantity        quantity is 0
zero_price           unit price is 0
negative_price       unit price is below 0 (bad-debt adjustments and the like)
unknown_account      the account id is not in the accounts table (when given)
==================== ==========================================================

A line whose revenue is given directly as 0 is kept: a purchase of no value (free
goods, a fully discounted order) is still a purchase occasion. ``keep_duplicates``
turns the ``duplicate_line`` rule off, for files without order ids in which two
identical lines are two real purchases (CDNOW is one).

The rules run in the engine (:mod:`kamlab.io.engine`: DuckDB by default, Spark or a
database) as one expression (:mod:`kamlab.io.rules`); a text file's values are typed in
pandas first (date formats and decimal marks are properties of text), a Parquet file, a
folder or glob of them, or a database table are typed in the engine.

Returns and cancellations are kept, flagged ``is_return`` and netted: a line with
negative quantity or revenue, or whose order id starts with ``C`` (when fewer than
half the order ids do, so that ordinary ids beginning with C are not mistaken). Its revenue
(and cost) is negative, so sums over an account are net of returns.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import glob
import itertools
import uuid
from collections.abc import Iterable
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from kamlab.errors import InputError, MissingColumnError
from kamlab.io import rules
from kamlab.io.engine import connect, is_url, keep, redact
from kamlab.io.files import (
    PARQUET_SUFFIXES,
    RawTable,
    files_of,
    key_values,
    parquet_fields,
    partitions,
    read_table,
    refuse_partition_clash,
    root_of,
)
from kamlab.io.mapping import TRANSACTION_ROLES, ColumnMapping, resolve_mapping
from kamlab.io.parse import (
    check_id_type,
    decimal_mark,
    is_blank,
    parse_dates,
    parse_ids,
    parse_numbers,
)
from kamlab.io.text_files import is_glob, read_text_files, refuse_mixed
from kamlab.io.validated import Validated, account_for

MAX_FIELD_CHARS = rules.MAX_FIELD_CHARS
REASONS = [
    "malformed_line",
    "oversized_field",
    "missing_account_id",
    "duplicate_line",
    "date_out_of_range",
    "unparseable_date",
    "date_in_future",
    "non_numeric_amount",
    "amount_out_of_range",
    "zero_quantity",
    "zero_price",
    "negative_price",
    "unknown_account",
]
_STRING_ROLES = ("account_id", "order_id", "product_id", "account_name")
_names = itertools.count()
_JUDGED = ["_kl_reason", "_kl_detail"]
_AT = "_kl_at"
"""A text file's typed table: the row's position in the raw frame (``_kl_row`` numbers it
among all the file's rows, malformed ones included)."""


class Transactions(Validated):
    """Validated transactions plus the rows that were set aside.

    ``lines`` is an Ibis table of the accepted lines on their engine, one row per line:
    ``account_id``, ``date``, ``revenue`` (net: negative for returns), ``is_return``,
    ``row`` (1-based data row in the source, malformed lines counted; null for a database
    table, which has no line order) and, when mapped, ``order_id``, ``product_id``,
    ``quantity``, ``unit_price``, ``cost``, ``gross_margin``, ``account_name``. Every
    summary runs on it in the engine. ``data`` is the same lines as a pandas frame, made on
    first use: convenient for a small log, costly for a large one.
    ``quarantine`` has the rejected rows as read, with ``row``, ``reason`` and ``detail``.
    """

    def __init__(self, lines, quarantine, mapping, source, n_read, notes, n_accepted):
        self.lines = lines
        self.quarantine = quarantine
        self.mapping = mapping
        self.source = source
        self.n_read = n_read
        self.notes = notes
        self.n_accepted = n_accepted
        self._data = None
        self.derived: dict = {}
        """What the layers above computed from these lines and keep for the next call (the
        last summary: :func:`kamlab.summarize`); not pickled."""

    def accepted_count(self) -> int:
        return self.n_accepted

    @property
    def data(self) -> pd.DataFrame:
        """The accepted lines as a pandas frame, in the source's order (made once)."""
        if self._data is None:
            self._data = _as_frame(self.lines)
        return self._data

    # -- pickling, and the lines shared through a Parquet file (a report run's cache) -----
    lines_file: str | None = None
    """The Parquet file the lines are read from (:meth:`with_lines_file`), or None."""

    def with_lines_file(self, path: str | Path) -> Transactions:
        """These transactions with their accepted lines read from the Parquet file ``path``
        (the same lines, written by :func:`kamlab.workflows.cache.share_lines`) in the
        default engine. Pickled, they carry the file's path, not the lines."""
        shared = copy.copy(self)
        shared.lines, shared.lines_file = connect().read_parquet(path), str(path)
        shared._data = None
        return shared

    def __copy__(self) -> Transactions:
        """A shallow copy of the attributes as they are: not through pickling's state,
        which would build :attr:`data`, a pandas frame of every line. Its ``derived`` starts
        empty: a copy is made to be given other lines."""
        shared = object.__new__(type(self))
        shared.__dict__.update(self.__dict__)
        shared.derived = {}
        return shared

    def __getstate__(self) -> dict:
        skip = ("lines", "_data", "derived")
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        return {**state, "_data": None if self.lines_file else self.data}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.derived = {}
        if self.lines_file:  # the file travels, not the lines
            self.lines = connect().read_parquet(self.lines_file)
        else:
            self.lines = _load(connect(), self._data)

    last_date: pd.Timestamp | None = None
    """The date of the last accepted line when the read found it on the way (else None:
    :func:`kamlab.summarize` asks the engine)."""

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last date of the accepted lines, computed in the engine (NaT, NaT
        when there are none)."""
        t = self.lines
        ends = t.aggregate(first=t.date.min(), last=t.date.max()).to_pandas()
        return pd.Timestamp(ends.at[0, "first"]), pd.Timestamp(ends.at[0, "last"])


LINE_COLUMNS = ("account_id", "date", "revenue", "is_return")
"""The columns every frame of lines has (as :attr:`Transactions.data` does)."""


def lines_of(transactions: Transactions | pd.DataFrame):
    """The accepted lines as an Ibis table on their engine: ``Transactions.lines``, or an
    in-memory table of a frame of lines (checked for :data:`LINE_COLUMNS`; ids as text,
    sorted and joined as text)."""
    if isinstance(transactions, Transactions):
        return transactions.lines
    missing = set(LINE_COLUMNS) - set(transactions.columns)
    if missing:
        raise InputError(
            f"transactions lack columns {sorted(missing)}; read them with kamlab.read_transactions"
        )
    frame = transactions
    if frame["account_id"].dtype != "string":
        frame = frame.assign(account_id=frame["account_id"].astype("string"))
    return ibis.memtable(frame)


def _as_frame(lines) -> pd.DataFrame:
    """Accepted lines as pandas, in row order, with kamlab's dtypes."""
    return _lines_frame(lines.order_by(["row", "account_id", "date"]).to_pandas())


def _lines_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Lines from the engine with kamlab's dtypes."""
    for col in _STRING_ROLES:
        if col in frame.columns:
            frame[col] = frame[col].astype("string")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["is_return"] = frame["is_return"].astype(bool)
    if frame["row"].notna().all():
        frame["row"] = frame["row"].astype("int64")
    return frame.reset_index(drop=True)


def _load(con, frame: pd.DataFrame):
    """A pandas frame as a table on the engine ``con`` (DuckDB reads it where it is)."""
    if con is connect():
        return ibis.memtable(frame)
    name = f"kamlab_{next(_names)}"
    if con.name == "pyspark":  # Ibis' PySpark has no temporary tables; its views are temporary
        return con.create_view(name, ibis.memtable(frame), overwrite=True)
    return con.create_table(name, frame, temp=True)


def read_transactions(
    source,
    columns: dict[str, str] | None = None,
    *,
    accounts: Iterable[str] | pd.DataFrame | Validated | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    names: list[str] | None = None,
    dayfirst: bool = False,
    keep_duplicates: bool = False,
    today: str | pd.Timestamp | None = None,
    engine: str | None = None,
    table: str | None = None,
) -> Transactions:
    """Read transactions and validate them, in the engine.

    ``source`` is a file (CSV and other delimited text, Parquet, Excel), a folder or glob of
    Parquet files, a database URL with ``table`` (``"schema.name"``), or an Ibis table.
    ``columns`` maps roles to the source's column names (``{"account_id": "Customer ID"}``);
    roles not given are recognised from common names. ``accounts`` (ids, or an accounts
    frame indexed by id) turns on the ``unknown_account`` rule. ``engine``: ``"duckdb"``
    (default) or ``"spark"`` (a database source runs in its database).
    """
    if isinstance(accounts, Validated):
        accounts = accounts.data
    known = None
    if accounts is not None:
        known = accounts.index if isinstance(accounts, pd.DataFrame) else list(accounts)
    checks = {"dayfirst": dayfirst, "keep_duplicates": keep_duplicates, "today": today}
    given = (columns or {}).values()
    typed_source = _typed_source(source, engine, table, names)
    if typed_source is not None:
        found, where, extra = typed_source
        own = [c for c in found.columns if c != rules.ROW and c not in extra]
        mapping = _mapping(own, columns, where)
        if _engine_typed(found, mapping):
            return validate_table(
                found, mapping, where, extra=extra, known_accounts=known, **checks
            )
    if typed_source is not None and not _parquet_file(source):  # text in a table: read it
        flat = [c for c in own if not found.schema()[c].is_nested()]
        raw = RawTable(found.select(flat).to_pandas(), where, "table")
    else:
        read = read_text_files if _text_files(source) else read_table
        raw = read(source, sep=sep, encoding=encoding, names=names, mapped=given)
        _release_unused()  # the reading's scratch (at 10M lines 1.5 GB beyond the frame read)
        mapping = _mapping(list(raw.frame.columns), columns, raw.source)
    return validate_transactions(raw, mapping, known_accounts=known, engine=engine, **checks)


def _mapping(found: list[str], columns, source: str) -> ColumnMapping:
    mapping = resolve_mapping(
        found, columns, TRANSACTION_ROLES, required=["account_id", "date"], source=source
    )
    if "revenue" not in mapping.columns and not {"quantity", "unit_price"} <= set(mapping.columns):
        missing = "unit_price" if "quantity" in mapping.columns else "revenue"
        raise MissingColumnError(missing, TRANSACTION_ROLES[missing], found, source)
    return mapping


def _typed_source(source, engine, table, names):
    """``(ibis table, name for messages, extra columns)`` for a source the engine reads
    itself (an Ibis table, a database table, Parquet files); None for a file read as text
    (CSV, Excel) by :func:`kamlab.io.files.read_table`. The table holds the source's
    columns, its row number (``_kl_row``) where the engine knows one, and the extra columns
    (the file of each row, for several Parquet files): kept in the quarantine, not part of
    a line."""
    import ibis.expr.types as ir

    if isinstance(source, ir.Table):
        return source, "the table given", []
    if is_url(source):
        if not table:
            raise InputError(f"{redact(source)}: name the table to read with --table schema.name")
        con = connect(source)
        *schema, name = table.split(".")
        try:
            found = con.table(name, database=".".join(schema) or None)
        except Exception as exc:
            raise InputError(f"{redact(source)}: no table {table!r} ({_first_line(exc)})") from exc
        return found, f"{redact(source)} table {table}", []
    if table:
        raise InputError(f"--table {table}: a table is read from a database URL, not from a file")
    if names is not None or not _parquet_files(source):
        return None
    con = connect(engine)
    path = str(source)
    if Path(path).is_dir():
        refuse_mixed(Path(path))
    files = sorted(glob.glob(_parquet_glob(path), recursive=True))
    if not files:
        raise InputError(f"{path}: no Parquet files found")
    several = Path(path).is_dir() or any(ch in path for ch in "*?[")
    # A partitioned dataset's folder names below the folder read (region=EU/...) are
    # columns on both engines; a single file, or the folders above, add none.
    base = root_of(path) if several else None
    keys = partitions(files, base) if several else [{}] * len(files)
    for file, values in zip(files, keys, strict=True):
        refuse_partition_clash(file, values, [f.name for f in parquet_fields(Path(file))])
    if engine in (None, "duckdb"):
        found = con.read_parquet(
            _parquet_glob(path), file_row_number=True, filename=several, hive_partitioning=several
        )
        found = found.mutate(**{rules.ROW: found.file_row_number + 1}).drop("file_row_number")
        # DuckDB also reads the key=value folders above the one given: not columns
        above = [c for c in key_values(base.parts if base else ()) if c in found.columns]
        found = found.drop(*above) if above else found
    else:
        found = _spark_parquet(con, files, base)
    return found, path, ["filename"] if several else []


def _spark_parquet(con, files: list[str], base: Path | None):
    """The Parquet ``files`` on Spark with each row's number in its file (``_kl_row``, from
    Spark's hidden ``_metadata.row_index``) and, when there are several (read from the
    folder ``base``, whose partition folders below become columns), its file
    (``filename``, the path as DuckDB gives it): the quarantine then says where each
    rejected row is, as on DuckDB."""
    from pyspark.sql import functions as F

    reader = con._session.read
    if base is not None:
        reader = reader.option("basePath", str(base))
    frame = reader.parquet(*files)
    extra = [(F.col("_metadata.row_index") + 1).alias(rules.ROW)]
    if base is not None:  # file:///a%20b/x.parquet -> /a b/x.parquet
        where = F.regexp_replace(F.col("_metadata.file_path"), "^file:(//)?", "")
        extra.append(F.url_decode(where).alias("filename"))
    name = f"kamlab_parquet_{uuid.uuid4().hex}"
    frame.select("*", *extra).createOrReplaceTempView(name)
    return con.table(name)


def _parquet_files(source) -> bool:
    """True for a Parquet file, a folder of Parquet files, or a glob of them."""
    text = str(source)
    path = Path(text)
    if any(ch in text for ch in "*?["):
        return Path(text).suffix.lower() in PARQUET_SUFFIXES
    if path.is_dir():  # nested folders too: a partitioned dataset (region=EU/part-0.parquet)
        return any(p.suffix.lower() in PARQUET_SUFFIXES for p in files_of(path))
    return path.suffix.lower() in PARQUET_SUFFIXES and path.is_file() and path.stat().st_size > 0


def _text_files(source) -> bool:
    """True for a folder (of text files: Parquet ones go to the engine) or a glob that is
    not itself a file's name: several files of delimited text, read as one."""
    if not isinstance(source, (str, Path)) or is_url(source) or Path(source).is_file():
        return False
    return Path(source).is_dir() or is_glob(source)


def _parquet_file(source) -> bool:
    """True for one Parquet file (which :func:`kamlab.io.files.read_table` reads itself
    when its columns are not typed as their roles need)."""
    if not isinstance(source, (str, Path)) or is_url(source):
        return False
    path = Path(source)
    return path.suffix.lower() in PARQUET_SUFFIXES and path.is_file()


def _parquet_glob(path: str) -> str:
    return str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _engine_typed(found, mapping: ColumnMapping) -> bool:
    """True when every mapped column has the engine type its role needs (dates, numbers,
    ids as text or integers) and none holds several values per cell: then the engine types
    the table; else pandas reads it (and names a nested column)."""
    schema = found.schema()
    if any(kind.is_nested() for kind in schema.values()):
        return False
    for role, col in mapping.columns.items():
        kind = schema[col]
        if role == "date" and not kind.is_temporal():
            return False
        if role in rules.AMOUNT_ROLES and not (kind.is_integer() or kind.is_floating()):
            return False
        if role in _STRING_ROLES and not (kind.is_string() or kind.is_integer()):
            return False
    return True


def _today(today) -> dt.date:
    return (pd.Timestamp(today) if today is not None else pd.Timestamp.now()).date()


def validate_table(
    found,
    mapping: ColumnMapping,
    source: str,
    *,
    extra: list[str] = (),
    known_accounts: Iterable[str] | None = None,
    dayfirst: bool = False,
    keep_duplicates: bool = False,
    today: str | pd.Timestamp | None = None,
) -> Transactions:
    """Validate a table the engine types itself (Parquet, a database table, an Ibis table):
    its columns, ``_kl_row`` when it has a row order, and ``extra`` columns shown in the
    quarantine but not compared by the ``duplicate_line`` rule."""
    del dayfirst  # typed dates have no day/month order to choose
    cols = mapping.columns
    own = [c for c in found.columns if c != rules.ROW and c not in extra]
    probed = rules.probe(found, cols)
    typed = rules.typed_in_engine(found, cols)
    words = "typed dates"
    if getattr(found.schema()[cols["date"]], "timezone", None):
        words += "; times with time zones converted to UTC"
    judging = _judging(cols, own, known_accounts, keep_duplicates, today, files=extra)
    cancelled = rules.marks_cancellations(probed["cancelled"])
    if rules.ROW in found.columns:
        # numbered rows: the accepted lines are the source less the rejected rows, read
        # again by each query (no copy of every line is kept, no rule evaluated again)
        rejected = rules.rejected(typed, **judging)
        accepted = _less(rules.typed_as_accepted(found, cols), rejected, files=extra)
        lines = rules.accepted_lines(accepted, cols, cancelled=cancelled)
        last = _last_line(probed["last"], rejected, cols["date"])
    else:
        # no row order to find the rejected rows by: judged once, and the accepted lines
        # kept in the engine (spilling to disk beyond its memory limit)
        judged = rules.judge(typed, **judging)
        rejected, last = judged.filter(judged._kl_reason.notnull()), None
        accepted = judged.filter(judged._kl_reason.isnull())
        lines = keep(rules.accepted_lines(accepted, cols, cancelled=cancelled))
    quarantine = _quarantine(rejected, own, extra)
    n_read = probed["rows"]
    notes = [f"dates read as {words}"]
    tx = Transactions(lines, quarantine, mapping, source, n_read, notes, n_read - len(quarantine))
    tx.last_date = last
    return tx


def _less(table, rejected, files: list[str]):
    """``table`` without the ``rejected`` rows, found by their number (and file, for rows
    numbered within several files)."""
    if files:
        at = [*files, rules.ROW]
        return table.anti_join(rejected.select(*at), at)
    return table.filter(~table[rules.ROW].isin(rejected[rules.ROW]))


def _last_line(last, rejected, date: str) -> pd.Timestamp | None:
    """The last accepted line's date: ``last``, the last date of any row, unless a rejected
    row is as late (then None: not known without a look at the lines)."""
    if last is None or pd.isna(last):
        return None
    late = rejected.filter(rejected[date].cast("timestamp") >= last).count().execute()
    return None if late else pd.Timestamp(last)


def validate_transactions(
    raw: RawTable,
    mapping: ColumnMapping,
    *,
    known_accounts: Iterable[str] | None = None,
    dayfirst: bool = False,
    keep_duplicates: bool = False,
    today: str | pd.Timestamp | None = None,
    engine: str | None = None,
) -> Transactions:
    """Type a raw table's mapped columns in pandas (dates, decimal marks, ids), then apply
    the validation rules in the engine.

    The typed columns go to the engine as one Arrow table (text stays Arrow-backed, no
    Python strings), registered only while the rules run; the accepted lines are kept
    there (:func:`kamlab.io.engine.keep`) and only the rejected rows' positions, reasons and
    details come back, for the quarantine. At 1M lines this halves the peak memory of
    pulling every line back to pandas. ``raw``'s frame is emptied once the rejected rows
    are taken from it (at 10M lines 0.9 GB that the kept lines need not wait for)."""
    frame = raw.frame
    cols = mapping.columns
    typed, notes = _typed_text(raw, cols, dayfirst=dayfirst, keep_duplicates=keep_duplicates)
    share = None
    if "order_id" in cols:
        orders = pd.Series(typed[rules.typed("order_id")], copy=False)
        share = orders.str.startswith("C").fillna(False).mean()
    arrow = pa.table({name: _arrow(values) for name, values in typed.items()})
    del typed
    _release_unused()
    with _registered(arrow) as table:
        del arrow
        date = rules.typed("date")  # microseconds, as the engine keeps timestamps
        table = table.mutate(**{date: table[date].cast("timestamp")})
        judged = rules.judge(table, **_judging(cols, [], known_accounts, keep_duplicates, today))
        ok = judged._kl_reason.isnull()
        rejected = judged.filter(~ok).select(_AT, *_JUDGED).to_pandas()
        quarantine = _text_quarantine(rejected, frame)
        n_accepted = len(frame) - len(rejected)
        _, quarantine, n_read = account_for(raw, pd.DataFrame(), quarantine)
        # the text as read is done with: let it go before the lines are kept
        raw.frame = frame = frame.iloc[:0]
        _release_unused()
        cancelled = rules.marks_cancellations(share)
        accepted = rules.accepted_lines(judged.filter(ok), cols, cancelled=cancelled)
        con = connect(engine)
        data = None
        if con is connect():  # validated once and kept in the engine
            lines = keep(accepted)
        else:  # typed in this process's DuckDB, then handed to the engine
            data = _as_frame(accepted)
            lines = _load(con, data)
    _release_unused()
    tx = Transactions(lines, quarantine, mapping, raw.source, n_read, raw.notes + notes, n_accepted)
    tx._data = data
    return tx


@contextlib.contextmanager
def _registered(arrow: pa.Table):
    """``arrow`` as a table of this process's DuckDB while the block runs (read where it
    is, not copied), then forgotten: unlike an ``ibis.memtable``, which the engine's cache
    of the kept lines would hold on to (and with it the typed columns) for the whole run."""
    con = connect()
    name = f"kamlab_typed_{next(_names)}"
    con.con.register(name, arrow)
    try:
        yield con.table(name)
    finally:
        con.con.unregister(name)


def _release_unused() -> None:
    """Hand Arrow's freed memory back to the system (its allocator keeps it otherwise, and a
    report run's peak counts it)."""
    pa.default_memory_pool().release_unused()


def _typed_text(
    raw: RawTable, cols: dict[str, str], *, dayfirst: bool, keep_duplicates: bool
) -> tuple[dict[str, object], list[str]]:
    """A text table's mapped columns typed for the rules (ids, dates, amounts, their flags
    and the values as written where unread), by column name, and notes on how they were
    read."""
    frame = raw.frame
    notes = []
    if raw.encoding and raw.encoding != "utf-8":
        notes.append(f"the file is not valid UTF-8; read as {raw.encoding}")
    for role in ("order_id", "product_id"):  # typed ids that cannot be exact: refused
        if role in cols:
            check_id_type(frame[cols[role]], raw.source)
    at = np.arange(1, len(frame) + 1)
    typed = {rules.ROW: at if raw.rows is None else raw.rows.astype("int64"), _AT: at}
    if not keep_duplicates:  # exact, on the text as read; first, while little else is held
        typed[rules.REPEATED] = _repeats(frame)
    typed[rules.OVERSIZED] = _oversized(frame, cols)
    for role in ("account_id", "order_id", "product_id"):
        if role in cols:
            typed[rules.typed(role)] = parse_ids(frame[cols[role]], source=raw.source).array
    if "account_name" in cols:
        names = frame[cols["account_name"]].astype("string").str.strip()
        typed[rules.typed("account_name")] = names.mask(names.eq("")).array
    dates, date_format, out_of_range = parse_dates(frame[cols["date"]], dayfirst=dayfirst)
    notes.append(f"dates read as {date_format}")
    typed[rules.typed("date")] = dates.to_numpy()
    typed[rules.bad("date")] = dates.isna().to_numpy()
    typed[rules.text("date")] = _written(frame[cols["date"]], dates.isna())
    typed[rules.DATE_OUT_OF_RANGE] = out_of_range.to_numpy()
    del dates, out_of_range
    for role in rules.AMOUNT_ROLES:
        if role not in cols:
            continue
        values = frame[cols[role]]
        mark = decimal_mark(values)
        if mark == "decimal comma":
            notes.append(f"{cols[role]} uses a decimal comma")
        elif mark == "thousands commas":
            notes.append(f"{cols[role]}: thousands separated by commas")
        numbers = parse_numbers(values, decimal_comma=mark == "decimal comma")
        unread = numbers.isna()
        if role in rules.COST_ROLES:
            unread &= ~is_blank(values)  # an empty cost is unknown, not wrong
        typed[rules.typed(role)] = numbers.to_numpy()
        typed[rules.bad(role)] = unread.to_numpy()
        typed[rules.text(role)] = _written(values, unread)
    return typed, notes


def _repeats(frame: pd.DataFrame) -> np.ndarray:
    """True on a row that repeats an earlier row exactly (``DataFrame.duplicated``), found
    by hashing each row first and comparing only the rows whose hash occurs twice: at 1M
    lines the same answer with half the memory of factorising every column at once."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    maybe = pd.Series(hashed, copy=False).duplicated(keep=False).to_numpy()
    repeats = np.zeros(len(frame), dtype=bool)
    repeats[maybe] = frame.loc[maybe].duplicated(keep="first").to_numpy()
    return repeats


def _arrow(values) -> pa.Array | pa.ChunkedArray:
    """A typed column as Arrow, as pandas would hand it to the engine: NaN and NaT are
    null; text is Arrow text with 4-byte offsets where it fits (an Arrow-backed pandas
    array's characters are not copied)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if not isinstance(values, pd.api.extensions.ExtensionArray):
        return pa.array(values, from_pandas=True)
    array = pa.array(values)
    if pa.types.is_large_string(array.type) and array.nbytes < 2**31 - 1:
        array = array.cast(pa.string())
    return array


def _judging(cols, source_columns, known_accounts, keep_duplicates, today, files=()) -> dict:
    """The arguments of :func:`kamlab.io.rules.judge` (``files``: the column naming each
    row's file, for rows numbered within several files)."""
    known = None
    if known_accounts is not None:
        ids = parse_ids(pd.Series(list(known_accounts), dtype=object)).dropna()
        known = ibis.memtable(pd.DataFrame({"account_id": ids.astype("string")}))["account_id"]
    return dict(
        cols=cols,
        source_columns=source_columns,
        files=files,
        keep_duplicates=keep_duplicates,
        today=_today(today),
        known_accounts=known,
    )


def _oversized(frame: pd.DataFrame, cols: dict[str, str]) -> pa.Array:
    """The detail of rows whose mapped text is too long (null elsewhere), first role first."""
    detail = None
    for role in reversed(rules.TEXT_ROLES):
        if role in cols and not pd.api.types.is_numeric_dtype(frame[cols[role]]):
            lengths = frame[cols[role]].astype("string").str.len().fillna(0).to_numpy()
            long = lengths > rules.MAX_FIELD_CHARS
            if long.any():
                if detail is None:
                    detail = np.full(len(frame), None, dtype=object)
                detail[long] = rules.oversized_detail(role, cols)
    if detail is None:  # the common case: no buffer of a million nulls' offsets
        return pa.nulls(len(frame), pa.string())
    return pa.array(detail, type=pa.string())


def _written(values: pd.Series, where: pd.Series) -> pa.Array:
    """The values as written where ``where`` holds (for the quarantine's detail), else null:
    only the few rows that need it carry text into the engine (none: a column of nulls)."""
    where = where.to_numpy(dtype=bool)
    if not where.any():
        return pa.nulls(len(values))
    shown = values.astype("string").where(where)
    return _arrow(shown.str.slice(0, 80).array)


def _text_quarantine(judged: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """A text file's rejected rows exactly as read, led by ``row`` (their position in the
    raw frame: :func:`account_for` numbers them), ``reason`` and ``detail``."""
    at = judged[_AT].to_numpy(dtype="int64")
    order = np.argsort(at, kind="stable")
    out = frame.iloc[at[order] - 1].astype("string").reset_index(drop=True)
    out.insert(0, "detail", judged["_kl_detail"].astype(object).to_numpy()[order])
    out.insert(0, "reason", judged["_kl_reason"].astype(object).to_numpy()[order])
    out.insert(0, "row", at[order])
    return out


def _quarantine(rejected, own: list[str], files: list[str] = ()) -> pd.DataFrame:
    """A typed table's rejected rows, their columns as text, led by ``row``, ``reason`` and
    ``detail``, then the file of each row (``files``) when there are several, in file and
    row order."""
    shown = [*own, *files]
    as_text = {c: rejected[c].cast("string") for c in shown}
    found = rejected.select(
        row=rules.row_number(rejected),
        reason=rejected._kl_reason,
        detail=rejected._kl_detail,
        **as_text,
    )
    out = found.order_by([*files, "row", "reason"]).to_pandas()
    return out.astype({c: "string" for c in shown})
