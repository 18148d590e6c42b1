"""The data measures a selection factor can score, one row per account.

Built from the transactions (and, when given, the accounts table and a fitted customer
value) for the portfolio at ``until``: the accounts with any line in the last 12 months,
and the **prospects**: accounts of the accounts table that have never bought (``prospect``
True; revenue and contribution 0; potential from peers). Former customers (a purchase
before the 12 months, none in them) are not in the portfolio; the notes count them.
Columns are the keys of :data:`kamlab.portfolio.criteria.MEASURES`, plus
``account_name`` when known, ``prospect``, ``potential_basis``, the P&L's costs of
the account-level drivers (``cts_kam_hours``, ``cts_service_calls``...: the accounts
table's ``account_drivers`` of the cost rates; 0 for a prospect), plus the account
health measures
(:func:`kamlab.portfolio.health.health_measures`: last purchase, days since, typical gap,
P(alive), expected purchases next quarter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.io import Accounts, Transactions, accounts_by_id
from kamlab.portfolio.criteria import PotentialRule
from kamlab.portfolio.frames import add_columns
from kamlab.portfolio.health import health_measures
from kamlab.portfolio.potential import account_potential
from kamlab.portfolio.scoring import listed
from kamlab.segment import account_features
from kamlab.summary import lines_table
from kamlab.value import TRANSACTION_DRIVERS, cost_lines, customer_pnl
from kamlab.words import counted

__all__ = ["bought_in_window", "portfolio_measures", "year_on_year_growth"]

WINDOW = "12M"


def bought_in_window(transactions, until) -> bool:
    """Whether any accepted line falls in the 12 months (:data:`WINDOW`) ending ``until``
    (inclusive): a portfolio can be built for that end. A short history (three months of
    data) has none for the earlier periods a report compares with."""
    lines = lines_table(transactions)
    end = pd.Timestamp(until).normalize()
    start = end + pd.Timedelta(days=1) - pd.DateOffset(months=12)
    day = lines.date.date()
    return bool(lines.filter((day >= start.date()) & (day <= end.date())).count().execute() > 0)


YEAR = pd.DateOffset(months=12)

COVER_SLACK_DAYS = 7
"""The data may begin this many days after the earlier year's first day (a holiday, a
quiet first week) and still count as covering it."""


def year_on_year_growth(transactions, index: pd.Index, until) -> pd.Series:
    """``revenue in the 12 months to until / revenue in the 12 months before - 1``
    (net revenue, returns netted); NaN when the earlier 12 months had none (a new account
    or a prospect): -0.25 is revenue down 25% on the year before.

    When the data begin inside the earlier 12 months (more than
    :data:`COVER_SLACK_DAYS` after their first day), that year's revenue is only partly
    known and every account would seem to grow: growth is NaN for every account and
    ``attrs["notes"]`` says why."""
    lines = lines_table(transactions)
    end = pd.Timestamp(until).normalize()
    start = end + pd.Timedelta(days=1) - YEAR  # the window's first day, as the P&L's
    first = lines.date.min().execute()
    if first is not None and not pd.isna(first):
        first = pd.Timestamp(first).normalize()
        if first > start - YEAR + pd.Timedelta(days=COVER_SLACK_DAYS):
            growth = pd.Series(np.nan, index=index, dtype="float64", name="revenue")
            growth.attrs["notes"] = [
                f"growth not measured: the data begin on {first.date()}, inside the 12 months "
                f"before the window ({(start - YEAR).date()} to "
                f"{(start - pd.Timedelta(days=1)).date()}), so that year's revenue is only "
                "partly known and every account would seem to grow"
            ]
            return growth
    u = lines.mutate(day=lines.date.date())
    u = u.filter((u.day >= (start - YEAR).date()) & (u.day <= end.date()))
    sums = (
        u.group_by("account_id")
        .aggregate(
            now=u.revenue.sum(where=u.day >= start.date()),
            before=u.revenue.sum(where=u.day < start.date()),
        )
        .to_pandas()
    )
    sums = sums.set_index(sums["account_id"].astype("string"))[["now", "before"]]
    sums = sums.astype("float64").reindex(index.astype("string"))
    now = pd.Series(sums["now"].fillna(0.0).to_numpy(), index=index, name="revenue")
    before = pd.Series(sums["before"].to_numpy(), index=index, name="revenue")
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = now / before.where(before > 0) - 1
    return growth.astype("float64")


def portfolio_measures(
    transactions: Transactions | pd.DataFrame,
    accounts: Accounts | pd.DataFrame | None = None,
    *,
    until=None,
    value=None,
    pnl: pd.DataFrame | None = None,
    rates=None,
    health_value=None,
    potential: PotentialRule | None = None,
    prospects: bool = True,
) -> pd.DataFrame:
    """One row per account that bought in the 12 months to ``until``, and per prospect
    (an account of ``accounts`` that did not).

    ``revenue`` and ``contribution`` come from the customer P&L over those 12 months
    (:func:`kamlab.customer_pnl`, passed as ``pnl`` when already computed, or computed with
    ``rates``, the cost-to-serve rates: a YAML path, dict or ``None`` for the defaults);
    ``growth`` is year on year (:func:`year_on_year_growth`); ``purchase_frequency`` and
    ``tenure`` from :func:`kamlab.account_features`; ``share_of_wallet`` from the accounts
    table when it has that column; ``potential`` and ``potential_basis`` by
    :func:`kamlab.portfolio.potential.account_potential` with the rule ``potential``
    (the criteria's ``potential:`` section; default its defaults); ``clv`` from ``value``
    (a :class:`~kamlab.value.clv.CustomerValue`) when given; ``prospects=False`` leaves
    the prospects out (the buying accounts only, e.g. for teaching). The health measures use the purchase model of ``health_value`` (a
    ``CustomerValue``; default ``value``), and recency alone when neither is given.
    """
    acc = accounts_by_id(accounts)
    if pnl is None:
        pnl = customer_pnl(transactions, acc, until=until, window=WINDOW, rates=rates)
    until = pnl.attrs.get("until", until)
    index = pnl.index
    features = account_features(transactions, until=until)
    former = pd.Index([])  # bought before the window, not in it: lost, not prospects
    if acc is not None and prospects:  # in the accounts table, never bought up to until
        quiet = acc.index.difference(pnl.index)
        former = quiet.intersection(features.index)
        index = index.append(quiet.difference(former).astype(index.dtype))
    # Each table is lined up with the accounts once (a reindex hashes every id: at 1M
    # accounts some 0.2 s), not column by column.
    features = features.reindex(index)
    buyers, notes = len(pnl), list(pnl.attrs.get("notes", []))
    pnl = pnl.reindex(index)
    out = pd.DataFrame(index=index)
    if "account_name" in pnl:
        out["account_name"] = pnl["account_name"]
        if acc is not None and "account_name" in acc:
            out["account_name"] = out["account_name"].fillna(acc["account_name"].reindex(index))
    out["prospect"] = np.arange(len(index)) >= buyers  # the prospects follow the buyers
    out["revenue"] = pnl["net_revenue"].fillna(0.0).astype("float64")
    out["contribution"] = pnl["contribution"].fillna(0.0).astype("float64")
    # The account-level cost drivers' costs (cts_kam_hours, cts_service_calls...): what a
    # lower tier's service model saves (kamlab.portfolio.exits.tier_contributions).
    per_order = {f"cts_{c}" for c in TRANSACTION_DRIVERS.values()} | {"cts_financing"}
    for column in [c for c in cost_lines(pnl) if c not in per_order]:
        out[column] = pnl[column].fillna(0.0).astype("float64")
    growth = year_on_year_growth(transactions, index, until)
    out["growth"] = growth
    out["purchase_frequency"] = features["purchases_per_month"].astype("float64")
    out["tenure"] = features["tenure_months"].astype("float64")
    if acc is not None and "share_of_wallet" in acc.columns:
        wallet = pd.to_numeric(acc["share_of_wallet"], errors="coerce")
        out["share_of_wallet"] = wallet.reindex(out.index).astype("float64")
    head = account_potential(
        out["revenue"],
        pnl["gross_margin"],
        share_of_wallet=out.get("share_of_wallet"),
        industry=None if acc is None or "industry" not in acc else acc["industry"],
        rule=potential,
    )
    out = add_columns(out, head)
    if value is not None:
        out["clv"] = value.table["clv"].reindex(out.index).astype("float64")
    health = health_measures(
        transactions, out.index, until=until, value=value if health_value is None else health_value
    )
    out = add_columns(out, health)
    notes += head.attrs["notes"] + health.attrs["notes"]
    notes += growth.attrs.get("notes", [])
    if out["prospect"].any():
        notes.append(
            f"{counted(int(out['prospect'].sum()), 'prospect')}: accounts in the accounts table that have "
            "never bought (revenue and contribution 0, potential from peers)"
        )
    if len(former):
        notes.append(
            f"{counted(len(former), 'former customer')} in the accounts table bought before the {WINDOW} "
            f"window but not in it, so they are not in the portfolio: {listed(former)}"
        )
    assumed = pnl.attrs.get("cost_of_goods_assumed")  # for the reader: estimated margins
    out.attrs.update(until=until, window=WINDOW, notes=notes, cost_of_goods_assumed=assumed)
    return out
