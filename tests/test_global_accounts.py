"""Global accounts: the parent_id rules of the accounts reader, the roll-up (lines relabelled
in the engine, accounts combined), the country comparison and the --roll-up command line."""

import numpy as np
import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample
from kamlab.errors import InputError
from kamlab.io import read_accounts, read_transactions
from kamlab.portfolio.global_accounts import (
    country_comparison,
    country_spreads,
    global_ids,
    roll_up,
    roll_up_accounts,
    roll_up_with_previous,
)
from kamlab.portfolio.portfolio import build_portfolio
from kamlab.presentation.global_accounts import (
    country_table,
    describe_countries,
    describe_global_account,
)
from kamlab.value import customer_pnl

UNTIL = "2026-09-30"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """A fresh sample (seed 11, 200 accounts) written as the command line reads it."""
    return make_sample(200, seed=11).write(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def inputs(files):
    accounts = read_accounts(files["accounts"])
    return read_transactions(files["transactions"], accounts=accounts), accounts


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- the reader


ACCOUNTS = (
    "account_id,account_name,country,parent_id,parent_name\n"
    "A1,Helix Foods Ltd,United Kingdom,G1,Helix Foods\n"
    "A2,Helix Foods GmbH,Germany,G1,\n"
    "A3,Orbit Ltd,United Kingdom,,\n"
    "A4,Orbit SAS,France,A3,Orbit\n"
    "A5,Solo Ltd,United Kingdom,A5,\n"
)


def test_parent_ids_are_read_as_ids_and_a_parent_may_be_an_account_that_buys(write):
    acc = read_accounts(write("acc.csv", ACCOUNTS)).data
    assert acc.loc["A2", "parent_id"] == "G1" and pd.isna(acc.loc["A3", "parent_id"])
    assert acc.loc["A2", "country"] == "Germany"
    assert global_ids(acc).to_dict() == {"A1": "G1", "A2": "G1", "A3": "A3", "A4": "A3", "A5": "A5"}


def test_numeric_parent_ids_stay_text(write):
    # an empty cell makes the column floats (100.0) on reading: the ids are still "100", "1"
    acc = read_accounts(write("acc.csv", "account_id,parent_id\n1,\n2,1\n3,100\n")).data
    assert pd.isna(acc["parent_id"].iloc[0])
    assert acc["parent_id"].tolist()[1:] == ["1", "100"]
    assert global_ids(acc).to_dict() == {"1": "1", "2": "1", "3": "100"}


def test_a_chain_of_parents_is_refused_naming_the_row_and_the_fix(write):
    text = ACCOUNTS + "A6,Helix Foods SAS,France,A2,\n"  # A2 has parent G1 itself
    with pytest.raises(
        InputError,
        match=r"row 6: account A6's parent_id A2 has a parent_id of "
        r"its own \(G1, row 2\).*give A6 parent_id G1",
    ):
        read_accounts(write("acc.csv", text))


def test_two_names_for_one_global_account_are_refused_naming_both_rows(write):
    text = ACCOUNTS.replace(
        "A2,Helix Foods GmbH,Germany,G1,", "A2,Helix Foods GmbH,Germany,G1,Helix"
    )
    with pytest.raises(InputError, match=r"rows 1 and 2: parent_name 'Helix Foods' and 'Helix'"):
        read_accounts(write("acc.csv", text))


def test_an_accounts_file_without_parent_id_cannot_be_rolled_up(write):
    acc = read_accounts(write("acc.csv", "account_id,account_name\nA1,X\n"))
    with pytest.raises(InputError, match="needs a parent_id column"):
        global_ids(acc)


# --------------------------------------------------------------------------- the roll-up


def test_the_sample_has_global_customers_of_two_to_five_entities_in_different_countries(inputs):
    _, accounts = inputs
    acc = accounts.data
    entities = acc[acc["parent_id"].notna()]
    sizes = entities.groupby("parent_id").size()
    assert len(sizes) >= 2 and sizes.between(2, 5).all()
    assert (entities.groupby("parent_id")["country"].nunique() == sizes).all()
    assert (entities.groupby("parent_id")["industry"].nunique() == 1).all()
    assert (acc.loc[acc["parent_id"].isna(), "country"] == "United Kingdom").all()


@pytest.mark.parametrize("terms", [False, True])
def test_the_global_pnl_is_the_sum_of_its_entities_pnls_exactly(inputs, terms):
    tx, accounts = inputs
    if terms:  # each entity its own days of credit (financing weighted by revenue)
        days = np.random.default_rng(0).choice([30, 45, 60, 90], len(accounts.data))
        accounts = accounts.data.assign(payment_days=days)
    rolled_tx, rolled = roll_up(tx, accounts, until=UNTIL)
    entity = customer_pnl(tx, accounts, until=UNTIL, window="12M")
    total = customer_pnl(rolled_tx, rolled, until=UNTIL, window="12M")
    ids = global_ids(accounts)
    summed = entity.groupby(ids.reindex(entity.index).to_numpy()).sum(numeric_only=True)
    assert total.index.sort_values().equals(summed.index.sort_values())
    for column in ("net_revenue", "gross_margin", "cost_to_serve", "contribution", "orders"):
        np.testing.assert_allclose(
            total[column], summed.loc[total.index, column], rtol=1e-12, atol=1e-6, err_msg=column
        )
    assert (rolled["entities"] > 1).sum() == ids.value_counts().gt(1).sum()


def test_lines_are_relabelled_in_the_engine_keeping_the_entity(inputs):
    tx, accounts = inputs
    rolled_tx, _ = roll_up(tx, accounts, until=UNTIL)
    lines = rolled_tx.lines
    assert {"entity_id", "account_id"} <= set(lines.columns)
    assert lines.count().execute() == tx.lines.count().execute()
    pairs = lines.select("entity_id", "account_id").distinct().to_pandas()
    expected = global_ids(accounts).reindex(pairs["entity_id"].astype(str)).to_numpy()
    assert (pairs["account_id"].to_numpy() == expected).all()
    assert rolled_tx.n_accepted == tx.n_accepted and len(rolled_tx.quarantine) == len(tx.quarantine)


def test_portfolio_rolls_up_to_one_row_per_global_account_and_rescores_it(inputs):
    tx, accounts = inputs
    entity = build_portfolio(tx, accounts, until=UNTIL).table_
    rolled_tx, rolled = roll_up(tx, accounts, until=UNTIL)
    table = build_portfolio(rolled_tx, rolled, until=UNTIL).table_
    ids = global_ids(accounts)
    assert table.index.is_unique
    assert set(table.index) == set(ids.reindex(entity.index))
    revenue = entity["revenue"].groupby(ids.reindex(entity.index).to_numpy()).sum()
    np.testing.assert_allclose(table["revenue"], revenue.loc[table.index], atol=1e-6)
    # scores are the rolled-up accounts', not an entity's: some global account's box is
    # not the box of every one of its entities
    several = ids[ids.duplicated(keep=False)].unique()
    boxes = entity["box"].astype(str).groupby(ids.reindex(entity.index).to_numpy())
    differs = [
        g
        for g in several
        if g in table.index and set(boxes.get_group(g)) != {str(table.at[g, "box"])}
    ]
    assert differs


def test_an_earlier_accounts_table_rolls_up_with_todays_parents_and_weights(inputs):
    tx, accounts = inputs
    _, today, before = roll_up_with_previous(tx, accounts, accounts.data, until=UNTIL)
    indicators = ["contacts", "functions_involved", "share_of_wallet", "information_sharing"]
    pd.testing.assert_frame_equal(before[indicators], today[indicators])
    assert before.index.equals(today.index)


ROLL = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3"],
        "account_name": ["Helix Foods Ltd", "Helix Foods GmbH", "Orbit Ltd"],
        "parent_id": ["G1", "G1", pd.NA],
        "parent_name": [pd.NA, pd.NA, pd.NA],
        "country": ["United Kingdom", "Germany", "United Kingdom"],
        "quality": [8, 4, 5],
        "contacts": [3, 4, 1],
        "functions_involved": [2, 5, 1],
        "share_of_wallet": [0.5, 0.2, 0.1],
        "executive_sponsor": [False, True, False],
        "kam_hours": [10.0, 30.0, 0.0],
        "industry": ["Food", "Retail", "Food"],
    }
).set_index("account_id")


