"""The options the ``kamlab`` commands share, each written once.

A command module builds its parser with :func:`add_command` and the ``add_*`` helpers
here, and reads its input with :func:`read_input` / :func:`read_input_for`. Dates
(``--today``, ``--until``, ``--period``) are parsed by :func:`parse_date` alone.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import textwrap
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from kamlab.errors import ConfigError

RAW = argparse.RawDescriptionHelpFormatter

INPUT_FILE_HELP = (
    "CSV, TXT, Parquet or XLSX file, a folder or glob of CSV or Parquet files, or a database URL "
    "(postgresql://user@host:5432/db) with --table"
)

EPILOG_INPUT = """
Columns: kamlab recognises common names (CustomerID, Customer ID, InvoiceDate,
InvoiceNo, Quantity, UnitPrice, Price, ...) and prints the mapping it chose.
Name yours with --column ROLE=COLUMN (repeatable) or --columns-file map.yaml.
Roles: account_id, date (required); revenue, or quantity and unit_price
(required); order_id, product_id, unit_cost, cost, gross_margin, account_name.
"""
"""The epilog part that explains the column options (``validate``, ``summarize``, ``report``)."""


# --------------------------------------------------------------------------- parsers


def add_command(
    subparsers,
    func: Callable,
    inputs: argparse.ArgumentParser | None = None,
    epilog: str | None = None,
    *,
    explain_columns: bool = False,
) -> argparse.ArgumentParser:
    """The sub-command ``func`` runs (``cmd_NAME`` -> ``kamlab NAME``).

    The first line of ``func``'s docstring is the command's one-line help, its second
    paragraph the description; ``epilog`` (dedented) follows the options, after
    :data:`EPILOG_INPUT` when ``explain_columns``. ``inputs`` (:func:`input_options`)
    adds the reading options of a command that reads a transactions file.
    """
    help, _, rest = inspect.cleandoc(func.__doc__ or "").partition("\n\n")
    description = " ".join(rest.split("\n\n")[0].split()) or None
    if epilog is not None:
        epilog = (EPILOG_INPUT if explain_columns else "") + textwrap.dedent(epilog)
    p = subparsers.add_parser(
        func.__name__.removeprefix("cmd_"),
        parents=[inputs] if inputs is not None else [],
        formatter_class=RAW,
        help=help or None,
        description=description,
        epilog=epilog,
    )
    p.set_defaults(func=func)
    return p


def input_options() -> argparse.ArgumentParser:
    """The parent parser of every command that reads a transactions file."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("reading the input")
    g.add_argument(
        "--column",
        action="append",
        metavar="ROLE=COLUMN",
        default=[],
        help="use COLUMN of the file for ROLE (repeatable), e.g. account_id='Customer ID'",
    )
    g.add_argument("--columns-file", metavar="YAML", help="a YAML file of 'role: column' pairs")
    g.add_argument(
        "--names",
        metavar="A,B,C",
        help="column names, comma separated (for a file without a header line)",
    )
    g.add_argument(
        "--sep", help="field separator; sniffed when omitted ('whitespace' for runs of blanks)"
    )
    g.add_argument("--encoding", help="text encoding; UTF-8, else latin-1, when omitted")
    g.add_argument(
        "--dayfirst",
        action="store_true",
        help="read ambiguous dates (every day and month 12 or less) day-first: 01/02/2026 "
        "as 1 February (default 2 January); a column with a day above 12 decides itself",
    )
    g.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="keep lines that repeat an earlier line exactly (default: quarantine them)",
    )
    g.add_argument(
        "--today",
        metavar="DATE",
        type=date_option,
        help="quarantine dates after DATE as date_in_future (default: the day of the run); "
        "give it to make a rerun validate exactly as the first run did",
    )
    g.add_argument(
        "--accounts",
        metavar="FILE",
        help="accounts table; transactions of accounts not in it are quarantined",
    )
    g.add_argument(
        "--quarantine",
        metavar="FILE",
        help="write quarantined rows here (default: beside --out, *_quarantine.csv)",
    )
    add_engine_options(p)
    return p


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """``--engine`` and ``--table`` (checked by :func:`check_source`)."""
    from kamlab.io.engine import ENGINES  # the module imports no engine: --help stays fast

    g = p.add_argument_group("engine and database tables")
    g.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="what validates and summarises the lines of a file: duckdb (embedded, the "
        "default) or spark (a SparkSession: local[N], or the cluster SPARK_MASTER or "
        "SPARK_CONF_DIR names; pip install 'kamlab[spark]')",
    )
    g.add_argument(
        "--table",
        metavar="SCHEMA.NAME",
        help="the table of order lines when TRANSACTIONS is a database URL, e.g. "
        "postgresql://user@host:5432/db --table public.order_lines; it runs in that "
        "database; the password comes from PGPASSWORD or ~/.pgpass, never the URL",
    )


