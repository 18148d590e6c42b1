"""Potential: the margin a year of each account's spend that we do not win yet.

McDonald & Woodburn's attractiveness is about what an account could be worth, not what
it was. ``potential`` is an account's **annual margin headroom** (money per year, >= 0)::

    potential = headroom x margin share

    margin share = the account's gross margin / net revenue over the 12 months (from the
                   customer P&L); the portfolio median where that is not meaningful
                   (no revenue, or a ratio outside 0-1), e.g. for prospects

    headroom, by the first basis that applies (``potential_basis``):

    "share of wallet"   the accounts file gives our share s (0 < s <= 1) and the account
                        bought in the 12 months:
                            wallet   = revenue / max(s, share_floor)
                            headroom = wallet - revenue
    "industry peers"    headroom = max(benchmark - revenue, 0), the benchmark from the
                        account's industry (accounts column ``industry``) when it has at
                        least ``min_peers`` buying accounts
    "portfolio peers"   the same with the benchmark of the whole portfolio
    "unknown"           no margin share at all (no account bought at a margin)

    benchmark = the ``peer_quantile`` (default the upper quartile) of the 12-month
                revenue of the buying accounts of the industry (else the portfolio)

The share floor (``potential:`` in ``criteria.yaml``,
:class:`~kamlab.portfolio.criteria.PotentialRule`; default 5%, the share below which a
relationship is still Exploratory) keeps a tiny stated share from blowing the wallet up:
a 0.1% share of GBP 10k would claim a GBP 10m wallet; floored, it claims at most 20 x
the revenue. The floor rather than a cap at a multiple of the peers keeps the largest
accounts apart: a cap would give every big account the same potential. The peer basis
says "an account like the good ones of its industry could buy this much"; it cannot
see an account that is already bigger than its peers (headroom 0). A prospect (revenue
0) always has a peer basis: a share of nothing says nothing about the wallet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.portfolio.criteria import PotentialRule
from kamlab.words import counted

__all__ = ["POTENTIAL_BASES", "account_potential", "peers_only_potential"]

POTENTIAL_BASES = ("share of wallet", "industry peers", "portfolio peers", "unknown")
"""Values of ``potential_basis``."""

PEERS_ONLY = ("portfolio peers", "unknown")
"""Potential bases that know nothing of the account but its revenue."""


def peers_only_potential(measures: pd.DataFrame) -> bool:
    """Whether every buying account's potential rests on the portfolio's upper quartile
    alone (``potential_basis`` portfolio peers; no share of wallet, no industry): it is
    then that quartile less the account's own revenue, which only ranks the smallest
    accounts first, so it is not scored."""
    if "potential_basis" not in measures:
        return False
    basis = measures["potential_basis"]
    if "prospect" in measures:
        basis = basis[~measures["prospect"].fillna(False).astype(bool)]
    return bool(len(basis)) and bool(basis.isin(PEERS_ONLY).all())


BUYING_REVENUE = 0.005
"""Net revenue above this (half a penny) makes a buying account. Below it, an account
whose returns cancel its purchases: an engine's parallel sum leaves it a few last bits
from 0 (3e-13 one run, 2e-14 the next), and a margin share over it would be noise."""


def _margin_share(revenue: pd.Series, gross_margin: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        share = gross_margin / revenue.where(revenue > BUYING_REVENUE)
    share = share.where((share >= 0) & (share <= 1))
    return share.fillna(share.median())


def _benchmark(revenue: pd.Series, buying: pd.Series, industry, rule: PotentialRule):
    """(benchmark per account, True where it is the industry's)."""
    overall = revenue[buying].quantile(rule.peer_quantile) if buying.any() else np.nan
    bench = pd.Series(overall, index=revenue.index, dtype="float64")
    from_industry = pd.Series(False, index=revenue.index)
    if industry is None:
        return bench, from_industry
    industry = industry.reindex(revenue.index)
    peers = revenue[buying].groupby(industry[buying])
    count = industry.map(peers.size()).fillna(0)
    level = industry.map(peers.quantile(rule.peer_quantile))
    from_industry = industry.notna() & (count >= rule.min_peers)
    return bench.where(~from_industry, level), from_industry


def account_potential(
    revenue: pd.Series,
    gross_margin: pd.Series,
    *,
    share_of_wallet: pd.Series | None = None,
    industry: pd.Series | None = None,
    rule: PotentialRule | None = None,
) -> pd.DataFrame:
    """``potential`` (annual margin headroom, >= 0) and ``potential_basis`` per account
    of ``revenue`` (12-month net revenue, 0 for a prospect), by the module's formula.
    ``gross_margin`` is the 12-month gross margin (NaN or 0 for a prospect);
    ``share_of_wallet`` (0-1] and ``industry`` come from the accounts file when it has
    them. ``attrs["notes"]`` counts the accounts per basis and the floored shares."""
    rule = rule or PotentialRule()
    revenue = revenue.astype("float64").fillna(0.0)
    buying = revenue > BUYING_REVENUE
    margin = _margin_share(revenue, gross_margin.reindex(revenue.index).astype("float64"))
    bench, from_industry = _benchmark(revenue, buying, industry, rule)

    headroom = (bench - revenue.clip(lower=0)).clip(lower=0)
    basis = pd.Series(
        np.where(from_industry, "industry peers", "portfolio peers"), index=revenue.index
    )
    floored = pd.Series(False, index=revenue.index)
    if share_of_wallet is not None:
        share = pd.to_numeric(share_of_wallet.reindex(revenue.index), errors="coerce")
        usable = buying & (share > 0) & (share <= 1)
        floored = usable & (share < rule.share_floor)
        wallet = revenue / share.clip(lower=rule.share_floor)
        headroom = headroom.where(~usable, (wallet - revenue).clip(lower=0))
        basis = basis.where(~usable, "share of wallet")
    potential = (headroom * margin).clip(lower=0)
    basis = basis.where(potential.notna(), "unknown")

    out = pd.DataFrame(
        {"potential": potential.astype("float64"), "potential_basis": basis.astype("object")},
        index=revenue.index,
    )
    counts = basis.value_counts()
    notes = [
        "potential (annual margin headroom) by basis: "
        + ", ".join(f"{b} {int(counts[b]):,}" for b in POTENTIAL_BASES if b in counts)
    ]
    if floored.any():
        notes.append(
            f"potential: {counted(int(floored.sum()), 'share')} of wallet below {rule.share_floor:.0%} "
            f"taken as {rule.share_floor:.0%} (the wallet at most "
            f"{1 / rule.share_floor:.0f} x the revenue)"
        )
    out.attrs["notes"] = notes
    return out