def test_accounts_roll_up_by_the_documented_rules():
    weights = pd.Series({"A1": 300.0, "A2": 100.0, "A3": 50.0})
    out = roll_up_accounts(ROLL, weights).loc["G1"]
    assert out["account_name"] == "Helix Foods Ltd"  # no parent_name: the largest entity's
    assert out["quality"] == 7  # (8 x 300 + 4 x 100) / 400 = 7.0, a whole-number scale
    assert out["contacts"] == 7 and out["functions_involved"] == 5
    assert out["kam_hours"] == 40.0 and bool(out["executive_sponsor"])
    # share of wallet: our 400 over their spend 300 / 0.5 + 100 / 0.2 = 1,100
    assert out["share_of_wallet"] == pytest.approx(400 / 1100)
    assert out["industry"] == "Food" and out["entities"] == 2
    assert out["countries"] == "United Kingdom, Germany"
    named = roll_up_accounts(ROLL.assign(parent_name=["Helix Foods", pd.NA, pd.NA]), weights)
    assert named.at["G1", "account_name"] == "Helix Foods"
    assert named.at["A3", "entities"] == 1


def test_a_period_run_rolls_up_for_the_report(files):
    from kamlab.workflows import period_run, rolled_up

    run = period_run(files["transactions"], files["accounts"], period="2026Q3")
    rolled = rolled_up(run)
    assert rolled.key != run.key  # its results are cached apart
    table, entity = rolled.portfolio.table_, run.portfolio.table_
    assert len(table) < len(entity)
    assert table["revenue"].sum() == pytest.approx(entity["revenue"].sum(), abs=0.01)


