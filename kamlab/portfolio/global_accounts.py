"""Global (international) key accounts: one customer, many legal entities in many countries.

The accounts file's optional ``parent_id`` names the global account each entity belongs to
(empty: the account is its own global account; rules in :mod:`kamlab.io.accounts`).

    rolled_tx, rolled_accounts = roll_up(tx, accounts, until="2026-09-30")
    build_portfolio(rolled_tx, rolled_accounts, until="2026-09-30")  # one row per global account
    country_comparison(tx, accounts, until="2026-09-30")             # entities side by side

:func:`roll_up` relabels every line's ``account_id`` to its global account **in the
engine** (a join with a small in-memory table of ``(entity, global id)``), so every step
(``summarize``, ``customer_pnl``, ``build_portfolio``, the value models) runs unchanged on
the rolled-up lines, and scores, box, tier and stage are recomputed on the global account.
The relabelled lines keep the entity's id in ``entity_id``; their ``order_id`` is
``<entity>/<order id>`` (``<entity>/<day>`` when the lines have none), so that orders and
deliveries of two entities never merge.

A global account's P&L over the roll-up's window (``until``, ``window``: use the window
the P&L or portfolio is built on; the portfolio's is 12 months) is the sum of its
entities' P&Ls: net revenue, gross margin and the transaction drivers add up line by line,
and the account drivers (``kam_hours``, ``service_calls``...) are rolled up so that they
charge what the entities' own P&Ls charge (the table below). One exception: financing is
on ``max(net revenue, 0)`` per account, so an entity with more returns than sales in the
window makes the global account's financing cost a little higher than the sum.

The accounts table rolled up (:func:`roll_up_accounts`), one row per global account, each
column by its rule; weights ``w`` are the entities' net revenue in the window (negative
counted as 0; all 0: equal weights):

======================================  ===============================================
column                                  rule
======================================  ===============================================
account_name                            ``parent_name``, else the largest entity's name
entities, countries                     the number of entities; their countries, largest
                                        first, comma separated
judgement scores, buyer headings,       revenue-weighted mean, rounded to a whole number
information_sharing, joint_planning,    when every entity's value is whole (the 1-10,
other numeric columns                   1-5 and 0-3 scales)
payment days (the cost rates'           revenue-weighted mean, not rounded (financing on
``payment_days_column``)                the global revenue then costs what the entities'
                                        financing costs)
share_of_wallet                         our revenue over the customer's total spend:
                                        sum(w) / sum(w / s) over entities with w, s > 0
                                        (else the weighted mean)
contacts, employees                     summed (people and headcount add up)
account drivers of the cost rates       summed over the entities that bought in the
(kam_hours, service_calls...)           window, each times its years in the window over
                                        the global account's (1 for an entity that was a
                                        customer all the window), so that the global
                                        P&L charges what the entities' P&Ls charge
functions_involved                      the largest (the same functions recur in every
                                        country: buying, logistics, quality...)
executive_sponsor and other yes/no      yes when any entity's is yes (a sponsor of the
                                        customer sponsors the whole relationship)
industry, region and other text         the largest entity's
parent_id, parent_name, country         folded into the above
======================================  ===============================================

:func:`country_comparison` sets the entities of each global account with two or more side
by side, computed per entity (the entity's own P&L and lines), with the **price index**:
the quantity-weighted mean, over the products two or more of the global account's
entities bought in the window, of the entity's mean unit price of the product over the
global account's mean unit price of it (both quantity-weighted, sales lines only): 1.10
is 10% above what the global customer pays on average for the same products.
"""

from __future__ import annotations

import copy

import ibis
import numpy as np
import pandas as pd

from kamlab.errors import InputError
from kamlab.io import Accounts, Transactions, accounts_by_id
from kamlab.io.mapping import ColumnMapping
from kamlab.io.transactions import lines_of
from kamlab.summary import lines_table
from kamlab.value import customer_pnl, load_cost_rates
from kamlab.words import agreeing, counted

