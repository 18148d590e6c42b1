"""``kamlab segment``: segment the accounts of a transactions file or a feature table."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from kamlab.cli.options import (
    add_command,
    add_input,
    add_number,
    add_out,
    add_until,
    comma_list,
    read_input,
    reading_options,
    report_and_quarantine,
    until_date,
)
from kamlab.errors import ConfigError, InputError, MissingColumnError

_EPILOG = """
INPUT is either
  - transactions (one line per order line): summarised per account first, with the
    features of kamlab.segment.account_features (--column maps its columns), or
  - a ready account-by-feature table, one row per account: used when --id names its
    id column, or when the file has no date column. Its numeric columns are the
    features unless --features names them.

k: 'auto' fits k = 2..10 and takes the highest Calinski-Harabasz index (KMeans) or
the lowest BIC (--method gmm); the scores of every k and the bootstrap stability
(adjusted Rand index of the segments over resamples) are printed. Segments are
numbered by revenue per year, largest first, and named from their profile.

Output: --out gets account_id, segment, segment_name; --profiles one row per
segment (size, shares of revenue and margin, medians, what sets it apart).

examples:
  kamlab segment data/sample/transactions.csv --out segments.csv
  kamlab segment online_retail.parquet --k 4 --seed 1 --out segments.csv \\
      --profiles profiles.csv
  kamlab segment accounts_features.csv --id customer --features spend,visits,tenure \\
      --out segments.csv
"""


def parse_k(text: str | int) -> int | str:
    """``"auto"`` or a whole number >= 2."""
    value = str(text).strip().lower()
    if value == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        raise ConfigError(f"--k {text!r}: expected 'auto' or a whole number >= 2") from None
    if k < 2:
        raise ConfigError(f"--k {text!r}: expected 'auto' or a whole number >= 2")
    return k


def _features_of(args, out: Path, until: str | None):
    """The feature table the arguments ask for, and a line saying where it came from."""
    from kamlab.io.tables import read_feature_table
    from kamlab.segment.features import account_features

    _, options = reading_options(args)
    if not args.id:
        try:
            tx, _ = read_input(args)
        except MissingColumnError as exc:
            if exc.role == "account_id":
                raise InputError(
                    f"{exc} For a ready account-by-feature table, name its id column with "
                    "--id COLUMN."
                ) from exc
            if exc.role != "date":
                raise
        else:
            report_and_quarantine(tx, args, out)
            features = account_features(tx, until=until)
            return features, f"transactions, summarised until {features.attrs['until']}"
    table = read_feature_table(args.input, args.id, **options)
    report_and_quarantine(table, args, out)
    if table.data.empty:
        raise InputError(f"{args.input}: no account rows left to segment")
    return table.data, "account-by-feature table"


def cmd_segment(args) -> None:
    """segment accounts into named segments (k chosen automatically or fixed)

    Segment accounts: choose k, fit, number the segments by revenue, name them from
    their profiles and measure their stability.
    """
    from kamlab.presentation.segments import describe_segments
    from kamlab.safe import write_csv
    from kamlab.segment.model import Segmenter, StabilityWarning

    k = parse_k(args.k)
    if args.bootstrap < 0:
        raise ConfigError(f"--bootstrap {args.bootstrap}: expected 0 or more resamples")
    until = until_date(args.until)
    out = Path(args.out)
    features, source = _features_of(args, out, until)
    seg = Segmenter(
        k=k,
        features=comma_list(args.features) if args.features is not None else None,
        method=args.method,
        n_bootstrap=args.bootstrap,
        random_state=args.seed,
        progress=None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StabilityWarning)  # printed with the notes
        seg.fit(features)
    labels = seg.label().rename_axis("account_id")
    write_csv(labels, out)
    if args.profiles:
        write_csv(seg.profiles_, args.profiles)
    print(f"input: {args.input} ({source}), seed {args.seed}")
    print(describe_segments(seg))
    print(f"accounts: {len(labels):,} -> {out}", file=sys.stderr)
    if args.profiles:
        print(f"profiles: {len(seg.profiles_)} segments -> {args.profiles}", file=sys.stderr)


def add_commands(sub, inputs) -> None:
    """Add ``kamlab segment``."""
    p = add_command(sub, cmd_segment, inputs, _EPILOG)
    add_input(p, "INPUT", "transactions or feature table (CSV, Parquet, XLSX)")
    p.add_argument(
        "--id",
        metavar="COL",
        help="INPUT is an account-by-feature table and COL is its account id column",
    )
    p.add_argument(
        "--features",
        metavar="A,B,C",
        help="segmentation features, comma separated (default: purchases_per_month, "
        "order_value, lines_per_order, margin_share for transactions; every numeric column "
        "of a feature table)",
    )
    p.add_argument("--k", default="auto", help="number of segments, or 'auto' (default)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--method",
        choices=["kmeans", "gmm"],
        default="kmeans",
        help="KMeans (default) or a Gaussian mixture",
    )
    add_number(
        p, "--bootstrap", 20, "N", "bootstrap resamples for the stability (default 20; 0 to skip)"
    )
    add_until(p, "last day of the window (transactions; default: last date)")
    add_out(p, "account_id, segment, segment_name")
    p.add_argument("--profiles", metavar="FILE.csv", help="also write the segment profiles here")
