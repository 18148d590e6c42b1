"""KAM performance and programme return, for readers: tables and sentences.

What the report's "KAM performance and programme return" section shows, from a
:class:`~kamlab.portfolio.performance.ProgrammeReturn` and the KPI frame of
:func:`~kamlab.portfolio.performance.account_kpis`::

    kpis = account_kpis(run.transactions, run.accounts, run.previous_accounts, until=run.end)
    result = programme_return(kpis, hour_cost=loaded_hour_cost(run.rates))
    describe_programme_return(result)          # Markdown: the finding and the caveat
    programme_return_table(result)             # one row per measure, with intervals
    balance_table(result)                      # before/after matching
    key_account_kpis(kpis)                     # the key accounts' KPIs, labelled columns
    programme_method(result)                   # the method, for the appendix
"""

from __future__ import annotations

import math

import pandas as pd

from kamlab.presentation import format as fmt
from kamlab.words import counted

__all__ = [
    "KPI_READER_COLUMNS",
    "MEASURE_NAMES",
    "balance_table",
    "describe_programme_return",
    "key_account_kpis",
    "programme_caveat",
    "programme_method",
    "programme_return_table",
    "programme_summary_lines",
]

MEASURE_NAMES = {
    "revenue": "Net revenue",
    "contribution": "Contribution before KAM time",
    "retention": "Still buying (retention)",
    "share_of_wallet": "Share of wallet",
}
"""The programme-return measures as a reader reads them."""

KPI_READER_COLUMNS = [
    "account_name",
    "revenue_before",
    "revenue",
    "revenue_growth",
    "contribution",
    "gross_margin_share",
    "share_of_wallet_before",
    "share_of_wallet",
    "retained",
    "stage_before",
    "stage",
    "stage_change_steps",
    "kam_hours_before",
]
"""The KPI columns a key-account table shows (labels in
:data:`kamlab.presentation.labels.LABELS`)."""

BALANCED_SMD = 0.1
"""An absolute standardised mean difference under this reads as balanced (Austin 2009)."""

_COVARIATES = {
    "log_revenue_before": "Net revenue, year before (log)",
    "margin_before": "Contribution margin before KAM time, year before",
    "recency_before": "Days since the last purchase when the year began (log)",
    "orders_before": "Orders, year before (log)",
}