def add_input(
    p: argparse.ArgumentParser, metavar: str = "TRANSACTIONS", help: str = INPUT_FILE_HELP
) -> None:
    """The positional input file."""
    p.add_argument("input", metavar=metavar, help=help)


def add_until(
    p: argparse.ArgumentParser,
    help: str = "last day of the window (default: last date in the data)",
) -> None:
    """``--until DATE`` (read with :func:`until_date`)."""
    p.add_argument("--until", metavar="DATE", help=help)


def add_out(
    p: argparse.ArgumentParser, help: str, *, metavar: str | None = "FILE.csv", default=None
) -> None:
    """``--out``: required unless it has a ``default``."""
    p.add_argument("--out", required=default is None, default=default, metavar=metavar, help=help)


def add_number(
    p: argparse.ArgumentParser, flag: str, default: float, metavar: str, help: str
) -> None:
    """A number option with a default (an int or a float, as ``default`` is)."""
    p.add_argument(flag, type=type(default), default=default, metavar=metavar, help=help)


def check_config_files(args: argparse.Namespace) -> None:
    """Read ``--config`` and ``--cost-rates`` when given, and check the source
    (:func:`check_source`), so that a mistake stops the run (a one-line
    :class:`~kamlab.errors.ConfigError`) before any data is read."""
    check_source(args)
    if getattr(args, "config", None):
        from kamlab.portfolio.criteria import load_criteria

        load_criteria(args.config)
    if getattr(args, "cost_rates", None):
        from kamlab.value.pnl import load_cost_rates

        load_cost_rates(args.cost_rates)


def check_source(args: argparse.Namespace) -> None:
    """A database URL as the input comes with ``--table`` and without a password (it
    would land in the shell history and the report), and runs in its database (no
    ``--engine spark``); ``--table`` comes with a URL."""
    if not hasattr(args, "table") or getattr(args, "input", None) is None:
        return
    from kamlab.io.engine import is_url, refuse_password

    source, table = args.input, args.table
    if not is_url(source):
        if table is not None:
            raise ConfigError(
                f"--table {table}: only with a database URL as the transactions, e.g. "
                f"postgresql://user@host:5432/db --table {table}; {source} is a file"
            )
        return
    refuse_password(source)
    if not table:
        raise ConfigError(
            f"{source}: a database URL needs --table SCHEMA.NAME, the table of order lines "
            "(e.g. --table public.order_lines)"
        )
    parts = table.split(".")
    if len(parts) > 3 or not all(part.strip() for part in parts):
        raise ConfigError(
            f"--table {table!r}: expected NAME or SCHEMA.NAME, e.g. public.order_lines"
        )
    if args.engine != "duckdb":
        raise ConfigError(
            f"--engine {args.engine}: a database table is validated and summarised in its own "
            "database; leave --engine out"
        )


def add_config(p: argparse.ArgumentParser) -> None:
    """``--config YAML``: the selection criteria and portfolio rules."""
    p.add_argument(
        "--config",
        metavar="YAML",
        help="selection criteria and portfolio rules (a copy of kamlab/portfolio/criteria.yaml)",
    )


def add_cost_rates(p: argparse.ArgumentParser) -> None:
    """``--cost-rates YAML``, the same on every command that computes a customer P&L."""
    p.add_argument(
        "--cost-rates",
        metavar="YAML",
        help="cost-to-serve rates (a copy of kamlab/cost_to_serve.yaml with your figures; "
        "keys left out keep the defaults)",
    )


def add_period_or_until(p: argparse.ArgumentParser) -> None:
    """``--period`` or ``--until`` (read with :func:`period_end`)."""
    p.add_argument(
        "--period", metavar="PERIOD", help="2026Q3, 2026-09 or 2026: use data to its end"
    )
    add_until(p, "or: last day of the data used")


# --------------------------------------------------------------------------- values


def parse_date(text) -> str:
    """A date as ``YYYY-MM-DD``; ``ValueError`` when ``text`` is not one."""
    import pandas as pd

    try:
        return str(pd.Timestamp(text).date())
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a date such as 2026-09-30") from None