def test_a_rolled_up_run_evaluates_the_entities_models_and_fits_none(files, monkeypatch):
    from kamlab.workflows import period_run, rolled_up

    run = period_run(files["transactions"], files["accounts"], period="2026Q3")
    name, fitted, _, _ = run.uplift_model()
    rolled = rolled_up(run)
    monkeypatch.setattr(rolled, "model_comparison", lambda *a, **k: pytest.fail("refit"))
    rolled_name, value, _, _ = rolled.uplift_model()
    assert rolled_name == name
    assert value.purchases is fitted.purchases and value.spend is fitted.spend
    table = rolled.portfolio.table_
    alive = value.value.table["probability_alive"]
    assert table["probability_alive"].dropna().index.isin(alive.index).all()
    assert set(alive.index) - set(fitted.value.table.index)  # the global ids, valued


# --------------------------------------------------------------------------- countries


def _lines(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "product_id", "quantity", "unit_price"])
    frame["date"] = pd.Timestamp("2026-06-01")
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    frame["cost"] = frame["revenue"] * 0.7
    frame["is_return"] = False
    frame["order_id"] = [f"O{k}" for k in range(len(frame))]
    frame["row"] = range(1, len(frame) + 1)
    return frame


def test_price_index_compares_what_entities_pay_for_the_same_products():
    # B pays 10% more than A for P1 and P2; P3 only A buys (not compared)
    lines = _lines(
        [
            ("A", "P1", 90, 10.0),
            ("A", "P2", 90, 20.0),
            ("A", "P3", 500, 99.0),
            ("B", "P1", 10, 11.0),
            ("B", "P2", 10, 22.0),
        ]
    )
    accounts = pd.DataFrame(
        {"parent_id": ["G", "G"], "country": ["United Kingdom", "Germany"]},
        index=pd.Index(["A", "B"], name="account_id"),
    )
    out = country_comparison(lines, accounts, until="2026-06-30").set_index("account_id")
    a, b = out.loc["A", "price_index"], out.loc["B", "price_index"]
    assert b / a == pytest.approx(1.10)
    # the global average price: A 90% of the quantity, so A sits just under 1
    assert a == pytest.approx(10.0 / 10.1) and b == pytest.approx(11.0 / 10.1)
    assert out.loc["B", "country"] == "Germany"
    assert out.loc["A", "gross_margin_pct"] == pytest.approx(0.3)
    spreads = country_spreads(out.reset_index())
    assert spreads.at["G", "price_index_spread"] == pytest.approx(1.0 / 10.1)
    text = describe_countries(out.reset_index(), spreads)
    assert "in United Kingdom to 1.09 in Germany" in text
    page = describe_global_account(out.reset_index(), "G")
    assert "2 entities in United Kingdom, Germany" in page
    assert "Price index: 0.99 in United Kingdom to 1.09 in Germany." in page