__all__ = [
    "COMPARISON_COLUMNS",
    "COMPARISON_MEASURES",
    "country_comparison",
    "compared_entities",
    "country_spreads",
    "entity_window",
    "price_index",
    "relabel",
    "global_ids",
    "roll_up",
    "roll_up_accounts",
    "roll_up_with_previous",
]

WINDOW = "12M"
_SUMMED = ("contacts", "employees")
_LARGEST = ("functions_involved",)
_FOLDED = ("parent_id", "parent_name", "country")

COMPARISON_COLUMNS: dict[str, str] = {
    "global_id": "the global account",
    "global_name": "its name (parent_name, else its largest entity's)",
    "account_id": "the entity",
    "account_name": "the entity's name",
    "country": "the entity's country",
    "revenue": "net revenue in the window",
    "gross_margin_pct": "gross margin / net revenue",
    "cost_to_serve_pct": "cost to serve / net revenue",
    "contribution": "gross margin - cost to serve",
    "price_index": "mean unit price for the products shared with other entities / the "
    "global account's mean (quantity-weighted; 1 = the global average)",
    "orders": "orders in the window",
    "average_order_value": "net revenue / orders",
}
"""Columns of :func:`country_comparison`, one row per entity."""

COMPARISON_MEASURES = (
    "revenue",
    "gross_margin_pct",
    "cost_to_serve_pct",
    "contribution",
    "price_index",
    "orders",
    "average_order_value",
)
"""The measures whose spread (max - min) :func:`country_spreads` gives."""
RATIO_MEASURES = ("gross_margin_pct", "cost_to_serve_pct", "price_index", "average_order_value")
"""Measures per unit of an entity's business: on an entity with little revenue they say
little (a cost to serve of 40 times the revenue of an entity that bought twice)."""
MIN_ENTITY_SHARE = 0.01
"""An entity's smallest share of its global account's net revenue in the window for its
ratios (:data:`RATIO_MEASURES`) to be compared (:func:`compared_entities`): a small
entity's higher cost to serve is a real difference, one that barely buys is not."""


# --------------------------------------------------------------------------- who belongs


def global_ids(accounts: Accounts | pd.DataFrame) -> pd.Series:
    """Each account's global account id (``parent_id``, else its own id), indexed by
    account id. An accounts table without ``parent_id`` is an :class:`InputError`."""
    acc = accounts_by_id(accounts)
    if acc is None or "parent_id" not in acc.columns:
        raise InputError(
            "the accounts file needs a parent_id column (the global account each entity "
            "belongs to; empty for an account that is its own) to roll up to global accounts"
        )
    parent = acc["parent_id"].astype("string")
    own = pd.Series(acc.index, index=acc.index, dtype="string")
    return parent.fillna(own).rename("global_id")


def entity_window(
    transactions, index: pd.Index, *, until=None, window=WINDOW, rates=None
) -> pd.DataFrame:
    """Per account of ``index``: ``weight``, its net revenue in ``window`` ending ``until``
    (None: the last line's day; ``window`` None: all history; negative as 0), and
    ``years``, its time as a customer in the window as the P&L charges annual drivers
    (0: no line in the window). One engine query (:func:`kamlab.customer_pnl`)."""
    pnl = customer_pnl(transactions, None, until=until, window=window, rates=rates)
    out = pd.DataFrame(
        {
            "weight": pnl["net_revenue"].clip(lower=0.0),
            "years": pnl["years"],
        }
    )
    return out.reindex(index.astype("string")).fillna(0.0).astype("float64")


# --------------------------------------------------------------------------- the roll-up