def date_option(text: str) -> str:
    """``type=`` of a date option that argparse itself refuses (``--today``)."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def until_date(text: str | None) -> str | None:
    """``--until`` as ``YYYY-MM-DD`` (None when not given); a :class:`ConfigError` otherwise."""
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise ConfigError(f"--until {text!r}: expected a date such as 2026-09-30") from None


def period_end(args, transactions=None) -> str | None:
    """The last day of ``--period`` or ``--until`` (not both), or None. Given the lines
    read, ``--period`` ends on their last day when they end before it does, as in the
    report (:func:`kamlab.workflows.covered_until`; a note says so), and a period they end
    before is refused."""
    from kamlab.periods import parse_period

    period, until = getattr(args, "period", None), getattr(args, "until", None)
    if period and until:
        raise ConfigError("give --period or --until, not both")
    if not period:
        return until_date(until)
    end = str(parse_period(period).end.date())
    if transactions is None:
        return end
    from kamlab.workflows import covered_until

    until = covered_until(transactions, end, period)
    if until != end:
        print_notes([f"the data end on {until}, before {period} does: figures are to {until}"])
    return until


def passed(args, *names: str) -> dict:
    """The arguments ``names`` as keyword arguments of the same names."""
    return {name: getattr(args, name) for name in names}


def comma_list(text: str | None, *, keep_empty: bool = False) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]`` (empty items dropped unless ``keep_empty``)."""
    if text is None:
        return []
    items = [item.strip() for item in text.split(",")]
    return items if keep_empty else [item for item in items if item]


# --------------------------------------------------------------------------- reading


def reading_options(args) -> tuple[dict[str, str], dict]:
    """The column mapping and the reading options the command line asks for."""
    from kamlab.io import load_mapping_file, parse_column_options

    columns = load_mapping_file(args.columns_file) if args.columns_file else {}
    columns.update(parse_column_options(args.column))
    options = {"dayfirst": args.dayfirst, "keep_duplicates": args.keep_duplicates}
    if args.sep and args.sep != "whitespace":
        options["sep"] = args.sep.encode().decode("unicode_escape")  # "\t" -> tab
    if args.encoding:
        options["encoding"] = args.encoding
    if args.names:
        options["names"] = comma_list(args.names, keep_empty=True)
    if args.today:
        options["today"] = args.today
    return columns, options


def source_options(args) -> dict:
    """``engine`` and ``table`` for ``read_transactions``, when the command line names them
    (the default engine is left out)."""
    options = {}
    if args.engine != "duckdb":
        options["engine"] = args.engine
    if args.table:
        options["table"] = args.table
    return options


def read_input(args) -> tuple:
    """Read accounts (if given) and transactions as the options say."""
    from kamlab.io import read_accounts, read_transactions

    columns, options = reading_options(args)
    accounts = read_accounts(args.accounts) if args.accounts else None
    tx = read_transactions(
        args.input,
        columns,
        accounts=accounts.data if accounts else None,
        **options,
        **source_options(args),
    )
    return tx, accounts


def read_input_for(args, out: Path) -> tuple:
    """:func:`read_input`, then :func:`report_and_quarantine` beside ``out``."""
    period_end(args)  # a wrong --period or --until stops the run before the read
    tx, accounts = read_input(args)
    report_and_quarantine(tx, args, out)
    return tx, accounts


def read_accounts_table(path):
    """The accounts table of a file (``--previous-accounts``), or None without one."""
    from kamlab.io import read_accounts

    return read_accounts(path).data if path else None


def report_and_quarantine(table, args, out: Path) -> None:
    """The read report on stderr, and the quarantine written beside ``out``
    (``<out>_quarantine.csv``) unless ``--quarantine`` says where."""
    print(table.report(), file=sys.stderr)
    write_quarantine(table, args, quarantine_path(out))


def quarantine_path(out: Path) -> Path:
    """Where the quarantine goes by default: ``<out>_quarantine.csv`` beside ``out``."""
    return out.with_name(out.stem + "_quarantine.csv")


def write_quarantine(table, args, default: Path | None) -> None:
    """Quarantined rows to ``--quarantine`` (else ``default``; nowhere when both are None)."""
    from kamlab.safe import write_csv

    target = Path(args.quarantine) if args.quarantine else default
    if target is not None and len(table.quarantine):
        write_csv(table.quarantine, target, index=False)
        print(f"quarantine: {len(table.quarantine):,} rows -> {target}", file=sys.stderr)


def print_notes(notes) -> None:
    """Each note on stderr as ``note: ...``."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


@contextmanager
def figure(path: str | Path, *, note: bool = True, **subplots):
    """A new figure's ``(fig, axes)`` (``plt.subplots(**subplots)``, no display needed),
    written to ``path`` atomically when the block ends (format from the suffix, PNG by
    default), then closed; ``note`` prints where it went."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlab.safe import atomic_path

    path = Path(path)
    fig, axes = plt.subplots(**subplots)
    try:
        yield fig, axes
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight", format=path.suffix[1:] or "png")
    finally:
        plt.close(fig)
    if note:
        print(f"chart: {path}", file=sys.stderr)