def test_a_small_entitys_ratios_are_not_compared_with_its_customers_large_ones():
    from kamlab.portfolio.global_accounts import compared_entities

    comparison = pd.DataFrame(
        {
            "global_id": ["G"] * 3 + ["H"] * 2,
            "global_name": ["Gamma"] * 3 + ["Eta"] * 2,
            "account_id": ["A", "B", "C", "D", "E"],
            "country": ["Italy", "Spain", "Belgium", "France", "Ireland"],
            "revenue": [60_000.0, 39_500.0, 500.0, 90_000.0, 500.0],
            "contribution": [6_000.0, 3_000.0, -40_000.0, 9_000.0, 50.0],
            "gross_margin_pct": [0.30, 0.25, 0.20, 0.30, 0.10],
            "cost_to_serve_pct": [0.05, 0.08, 40.0, 0.05, 0.50],
            "price_index": [1.00, 1.02, 1.30, 1.00, 1.10],
            "orders": [50, 40, 2, 90, 1],
            "average_order_value": [1_200.0, 975.0, 500.0, 1_100.0, 1_000.0],
        }
    )
    # C holds 0.5% of Gamma's revenue: its 4,000% cost to serve is no country difference;
    # Eta has one material entity only, so both of its entities are compared
    assert compared_entities(comparison).tolist() == [True, True, False, True, True]
    spreads = country_spreads(comparison)
    assert spreads.at["G", "cost_to_serve_pct_spread"] == pytest.approx(0.03)
    assert spreads.at["G", "revenue_spread"] == pytest.approx(59_500.0)  # amounts: all
    assert spreads.at["H", "cost_to_serve_pct_spread"] == pytest.approx(0.45)
    text = describe_countries(comparison, spreads)
    assert "at least 1% of their customer's net revenue (1 smaller entity not compared)" in text
    assert "in Belgium" not in text
    page = describe_global_account(comparison, "G")
    assert "Cost to serve: 5.0% in Italy to 8.0% in Spain." in page
    # among thousands of global accounts the widest spread is one that barely buys: the
    # headline names the widest among the largest (those the report lists)
    headline = describe_countries(comparison, spreads, among=1)
    assert "largest cost to serve spread among the 1 largest: Gamma (G), 5.0% in Italy" in headline


def test_country_comparison_sets_entities_side_by_side(inputs):
    tx, accounts = inputs
    comparison = country_comparison(tx, accounts, until=UNTIL)
    assert comparison.groupby("global_id").size().min() >= 2
    pnl = customer_pnl(tx, accounts, until=UNTIL, window="12M")
    row = comparison.iloc[0]
    assert row["revenue"] == pytest.approx(pnl.at[row["account_id"], "net_revenue"])
    assert row["cost_to_serve_pct"] == pytest.approx(
        pnl.at[row["account_id"], "cost_to_serve"] / pnl.at[row["account_id"], "net_revenue"]
    )
    # entities abroad pay their country's prices (the sample's list price x N(1, 0.06))
    index = comparison["price_index"].dropna()
    assert index.between(0.8, 1.2).all() and index.std() > 0.005
    html = country_table(comparison).to_html()
    assert "Price index" in html and "price_index" not in html


