"""kamlab.value.pnl: the customer P&L, hand-computed, and the cost-rate loader."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kamlab
from kamlab.errors import ConfigError, InputError
from kamlab.value import CostRates, cost_lines, customer_pnl, load_cost_rates

# Round rates so that every figure below can be checked by hand. Financing:
# 7.3% a year x 50 days / 365 = 1% of net revenue.
RATES = {
    "transaction_drivers": {"order": 10, "order_line": 1, "return_line": 5, "delivery": 20},
    "account_drivers": {"service_calls": 30, "kam_hours": 50},
    "financing": {"annual_rate": 0.073, "payment_days": 50},
    "assumed_margin_share": 0.25,
}


def _tx(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "date", "order_id", "revenue", "cost"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["is_return"] = frame["revenue"] < 0
    frame["account_id"] = frame["account_id"].astype("string")
    return frame


# Window: 4 years to 2025-12-31 = 2022-01-01 .. 2025-12-31 = 1,461 days = 4.0 years.
TX = _tx(
    [
        # a: customer since 2021 (that line is before the window: not counted)
        ("a", "2021-06-01", "O0", 999.0, 500.0),
        ("a", "2024-03-01", "O1", 1000.0, 600.0),
        ("a", "2024-03-01", "O1", 2000.0, 1200.0),
        ("a", "2024-03-05", "O1", 500.0, 300.0),  # O1's second delivery
        ("a", "2024-06-01", "O2", 1500.0, 900.0),
        ("a", "2024-06-20", "CO2", -500.0, -300.0),  # a return
        # b: no cost known -> cost of goods assumed; a discount of 100 on its line
        ("b", "2021-01-01", "O3", 10.0, None),
        ("b", "2025-02-01", "O4", 400.0, None),
        # c: won in the window, 183 days before until; one line's cost unknown
        ("c", "2025-07-02", "O5", 100.0, 80.0),
        ("c", "2025-07-02", "O5", 100.0, None),
        # d: in the window only a return of an earlier purchase
        ("d", "2021-05-01", "O6", 30.0, 20.0),
        ("d", "2024-01-10", "CO6", -30.0, -20.0),
    ]
)
TX["discount"] = 0.0
TX.loc[TX["order_id"] == "O4", "discount"] = 100.0
ACCOUNTS = pd.DataFrame(
    {
        "account_name": ["Alpha Ltd", "Beta plc", "Gamma Group"],
        "service_calls": [2.0, 0.0, 0.0],  # per year
        "kam_hours": [1.0, None, 2.0],  # per year; b's unknown = none charged
        "payment_days": [None, 90.0, None],  # b has 90 days of credit; others the default
    },
    index=pd.Index(["a", "b", "c"], name="account_id"),
)


@pytest.fixture(scope="module")
def pnl() -> pd.DataFrame:
    return customer_pnl(TX, ACCOUNTS, until="2025-12-31", window="4Y", rates=RATES)


def test_one_row_per_account_with_any_line_in_the_window(pnl):
    assert list(pnl.index) == ["a", "b", "c", "d"]
    assert pnl.index.name == "account_id"
    assert pnl.attrs["start"] == "2022-01-01" and pnl.attrs["until"] == "2025-12-31"
    assert pnl.attrs["currency"] == "GBP"


def test_drivers_counted_from_the_transactions(pnl):
    a = pnl.loc["a"]
    assert (a["orders"], a["order_lines"], a["return_lines"]) == (2, 4, 1)
    assert a["deliveries"] == 3  # (O1, 1 March), (O1, 5 March), (O2, 1 June)
    d = pnl.loc["d"]
    assert (d["orders"], d["order_lines"], d["return_lines"], d["deliveries"]) == (0, 0, 1, 0)


def test_annual_drivers_scaled_to_the_years_as_a_customer(pnl):
    assert pnl.loc["a", "years"] == pytest.approx(4.0)  # customer before the window
    assert pnl.loc["c", "years"] == pytest.approx(183 / 365.25)  # won on 2 July 2025
    assert pnl.loc["a", "service_calls"] == pytest.approx(8.0)
    assert pnl.loc["a", "kam_hours"] == pytest.approx(4.0)
    assert pnl.loc["b", "kam_hours"] == 0.0  # unknown in the accounts table
    assert pnl.loc["c", "kam_hours"] == pytest.approx(2 * 183 / 365.25)
    assert pnl.loc["d", "kam_hours"] == 0.0  # not in the accounts table


def test_account_a_by_hand(pnl):
    a = pnl.loc["a"]
    assert a["account_name"] == "Alpha Ltd"
    assert a["gross_sales"] == pytest.approx(5000.0)
    assert a["returns"] == pytest.approx(500.0)
    assert a["discounts"] == 0.0
    assert a["net_revenue"] == pytest.approx(4500.0)
    assert a["cost_of_goods"] == pytest.approx(2700.0)  # 600 + 1200 + 300 + 900 - 300
    assert a["cost_of_goods_basis"] == "data"
    assert a["gross_margin"] == pytest.approx(1800.0)
    expected = {
        "cts_orders": 2 * 10,
        "cts_order_lines": 4 * 1,
        "cts_return_lines": 1 * 5,
        "cts_deliveries": 3 * 20,
        "cts_service_calls": 8 * 30,
        "cts_kam_hours": 4 * 50,
        "cts_financing": 0.073 * 50 / 365 * 4500,  # = 45
    }
    assert cost_lines(pnl) == list(expected)
    for column, value in expected.items():
        assert a[column] == pytest.approx(value), column
    assert a["cost_to_serve"] == pytest.approx(574.0)
    assert a["contribution"] == pytest.approx(1800.0 - 574.0)
    assert a["contribution_margin"] == pytest.approx(1226.0 / 4500.0)


def test_account_b_assumed_margin_discount_and_own_payment_terms(pnl):
    b = pnl.loc["b"]
    assert b["gross_sales"] == pytest.approx(500.0)  # 400 invoiced + 100 discount
    assert b["discounts"] == pytest.approx(100.0)
    assert b["net_revenue"] == pytest.approx(400.0)
    assert b["cost_of_goods"] == pytest.approx(400.0 * 0.75)
    assert b["cost_of_goods_basis"] == "assumed"
    assert b["payment_days"] == 90.0
    assert b["cts_financing"] == pytest.approx(0.073 * 90 / 365 * 400)  # 7.20
    assert b["cost_to_serve"] == pytest.approx(10 + 1 + 20 + 7.2)
    assert b["contribution"] == pytest.approx(100.0 - 38.2)
    assert any("assumed" in note for note in pnl.attrs["notes"])


def test_the_reader_is_told_what_was_assumed_for_lines_without_a_cost(pnl):
    from kamlab.presentation.notes import assumed_cost_of_goods

    assumed = {"accounts": 2, "of": 4, "margin_share": 0.25}  # b and c
    assert pnl.attrs["cost_of_goods_assumed"] == assumed
    assert assumed_cost_of_goods(pnl) == (
        "The data give no cost of goods for lines of 2 of the 4 accounts: it is assumed at 75% "
        "of net revenue (a gross margin of 25%; give your own with --cost-rates), so gross "
        "margin and contribution are estimates."
    )
    every, none = pd.DataFrame(), pd.DataFrame()
    every.attrs["cost_of_goods_assumed"] = {**assumed, "accounts": 4}
    none.attrs["cost_of_goods_assumed"] = {**assumed, "accounts": 0}
    assert assumed_cost_of_goods(every).startswith("The data give no cost of goods: it is")
    assert assumed_cost_of_goods(none) is None


def test_account_c_partly_assumed_cost(pnl):
    c = pnl.loc["c"]
    assert c["cost_of_goods"] == pytest.approx(80.0 + 100.0 * 0.75)
    assert c["cost_of_goods_basis"] == "partly assumed"
    hours = 2 * 183 / 365.25
    assert c["cost_to_serve"] == pytest.approx(10 + 2 + 20 + 50 * hours + 0.01 * 200)
    assert c["contribution"] == pytest.approx(45.0 - c["cost_to_serve"])


def test_returns_only_account_costs_its_handling(pnl):
    d = pnl.loc["d"]
    assert d["net_revenue"] == pytest.approx(-30.0)
    assert d["gross_margin"] == pytest.approx(-10.0)
    assert d["cts_financing"] == 0.0  # no credit on a negative balance
    assert d["contribution"] == pytest.approx(-15.0)
    assert math.isnan(d["contribution_margin"])  # undefined when net revenue <= 0


def test_identities_hold_for_every_account(pnl):
    lines = pnl[cost_lines(pnl)].sum(axis=1)
    pd.testing.assert_series_equal(lines, pnl["cost_to_serve"], check_names=False)
    net = pnl["gross_sales"] - pnl["returns"] - pnl["discounts"]
    pd.testing.assert_series_equal(net, pnl["net_revenue"], check_names=False)
    margin = pnl["gross_margin"] - pnl["cost_to_serve"]
    pd.testing.assert_series_equal(margin, pnl["contribution"], check_names=False)


def test_net_revenue_and_orders_agree_with_summarize():
    window = TX.loc[TX["date"] >= "2022-01-01"]
    summary = kamlab.summarize(window, until="2025-12-31")
    pnl = customer_pnl(TX, until="2025-12-31", window="4Y", rates=RATES)
    for column, theirs in (("net_revenue", "revenue"), ("orders", "orders")):
        pd.testing.assert_series_equal(
            pnl.loc[summary.index, column], summary[theirs], check_names=False, check_dtype=False
        )


def test_without_accounts_table_only_transaction_drivers_and_default_terms():
    pnl = customer_pnl(TX, until="2025-12-31", window="4Y", rates=RATES)
    assert "cts_kam_hours" not in pnl.columns and "service_calls" not in pnl.columns
    assert (pnl["payment_days"] == 50).all()
    assert any("kam_hours" in note for note in pnl.attrs["notes"])
    assert "account_name" not in pnl.columns


def test_without_order_ids_orders_and_deliveries_are_purchase_days():
    tx = TX.drop(columns=["order_id"])
    pnl = customer_pnl(tx, until="2025-12-31", window="4Y", rates=RATES)
    assert pnl.loc["a", "orders"] == 3  # 1 March, 5 March, 1 June
    assert pnl.loc["a", "deliveries"] == 3


def test_window_lengths_and_defaults():
    everything = customer_pnl(TX, rates=RATES)  # all history to the last day
    assert everything.attrs["until"] == "2025-07-02"
    assert everything.loc["a", "gross_sales"] == pytest.approx(5999.0)
    assert customer_pnl(TX, until="2025-12-31", window=365, rates=RATES).index.tolist() == [
        "b",
        "c",
    ]
    last_half = customer_pnl(TX, until="2025-12-31", window="183D", rates=RATES)
    assert last_half.attrs["start"] == "2025-07-02" and last_half.index.tolist() == ["c"]
    assert customer_pnl(TX, until="2025-12-31", window="6M", rates=RATES).attrs["start"] == (
        "2025-07-01"
    )
    with pytest.raises(InputError, match="no transactions from 2025-07-03 to 2025-12-31"):
        customer_pnl(TX, until="2025-12-31", window="26W", rates=RATES)  # 182 days
    for bad in ("3 fortnights", 0, -5):
        with pytest.raises(InputError, match="window"):
            customer_pnl(TX, window=bad)
    with pytest.raises(InputError, match="no transactions"):
        customer_pnl(TX, until="2020-01-01")


def test_reads_the_transactions_object_and_bad_accounts_drivers(write):
    path = write("tx.csv", "account_id,date,revenue\nx,2025-01-01,100\nx,2025-02-01,50\n")
    tx = kamlab.read_transactions(path, today="2026-01-01")
    pnl = customer_pnl(tx)  # default rates: assumed margin, no cost in the file
    assert pnl.loc["x", "cost_of_goods_basis"] == "assumed"
    assert pnl.loc["x", "orders"] == 2
    accounts = pd.DataFrame({"account_id": ["x"], "kam_hours": ["lots"]})
    with pytest.raises(InputError, match="kam_hours.*lots"):
        customer_pnl(tx, accounts)


# --------------------------------------------------------------------------- rates


def test_shipped_defaults_are_complete_and_documented():
    rates = load_cost_rates()
    assert isinstance(rates, CostRates)
    assert rates.currency == "GBP"
    assert set(rates.transaction) == {"order", "order_line", "return_line", "delivery"}
    assert {"service_calls", "kam_hours"} <= set(rates.account)
    assert all(v > 0 for v in [*rates.transaction.values(), *rates.account.values()])
    assert 0 < rates.financing_rate < 0.2 and rates.payment_days == 30
    assert 0 < rates.assumed_margin_share < 1


def test_a_partial_file_keeps_the_other_defaults(write):
    path = write("rates.yaml", "account_drivers:\n  kam_hours: 0\n  site_visits: 120\n")
    rates = load_cost_rates(path)
    assert rates.account["kam_hours"] == 0.0  # switched off
    assert rates.account["site_visits"] == 120.0  # a driver of our own
    assert rates.transaction == load_cost_rates().transaction
    assert rates.source == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("transaction_driver:\n  order: 1\n", "unknown key 'transaction_driver' in the top level"),
        ("transaction_drivers:\n  per_order: 1\n", "unknown key 'per_order'.*known keys: order"),
        (
            "transaction_drivers:\n  order: -5\n",
            r"transaction_drivers.order .*between 0 and 1e\+09.*-5",
        ),
        ("transaction_drivers:\n  delivery: abc\n", "transaction_drivers.delivery.*'abc'"),
        ("account_drivers:\n  kam_hours: yes\n", "account_drivers.kam_hours.*True"),
        ("account_drivers:\n  orders: 1\n", "account_drivers key 'orders'"),
        ("financing:\n  annual_rate: 6\n", "financing.annual_rate .*between 0 and 1"),
        ("financing:\n  days: 30\n", "unknown key 'days' in financing"),
        ("assumed_margin_share: -0.1\n", "assumed_margin_share"),
        ("- just\n- a list\n", "expected 'key: value' lines"),
        ("transaction_drivers: [1, 2]\n", "transaction_drivers must be 'key: value' lines"),
        ("transaction_drivers:\n  order: [1\n", "cannot read cost-to-serve rates"),
    ],
)
def test_loader_errors_name_file_key_and_value(write, text, message):
    path = write("rates.yaml", text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_cost_rates(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_dict_rates(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.yaml.*cannot read"):
        load_cost_rates(tmp_path / "nowhere.yaml")
    with pytest.raises(ConfigError, match="^rates: transaction_drivers.order"):
        load_cost_rates({"transaction_drivers": {"order": float("nan")}})
    assert load_cost_rates({"financing": {"payment_days": None}}).payment_days is None
