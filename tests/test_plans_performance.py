"""The plans-and-performance section (notebook 06): what its cells show, and that each
part says why it is left out instead of failing (no parent_id, no kam_hours, too short a
history)."""

import pandas as pd
import pytest

from kamlab.datasets import make_sample
from kamlab.presentation import plans_performance as pp
from kamlab.workflows import period_run
from kamlab.workflows.plans_performance import global_accounts_view, performance_view

# -- the run: global accounts and the programme return, and their degraded paths --------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(80, seed=5).write(tmp_path_factory.mktemp("sample"))


def _run(paths, accounts=None, **kw):
    return period_run(
        paths["transactions"],
        accounts or paths["accounts"],
        paths["accounts_previous"],
        period="2026Q3",
        **kw,
    )


def _without(paths, tmp_path, *columns):
    """The sample's accounts files without ``columns``; the new accounts file's path."""
    out = {}
    for name in ("accounts", "accounts_previous"):
        frame = pd.read_csv(paths[name])
        frame = frame.drop(columns=[c for c in columns if c in frame])
        out[name] = tmp_path / f"{name}.csv"
        frame.to_csv(out[name], index=False)
    return out


def test_each_global_account_is_one_row_whose_revenue_is_its_entities_sum(sample):
    run = _run(sample)
    view, why = global_accounts_view(run, largest=1)
    assert why == ""
    entities = pd.read_csv(sample["accounts"]).dropna(subset=["parent_id"])
    assert set(view.table.index) == set(entities["parent_id"])
    revenue = run.portfolio.table_["revenue"]
    for global_id, group in entities.groupby("parent_id"):
        assert view.table.at[global_id, "revenue"] == pytest.approx(
            revenue.reindex(group["account_id"]).sum()
        )
        assert view.table.at[global_id, "entities"] == len(group)
    assert view.largest == [view.table.index[0]]  # the largest by revenue
    side = pp.countries_side_by_side(view.comparison, view.largest)
    assert list(side.columns) == [
        "global_name",
        "country",
        "revenue",
        "price_index",
        "gross_margin_pct",
        "cost_to_serve_pct",
    ]
    assert side["revenue"].is_monotonic_decreasing


def test_without_parent_id_the_global_accounts_are_left_out_with_the_reason(sample, tmp_path):
    files = _without(sample, tmp_path, "parent_id", "parent_name")
    view, why = global_accounts_view(_run(sample, files["accounts"]))
    assert view is None and why.startswith("the accounts file has no parent_id")
    view, why = global_accounts_view(period_run(sample["transactions"], period="2026Q3"))
    assert view is None and why.startswith("there is no accounts file")


def test_without_kam_hours_the_programme_return_is_left_out_with_the_reason(sample, tmp_path):
    files = _without(sample, tmp_path, "kam_hours")
    run = period_run(
        sample["transactions"], files["accounts"], files["accounts_previous"], period="2026Q3"
    )
    kpis, result, why = performance_view(run)
    assert (kpis, result) == (None, None) and "kam_hours" in why


def test_a_short_history_leaves_the_programme_return_out_with_the_reason(sample):
    run = period_run(sample["transactions"], sample["accounts"], until="2024-12-31")
    kpis, result, why = performance_view(run)
    assert (kpis, result) == (None, None) and "two years" in why


def test_the_programme_return_is_computed_when_the_inputs_allow(sample):
    kpis, result, why = performance_view(_run(sample), draws=50)
    assert why == "" and result.n_key > 0 and len(kpis) > 0


# -- plans ---------------------------------------------------------------------------------


def _card():
    rows = [  # account, name, measure, status, tier now, overdue actions
        ("A1", "Alpha", "revenue", "met", "key", 0),
        ("A1", "Alpha", "stage", "on track", "key", 0),
        ("A2", "Beta", "revenue", "missed", "key", 2),
        ("A2", "Beta", "contribution", "behind", "key", 2),
        ("A3", "Gamma", "revenue", "met", "maintain", 1),
        ("A3", "Gamma", "retention", "behind", "maintain", 1),
    ]
    card = pd.DataFrame(
        rows,
        columns=["account_id", "account_name", "measure", "status", "tier_now", "overdue_actions"],
    )
    return card.assign(plan_period="2026Q3")


def test_the_scorecard_by_account_puts_the_most_behind_or_missed_first():
    wide = pp.scorecard_by_account(_card())
    assert list(wide["Account"]) == ["Beta", "Gamma", "Alpha"]
    assert list(wide.columns) == [
        "Account",
        "Net revenue, 12 months",
        "Contribution, 12 months",
        "Relationship stage",
        "Still buying",
        "Overdue actions",
    ]
    beta = wide.set_index("Account").loc["Beta"]
    assert (beta["Net revenue, 12 months"], beta["Relationship stage"]) == ("missed", "-")
    assert beta["Overdue actions"] == "2"


def test_plans_of_accounts_no_longer_key_are_listed_with_their_objectives():
    gone = pp.plans_no_longer_key(_card())
    assert list(gone.index) == ["A3"]
    assert gone.loc["A3", ["tier_now", "objectives", "met"]].tolist() == ["maintain", 2, 1]
    assert pp.plans_no_longer_key(_card().assign(tier_now="key")).empty


