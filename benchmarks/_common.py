"""Shared helpers for the benchmarks: data sets, peak memory, timing.

Importing this module needs only the standard library, so that a benchmark's
child process can run in another environment (lifetimes' own venv); numpy,
pandas and DuckDB are imported inside the functions that use them.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "_data"
REFERENCE = Path(os.environ.get("KAMLAB_REFERENCE_DATA", ROOT.parent / "shared" / "data"))
ONLINE_RETAIL = REFERENCE / "online_retail" / "online_retail_2010_2011.parquet"

GENERATOR_VERSION = 1
"""Bumped whenever :func:`generate_log` changes, so stale files are not reused."""


# --------------------------------------------------------------------------- sizes


def parse_size(text: str) -> int:
    """``"1M"`` -> 1_000_000, ``"250k"`` -> 250_000, ``"5000"`` -> 5000."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r}: expected e.g. 1M, 250k or 5000")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- memory


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        match = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    return _status_kb("VmRSS") / 1024


def reset_peak() -> bool:
    """Reset this process's peak resident memory (Linux ``clear_refs`` 5); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak resident memory of this process since start or the last :func:`reset_peak`, in MiB."""
    hwm = _status_kb("VmHWM")
    if hwm:
        return hwm / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Step:
    """Wall time and memory of one measured step (best time over the repeats)."""

    seconds: float  # wall time
    cpu: float  # CPU time of the process, all threads (less disturbed by other load)
    peak_mb: float  # process peak resident memory during the step
    extra_mb: float  # peak minus resident memory when the step started

    def as_dict(self) -> dict:
        return {
            "seconds": self.seconds,
            "cpu": self.cpu,
            "peak_mb": self.peak_mb,
            "extra_mb": self.extra_mb,
        }


def measure(fn, repeat: int = 1, budget: float | None = None):
    """Run ``fn()`` up to ``repeat`` times; return ``(last result, Step)`` with the best times.

    Wall and CPU time are each the best over the runs, memory the largest peak; the
    previous result is dropped before the next run. With ``budget`` (seconds), no
    further run starts once the runs so far add up to more than it.
    """
    import gc

    best, best_cpu, peak, extra, result, spent = float("inf"), float("inf"), 0.0, 0.0, None, 0.0
    for _ in range(max(1, repeat)):
        result = None
        gc.collect()
        start_rss = rss_mb()
        reset_peak()
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        best_cpu = min(best_cpu, time.process_time() - c0)
        best = min(best, elapsed)
        run_peak = peak_mb()
        peak, extra = max(peak, run_peak), max(extra, run_peak - start_rss)
        spent += elapsed
        if budget is not None and spent > budget:
            break
    return result, Step(best, best_cpu, peak, extra)


# --------------------------------------------------------------------------- data sets


def generated_path(n_rows: int, seed: int = 0) -> Path:
    return DATA / f"log_{size_label(n_rows)}_seed{seed}_v{GENERATOR_VERSION}.parquet"