def _signed_money(value: float, currency: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = fmt.money(value, currency, short=True)
    return text if value < 0 else "+" + text


def _effect(kind: str, value: float, currency: str) -> str:
    return _signed_money(value, currency) if kind == "money" else fmt.points(value)


def _interval(kind: str, low: float, high: float, currency: str) -> str:
    return f"{_effect(kind, low, currency)} to {_effect(kind, high, currency)}"


def _lower(text: str) -> str:
    """The first letter in lower case (keeps "KAM")."""
    return text[:1].lower() + text[1:]


def _level(result) -> str:
    return f"{result.settings.get('level', 0.95):.0%}"


def programme_return_table(result) -> pd.DataFrame:
    """One row per measure: key accounts with a value, the gain per key account and for
    all the matched key accounts, each with its interval (text cells, money in the
    result's currency, shares in percentage points). Empty when the result was refused."""
    if result.refused or result.estimates.empty:
        return pd.DataFrame(columns=["Measure"])
    cur, level = result.currency or "GBP", _level(result)
    rows = []
    for name, e in result.estimates[result.estimates["n"] > 0].iterrows():
        kind = e["kind"]
        total = name in ("revenue", "contribution")
        rows.append(
            {
                "Measure": MEASURE_NAMES.get(name, name),
                "Key accounts": fmt.count(e["n"]),
                "Gain per key account": _effect(kind, e["effect"], cur),
                f"{level} interval": _interval(kind, e["low"], e["high"], cur),
                "Gain, all matched key accounts": (
                    _effect(kind, e["total"], cur) if total else "-"
                ),
                f"{level} interval, all": (
                    _interval(kind, e["total_low"], e["total_high"], cur) if total else "-"
                ),
            }
        )
    return pd.DataFrame(rows)


def balance_table(result) -> pd.DataFrame:
    """The matching covariates' standardised mean differences before and after matching
    (key accounts minus non-key; |SMD| under 0.1 reads as balanced)."""
    if result.balance.empty:
        return pd.DataFrame(columns=["Covariate"])
    b = result.balance
    names = [_COVARIATES.get(c, c.replace("industry: ", "Industry: ")) for c in b.index]
    return pd.DataFrame(
        {
            "Covariate": names,
            "Difference before matching (SMD)": [fmt.number(v, sign=True) for v in b["smd_before"]],
            "Difference after matching (SMD)": [fmt.number(v, sign=True) for v in b["smd_after"]],
            "Balanced after": [
                "yes" if abs(v) < BALANCED_SMD else "no" if math.isfinite(v) else "n/a"
                for v in b["smd_after"]
            ],
        }
    )


def key_account_kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    """The key accounts' rows of the KPI frame, the reader's columns
    (:data:`KPI_READER_COLUMNS`), by revenue; pass it to
    :func:`kamlab.presentation.tables.for_reader` for labels and formats."""
    key = kpis[kpis["key"].astype(bool)]
    columns = [c for c in KPI_READER_COLUMNS if c in key.columns]
    return key.sort_values("revenue", ascending=False)[columns]


def programme_caveat(result) -> str:
    """The caveat in plain words: association, not proof; and what is thin."""
    text = (
        "Key accounts were chosen because they looked promising. Matching evens out only "
        "what the data show (the earlier year's revenue, margin, orders and recency, and the industry), not "
        "what the team knew when it chose them, so read this as an association, not proof "
        "that key account management caused the difference."
    )
    if result.too_few:
        text += (
            f" Only {counted(result.n_matched, 'key account')} found "
            f"{counted(result.n_comparison, 'comparable non-key account')}: too few to read "
            "much into."
        )
    if result.unmatched:
        shown = ", ".join(result.unmatched[:10]) + (" ..." if len(result.unmatched) > 10 else "")
        text += (
            f" {counted(len(result.unmatched), 'key account')} had no comparable non-key "
            "account and "
            f"are left out ({shown})."
        )
    if result.all_key_still_buy:
        text += (
            " Every key account still buys while some of their matches stopped: if key "
            "account hours were taken from accounts that had stopped buying before the "
            "accounts file used for the start was written, part of the retention gain is "
            "built in."
        )
    off = [
        _COVARIATES[c]
        for c in _COVARIATES
        if c in result.balance.index and abs(result.balance.loc[c, "smd_after"]) >= BALANCED_SMD
    ]
    if off:
        text += (
            f" After matching the key accounts still differ from their matches in "
            f"{' and '.join(_lower(x) for x in off)} (standardised difference 0.1 or more): "
            "the comparison is rough."
        )
    return text


def describe_programme_return(result) -> str:
    """The programme's return in Markdown: who was compared, the gain per measure with
    its interval, the KAM hours and their cost, the return on KAM investment, and the
    caveat. A refused result says why there is no estimate."""
    w = result.windows
    years = (
        f"the 12 months to {w['end']} against the 12 months to {w['before_end']}"
        if w
        else "the later year against the earlier"
    )
    if result.refused:
        return (
            f"**No programme return for {years}:** {result.refused}, so there is nothing to "
            "compare key accounts with. " + ("" if result.n_key else "")
        ).strip()
    cur, level = result.currency or "GBP", _level(result)
    e = result.estimates
    parts = []
    for name in ("revenue", "contribution"):
        r = e.loc[name]
        text = (
            f"{_signed_money(r['total'], cur)} of {_lower(MEASURE_NAMES[name])} "
            f"({level} interval {_interval('money', r['total_low'], r['total_high'], cur)}"
        )
        if name == "revenue" and math.isfinite(r.get("relative", math.nan)):
            text += f"; {fmt.percent(r['relative'], 1, sign=True)} on what they would have had"
        parts.append(text + ")")
    r = e.loc["retention"]
    parts.append(
        f"{fmt.points(r['effect'])} in the share still buying "
        f"({_interval('share_change', r['low'], r['high'], cur)})"
    )
    r = e.loc["share_of_wallet"]
    if r["n"]:
        parts.append(
            f"{fmt.points(r['effect'])} of share of wallet "
            f"({_interval('share_change', r['low'], r['high'], cur)}, {fmt.count(r['n'])} "
            "accounts with it in both accounts files)"
        )
    text = (
        f"**Programme return, {years}.** {result.n_matched:,} of {result.n_key:,} key accounts "
        f"(accounts with key account hours at the start) were compared with "
        f"{result.n_comparison:,} matched non-key accounts. Against them, the key accounts "
        "differed by " + "; ".join(parts) + "."
    )
    c = e.loc["contribution"]
    if c["total_low"] <= 0 <= c["total_high"]:
        text += (
            " The contribution interval includes zero: the data cannot tell the gain from chance."
        )
    if result.kam_cost > 0:
        text += (
            f"\n\nTheir {fmt.count(result.kam_hours)} KAM hours a year cost "
            f"{fmt.money(result.kam_cost, cur)} at {cur} {result.hour_cost:,.2f} an hour (the "
            f"loaded rate). Return on KAM investment = (contribution gain - KAM cost) / KAM "
            f"cost = **{fmt.percent(result.roi, sign=True)}** ({level} interval "
            f"{fmt.percent(result.roi_low, sign=True)} to "
            f"{fmt.percent(result.roi_high, sign=True)})"
            + (
                ": each pound of KAM time came back with more."
                if result.roi_low > 0
                else ": the hours did not clearly pay for themselves."
                if result.roi_high >= 0
                else ": the hours cost more than the gain."
            )
        )
    else:
        text += "\n\nThe matched key accounts record no KAM hours: no return on them to show."
    return text + "\n\n" + programme_caveat(result)


def programme_method(result) -> str:
    """The method in plain words, for the appendix."""
    s = result.settings
    return (
        "**How the programme return is estimated.** Key accounts are the accounts with key "
        "account hours (`kam_hours` > 0) in the previous period's accounts file: what the "
        "programme did, and what it cost (best, the file as it stood a year before the "
        "end, at the start of the later year). The non-key accounts recorded no hours. Both "
        "must have bought in the earlier 12 months. Each key account is matched with its "
        f"{s.get('neighbours', 3)} nearest non-key accounts (with replacement) on the "
        "earlier year's revenue (log) and contribution margin before KAM time, in the same "
        "industry where one is close enough (within "
        f"{s.get('caliper', 0.5):g} standard deviations), else in any industry; a key account "
        "with none that close is left out. A key account's gain on a measure is its change "
        "between the two years less the change its matches made per unit of earlier revenue, "
        "scaled to its own earlier revenue (a difference in differences), corrected for what "
        "remains of the difference in revenue and margin (Abadie & Imbens 2011). Contribution "
        "is taken before the KAM-hours charge, so that the hours are counted once, as the "
        "cost. Every compared account bought in the earlier year, so the retention gain is "
        "the difference in the share still buying. The interval resamples the key accounts "
        f"and reweights their matches ({s.get('draws', 2000):,} draws, seed "
        f"{s.get('seed', 0)}); the matches are not redone. Return on KAM investment = "
        "(contribution gain - KAM cost) / KAM cost, the cost a year of the key accounts' "
        "hours at the loaded hour rate."
    )


def programme_summary_lines(result) -> list[str]:
    """The programme return as short lines for a terminal (``kamlab performance``): the
    years, who was compared, the gain per measure with its interval, the hours, their cost
    and the return on KAM investment, the balance and the caveat."""
    w, cur, level = result.windows, result.currency or "GBP", _level(result)
    lines = []
    if w:
        lines.append(
            f"KAM performance: the 12 months to {w['end']} against the 12 months to "
            f"{w['before_end']} ({cur})"
        )
    lines.append(
        f"key accounts (KAM hours at the start): {result.n_key:,}; matched: "
        f"{result.n_matched:,} with {result.n_comparison:,} non-key accounts (of "
        f"{result.n_pool:,}); no comparable match: {len(result.unmatched):,}"
    )
    if result.refused:
        return lines + [f"no programme return: {result.refused}"]
    for name, e in result.estimates.iterrows():
        kind = e["kind"]
        if not e["n"]:
            lines.append(f"{_lower(MEASURE_NAMES[name])}: not known for the key accounts")
            continue
        text = (
            f"{_lower(MEASURE_NAMES[name])}: {_effect(kind, e['effect'], cur)} per key account "
            f"({level} interval {_interval(kind, e['low'], e['high'], cur)})"
        )
        if name in ("revenue", "contribution"):
            text += (
                f", {_effect(kind, e['total'], cur)} in all "
                f"({_interval(kind, e['total_low'], e['total_high'], cur)})"
            )
        if name == "revenue" and math.isfinite(e.get("relative", math.nan)):
            text += f", {fmt.percent(e['relative'], 1, sign=True)}"
        lines.append(text)
    lines.append(
        f"KAM hours a year: {fmt.count(result.kam_hours)} at {cur} {result.hour_cost:,.2f} = "
        f"{fmt.money(result.kam_cost, cur)}; return on KAM investment "
        f"{fmt.percent(result.roi, sign=True)} ({level} interval "
        f"{fmt.percent(result.roi_low, sign=True)} to {fmt.percent(result.roi_high, sign=True)})"
    )
    b = result.balance
    shown = [c for c in _COVARIATES if c in b.index]
    lines.append(
        "balance (standardised difference before -> after matching): "
        + ", ".join(
            f"{_lower(_COVARIATES[c])} {fmt.number(b.loc[c, 'smd_before'], sign=True)} -> "
            f"{fmt.number(b.loc[c, 'smd_after'], sign=True)}"
            for c in shown
        )
    )
    return lines + ["caveat: " + programme_caveat(result)]
