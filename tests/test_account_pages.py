"""Key account pages: risks by rule, escaped Markdown, box history."""

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kamlab as kl
from kamlab.errors import ConfigError
from kamlab.plots.portfolio import account_trend
from kamlab.portfolio.account_pages import account_risks
from kamlab.portfolio.history import period_ends, portfolio_history
from kamlab.presentation.portfolio import account_page
from kamlab.safe import markdown_text

SCRIPT = "<script>alert(1)</script>"


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_name": [SCRIPT, "Plain *Ltd*", "Calm PLC"],
            "box": ["Strategic", "Star", "Status"],
            "tier": ["key", "key development", "maintain"],
            "key_rank": [1, pd.NA, pd.NA],
            "stage": ["Basic", "Cooperative", "Integrated"],
            "declining": [False, True, False],
            "attractiveness": [8.0, 7.0, 4.0],
            "strength": [7.0, 3.0, 8.0],
            "revenue": [1000.0, 500.0, 200.0],
            "contribution": [-50.0, 80.0, 20.0],
            "growth": [-0.5, 0.1, 0.0],
            "share_of_wallet": [0.1, 0.5, 0.9],
        },
        index=pd.Index(["A", "B", "C"], name="account_id"),
    )


def test_each_risk_rule_flags_the_accounts_it_describes():
    risks = account_risks(table())
    by_account = risks.groupby("account_id")["risk"].apply(set).to_dict()
    assert by_account["A"] == {
        "revenue falling",
        "loses money",
        "relationship under-developed",
        "low share of wallet",
    }
    assert by_account["B"] == {"relationship declining"}
    assert "C" not in by_account


def test_a_move_to_a_worse_box_and_a_low_buyer_score_are_risks():
    t = table()
    history = pd.DataFrame(
        {"box": ["Strategic", "Strategic", "Strategic", "Status"]},
        index=pd.MultiIndex.from_tuples(
            [("A", "2026Q2"), ("B", "2026Q2"), ("A", "2026Q3"), ("C", "2026Q3")],
            names=["account_id", "period"],
        ),
    )
    card = pd.DataFrame(
        {"weakest_heading": ["innovation"], "weakest_score": [2.0]}, index=pd.Index(["C"])
    )
    risks = account_risks(t, history, card)
    assert "moved down from Strategic to Star since 2026Q2" in set(risks["detail"])
    assert "the buyer's supplier innovation works against our plan (2/10)" in set(risks["detail"])


def test_the_page_escapes_names_and_shows_risks_and_the_kam_question():
    t = table()
    card = pd.DataFrame(
        {"weakest_heading": ["consolidation"], "weakest_score": [4.0]}, index=pd.Index(["A"])
    )
    page = account_page("A", t, number=1, risks=account_risks(t), scorecard=card)
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert page.startswith("### 1. ")
    assert "**Strategic** box, **key** tier (rank 1)" in page
    assert "loses 50 a year after cost to serve" in page
    assert "Has your customer the right number of suppliers" in page
    assert "Risks:** none flagged" in account_page("C", t, risks=account_risks(t))


def test_the_title_names_the_account_and_its_id_once_each():
    t = table()
    assert account_page("A", t, number=1).startswith(
        f"### 1. {markdown_text(t.loc['A', 'account_name'])} (A)\n"
    )
    nameless = t.drop(columns="account_name")
    assert account_page("A", nameless, number=1).startswith("### 1. A\n")
    named_by_id = t.assign(account_name=t.index.to_series())
    assert account_page("A", named_by_id).startswith("### A\n")


def test_markdown_text_keeps_punctuation_literal():
    assert markdown_text("Plain *Ltd*") == r"Plain \*Ltd\*"
    assert markdown_text('=HYPERLINK("x")') == r"=HYPERLINK\(&quot;x&quot;\)"


def test_period_ends_run_oldest_first():
    assert period_ends("2026Q3", 3) == [
        ("2026Q1", "2026-03-31"),
        ("2026Q2", "2026-06-30"),
        ("2026Q3", "2026-09-30"),
    ]


def past(as_of=("today's", "snapshot", "current")) -> pd.DataFrame:
    """Account A's history over three quarters, 2026Q1 scored with today's accounts file."""
    periods = ["2026Q1", "2026Q2", "2026Q3"]
    return pd.DataFrame(
        {
            "box": ["Star", "Strategic", "Strategic"],
            "tier": ["key development", "key", "key"],
            "stage": ["Cooperative", "Basic", "Basic"],
            "health": ["active", "active", "lapsing"],
            "revenue": [900.0, 950.0, 1000.0],
            "contribution": [10.0, -20.0, -50.0],
            "accounts_as_of": list(as_of),
        },
        index=pd.MultiIndex.from_product([["A"], periods], names=["account_id", "period"]),
    )


def test_the_page_shows_the_past_periods_and_which_stage_and_judgement_are_todays():
    page = account_page("A", table(), history=past(), currency="GBP")
    assert "| period | box | tier | stage | health | revenue, 12 months |" in page
    assert "| 2026Q1 | Star | key development | Cooperative\\* | active | GBP 900 |" in page
    assert "| 2026Q2 | Strategic | key | Basic | active | GBP 950 | GBP -20 |" in page
    assert "\\* Stage and judgement scores of 2026Q1 are today's (no accounts file of that" in page


