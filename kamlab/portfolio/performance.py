"""KAM performance: per-account KPIs between two years, and the programme's return.

**Per account** (:func:`account_kpis`): the 12 months to the period's end (the portfolio's
year, its ``revenue`` and ``growth``) against the 12 months before, each from the customer
P&L (:func:`kamlab.customer_pnl`, the later year with the accounts file, the earlier with
the previous accounts file): revenue, contribution, gross margin, KAM cost, share of
wallet, whether the account bought in each year (retained: in both) and its relationship
stage then and now (progress in steps of :data:`~kamlab.vocabulary.STAGES`).

**Programme return** (:func:`programme_return`), a stated, simple method:

1. *Treated* ("key accounts"): the accounts the supplier served with key account time at
   the start, ``kam_hours > 0`` in the previous accounts file (the current file when there
   is none). Chosen over kamlab's key tier of the previous period's table because (a) the
   treatment is what was done and its cost is those hours, (b) a comparison account must
   be untreated (no hours), and (c) that table's tier is scored on the 12 months to a
   quarter before the end, which lie inside the later year: treatment chosen on the
   outcome.
2. *Comparison pool*: accounts with no KAM hours. Both must have bought in the earlier
   year (positive net revenue), so the earlier year is a common baseline.
3. *Matching* (nearest neighbours with replacement, :class:`scipy.spatial.cKDTree`):
   on the earlier year's log revenue, contribution margin before KAM time, orders (log of
   1 + count) and recency when the later year began (log of 1 + days since the last
   purchase), each
   standardised by its spread over all compared accounts, within the same industry
   where it has a match within the caliper (else across industries, said in the notes).
   A neighbour farther than ``caliper`` (standardised units, Euclidean) is not
   comparable; a key account with none is left out of the estimate and listed.
4. *Difference in differences*, scaled by size: for key account *i* with matches *j*,
   ``effect_i = dY_i - R0_i x mean_j(dY_j / R0_j)``, ``dY`` the change of the measure
   from the earlier year to the later and ``R0`` the earlier year's revenue: the matched
   accounts' change per unit of earlier revenue is what the key account would have done
   without KAM, each match's change corrected for what remains of its difference in the
   covariates (the bias-corrected matching estimator, Abadie & Imbens 2011: a weighted
   least-squares fit over the matched comparison accounts). Measures: revenue, contribution before KAM time (the P&L's contribution +
   its KAM-hours charge, so the cost is counted once, below), retention (every compared
   account bought in the earlier year, so the difference in differences is the difference
   in the share still buying in the later year) and share of wallet (points; where both
   files give it).
5. *Interval*: a percentile bootstrap (seeded): each draw resamples the matched key
   accounts and reweights the comparison accounts (Poisson(1) weights, so one used by
   several key accounts moves them together); the matching itself is not redone (Abadie
   & Imbens 2008 show that bootstrapping nearest-neighbour matching is not valid). The
   draws are computed a few at a time, the same for any chunk size. On simulated data
   (tests/test_performance.py's generator, 400 seeds each, matched on revenue and margin)
   the 95% interval held the true revenue gain 365 times in 400 (91%) with a 10% effect
   and excluded zero 20 times in 400 (5%) with none.
6. *Return on KAM investment* = (contribution gain - KAM cost) / KAM cost, the KAM cost a
   year of the matched key accounts' ``kam_hours`` at the loaded hour rate
   (:func:`~kamlab.portfolio.planning.loaded_hour_cost`).

Balance: standardised mean differences of the matching covariates before and after
matching (Austin 2009; under 0.1 is commonly read as balanced). The caveat: key accounts
were chosen because they looked promising; matching evens out only what the data show,
so the result is an association, not proof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kamlab.errors import InputError, MissingColumnError
from kamlab.io import Accounts, Transactions, accounts_by_id
from kamlab.portfolio.measures import bought_in_window
from kamlab.portfolio.stages import assess_stages
from kamlab.summary import lines_table
from kamlab.value import customer_pnl
from kamlab.vocabulary import STAGES
from kamlab.words import agreeing, counted

__all__ = [
    "KPI_COLUMNS",
    "EFFECT_COLUMNS",
    "MEASURES",
    "ProgrammeReturn",
    "account_kpis",
    "performance_table",
    "programme_return",
    "year_windows",
]

YEAR = pd.DateOffset(months=12)

KPI_COLUMNS: dict[str, str] = {
    "account_name": "the account's name (when known)",
    "revenue_before": "net revenue, the 12 months before the later year (money)",
    "revenue": "net revenue, the 12 months to the period's end (money; = the portfolio's)",
    "revenue_growth": "revenue / revenue_before - 1 (NaN without earlier revenue)",
    "contribution_before": "contribution after cost to serve, earlier year (money)",
    "contribution": "contribution after cost to serve, later year (money)",
    "gross_margin_before": "gross margin, earlier year (money)",
    "gross_margin": "gross margin, later year (money)",
    "gross_margin_share_before": "gross margin / net revenue, earlier year",
    "gross_margin_share": "gross margin / net revenue, later year",
    "kam_cost_before": "the P&L's KAM-hours charge, earlier year (money)",
    "kam_cost": "the P&L's KAM-hours charge, later year (money)",
    "share_of_wallet_before": "share of wallet, previous accounts file (0-1)",
    "share_of_wallet": "share of wallet, accounts file (0-1)",
    "orders_before": "orders in the earlier year",
    "days_since_purchase_before": "days from the last purchase to the earlier year's end "
    "(recency when the later year began)",
    "bought_before": "net revenue > 0 in the earlier year",
    "bought": "net revenue > 0 in the later year",
    "retained": "bought in both years",
    "stage_before": "relationship stage, previous accounts file",
    "stage": "relationship stage, accounts file",
    "stage_change_steps": "stage steps gained since (+1 = one stage further; NaN unknown)",
    "kam_hours_before": "KAM hours a year, previous accounts file",
    "kam_hours": "KAM hours a year, accounts file",
    "key": "treated by the programme: kam_hours > 0 at the start",
}
"""Columns of :func:`account_kpis`, indexed by ``account_id`` (money in the P&L's currency)."""

MEASURES: dict[str, str] = {
    "revenue": "money",
    "contribution": "money",
    "retention": "share_change",
    "share_of_wallet": "share_change",
}
"""The programme-return measures and the kind of their effect (money per key account, or
a difference of shares)."""


def year_windows(end) -> dict[str, str]:
    """The two 12-month windows ending ``end``: first and last days of each (ISO dates)."""
    end = pd.Timestamp(end).normalize()
    start = end + pd.Timedelta(days=1) - YEAR
    earlier_end = start - pd.Timedelta(days=1)
    return {
        "before_start": str((start - YEAR).date()),
        "before_end": str(earlier_end.date()),
        "start": str(start.date()),
        "end": str(end.date()),
    }


def _stages(acc: pd.DataFrame | None, bought: pd.Series, notes: list[str], what: str):
    """Stage codes (0-4, NaN unknown) of ``acc``; a buying account at Exploratory is Basic
    (:func:`~kamlab.portfolio.stages.trading_stages`)."""
    index = bought.index
    if acc is None:
        return pd.Series(np.nan, index=index)
    try:
        stage = assess_stages(acc)["stage"]
    except MissingColumnError:
        notes.append(f"the {what} has no stage indicators: stages are unknown")
        return pd.Series(np.nan, index=index)
    codes = pd.Series(
        pd.Categorical(stage.astype("object"), categories=list(STAGES)).codes, index=stage.index
    )
    codes = codes.where(codes >= 0).reindex(index).astype("float64")
    return codes.where(~(bought & (codes == 0)), 1.0)


def _number(acc: pd.DataFrame | None, column: str, index: pd.Index) -> pd.Series:
    if acc is None or column not in acc.columns:
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.to_numeric(acc[column], errors="coerce").reindex(index).astype("float64")


def account_kpis(
    transactions: Transactions | pd.DataFrame,
    accounts: Accounts | pd.DataFrame | None = None,
    previous_accounts: Accounts | pd.DataFrame | None = None,
    *,
    until=None,
    rates=None,
    hours_column: str = "kam_hours",
    industry_column: str = "industry",
) -> pd.DataFrame:
    """One row per account that bought in either of the two 12-month windows ending
    ``until`` (default: the last date in the data), columns :data:`KPI_COLUMNS` (plus
    ``industry`` when the accounts give it), indexed by ``account_id``.

    Each window's money is the customer P&L (``rates``: the cost-to-serve rates) over
    that window: the later with ``accounts``, the earlier with ``previous_accounts``
    (without one, the current file's drivers and KAM hours stand in, and share of wallet
    and stage then are unknown; said in ``attrs["notes"]``). ``attrs``:
    ``windows`` (:func:`year_windows`), ``currency``, ``notes``. An
    :class:`~kamlab.errors.InputError` when the earlier window has no transaction (the
    data must cover two years).

    The earlier year is its own P&L, not the previous period's portfolio table
    (``PeriodRun.previous_table``), whose revenue is the 12 months to a quarter before the
    end and so overlaps the later year by nine months."""
    notes: list[str] = []
    acc = accounts_by_id(accounts)
    prev = given = accounts_by_id(previous_accounts)
    if prev is None and acc is not None:
        prev = acc
        notes.append(
            "no previous accounts file: today's KAM hours stand in for the start (which "
            "accounts were key), and share of wallet and stage then are unknown"
        )
    now = customer_pnl(transactions, acc, until=until, window="12M", rates=rates)
    windows = year_windows(now.attrs["until"])
    if not bought_in_window(transactions, windows["before_end"]):
        raise InputError(
            f"no transaction in the 12 months {windows['before_start']} to "
            f"{windows['before_end']}: KAM performance compares two years, so the data must "
            f"reach back to {windows['before_start']} (or choose an earlier --period)"
        )
    then = customer_pnl(transactions, prev, until=windows["before_end"], window="12M", rates=rates)
    index = now.index.union(then.index)
    out = pd.DataFrame(index=index)
    out.index.name = "account_id"
    names = [p["account_name"] for p in (now, then) if "account_name" in p]
    if names:
        out["account_name"] = names[0].reindex(index)
        for more in names[1:]:
            out["account_name"] = out["account_name"].fillna(more.reindex(index))
    kam = f"cts_{hours_column}"
    for suffix, pnl in (("_before", then), ("", now)):
        rev = pnl["net_revenue"].reindex(index).fillna(0.0).astype("float64")
        margin = pnl["gross_margin"].reindex(index).fillna(0.0).astype("float64")
        out[f"revenue{suffix}"] = rev
        out[f"contribution{suffix}"] = pnl["contribution"].reindex(index).fillna(0.0)
        out[f"gross_margin{suffix}"] = margin
        out[f"gross_margin_share{suffix}"] = (margin / rev).where(rev > 0)
        charge = pnl[kam] if kam in pnl else pd.Series(0.0, index=pnl.index)
        out[f"kam_cost{suffix}"] = charge.reindex(index).fillna(0.0).astype("float64")
    out["revenue_growth"] = (
        out["revenue"] / out["revenue_before"].where(out["revenue_before"] > 0) - 1
    )
    out["share_of_wallet_before"] = _number(given, "share_of_wallet", index)
    out["share_of_wallet"] = _number(acc, "share_of_wallet", index)
    out["orders_before"] = then["orders"].reindex(index).fillna(0).astype("float64")
    out["days_since_purchase_before"] = _recency(transactions, windows["before_end"], index)
    out["bought_before"] = out["revenue_before"] > 0
    out["bought"] = out["revenue"] > 0
    out["retained"] = out["bought_before"] & out["bought"]
    before = _stages(given, out["bought_before"], notes, "previous accounts file")
    after = _stages(acc, out["bought"], notes, "accounts file")
    category = pd.CategoricalDtype(list(STAGES), ordered=True)
    for column, codes in (("stage_before", before), ("stage", after)):
        out[column] = pd.Series(
            pd.Categorical.from_codes(codes.fillna(-1).astype(int), dtype=category), index=index
        )
    out["stage_change_steps"] = after - before
    out["kam_hours_before"] = _number(prev, hours_column, index)
    out["kam_hours"] = _number(acc, hours_column, index)
    out["key"] = out["kam_hours_before"].fillna(0.0) > 0
    for table in (acc, prev):
        if table is not None and industry_column in table.columns:
            out["industry"] = table[industry_column].reindex(index).astype("object")
            break
    order = [c for c in KPI_COLUMNS if c in out] + (["industry"] if "industry" in out else [])
    out = out[order]
    out.attrs.update(
        windows=windows,
        currency=now.attrs.get("currency"),
        notes=list(dict.fromkeys(now.attrs.get("notes", []) + then.attrs.get("notes", []))) + notes,
        hours_column=hours_column,
        hours_given=prev is not None and hours_column in prev.columns,
    )
    return out


# --------------------------------------------------------------------- programme return


@dataclass
class ProgrammeReturn:
    """What :func:`programme_return` found.

    ``estimates``: one row per measure (:data:`MEASURES`): ``kind``, ``n`` (key accounts
    with a value), ``effect`` (mean per key account), ``low``, ``high`` (bootstrap
    interval), ``total``, ``total_low``, ``total_high``; revenue also ``relative`` (the
    gain as a share of what the key accounts would have had without it) with
    ``relative_low``/``relative_high``. ``effects``: per key account, its matches and the
    effect per measure. ``matches``: one row per (key account, comparison account) with
    ``distance`` and ``weight``. ``balance``: per covariate, ``smd_before`` and
    ``smd_after``. ``levels``: per measure, the matched key accounts' ``before`` and
    ``after`` (totals of money, shares of accounts for retention, the mean share of wallet)
    and ``without`` (after less the gain: what the matches say they would have had), with
    ``without_low``/``without_high``. ``refused``: why there is no estimate (None when
    there is one). ``all_key_still_buy``: every matched key account bought in the later
    year while some matches did not (the retention gain may be built into how hours were
    recorded; said in the notes).
    """

    n_key: int = 0
    n_matched: int = 0
    n_comparison: int = 0
    n_pool: int = 0
    estimates: pd.DataFrame = field(default_factory=pd.DataFrame)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    kam_hours: float = 0.0
    hour_cost: float = math.nan
    kam_cost: float = 0.0
    contribution_gain: float = math.nan
    contribution_gain_low: float = math.nan
    contribution_gain_high: float = math.nan
    roi: float = math.nan
    roi_low: float = math.nan
    roi_high: float = math.nan
    currency: str | None = None
    windows: dict = field(default_factory=dict)
    unmatched: list = field(default_factory=list)
    levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    too_few: bool = False
    all_key_still_buy: bool = False
    refused: str | None = None
    notes: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain numbers and lists (for ``--json``)."""

        def number(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        estimates = {
            m: {k: number(v) for k, v in row.items()}
            for m, row in self.estimates.to_dict(orient="index").items()
        }
        balance = {
            c: {k: number(float(v)) for k, v in row.items()}
            for c, row in self.balance.to_dict(orient="index").items()
        }
        keys = (
            "n_key n_matched n_comparison n_pool kam_hours hour_cost kam_cost contribution_gain "
            "contribution_gain_low contribution_gain_high roi roi_low roi_high currency windows "
            "unmatched too_few all_key_still_buy refused notes settings"
        ).split()
        out = {k: getattr(self, k) for k in keys}
        out = {k: number(v) if isinstance(v, float) else v for k, v in out.items()}
        return {**out, "estimates": estimates, "balance": balance}


def _recency(transactions, end: str, index: pd.Index) -> pd.Series:
    """Days from each account's last purchase on or before ``end`` to ``end`` (NaN: none),
    one aggregate query in the lines' engine."""
    lines = lines_table(transactions)
    day_after = pd.Timestamp(end) + pd.Timedelta(days=1)
    last = (
        lines.filter(lines.date < day_after)
        .group_by("account_id")
        .aggregate(last=lines.date.max())
        .to_pandas()
        .set_index("account_id")["last"]
    )
    days = (day_after - pd.to_datetime(last)).dt.total_seconds() / 86400.0 - 1.0
    return days.clip(lower=0.0).reindex(index).astype("float64")


def _standardised(kpis: pd.DataFrame) -> pd.DataFrame:
    """The matching covariates: log earlier revenue, the earlier contribution margin
    before KAM time (clipped to -1..1), and the buying rhythm when the later year began:
    log of 1 + the earlier year's orders and log of 1 + days since the last purchase (an
    account that had gone quiet against its rhythm is compared with accounts that had
    too), each divided by its standard deviation."""
    revenue = kpis["revenue_before"]
    margin = ((kpis["contribution_before"] + kpis["kam_cost_before"]) / revenue).clip(-1, 1)
    x = pd.DataFrame({"log_revenue_before": np.log(revenue), "margin_before": margin})
    if "orders_before" in kpis:
        x["orders_before"] = np.log1p(kpis["orders_before"])
    if "days_since_purchase_before" in kpis:
        x["recency_before"] = np.log1p(kpis["days_since_purchase_before"].fillna(0.0))
    spread = x.std(ddof=0).replace(0.0, 1.0)
    return x / spread


def _match(x: pd.DataFrame, key: pd.Series, industry: pd.Series | None, k: int, caliper: float):
    """Matches of each key account: ``(treated, control, distance)`` arrays, within the
    industry where a match within the caliper exists there, else across all."""
    treated = np.flatnonzero(key.to_numpy())
    control = np.flatnonzero(~key.to_numpy())
    values = x.to_numpy()
    rows, cols, dists = [], [], []
    todo = treated
    across = 0
    groups = [None] if industry is None else list(pd.unique(industry.iloc[treated]))
    if industry is not None:
        ind = industry.to_numpy()
        left = []
        for g in groups:
            t = treated[ind[treated] == g]
            c = control[ind[control] == g]
            if not len(c):
                left.append(t)
                continue
            found = _query(values, t, c, k, caliper)
            rows.append(found[0]), cols.append(found[1]), dists.append(found[2])
            left.append(np.setdiff1d(t, found[0]))
        todo = np.concatenate(left) if left else np.array([], dtype=int)
    if len(todo):
        found = _query(values, todo, control, k, caliper)
        rows.append(found[0]), cols.append(found[1]), dists.append(found[2])
        across = len(np.unique(found[0])) if industry is not None else 0
    if not rows:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([]), 0
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dists), across


