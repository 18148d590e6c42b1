"""``kamlab report``: the period's report from the analysis notebooks."""

from __future__ import annotations

from kamlab.cli.options import (
    add_command,
    add_config,
    add_cost_rates,
    add_out,
    passed,
    reading_options,
    source_options,
)

_EPILOG = """
    example:
      kamlab report --period 2026Q3 --transactions data/sample/transactions.csv \\
          --accounts data/sample/accounts.csv \\
          --previous-accounts data/sample/accounts_previous.csv \\
          --plans data/sample/plans --contacts data/sample/contacts.csv --out reports

    With --plans (the folder kamlab plans init wrote, edited by the account teams) the
    executive summary and each key account's page show plan against actual; with
    --contacts each key account's page shows its contact map.
"""


def cmd_report(args) -> None:
    """run the report notebooks for a period into reports/<period>/

    Execute the analysis notebooks with papermill for one period and publish them as one
    report, reports/<period>/index.html, report.pdf and summary.xlsx (code hidden),
    atomically: a failed run leaves the previous report in place.
    """
    from kamlab.report import run_report

    columns, read_options = reading_options(args)
    files = passed(
        args, "accounts", "previous_accounts", "out", "cost_rates", "jobs", "plans", "contacts"
    )
    path = run_report(
        args.period,
        args.input,
        columns=columns,
        read_options={**read_options, **source_options(args)},
        criteria=args.config,
        **files,
    )
    print(f"report: {path}")
    for name in ("index.html", "report.pdf", "summary.xlsx"):
        print(f"  {path / name}")


def add_commands(sub, inputs) -> None:
    """Add ``kamlab report``."""
    p = add_command(sub, cmd_report, inputs, _EPILOG, explain_columns=True)
    p.add_argument(
        "--period", required=True, help="2026Q3 (quarter), 2026-09 (month) or 2026 (year)"
    )
    p.add_argument(
        "--transactions",
        dest="input",
        required=True,
        metavar="FILE",
        help="transactions file (or folder or glob of CSV or Parquet files), or a database URL with "
        "--table",
    )
    p.add_argument(
        "--previous-accounts",
        metavar="FILE",
        help="the accounts table of the previous period: relationships whose stage "
        "indicators fell show as Declining, and the movement since then uses its scores",
    )
    p.add_argument(
        "--plans",
        metavar="DIR",
        help="the key account plans (kamlab plans init): plan against actual in the report",
    )
    p.add_argument(
        "--contacts",
        metavar="FILE",
        help="the contacts file (kamlab contacts): a contact map on every key account's page",
    )
    add_config(p)
    add_cost_rates(p)
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="notebooks run at once (default $KAMLAB_REPORT_JOBS, else 2, and 1 above 500,000 "
        "accepted lines); 1 uses least memory",
    )
    add_out(p, "reports folder (default reports)", metavar=None, default="reports")