def test_the_caveat_names_every_period_scored_with_todays_file():
    from kamlab.presentation.portfolio import todays_judgement_note

    assert todays_judgement_note(["2025Q4", "2026Q1", "2026Q2"]).startswith(
        "Stage and judgement scores of 2025Q4, 2026Q1 and 2026Q2 are today's"
    )
    assert todays_judgement_note([]) == ""


def test_a_page_whose_past_periods_all_had_their_accounts_file_has_no_caveat():
    page = account_page("A", table(), history=past(("snapshot", "snapshot", "current")))
    assert "today's" not in page and "\\*" not in page


def test_a_move_down_from_a_period_scored_with_todays_file_says_so():
    history = past(("snapshot", "today's", "current")).assign(
        box=["Strategic", "Strategic", "Star"]
    )
    t = table().assign(box=["Star", "Star", "Status"])
    risks = account_risks(t, history)
    assert (
        "moved down from Strategic to Star since 2026Q2 (its box there scored with today's "
        "judgement)" in set(risks["detail"])
    )


def test_snapshots_are_keyed_by_a_period_of_the_historys_kind():
    with pytest.raises(
        ConfigError, match="'2026-06' is a month, the history's periods are quarters"
    ):
        portfolio_history(None, None, period="2026Q3", snapshots={"2026-06": pd.DataFrame()})


@pytest.fixture(scope="module")
def bundled():
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    acc = kl.read_accounts(sample / "accounts.csv")
    return kl.read_transactions(sample / "transactions.csv", accounts=acc.data), acc


def test_a_past_period_with_its_accounts_snapshot_is_scored_and_staged_with_it(bundled):
    tx, acc = bundled
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    june = kl.read_accounts(sample / "accounts_previous.csv")
    history = portfolio_history(tx, acc, period="2026Q3", count=2, snapshots={"2026-q2": june})
    as_of = history["accounts_as_of"].groupby(level="period").unique().map(list).to_dict()
    assert as_of == {"2026Q2": ["snapshot"], "2026Q3": ["current"]}
    then = kl.build_portfolio(tx, june, until="2026-06-30").table_
    q2 = history.xs("2026Q2", level="period")
    assert q2["stage"].to_dict() == then["stage"].astype(object).to_dict()
    assert q2["strength"].to_dict() == then["strength"].to_dict()

    without = portfolio_history(tx, acc, period="2026Q3", count=2)
    assert set(without.xs("2026Q2", level="period")["accounts_as_of"]) == {"today's"}
    now = kl.build_portfolio(tx, acc, until="2026-06-30").table_
    assert without.xs("2026Q2", level="period")["stage"].to_dict() == (
        now["stage"].astype(object).to_dict()
    )


def test_history_has_one_row_per_account_and_quarter(bundled):
    tx, acc = bundled
    history = portfolio_history(tx, acc, period="2026Q3", count=2)
    assert set(history.index.get_level_values("period")) == {"2026Q2", "2026Q3"}
    assert history.index.is_unique
    now = kl.build_portfolio(tx, acc, until="2026-09-30").table_
    assert (
        history.xs("2026Q3", level="period")["box"].to_dict() == now["box"].astype(object).to_dict()
    )


def test_account_trend_draws_eight_quarters(bundled):
    tx, _ = bundled
    panel = kl.period_panel(tx, until="2026-09-30")
    fig, ax = plt.subplots()
    account_trend(panel, "A0088", ax=ax)
    assert len(ax.get_xticks()) == 8 and "A0088" in ax.get_title()
    plt.close(fig)


def test_account_trend_ends_at_the_panels_end_even_when_its_accounts_stopped_buying(bundled):
    """A panel cut to a few accounts still ends at the report's quarter: the chart shows the
    quarters since they last bought, at zero."""
    tx, _ = bundled
    panel = kl.period_panel(tx, until="2026-09-30", accounts=["A0088"])
    panel = panel[panel["period"] < "2026Q2"]  # as if it had bought nothing since March
    fig, ax = plt.subplots()
    account_trend(panel, "A0088", ax=ax)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[-1] == "2026Q3" and len(labels) == 8
    plt.close(fig)


def test_account_trend_starts_where_the_data_begin_and_titles_with_the_name(bundled):
    tx, _ = bundled
    panel = kl.period_panel(tx, until="2026-09-30")
    fig, ax = plt.subplots()
    account_trend(panel, "A0088", name="Bridgefield", first="2026-02-10", ax=ax)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2026Q1", "2026Q2", "2026Q3"]
    assert ax.get_title() == "Bridgefield: revenue and gross margin by quarter"
    plt.close(fig)


def test_without_costs_the_account_trend_draws_revenue_alone_and_says_why(bundled):
    tx, _ = bundled
    panel = kl.period_panel(tx, until="2026-09-30").assign(gross_margin=float("nan"))
    fig, ax = plt.subplots()
    account_trend(panel, "A0088", ax=ax)
    assert ax.get_title() == "A0088: revenue by quarter"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "revenue (the data have no costs: no gross margin)"
    ]
    assert len(ax.patches) == 8
    plt.close(fig)
