"""The data measures a selection factor can score, one row per account.

Built from the transactions (and, when given, the accounts table and a fitted customer
value) for the portfolio at ``until``: the accounts with any line in the last 12 months.
Columns are the keys of :data:`kamlab.portfolio.criteria.MEASURES`, plus
``account_name`` when known, the P&L's costs of the account-level drivers
(``cts_kam_hours``, ``cts_service_calls``...: the accounts table's ``account_drivers``
of the cost rates), plus the account health measures
(:func:`kamlab.portfolio.health.health_measures`: last purchase, days since, typical gap,
P(alive), expected purchases next quarter).
"""

from __future__ import annotations

import pandas as pd

from kamlab.io import Accounts, Transactions, accounts_by_id
from kamlab.portfolio.health import health_measures
from kamlab.segment import account_features
from kamlab.value import TRANSACTION_DRIVERS, cost_lines, customer_pnl

__all__ = ["portfolio_measures"]

WINDOW = "12M"


def portfolio_measures(
    transactions: Transactions | pd.DataFrame,
    accounts: Accounts | pd.DataFrame | None = None,
    *,
    until=None,
    value=None,
    pnl: pd.DataFrame | None = None,
    rates=None,
    health_value=None,
) -> pd.DataFrame:
    """One row per account that bought in the 12 months to ``until``.

    ``revenue`` and ``contribution`` come from the customer P&L over those 12 months
    (:func:`kamlab.customer_pnl`, passed as ``pnl`` when already computed, or computed with
    ``rates``, the cost-to-serve rates: a YAML path, dict or ``None`` for the defaults);
    ``growth``, ``purchase_frequency`` and ``tenure`` from
    :func:`kamlab.account_features`; ``share_of_wallet`` from the accounts table when it
    has that column; ``clv`` from ``value`` (a :class:`~kamlab.value.clv.CustomerValue`)
    when given. The health measures use the purchase model of ``health_value`` (a
    ``CustomerValue``; default ``value``), and recency alone when neither is given.
    """
    acc = accounts_by_id(accounts)
    if pnl is None:
        pnl = customer_pnl(transactions, acc, until=until, window=WINDOW, rates=rates)
    until = pnl.attrs.get("until", until)
    features = account_features(transactions, until=until).reindex(pnl.index)
    out = pd.DataFrame(index=pnl.index)
    if "account_name" in pnl:
        out["account_name"] = pnl["account_name"]
    out["revenue"] = pnl["net_revenue"].astype("float64")
    out["contribution"] = pnl["contribution"].astype("float64")
    # The account-level cost drivers' costs (cts_kam_hours, cts_service_calls...): what a
    # lower tier's service model saves (kamlab.portfolio.exits.tier_contributions).
    per_order = {f"cts_{c}" for c in TRANSACTION_DRIVERS.values()} | {"cts_financing"}
    for column in [c for c in cost_lines(pnl) if c not in per_order]:
        out[column] = pnl[column].astype("float64")
    out["growth"] = features["growth"].astype("float64")
    out["purchase_frequency"] = features["purchases_per_month"].astype("float64")
    out["tenure"] = features["tenure_months"].astype("float64")
    if acc is not None and "share_of_wallet" in acc.columns:
        wallet = pd.to_numeric(acc["share_of_wallet"], errors="coerce")
        out["share_of_wallet"] = wallet.reindex(out.index).astype("float64")
    if value is not None:
        out["clv"] = value.table["clv"].reindex(out.index).astype("float64")
    health = health_measures(
        transactions, out.index, until=until, value=value if health_value is None else health_value
    )
    out = out.join(health)
    notes = list(pnl.attrs.get("notes", [])) + health.attrs["notes"]
    out.attrs.update(until=until, window=WINDOW, notes=notes)
    return out