def _query(values, treated, control, k, caliper):
    k = min(k, len(control))
    d, j = cKDTree(values[control]).query(values[treated], k=k, distance_upper_bound=caliper)
    d, j = d.reshape(len(treated), k), j.reshape(len(treated), k)
    ok = np.isfinite(d)
    row = np.repeat(treated, k).reshape(len(treated), k)
    return row[ok], control[j[ok]], d[ok]


def _smd(x: pd.DataFrame, key: np.ndarray, w_control: np.ndarray, matched: np.ndarray):
    """Standardised mean differences, before (all) and after (matched key accounts against
    their weighted matches), the pooled standard deviation before matching (Austin 2009)."""
    t, c = x[key], x[~key]
    pooled = np.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2).replace(0.0, np.nan)
    before = (t.mean() - c.mean()) / pooled
    weights = w_control / w_control.sum() if w_control.sum() > 0 else w_control
    after_c = x.mul(weights, axis=0).sum()
    after_t = x[matched].mean()
    return pd.DataFrame({"smd_before": before, "smd_after": (after_t - after_c) / pooled})


def programme_return(
    kpis: pd.DataFrame,
    *,
    hour_cost: float,
    neighbours: int = 3,
    caliper: float = 0.5,
    draws: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    min_matched: int = 10,
    min_comparison: int = 5,
) -> ProgrammeReturn:
    """Key accounts against matched non-key accounts (module docstring): the difference in
    differences per key account and in total, with a seeded bootstrap interval at
    ``level``, balance, and the return on KAM investment at ``hour_cost`` (money per hour).

    ``kpis``: :func:`account_kpis` (``key``, ``kam_hours_before`` and the before/after
    columns; ``industry`` optional). ``neighbours`` matches per key account (with
    replacement) within ``caliper`` standardised units. Fewer than ``min_matched`` matched
    key accounts or ``min_comparison`` distinct comparison accounts sets ``too_few``; no
    key account or no comparison account at all gives ``refused`` and no estimate.

    To compare another choice of key accounts (e.g. kamlab's key tier of the previous
    period), set the ``key`` column of ``kpis``; the KAM cost is still their hours."""
    notes = list(kpis.attrs.get("notes", []))
    settings = {
        "neighbours": int(neighbours),
        "caliper": float(caliper),
        "draws": int(draws),
        "seed": int(seed),
        "level": float(level),
    }
    hours_known = kpis["kam_hours_before"].notna()
    base = kpis[(kpis["revenue_before"] > 0) & hours_known]
    key = base["key"].astype(bool)
    result = ProgrammeReturn(
        n_key=int(kpis["key"].sum()),
        n_pool=int((~key).sum()),
        hour_cost=float(hour_cost),
        currency=kpis.attrs.get("currency"),
        windows=dict(kpis.attrs.get("windows", {})),
        notes=notes,
        settings=settings,
    )
    if not hours_known.all():
        unknown_hours = int((~hours_known).sum())
        notes.append(
            f"{counted(unknown_hours, 'account')} with no KAM hours recorded at the start "
            f"{agreeing(unknown_hours)} neither key nor compared"
        )
    new_key = result.n_key - int(key.sum())
    if new_key:
        notes.append(
            f"{counted(new_key, 'key account')} did not buy in the earlier year: no baseline, "
            "left out"
        )
    if not key.any():
        result.refused = (
            "there are no key accounts (kam_hours > 0 at the start) that bought in the earlier year"
        )
        return result
    if key.all():
        result.refused = "there are no non-key accounts (no KAM hours) that bought in the earlier year to compare with"
        return result
    x = _standardised(base)
    industry = base["industry"].fillna("unknown") if "industry" in base else None
    rows, cols, dist, across = _match(x, key, industry, neighbours, caliper)
    pairs = pd.DataFrame({"key_row": rows, "control_row": cols, "distance": dist})
    pairs["weight"] = 1.0 / pairs.groupby("key_row")["key_row"].transform("size")
    matched_rows = np.unique(rows)
    ids = base.index
    result.unmatched = sorted(ids[np.setdiff1d(np.flatnonzero(key.to_numpy()), matched_rows)])
    result.n_matched = len(matched_rows)
    result.n_comparison = int(pd.unique(cols).size)
    if across:
        notes.append(
            f"{counted(across, 'key account')} matched outside their industry (none "
            "comparable in it)"
        )
    if result.unmatched:
        notes.append(
            f"{counted(len(result.unmatched), 'key account')} "
            f"{'has' if len(result.unmatched) == 1 else 'have'} no comparable non-key account "
            f"(within {caliper:g} standard deviations): left out of the estimate"
        )
    if not result.n_matched:
        result.refused = (
            f"no key account has a comparable non-key account (within {caliper:g} standard "
            "deviations of earlier revenue and margin)"
        )
        return result
    result.too_few = result.n_matched < min_matched or result.n_comparison < min_comparison

    # Per-account changes; the control's change per unit of its earlier revenue.
    r0 = base["revenue_before"].to_numpy()
    before_kam = base["contribution"] + base["kam_cost"]
    before_kam0 = base["contribution_before"] + base["kam_cost_before"]
    change = {
        "revenue": (base["revenue"] - base["revenue_before"]).to_numpy(),
        "contribution": (before_kam - before_kam0).to_numpy(),
    }
    plain = {
        "retention": base["bought"].astype("float64").to_numpy() - 1.0,
        "share_of_wallet": (base["share_of_wallet"] - base["share_of_wallet_before"]).to_numpy(),
    }
    xs = x.to_numpy()
    outcomes = {}  # measure -> (key account's change, its scale, the matches' change per unit)
    for name, dy in change.items():
        outcomes[name] = (
            dy[matched_rows],
            r0[matched_rows],
            _pair_values(pairs, dy / r0, xs),
        )
    for name, dy in plain.items():
        outcomes[name] = (
            dy[matched_rows],
            np.ones(len(matched_rows)),
            _pair_values(pairs, dy, xs),
        )
    slot = np.searchsorted(matched_rows, pairs["key_row"].to_numpy())
    effects, result.estimates = _estimate(
        outcomes, slot, pairs, base["revenue"].to_numpy()[matched_rows], draws, seed, level
    )
    effects.index = ids[matched_rows]
    result.levels = _levels(base.iloc[matched_rows], result.estimates)
    stopped = ~base["bought"].to_numpy()
    if not stopped[matched_rows].any() and stopped[pairs["control_row"].to_numpy()].any():
        result.all_key_still_buy = True
        notes.append(
            "every matched key account still buys in the later year while some of their "
            "matches stopped: if KAM hours were taken from accounts that stopped buying "
            "before the start's accounts file was written, part of the retention and revenue "
            "gain is built in; give the accounts file as it stood a year before the end"
        )
    hours = base["kam_hours_before"].fillna(0.0).to_numpy()[matched_rows]
    result.kam_hours = float(hours.sum())
    result.kam_cost = float(result.kam_hours * hour_cost)
    c = result.estimates.loc["contribution"]
    result.contribution_gain = float(c["total"])
    result.contribution_gain_low = float(c["total_low"])
    result.contribution_gain_high = float(c["total_high"])
    if result.kam_cost > 0:
        roi = np.array([c["total"], c["total_low"], c["total_high"]]) - result.kam_cost
        result.roi, result.roi_low, result.roi_high = (roi / result.kam_cost).tolist()

    # Who matched whom, and balance.
    pairs["account_id"] = ids[pairs["key_row"].to_numpy()]
    pairs["comparison_id"] = ids[pairs["control_row"].to_numpy()]
    result.matches = pairs[["account_id", "comparison_id", "distance", "weight"]].reset_index(
        drop=True
    )
    listed = _joined(result.matches["account_id"], result.matches["comparison_id"])
    effects.insert(0, "comparison_ids", listed.reindex(effects.index))
    effects.index.name = "account_id"
    result.effects = effects
    covariates = x.copy()
    if industry is not None:
        for g in sorted(pd.unique(industry)):
            covariates[f"industry: {g}"] = (industry == g).astype("float64")
    n = len(base)
    w = np.bincount(pairs["control_row"], weights=pairs["weight"], minlength=n)
    matched = np.zeros(n, dtype=bool)
    matched[matched_rows] = True
    result.balance = _smd(covariates.reset_index(drop=True), key.to_numpy(), w, matched)
    return result