def test_overdue_actions_longest_first_and_at_most_the_limit():
    actions = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "account_name": ["Alpha", None, "Gamma"],
            "what": ["call", "visit", "write"],
            "owner": ["Ann", "Bob", "Cy"],
            "due": pd.to_datetime(["2026-09-01", "2026-07-01", "2026-09-30"]).date,
            "days_overdue": [29, 91, 0],
            "objective": ["revenue", "", "stage"],
        }
    )
    shown = pp.overdue_actions_table(actions, limit=2).frame
    assert list(shown["Action"]) == ["visit", "call"]
    assert list(shown["Account name"]) == ["A2", "Alpha"]  # no name: the id
    assert list(shown["Days overdue"]) == ["91", "29"]


# -- relationships ----------------------------------------------------------------------------


def _summary():
    """Five accounts' contact summaries (contact_summary's columns that the section reads)."""
    frame = pd.DataFrame(
        {
            "account_name": ["Alpha", "Beta", "Gamma", "Delta", pd.NA],
            "contacts": [1, 6, 2, 5, 1],
            "shape": pd.Categorical(
                ["bow tie", "diamond", "bow tie", "developing", "bow tie"],
                categories=["no contacts", "bow tie", "developing", "diamond"],
            ),
            "single_threaded": [True, False, False, False, True],
            "top_holder": ["Ann", "Bob", "Ann", "Cy", "Ann"],
            "executive_sponsor": [False, True, False, False, False],
            "decision_maker": [True, True, False, True, True],
            "stale": [0, 2, 0, 1, 0],
            "stale_names": ["", "Pat, Lee", "", "Kim", ""],
            "critics": [0, 0, 1, 0, 0],
            "critic_names": ["", "", "Max (critic, senior)", "", ""],
        },
        index=pd.Index(["A1", "A2", "A3", "A4", "A5"], name="account_id"),
    )
    has = frame["contacts"] > 0
    frame["missing_executive_sponsor"] = has & ~frame["executive_sponsor"]
    frame["missing_decision_maker"] = has & ~frame["decision_maker"]
    frame.attrs.update(stale_days=90, as_of="2026-09-30")
    return frame


def _table():
    """The portfolio: A5 did not buy in the 12 months (not in it)."""
    return pd.DataFrame(
        {
            "account_name": ["Alpha", "Beta", "Gamma", "Delta"],
            "tier": ["key", "key", "maintain", "key"],
            "stage": ["Basic", "Interdependent", "Cooperative", "Cooperative"],
            "revenue": [10.0, 50.0, 30.0, 20.0],
        },
        index=pd.Index(["A1", "A2", "A3", "A4"], name="account_id"),
    )


def test_shape_by_stage_counts_accounts_and_the_share_whose_shape_fits():
    cross = pp.shape_by_stage(_summary(), _table())
    assert list(cross.index) == ["Basic", "Cooperative", "Interdependent"]
    assert cross.loc["Cooperative", ["bow tie", "developing"]].tolist() == [1, 1]
    assert cross["fits"].tolist() == [1.0, 0.5, 1.0]  # Gamma: a bow tie at Cooperative
    assert pp.describe_shape_fit(_summary(), _table()) == (
        "The shape fits the stage for 3 of 4 accounts (75%), and for 3 of the 3 key "
        "accounts (100%)."
    )


def test_every_single_threaded_account_is_listed_key_first():
    single = pp.single_threaded_accounts(_summary(), _table())
    assert list(single.index) == ["A1", "A5"]
    assert single["key"].tolist() == [True, False]
    assert single.loc["A5", "tier"] == "not in the portfolio"
    assert single.loc["A5", "account_name"] == "A5"  # no name: the id
    by_tier = pp.single_threaded_by_tier(single)
    assert by_tier.to_dict("index") == {
        "key": {"accounts": 1, "names": "Alpha"},
        "not in the portfolio": {"accounts": 1, "names": "A5"},
    }


def test_key_accounts_missing_a_sponsor_or_decision_maker_and_contacts_to_reach():
    missing = pp.key_accounts_missing_roles(_summary(), _table())
    assert list(missing.index) == ["A1", "A4"]  # Beta has both; Gamma is not key
    assert missing.loc["A1", ["executive_sponsor", "decision_maker"]].tolist() == ["no", "yes"]
    reach = pp.contacts_to_reach(_summary(), _table())
    assert list(reach.index) == ["A2", "A4"]  # Gamma's critic: not a key account
    assert reach.loc["A2", ["stale_names", "critic_names"]].tolist() == ["Pat, Lee", "-"]


def test_the_contacts_in_a_few_sentences():
    text = pp.describe_contacts(_summary(), _table())
    assert text.startswith("The contacts file maps 15 people at 5 accounts (1 of them did not buy")
    assert "Shapes: 3 bow tie, 1 developing, 1 diamond; of the 3 key accounts, 1 bow tie" in text
    assert "2 accounts are single-threaded (1 of them key)." in text
    assert "3 contacts at 2 accounts were not reached in the 90 days to 2026-09-30" in text


def test_the_shapes_chart_has_a_bar_per_tier_split_into_shares():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlab.plots.plans_performance import shapes_by_tier

    tiers = pd.Series(
        pd.Categorical(["key", "key", "maintain", "key"], categories=["key", "maintain"]),
        index=_table().index,
    )
    ax = shapes_by_tier(_summary(), tiers, ax=plt.subplots()[1])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["key (3)", "maintain (1)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "bow tie",
        "developing",
        "diamond",
    ]
    widths = {}
    for bars in ax.containers:
        for bar, tier in zip(bars, ["key", "maintain"], strict=True):
            widths[(bars.get_label(), tier)] = bar.get_width()
    assert widths[("bow tie", "key")] == pytest.approx(1 / 3)
    assert widths[("bow tie", "maintain")] == 1.0
    assert widths[("diamond", "maintain")] == 0.0
    plt.close("all")