def roll_up(
    transactions: Transactions,
    accounts: Accounts | pd.DataFrame,
    *,
    until=None,
    window=WINDOW,
    rates=None,
) -> tuple[Transactions, pd.DataFrame]:
    """The transactions with every line relabelled to its global account (in the engine)
    and the accounts table rolled up (:func:`roll_up_accounts`, weights: each entity's net
    revenue in ``window`` ending ``until``). ``rates`` (cost rates) name the account
    drivers that are summed. Raises :class:`InputError` without ``parent_id``."""
    tx, rolled, _ = roll_up_with_previous(
        transactions, accounts, None, until=until, window=window, rates=rates
    )
    return tx, rolled


def roll_up_with_previous(
    transactions: Transactions,
    accounts: Accounts | pd.DataFrame,
    previous: pd.DataFrame | None,
    *,
    until=None,
    window=WINDOW,
    rates=None,
) -> tuple[Transactions, pd.DataFrame, pd.DataFrame | None]:
    """:func:`roll_up`, and ``previous`` (an earlier accounts table, or None) rolled up
    with today's parents and weights, so that its stages compare with today's."""
    ids = global_ids(accounts)
    entities = entity_window(transactions, ids.index, until=until, window=window, rates=rates)
    rolled = roll_up_accounts(
        accounts, entities["weight"], ids=ids, rates=rates, years=entities["years"]
    )
    if previous is not None:
        previous = roll_up_accounts(previous, entities["weight"], ids=ids, rates=rates)
    return relabel(transactions, ids), rolled, previous


def relabel(transactions: Transactions, ids: pd.Series) -> Transactions:
    """``transactions`` whose lines carry the global id in ``account_id`` and the entity's
    in ``entity_id``; ``order_id`` becomes ``<entity>/<order id or day>``. The lines stay
    in the engine: a join with the (entity, global id) pairs that differ."""
    lines = lines_of(transactions)
    moved = ids[ids != ids.index.to_series().astype("string")]
    pairs = pd.DataFrame(
        {"_kl_entity": moved.index.astype(str), "_kl_global": moved.astype(str).to_numpy()}
    )
    pairs = ibis.memtable(pairs, schema={"_kl_entity": "string", "_kl_global": "string"})
    joined = lines.left_join(pairs, lines.account_id == pairs._kl_entity)
    entity = joined.account_id
    order = (
        joined.order_id.cast("string")
        if "order_id" in lines.columns
        else joined.date.date().cast("string")
    )
    out = joined.mutate(
        account_id=joined._kl_global.fill_null(entity),
        entity_id=entity,
        order_id=entity.concat("/", order),
    ).drop("_kl_entity", "_kl_global")
    if isinstance(transactions, Transactions):
        rolled = copy.copy(transactions)
        rolled.notes = [
            *transactions.notes,
            f"rolled up to global accounts: {moved.size:,} entities relabelled into "
            f"{moved.nunique():,} global accounts",
        ]
    else:  # a frame of lines: wrap it as the reader would
        n = len(transactions)
        rolled = Transactions(out, transactions.iloc[:0], ColumnMapping(), "lines", n, [], n)
    rolled.lines, rolled.lines_file, rolled._data = out, None, None
    return rolled