def generate_log(n_rows: int, path: Path, *, seed: int = 0, accounts: int | None = None) -> None:
    """Write a synthetic B2B order-line log of ``n_rows`` lines to ``path`` (Parquet).

    Shape, chosen to look like a real invoice-line log (Online Retail is the model):

    - ``accounts`` accounts (default one per 10 lines), every one with at least one
      line; lines per account are heavy-tailed (log-normal weights, sigma 1.5), so
      a few accounts have thousands of lines and most have a handful;
    - lines are grouped into orders of about 5 lines; each order has one timestamp
      (business hours) between the account's first day and the end of a two-year
      window (2023-01-01 .. 2024-12-31);
    - 3% of orders are returns: order id ``C...`` and negative quantities;
    - products are drawn from a Zipf-like popularity over ``rows / 50`` products,
      each with a fixed log-normal unit price; quantities are 1 + geometric.

    Columns: order_id, account_id, product_id, date (timestamp), quantity, unit_price,
    sorted by date then order. Deterministic for a given ``seed`` and size.
    """
    import duckdb
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_accounts = accounts or max(1, n_rows // 10)
    n_products = max(100, n_rows // 50)
    days = (pd.Timestamp("2024-12-31") - pd.Timestamp("2023-01-01")).days + 1

    # lines per account: heavy-tailed, at least one each
    weights = rng.lognormal(0.0, 1.5, n_accounts)
    per_account = 1 + rng.multinomial(n_rows - n_accounts, weights / weights.sum())
    account = np.repeat(np.arange(n_accounts, dtype=np.int64), per_account)

    # orders: a new order starts at an account's first line and then with p = 0.2
    first_line = np.zeros(n_rows, dtype=bool)
    first_line[np.concatenate([[0], np.cumsum(per_account)[:-1]])] = True
    new_order = first_line | (rng.random(n_rows) < 0.2)
    order = np.cumsum(new_order) - 1  # 0-based order number per line
    n_orders = int(order[-1]) + 1
    order_account = account[new_order]

    # order dates: uniform between the account's start day and the window end
    start_day = rng.integers(0, int(days * 0.8), n_accounts)[order_account]
    order_day = start_day + (rng.random(n_orders) * (days - start_day)).astype(np.int64)
    order_second = order_day * 86_400 + rng.integers(8 * 3600, 18 * 3600, n_orders)
    is_return = rng.random(n_orders) < 0.03

    # products: Zipf-like popularity, fixed price per product
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9
    product = rng.choice(n_products, size=n_rows, p=popularity / popularity.sum())
    price = np.round(rng.lognormal(1.0, 0.8, n_products), 2) + 0.01
    quantity = 1 + rng.geometric(0.3, n_rows)
    quantity = np.where(is_return[order], -quantity, quantity)

    lines = pd.DataFrame(
        {
            "order_no": order,
            "is_return": is_return[order],
            "account_no": account,
            "product_no": product,
            "second": order_second[order],
            "quantity": quantity.astype(np.int64),
            "unit_price": price[product],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    con = duckdb.connect()
    try:
        con.register("lines", lines)
        con.execute(
            f"""
            COPY (
                SELECT
                    CASE WHEN is_return THEN 'C' ELSE '' END
                        || lpad(CAST(order_no AS VARCHAR), 8, '0') AS order_id,
                    'A' || lpad(CAST(account_no AS VARCHAR), 7, '0') AS account_id,
                    'P' || lpad(CAST(product_no AS VARCHAR), 6, '0') AS product_id,
                    TIMESTAMP '2023-01-01' + to_seconds(second) AS date,
                    quantity,
                    unit_price
                FROM lines
                ORDER BY second, order_no
            ) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
            """
        )
    finally:
        con.close()
    tmp.replace(path)


def ensure_log(n_rows: int, seed: int = 0, log=print) -> Path:
    """The generated log of ``n_rows`` lines, written once under ``benchmarks/_data``."""
    path = generated_path(n_rows, seed)
    if not path.exists():
        log(f"generating {path.relative_to(ROOT)} ...")
        t0 = time.perf_counter()
        generate_log(n_rows, path, seed=seed)
        log(f"  done in {time.perf_counter() - t0:.1f}s")
    return path


# --------------------------------------------------------------------------- large data sets

CHUNKED_FROM = 20_000_000
"""Logs of more lines than this are written chunk by chunk (:func:`generate_log_chunked`)."""


def chunked_path(n_rows: int, seed: int = 0) -> Path:
    return DATA / f"log_{size_label(n_rows)}_seed{seed}_chunked_v{GENERATOR_VERSION}.parquet"


def _width(n: int, least: int) -> int:
    """Digits for ids numbered 0 .. n - 1, at least ``least`` (ids never truncate)."""
    return max(least, len(str(max(0, n - 1))))


def generate_log_chunked(
    n_rows: int,
    path: Path,
    *,
    seed: int = 0,
    chunk_rows: int = 4_000_000,
    log=None,
) -> None:
    """Write the log of :func:`generate_log` in blocks of accounts, for logs too big for memory.

    Same shape (one account per 10 lines with log-normal lines per account, orders of
    about 5 lines, 3% return orders, Zipf-like products over ``rows / 50`` products with
    fixed prices, a two-year window, microsecond timestamps) and the same columns, but
    drawn block by block: the accounts are cut into blocks of about ``chunk_rows``
    lines, each block's lines are drawn from its own seeded generator, sorted by date
    and order and appended to the file with pyarrow's ``ParquetWriter``. So memory
    stays about one block plus a few arrays per account (1.85 GB at 100M lines), and
    the file is sorted by date within each block, not across the whole file (a block
    is a range of accounts). Deterministic for a given ``seed``, size and chunk size.
    """
    import duckdb
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_accounts = max(1, n_rows // 10)
    n_products = max(100, n_rows // 50)
    days = (pd.Timestamp("2024-12-31") - pd.Timestamp("2023-01-01")).days + 1

    weights = rng.lognormal(0.0, 1.5, n_accounts)
    per_account = 1 + rng.multinomial(n_rows - n_accounts, weights / weights.sum())
    del weights
    start_day = rng.integers(0, int(days * 0.8), n_accounts)
    popularity = np.cumsum(1.0 / np.arange(1, n_products + 1) ** 0.9)
    cdf = popularity / popularity[-1]
    price = np.round(rng.lognormal(1.0, 0.8, n_products), 2) + 0.01

    ends = np.cumsum(per_account)
    # block boundaries: the first account whose lines reach each multiple of chunk_rows
    cuts = np.searchsorted(ends, np.arange(chunk_rows, n_rows, chunk_rows), side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts, [n_accounts]]))
    widths = (
        _width(n_accounts, 7),
        _width(int(n_rows * 0.25) + n_accounts, 8),  # orders: ~0.2 per line + 1 per account
        _width(n_products, 6),
    )
    query = f"""
        SELECT
            CASE WHEN is_return THEN 'C' ELSE '' END
                || lpad(CAST(order_no AS VARCHAR), {widths[1]}, '0') AS order_id,
            'A' || lpad(CAST(account_no AS VARCHAR), {widths[0]}, '0') AS account_id,
            'P' || lpad(CAST(product_no AS VARCHAR), {widths[2]}, '0') AS product_id,
            TIMESTAMP '2023-01-01' + to_seconds(second) AS date,
            quantity,
            unit_price
        FROM lines
        ORDER BY second, order_no
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    con = duckdb.connect()
    con.execute("SET threads = 1")  # leave the other core to whoever else uses the machine
    con.execute("SET enable_progress_bar = false")
    writer = None
    orders_so_far = 0
    try:
        for block, (a0, a1) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            brng = np.random.default_rng([seed, block])
            counts = per_account[a0:a1]
            n = int(counts.sum())
            account = np.repeat(np.arange(a0, a1, dtype=np.int64), counts)
            first_line = np.zeros(n, dtype=bool)
            first_line[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
            new_order = first_line | (brng.random(n) < 0.2)
            order = np.cumsum(new_order) - 1
            n_orders = int(order[-1]) + 1
            order_start = start_day[account[new_order]]
            order_day = order_start + (brng.random(n_orders) * (days - order_start)).astype(
                np.int64
            )
            order_second = order_day * 86_400 + brng.integers(8 * 3600, 18 * 3600, n_orders)
            is_return = brng.random(n_orders) < 0.03
            product = np.minimum(np.searchsorted(cdf, brng.random(n)), n_products - 1)
            quantity = 1 + brng.geometric(0.3, n)
            quantity = np.where(is_return[order], -quantity, quantity)
            lines = pd.DataFrame(
                {
                    "order_no": order + orders_so_far,
                    "is_return": is_return[order],
                    "account_no": account,
                    "product_no": product,
                    "second": order_second[order],
                    "quantity": quantity.astype(np.int64),
                    "unit_price": price[product],
                }
            )
            orders_so_far += n_orders
            del account, first_line, new_order, order, product, quantity
            con.register("lines", lines)
            table = con.sql(query).to_arrow_table()
            con.unregister("lines")
            del lines
            if writer is None:
                writer = pq.ParquetWriter(
                    tmp, table.schema, compression="zstd", coerce_timestamps="us"
                )
            writer.write_table(table, row_group_size=1_000_000)
            del table
            if log:
                log(
                    f"  block {block + 1}/{len(bounds) - 1}: accounts {a0:,}-{a1 - 1:,}, {n:,} lines"
                )
    finally:
        if writer is not None:
            writer.close()
        con.close()
    tmp.replace(path)


def ensure_scale_log(n_rows: int, seed: int = 0, log=print) -> Path:
    """The generated log of ``n_rows`` lines: :func:`ensure_log` up to :data:`CHUNKED_FROM`
    lines, :func:`generate_log_chunked` above (written once under ``benchmarks/_data``)."""
    if n_rows <= CHUNKED_FROM:
        return ensure_log(n_rows, seed, log=log)
    path = chunked_path(n_rows, seed)
    if not path.exists():
        log(f"generating {path.relative_to(ROOT)} in blocks ...")
        t0 = time.perf_counter()
        generate_log_chunked(n_rows, path, seed=seed, log=log)
        log(f"  done in {time.perf_counter() - t0:.1f}s")
    return path