# --------------------------------------------------------------------------- command line


def test_portfolio_roll_up_gives_one_row_per_global_account_summing_its_entities(
    files, tmp_path, capsys
):
    common = ["--accounts", files["accounts"], "--period", "2026Q3"]
    code, _, err = run(
        capsys, "portfolio", files["transactions"], *common, "--out", tmp_path / "e.csv"
    )
    assert code == 0, err
    code, _, err = run(
        capsys,
        "portfolio",
        files["transactions"],
        *common,
        "--roll-up",
        "--out",
        tmp_path / "g.csv",
    )
    assert code == 0, err
    assert "rolled up:" in err
    entity = pd.read_csv(tmp_path / "e.csv", dtype={"account_id": str})
    rolled = pd.read_csv(tmp_path / "g.csv", dtype={"account_id": str})
    accounts = pd.read_csv(files["accounts"], dtype={"account_id": str, "parent_id": str})
    parent = accounts.set_index("account_id")["parent_id"]
    entity["global"] = entity["account_id"].map(parent).fillna(entity["account_id"])
    assert rolled["account_id"].is_unique
    summed = entity.groupby("global")["revenue"].sum()
    assert set(rolled["account_id"]) == set(summed.index)
    np.testing.assert_allclose(
        rolled.set_index("account_id")["revenue"], summed.reindex(rolled["account_id"]), atol=0.01
    )
    assert {"entities", "countries"} <= set(rolled.columns)
    assert rolled["entities"].max() >= 2


def test_pnl_roll_up_and_the_global_command(files, tmp_path, capsys):
    code, _, err = run(
        capsys,
        "pnl",
        files["transactions"],
        "--accounts",
        files["accounts"],
        "--window",
        "12M",
        "--roll-up",
        "--out",
        tmp_path / "pnl.csv",
    )
    assert code == 0, err
    pnl = pd.read_csv(tmp_path / "pnl.csv")
    assert pnl["account_id"].is_unique and pnl["entities"].max() >= 2
    out, chart = tmp_path / "countries.csv", tmp_path / "countries.png"
    code, stdout, err = run(
        capsys,
        "global",
        files["transactions"],
        "--accounts",
        files["accounts"],
        "--period",
        "2026Q3",
        "--out",
        out,
        "--chart",
        chart,
    )
    assert code == 0, err
    assert "global accounts compared" in stdout and "largest gross margin spread" in stdout
    assert chart.stat().st_size > 0
    table = pd.read_csv(out)
    assert list(table.columns[:5]) == [
        "global_id",
        "global_name",
        "account_id",
        "account_name",
        "country",
    ]


def test_roll_up_without_parent_id_is_a_one_line_error(files, write, tmp_path, capsys):
    accounts = pd.read_csv(files["accounts"]).drop(columns=["parent_id", "parent_name"])
    path = write("accounts.csv", accounts.to_csv(index=False))
    code, _, err = run(
        capsys,
        "portfolio",
        files["transactions"],
        "--accounts",
        path,
        "--period",
        "2026Q3",
        "--roll-up",
        "--out",
        tmp_path / "p.csv",
    )
    assert code == 2
    message = err.strip().splitlines()[-1]
    assert message.startswith("kamlab portfolio: error: --roll-up:")
    assert "needs a parent_id column" in message


@pytest.mark.parametrize("command", ["global", "portfolio", "pnl"])
def test_the_commands_explain_global_accounts_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text and "--roll-up" in text


def test_a_long_list_of_global_accounts_says_how_many_it_leaves_to_the_workbook():
    from kamlab.presentation.global_accounts import listed_note

    assert listed_note(15, 1204) == (
        "The 15 largest of 1,204 global accounts by net revenue; the workbook lists them all."
    )
    assert listed_note(4, 4) == ""