def roll_up_accounts(
    accounts: Accounts | pd.DataFrame,
    weights: pd.Series | None = None,
    *,
    ids: pd.Series | None = None,
    rates=None,
    years: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per global account (index ``account_id``: the global id), each column
    rolled up by the rule of the module docstring's table, plus ``entities`` and
    ``countries``. ``weights``: per account (default equal); ``ids``: each account's
    global id (default :func:`global_ids`; pass today's to roll up an earlier table the
    same way: accounts it does not name keep their own id); ``years``: each account's
    time as a customer in the window (:func:`entity_window`), which scales the account
    drivers of the cost rates (default: summed as they are)."""
    acc = accounts_by_id(accounts)
    ids = global_ids(acc) if ids is None else ids.reindex(acc.index).fillna(acc.index.to_series())
    # integer codes of the global ids, in their sorted order: grouping by codes is quick
    # (by text pandas would sort the ids again for every column)
    group, labels = pd.factorize(ids.astype("string").to_numpy(), sort=True)
    w = pd.Series(1.0, index=acc.index) if weights is None else weights.reindex(acc.index)
    w = w.fillna(0.0).clip(lower=0.0).astype("float64")
    total = w.groupby(group).transform("sum")
    w = w.where(total > 0, 1.0)  # a group with no revenue: equal weights
    order = pd.DataFrame({"g": group, "w": w.to_numpy(), "id": acc.index}, index=acc.index)
    order = order.sort_values(["g", "w", "id"], ascending=[True, False, True], kind="stable")
    largest = order.drop_duplicates("g").set_index("g")["id"]  # global id -> largest entity
    cost_rates = load_cost_rates(rates)
    drivers = set(cost_rates.account)
    share = _driver_shares(years, group, acc.index)

    out = pd.DataFrame(index=largest.index)  # the codes, in the global ids' order
    for col in acc.columns.drop(list(_FOLDED), errors="ignore"):
        values = acc[col]
        if col in drivers and _numeric(values):
            out[col] = (values.astype("float64") * share).groupby(group).sum(min_count=1)
        elif col in _SUMMED and _numeric(values):
            out[col] = values.groupby(group).sum(min_count=1)
        elif col in _LARGEST and _numeric(values):
            out[col] = values.groupby(group).max()
        elif col == "share_of_wallet" and _numeric(values):
            out[col] = _wallet(values.astype("float64"), w, group)
        elif col == cost_rates.payment_days_column and _numeric(values):
            out[col] = _weighted_mean(values.astype("float64"), w, group, whole=False)
        elif pd.api.types.is_bool_dtype(values):
            out[col] = values.groupby(group).any()
        elif _numeric(values):
            out[col] = _weighted_mean(values.astype("float64"), w, group)
        else:
            out[col] = values.reindex(largest.to_numpy()).to_numpy()
    if "parent_name" in acc.columns:
        named = acc["parent_name"].groupby(group).first()
        name = out["account_name"] if "account_name" in out else pd.Series(pd.NA, index=out.index)
        out["account_name"] = named.reindex(out.index).fillna(name)
    out["entities"] = pd.Series(group).value_counts().reindex(out.index).astype("int64")
    if "country" in acc.columns:
        out["countries"] = _countries(order["g"], acc["country"].reindex(order.index), out.index)
    out.index = pd.Index(labels[out.index.to_numpy()], name="account_id", dtype="string")
    return out


def _countries(group: pd.Series, country: pd.Series, index: pd.Index) -> pd.Series:
    """Per group, its distinct countries in the order given (largest entity first), comma
    separated: joined in Python only for the few groups with several countries."""
    pairs = pd.DataFrame({"g": group.to_numpy(), "c": country.astype("string").to_numpy()})
    pairs = pairs.dropna().drop_duplicates()
    several = pairs["g"].duplicated(keep=False).to_numpy()
    one = pairs[~several].set_index("g")["c"]
    joined = pairs[several].groupby("g", sort=False)["c"].agg(", ".join)
    return pd.concat([one, joined]).reindex(index)


def _driver_shares(years: pd.Series | None, group, index: pd.Index) -> pd.Series:
    """Each entity's years in the window over its global account's (the longest of its
    entities'): an annual driver summed with these shares and charged for the global
    account's years costs what the entities' own P&Ls charge. 1 without ``years`` or when
    no entity of the group bought in the window."""
    if years is None:
        return pd.Series(1.0, index=index)
    y = years.reindex(index).fillna(0.0).astype("float64")
    longest = y.groupby(group).transform("max")
    return (y / longest.where(longest > 0)).fillna(1.0)


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _weighted_mean(values: pd.Series, w: pd.Series, group, *, whole: bool = True) -> pd.Series:
    """Per group, the weighted mean of the known values; rounded where every value is
    whole (unless ``whole`` is False)."""
    known = values.notna()
    ww = w.where(known, 0.0)
    top = (values.fillna(0.0) * ww).groupby(group).sum()
    bottom = ww.groupby(group).sum()
    mean = (top / bottom.where(bottom > 0)).where(known.groupby(group).any())
    plain = values.groupby(group).mean()  # weights all 0 among the known values
    mean = mean.fillna(plain)
    return mean.round() if whole and (values.dropna() % 1 == 0).all() else mean


def _wallet(share: pd.Series, w: pd.Series, group) -> pd.Series:
    """Share of wallet of a group: our revenue over its spend, sum(w) / sum(w / s)."""
    usable = (w > 0) & (share > 0)
    spend = (w / share).where(usable, 0.0)
    ours = w.where(usable, 0.0)
    total = spend.groupby(group).sum()
    exact = ours.groupby(group).sum() / total.where(total > 0)
    return exact.fillna(_weighted_mean(share, w, group))


# --------------------------------------------------------------------------- countries


def country_comparison(
    transactions: Transactions | pd.DataFrame,
    accounts: Accounts | pd.DataFrame,
    *,
    until=None,
    window=WINDOW,
    rates=None,
    pnl: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The entities of every global account with two or more side by side, one row each
    (columns :data:`COMPARISON_COLUMNS`), over ``window`` ending ``until``: each entity's
    own P&L (``pnl``, the per-entity :func:`kamlab.customer_pnl` of that window, when
    already computed) and its price index, computed in the engine. Entities that did not
    buy in the window are left out, and so are global accounts left with one entity (a
    note names them). Sorted by global account, then revenue (largest first).
    ``attrs``: ``until``, ``start``, ``currency``, ``notes``."""
    acc = accounts_by_id(accounts)
    ids = global_ids(acc)
    if pnl is None:
        pnl = customer_pnl(transactions, acc, until=until, window=window, rates=rates)
    buying = ids.reindex(pnl.index.intersection(ids.index))
    size = buying.groupby(buying).transform("size")
    rows = buying.index[(size > 1).to_numpy()]
    groups = ids.groupby(ids).size()
    quiet = groups[groups > 1].index.difference(buying[size > 1].unique())
    weights = pnl["net_revenue"].clip(lower=0).reindex(acc.index).fillna(0.0)
    named = roll_up_accounts(
        acc[[c for c in ("account_name", "parent_id", "parent_name") if c in acc.columns]],
        weights,
        ids=ids,
    )
    names = named.get("account_name", pd.Series(named.index, index=named.index))
    p = pnl.loc[rows]
    revenue = p["net_revenue"].astype("float64")
    positive = revenue.where(revenue > 0)
    out = pd.DataFrame(
        {
            "global_id": ids.reindex(rows).to_numpy(),
            "account_id": rows,
            "account_name": (p["account_name"] if "account_name" in p else pd.NA),
            "country": acc["country"].reindex(rows) if "country" in acc else pd.NA,
            "revenue": revenue,
            "gross_margin_pct": p["gross_margin"] / positive,
            "cost_to_serve_pct": p["cost_to_serve"] / positive,
            "contribution": p["contribution"].astype("float64"),
            "orders": p["orders"].astype("int64"),
        },
        index=rows,
    )
    out.insert(1, "global_name", names.reindex(out["global_id"]).to_numpy())
    out["average_order_value"] = revenue / out["orders"].where(out["orders"] > 0)
    notes = []
    if len(quiet):
        notes.append(
            f"{counted(len(quiet), 'global account')} with fewer than two entities buying in the "
            f"window {agreeing(len(quiet))} not compared: {', '.join(map(str, quiet[:5]))}"
            + (", ..." if len(quiet) > 5 else "")
        )
    index = price_index(
        transactions, ids.reindex(rows), end=pnl.attrs["until"], start=pnl.attrs["start"]
    )
    if index is None:
        notes.append("no price index: the lines have no product_id, quantity and unit price")
        out["price_index"] = np.nan
    else:
        out["price_index"] = index.reindex(rows).astype("float64")
    out = out[list(COMPARISON_COLUMNS)]
    out = out.sort_values(["global_id", "revenue"], ascending=[True, False], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(
        until=pnl.attrs["until"],
        start=pnl.attrs["start"],
        currency=pnl.attrs["currency"],
        notes=notes,
    )
    return out


def price_index(transactions, ids: pd.Series, *, end, start) -> pd.Series | None:
    """Per entity of ``ids`` (entity -> global id), the price index of the module
    docstring over the sales lines from ``start`` to ``end``, computed in the engine;
    None when the lines cannot give prices (no product_id or quantity)."""
    lines = lines_table(transactions)
    if not {"product_id", "quantity"} <= set(lines.columns):
        return None
    pairs = pd.DataFrame({"_kl_entity": ids.index.astype(str), "_kl_global": ids.astype(str)})
    pairs = ibis.memtable(pairs, schema={"_kl_entity": "string", "_kl_global": "string"})
    day = lines.date.date()
    sales = lines.filter(
        (day >= pd.Timestamp(start).date())
        & (day <= pd.Timestamp(end).date())
        & ~lines.is_return
        & (lines.quantity > 0)
        & lines.product_id.notnull()
    )
    sales = sales.join(pairs, sales.account_id == pairs._kl_entity)
    qty = sales.quantity.cast("float64")
    paid = (
        sales.unit_price.cast("float64") * qty if "unit_price" in sales.columns else sales.revenue
    )
    per = (
        sales.mutate(_q=qty, _v=paid)
        .group_by(["_kl_global", "_kl_entity", "product_id"])
        .aggregate(q=lambda t: t._q.sum(), v=lambda t: t._v.sum())
    )
    per = per.mutate(price=per.v / per.q)
    shared = per.group_by(["_kl_global", "product_id"]).aggregate(
        entities=per._kl_entity.nunique(), mean=per.v.sum() / per.q.sum()
    )
    shared = shared.filter(shared.entities > 1)
    both = per.join(shared, ["_kl_global", "product_id"])
    result = (
        both.group_by("_kl_entity")
        .aggregate(index=(both.q * both.price / both.mean).sum() / both.q.sum())
        .to_pandas()
    )
    return result.set_index(result["_kl_entity"].astype("string"))["index"]


def compared_entities(comparison: pd.DataFrame, share: float = MIN_ENTITY_SHARE) -> pd.Series:
    """Per row of :func:`country_comparison`, True when the entity's ratios
    (:data:`RATIO_MEASURES`) are compared: it holds at least ``share`` of its global
    account's net revenue in the window, or fewer than two of the account's entities do
    (then all of them are compared)."""
    revenue = comparison["revenue"].astype("float64").clip(lower=0.0)
    total = revenue.groupby(comparison["global_id"]).transform("sum")
    material = revenue >= share * total
    enough = material.groupby(comparison["global_id"]).transform("sum") >= 2
    return material | ~enough


def country_spreads(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per global account of :func:`country_comparison`: ``global_name``, ``entities``,
    ``countries`` and, per measure of :data:`COMPARISON_MEASURES`, its spread across the
    entities (max - min, ``<measure>_spread``); the ratios' across the entities
    :func:`compared_entities` keeps (at least 1% of the account's revenue)."""
    g = comparison.groupby("global_id", sort=True)
    compared = compared_entities(comparison)
    out = pd.DataFrame(
        {
            "global_name": g["global_name"].first(),
            "entities": g.size(),
            "countries": g["country"].agg(
                lambda c: ", ".join(dict.fromkeys(c.dropna().astype(str)))
            ),
        }
    )
    for measure in COMPARISON_MEASURES:
        column = comparison[measure].astype("float64")
        if measure in RATIO_MEASURES:
            column = column.where(compared)
        spread = (
            column.groupby(comparison["global_id"]).max()
            - column.groupby(comparison["global_id"]).min()
        )
        out[f"{measure}_spread"] = spread
    out.index.name = "global_id"
    return out
