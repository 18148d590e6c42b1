"""The lines' integer keys: made once at read time, reused by every summary of them."""

import numpy as np
import pandas as pd
import pytest

from kamlab import InputError, read_transactions, summarize
from kamlab.io.keys import keys_for, line_keys

LINES = pd.DataFrame(
    {
        "account_id": pd.array(["B", "A", "B", "A", "A", "A"], "string"),
        "date": pd.to_datetime(
            ["2026-01-05", "2026-01-09", "2026-01-02", "2026-01-03", "2026-01-03", "2026-01-04"]
        ),
        "is_return": [False, False, False, False, True, False],
        "order_id": pd.array(["o2", "o1", "o2", "o1", "o1", None], "string"),
        "product_id": pd.array(["p", "p", "q", "p", "p", "p"], "string"),
    }
)


def test_account_keys_follow_the_ids_sorted_as_text():
    keys = line_keys(LINES)
    assert list(keys.accounts) == ["A", "B"]
    assert list(keys.lines["account_key"]) == [1, 0, 1, 0, 0, 0]
    assert keys.lines.index.equals(LINES.index)


def test_the_earliest_purchase_line_of_each_pair_is_flagged():
    keys = line_keys(LINES)
    # (B, o2): lines 0 and 2; line 2 is earlier. (A, o1): lines 1 and 3 (line 4 is a
    # return); line 3 is earlier. Line 5 has no order id.
    assert list(keys.lines["first_order"]) == [False, False, True, True, False, False]
    # (B, p): line 0; (A, p): lines 1, 3, 5, earliest line 3; (B, q): line 2.
    assert list(keys.lines["first_product"]) == [True, False, True, True, False, False]


def test_no_flag_for_an_id_column_the_lines_lack():
    keys = line_keys(LINES.drop(columns=["order_id", "product_id"]))
    assert list(keys.lines.columns) == ["account_key"]


def test_lines_without_an_account_id_are_an_error():
    lines = LINES.copy()
    lines.loc[2, "account_id"] = pd.NA
    with pytest.raises(InputError, match="1 lines have no account id"):
        line_keys(lines)


def test_keys_are_reused_only_for_the_frame_they_were_made_from():
    keys = line_keys(LINES)
    assert keys_for(LINES, keys) is keys
    later = LINES[LINES["date"] >= "2026-01-04"]
    assert keys_for(later, keys) is not keys


def _unsorted_log(seed: int, n: int = 4000) -> pd.DataFrame:
    """Order lines in no date order: orders spread over days, returns, missing ids."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    is_return = rng.random(n) < 0.1
    frame = pd.DataFrame(
        {
            "account_id": [f"K{i:03d}" for i in rng.integers(0, 120, n)],
            "order_id": [f"O{i}" for i in rng.integers(0, 700, n)],
            "product_id": [f"P{i}" for i in rng.integers(0, 50, n)],
            "date": day.strftime("%Y-%m-%d"),
            "quantity": rng.integers(1, 5, n) * np.where(is_return, -1, 1),
            "unit_price": np.round(rng.gamma(2.0, 10.0, n), 2) + 0.01,
        }
    )
    frame.loc[rng.random(n) < 0.05, "order_id"] = ""
    return frame


@pytest.mark.parametrize("until", ["2025-01-20", "2025-02-14", "2025-03-31"])
def test_summary_from_the_read_keys_equals_exact_distinct_counts(write, until):
    path = write("log.csv", _unsorted_log(7).to_csv(index=False))
    tx = read_transactions(path, today="2026-01-01")
    assert not tx.data["date"].is_monotonic_increasing
    got = summarize(tx, until=until, period="day")
    lines = tx.data[(tx.data["date"] <= until) & ~tx.data["is_return"]]
    by_account = lines.groupby("account_id")
    assert (got["orders"] == by_account["order_id"].nunique().reindex(got.index)).all()
    assert (got["products"] == by_account["product_id"].nunique().reindex(got.index)).all()


def test_a_frame_cut_from_the_read_lines_gets_keys_of_its_own(write):
    tx = read_transactions(
        write("log.csv", _unsorted_log(8).to_csv(index=False)), today="2026-01-01"
    )
    recent = tx.data[tx.data["date"] >= "2025-02-01"]  # earlier first lines are gone
    got = summarize(recent, period="day")
    buys = recent[~recent["is_return"]].groupby("account_id")
    assert (got["orders"] == buys["order_id"].nunique().reindex(got.index)).all()
    assert (got["products"] == buys["product_id"].nunique().reindex(got.index)).all()