def _joined(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` joined with ", " per key, in their order, indexed by the sorted keys:
    ``values.groupby(keys).agg(", ".join)`` without a Python call per group."""
    order = np.argsort(keys.to_numpy(dtype=object), kind="stable")
    k, v = keys.to_numpy(dtype=object)[order], values.to_numpy(dtype=object)[order]
    if not len(k):
        return pd.Series(dtype="object")
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return pd.Series([", ".join(part) for part in np.split(v, starts[1:])], index=k[starts])


def _levels(key: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """Before, after and without the gain, per measure, for the matched key accounts."""
    wallet = key["share_of_wallet"].notna() & key["share_of_wallet_before"].notna()
    level = {
        "revenue": (key["revenue_before"].sum(), key["revenue"].sum()),
        "contribution": (
            (key["contribution_before"] + key["kam_cost_before"]).sum(),
            (key["contribution"] + key["kam_cost"]).sum(),
        ),
        "retention": (1.0, key["bought"].mean()),
        "share_of_wallet": (
            key.loc[wallet, "share_of_wallet_before"].mean(),
            key.loc[wallet, "share_of_wallet"].mean(),
        ),
    }
    out = pd.DataFrame(level, index=["before", "after"]).T.astype("float64")
    money = estimates.index.isin(["revenue", "contribution"])  # totals; shares: the mean
    gain = estimates["total"].where(money, estimates["effect"])
    low = estimates["total_low"].where(money, estimates["low"])
    high = estimates["total_high"].where(money, estimates["high"])
    out["without"] = out["after"] - gain
    out["without_low"] = out["after"] - high
    out["without_high"] = out["after"] - low
    return out


def _pair_values(pairs: pd.DataFrame, values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each match's value of ``values``, corrected for the covariates' remaining
    difference, ``+ (x_i - x_j) b``, ``b`` the least-squares slopes of ``values`` on ``x``
    over the matched comparison accounts, weighted by their use (the bias-corrected
    matching estimator of Abadie & Imbens 2011, fitted where the matches are, so tiny
    accounts far from any key account do not steer it); NaN where the comparison
    account has no value."""
    key_row, control_row = pairs["key_row"].to_numpy(), pairs["control_row"].to_numpy()
    use = np.bincount(control_row, weights=pairs["weight"].to_numpy(), minlength=len(values))
    fit = (use > 0) & np.isfinite(values)
    slopes = np.zeros(x.shape[1])
    if fit.sum() > 2 * (x.shape[1] + 1):
        root = np.sqrt(use[fit])[:, None]
        design = np.column_stack([np.ones(fit.sum()), x[fit]]) * root
        slopes = np.linalg.lstsq(design, values[fit] * root[:, 0], rcond=None)[0][1:]
    return values[control_row] + (x[key_row] - x[control_row]) @ slopes


def _pair_sums(outcomes, slot, which, weight, m: int, n_controls: int):
    """The sparse map from the comparison accounts' weights (one column per draw) to each
    matched key account's sums over its usable matches (value finite and the key
    account's own change finite): per measure, ``m`` rows of weight x value x the key
    account's scale (``num``) and ``m`` rows of the weights (``den``, shared by the
    measures with the same usable matches). Returns the matrix and, per measure with any
    usable match, the row blocks of its num and den."""
    from scipy.sparse import csr_matrix

    data, blocks, dens = [], {}, {}
    for name, (dy, scale, values) in outcomes.items():
        usable = np.isfinite(values) & np.isfinite(dy[slot])
        if not usable.any():
            continue
        w = np.where(usable, weight, 0.0)
        data.append(w * np.where(usable, values, 0.0) * scale[slot])
        num = len(data) - 1
        if usable.tobytes() not in dens:
            data.append(w)
            dens[usable.tobytes()] = len(data) - 1
        blocks[name] = (num, dens[usable.tobytes()])
    rows = np.concatenate([slot + m * b for b in range(len(data))]) if data else []
    cols = np.tile(which, len(data))
    values = np.concatenate(data) if data else []
    matrix = csr_matrix((values, (rows, cols)), shape=(m * len(data), n_controls))
    matrix.eliminate_zeros()
    return matrix, blocks


def _effects(outcomes, matrix, blocks, reweight: np.ndarray) -> dict[str, np.ndarray]:
    """Per measure (key accounts x draws): the key account's change less its scale x the
    weighted mean of its matches' values, the comparison accounts weighted by the columns
    of ``reweight`` (comparison accounts x draws); NaN where no usable match weighs."""
    sums = matrix @ reweight
    out = {}
    for name, (dy, _, _) in outcomes.items():
        if name not in blocks:
            out[name] = np.full((len(dy), reweight.shape[1]), np.nan)
            continue
        m = len(dy)
        num, den = (sums[b * m : (b + 1) * m] for b in blocks[name])
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = dy[:, None] - num / np.where(den > 0, den, np.nan)
    return out


def _resample(rng: np.random.Generator, m: int, n: int, size: int):
    """``size`` bootstrap draws (one column each): multinomial counts of the ``m`` matched
    key accounts (``m`` drawn with replacement), and Poisson(1) counts of the ``n``
    comparison accounts, drawn as a Poisson(n) number of them with replacement (the same
    distribution: counts of a Poisson number of uniform draws are independent Poisson)."""
    keys, controls = np.empty((size, m)), np.empty((size, n))
    for d in range(size):
        keys[d] = np.bincount(rng.integers(0, m, m), minlength=m)
        controls[d] = np.bincount(rng.integers(0, n, rng.poisson(n)), minlength=n)
    return np.ascontiguousarray(keys.T), np.ascontiguousarray(controls.T)


_CHUNK = 16
"""Bootstrap draws computed at once (memory: a few key accounts x draws arrays per measure;
the results do not depend on it)."""


def _bootstrap(outcomes, matrix, blocks, revenue, n_controls, draws, seed):
    """Per measure the bootstrap draws' mean effect, and revenue's gain as a share of the
    revenue without it, ``draws`` draws from ``seed``, ``_CHUNK`` at a time. A draw's total
    gain is sum_i c_i (dy_i - num_i / den_i) over its key accounts with weight (``den_i``
    > 0), ``c`` the key accounts' counts: ``dy @ (c x good) - sum_i (c_i / den_i) num_i``."""
    m = len(revenue)
    rng = np.random.default_rng(seed)
    means = {name: [] for name in blocks}
    ratios = []
    changes = {name: np.nan_to_num(outcomes[name][0]) for name in blocks}
    for start in range(0, draws, _CHUNK):
        counts, reweight = _resample(rng, m, n_controls, min(_CHUNK, draws - start))
        sums = matrix @ reweight
        per_den = {}
        for den in sorted({d for _, d in blocks.values()}):
            weighed = sums[den * m : (den + 1) * m]
            good = weighed > 0
            inverse = np.divide(counts, weighed, out=np.zeros_like(weighed), where=good)
            used = counts * good
            per_den[den] = (used, used.sum(axis=0), inverse)
        with np.errstate(invalid="ignore", divide="ignore"):
            for name, (num, den) in blocks.items():
                used, n_used, inverse = per_den[den]
                matched = np.einsum("ij,ij->j", inverse, sums[num * m : (num + 1) * m])
                gain = changes[name] @ used - matched
                means[name].append(gain / n_used)
                if name == "revenue":
                    ratios.append(gain / (revenue @ used - gain))
    return (
        {name: np.concatenate(v) for name, v in means.items()},
        np.concatenate(ratios) if ratios else np.array([]),
    )


def _estimate(outcomes, slot, pairs, revenue, draws, seed, level):
    """Effects per key account, and per measure the mean and total with a percentile
    bootstrap interval: each draw resamples the matched key accounts (multinomial counts)
    and reweights the comparison accounts (Poisson(1) counts, so a comparison account used
    by several key accounts moves all of them); the matches stay as found."""
    controls, which = np.unique(pairs["control_row"].to_numpy(), return_inverse=True)
    weight = pairs["weight"].to_numpy()
    matrix, blocks = _pair_sums(outcomes, slot, which, weight, len(revenue), len(controls))
    point = _effects(outcomes, matrix, blocks, np.ones((len(controls), 1)))
    effects = pd.DataFrame({name: e[:, 0] for name, e in point.items()})
    effects["revenue_without"] = revenue - effects["revenue"]
    means, ratios = _bootstrap(outcomes, matrix, blocks, revenue, len(controls), draws, seed)
    tail = (1 - level) / 2 * 100
    stats = ["effect", "low", "high", "total", "total_low", "total_high"]
    rows = {}
    for name, kind in MEASURES.items():
        e = effects[name].to_numpy()
        valid = np.isfinite(e)
        row = {"kind": kind, "n": int(valid.sum())}
        if not valid.any():
            rows[name] = row | dict.fromkeys(stats, math.nan)
            continue
        low, high = np.nanpercentile(means[name], [tail, 100 - tail])
        mean, n = float(e[valid].mean()), valid.sum()
        totals = [mean * n, low * n, high * n]
        if name == "share_of_wallet":  # a sum of shares of different wallets means nothing
            totals = [math.nan] * 3
        row |= dict(zip(stats, [mean, low, high, *totals], strict=True))
        if name == "revenue":
            r_low, r_high = np.nanpercentile(ratios, [tail, 100 - tail])
            relative = e[valid].sum() / (revenue[valid] - e[valid]).sum()
            row |= {"relative": relative, "relative_low": r_low, "relative_high": r_high}
        rows[name] = {k: v if k in ("kind", "n") else float(v) for k, v in row.items()}
    return effects, pd.DataFrame.from_dict(rows, orient="index")


EFFECT_COLUMNS: dict[str, str] = {
    "role": "key (treated) or comparison (a matched non-key account)",
    "comparison_ids": "a key account's matched comparison accounts",
    "matched_to": "a comparison account's key accounts",
    "revenue_effect": "revenue gained against the matches, later year (money)",
    "contribution_effect": "contribution before KAM time gained against the matches (money)",
    "retention_effect": "difference in still buying against the matches (-1 to 1)",
    "share_of_wallet_effect": "share-of-wallet change against the matches' (points, 0-1)",
}
"""The columns :func:`performance_table` adds to :data:`KPI_COLUMNS`."""


def performance_table(kpis: pd.DataFrame, result: ProgrammeReturn) -> pd.DataFrame:
    """The key accounts' KPIs (every key account, matched or not) with their effects and
    matches, then the comparison accounts they were matched with (``role``): columns
    :data:`EFFECT_COLUMNS` first, then :data:`KPI_COLUMNS`; indexed by ``account_id``."""
    key = kpis.index[kpis["key"].astype(bool)]
    matches = result.matches
    comparison = pd.Index(pd.unique(matches["comparison_id"])) if len(matches) else key[:0]
    out = pd.DataFrame(index=key.append(comparison.difference(key)))
    out.index.name = "account_id"
    out["role"] = np.where(out.index.isin(key), "key", "comparison")
    if len(matches):
        listed = _joined(matches["account_id"], matches["comparison_id"])
        back = _joined(matches["comparison_id"], matches["account_id"])
        out["comparison_ids"] = listed.reindex(out.index).fillna("")
        out["matched_to"] = back.reindex(out.index).fillna("")
    else:
        out["comparison_ids"] = out["matched_to"] = ""
    for name in MEASURES:
        effect = result.effects[name] if name in result.effects else pd.Series(dtype="float64")
        out[f"{name}_effect"] = effect.reindex(out.index).astype("float64")
    out = out.join(kpis)
    out.attrs.update(kpis.attrs)
    return out
