"""Value tables and sentences for people: the value notebook (``notebooks/03_value.ipynb``),
the teaching packs and the ``kamlab value`` / ``uplift`` / ``pnl`` commands.

Small pure functions: each takes the outputs of :mod:`kamlab.value` and
:mod:`kamlab.models` and returns a pandas object or a string, so the notebook's cells
stay short and every number it shows is unit-tested here.

- the P&L as a statement (:func:`pnl_statement`) and the whale headline with a verdict
  against Cooper & Kaplan's and Kaplan & Narayanan's ranges (:func:`whale_headline`);
- retention economics: Gupta & Lehmann's CLV against retention (:func:`convexity_table`),
  an sBG cohort observed / fitted / projected (:func:`cohort_curves`);
- the models' parameters with their meaning (:func:`parameter_table`,
  :func:`describe_purchase_model`), P(alive) on a recency x frequency grid
  (:func:`alive_grid`);
- customer value: the margin and cost-to-serve inputs of CLV taken from the P&L
  (:func:`kamlab.value.clv.clv_inputs`), P&L and value side by side (:func:`value_table`), the
  portfolio in a sentence (:func:`describe_value`);
- the uplift: chart data (:func:`uplift_chart_data`), against Reichheld & Sasser's 25-85%
  with every reason it differs (:func:`compare_with_reichheld`), where it lands
  (:func:`uplift_by_tier`, :func:`describe_convexity`), against the horizon
  (:func:`uplift_by_horizon`), and the watch list with names (:func:`watch_table`), split
  for action into the accounts a call can still save and those for a win-back
  (:func:`watch_tables`, in two sentences :func:`describe_watch_lists`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kamlab.presentation.format import money
from kamlab.summary import PERIOD_DAYS
from kamlab.value.pnl import cost_lines
from kamlab.value.whale import whale_summary
from kamlab.words import agreeing, counted

__all__ = [
    "PARAMETER_MEANINGS",
    "alive_grid",
    "cohort_curves",
    "no_interval_note",
    "compare_models",
    "compare_with_reichheld",
    "describe_model_choice",
    "model_choice_table",
    "convexity_table",
    "describe_convexity",
    "describe_heterogeneity",
    "describe_purchase_model",
    "describe_spend_check",
    "describe_uplift",
    "describe_value",
    "describe_watch_lists",
    "describe_whale",
    "names_for",
    "parameter_table",
    "reichheld_reasons",
    "pnl_statement",
    "retention_by_period",
    "round_significant",
    "top_value_accounts",
    "uplift_by_horizon",
    "uplift_by_tier",
    "uplift_chart_data",
    "uplift_headline",
    "value_table",
    "watch_table",
    "watch_tables",
    "whale_headline",
    "whale_verdict",
]

YEAR_DAYS = 365.25

PARAMETER_MEANINGS: dict[str, dict[str, str]] = {
    "BG/NBD": {
        "r": "shape of the purchase rates across accounts (Gamma): small = very unequal",
        "alpha": "scale of the purchase rates, in time units: mean rate = r / alpha",
        "a": "dropout after a purchase, p ~ Beta(a, b): with b, mean dropout a / (a + b)",
        "b": "dropout after a purchase, p ~ Beta(a, b): large a + b = similar accounts",
    },
    "Pareto/NBD": {
        "r": "shape of the purchase rates across accounts (Gamma): small = very unequal",
        "alpha": "scale of the purchase rates, in time units: mean rate = r / alpha",
        "s": "shape of the dropout rates across accounts (Gamma): small = very unequal",
        "beta": "scale of the dropout rates, in time units: mean rate = s / beta",
    },
    "Gamma-Gamma": {
        "p": "shape of one account's spend per purchase: large = steady basket value",
        "q": "shape of the accounts' mean spend (with gamma): small = very unequal",
        "gamma": "scale of the accounts' mean spend: mean spend = p gamma / (q - 1)",
    },
    "sBG": {
        "alpha": "churn probability per period, theta ~ Beta(alpha, beta)",
        "beta": "with alpha: mean churn alpha / (alpha + beta); small alpha + beta = polarised",
    },
}
"""What each parameter of each model means, in a line (keyed by the model's name)."""

_MODEL_NAMES = {"MBG/NBD": "BG/NBD"}


# --------------------------------------------------------------------------- helpers


def round_significant(values, digits: int = 3):
    """``values`` (a number, array, Series or DataFrame) rounded to ``digits`` significant
    figures; NaN and infinities stay as they are.

    Fitted parameters are shown this way: 3 significant figures are far more than their
    standard errors justify, and they do not change with the last digits of an optimiser.
    """
    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: round_significant(col, digits))
    if isinstance(values, pd.Series):
        return pd.Series(
            round_significant(values.to_numpy(dtype=float), digits),
            index=values.index,
            name=values.name,
        )
    arr = np.asarray(values, dtype=float)
    out = arr.copy()
    ok = np.isfinite(arr) & (arr != 0)
    decimals = digits - 1 - np.floor(np.log10(np.abs(arr[ok])))
    out[ok] = [round(float(v), int(d)) for v, d in zip(arr[ok], decimals, strict=True)]
    return out if out.ndim else float(out)


# --------------------------------------------------------------------------- P&L


def pnl_statement(pnl: pd.DataFrame, *, rounded: bool = False) -> pd.DataFrame:
    """The portfolio's P&L as a statement: one row per line, gross sales to contribution.

    Columns: ``amount`` (currency) and ``share_of_net_revenue``. Reductions are negative.
    Cost-to-serve lines are listed after gross margin, one per activity. ``rounded``:
    amounts to whole units (integers), shares to 3 decimals, for display.
    """
    total = pnl.select_dtypes("number").sum()
    rows = [("gross sales", total["gross_sales"]), ("returns", -total["returns"])]
    if total.get("discounts", 0.0):
        rows.append(("discounts", -total["discounts"]))
    rows += [("net revenue", total["net_revenue"]), ("cost of goods", -total["cost_of_goods"])]
    rows.append(("gross margin", total["gross_margin"]))
    for column in cost_lines(pnl):
        label = column.removeprefix("cts_").replace("_", " ")
        rows.append((f"  cost to serve: {label}", -total[column]))
    rows += [("cost to serve", -total["cost_to_serve"]), ("contribution", total["contribution"])]
    out = pd.DataFrame(rows, columns=["line", "amount"]).set_index("line")
    net = total["net_revenue"]
    out["share_of_net_revenue"] = out["amount"] / net if net > 0 else np.nan
    if rounded:
        out["amount"] = out["amount"].round(0).astype("int64")
        out["share_of_net_revenue"] = out["share_of_net_revenue"].round(3)
    return out


TOP_RANGE = (1.5, 3.0)
"""Cooper & Kaplan (1991): the most profitable 20% of customers typically earn 150-300% of
total profit (225% in their case)."""
TAIL_RANGE = (0.5, 2.0)
"""Kaplan & Narayanan (2001): the least profitable 10% typically lose 50-200% of total
profit (the middle 70% about break even)."""


def _against(value: float, bounds: tuple[float, float]) -> str:
    low, high = bounds
    return "below" if value < low else "above" if value > high else "within"


def _share(fraction: float) -> str:
    """A share in whole percent; a positive one too small to show reads "under 1%"."""
    return "under 1%" if 0 < fraction < 0.005 else f"{fraction:.0%}"


def whale_verdict(summary: dict) -> str:
    """:func:`~kamlab.value.whale_summary` set against Cooper & Kaplan (1991) and Kaplan &
    Narayanan (2001), in a sentence or two that say only what its numbers support.

    The top 20%'s share of total profit P is ``top_share_of_peak x (1 +
    value_destroyed_share)``: it is high when profit is concentrated in the best accounts
    *and* the loss-making tail gives much of it back. So a share below 150% is explained by
    whichever is small: a tail losing under 50% of P caps it below 150% however
    concentrated profit is; with a tail of 50% or more, profit is spread beyond the top
    20%. Edge cases: no profitable account, total profit <= 0 (no shares), no
    loss-making account (no tail: the curve ends at its peak), a fraction other than 20%.
    """
    s = summary
    if not s["peak_profit"] > 0:
        return "No account makes a profit, so there is no whale curve to set against Cooper & Kaplan's."
    if not s["profitable"]:
        return (
            "The loss-making accounts give back more than the whole peak: the portfolio as a "
            "whole loses money, so there is no share of total profit to set against Cooper & "
            "Kaplan's 150-300%."
        )
    if not math.isclose(s["top_fraction"], 0.2):
        return (
            "Cooper & Kaplan's 150-300% is the share of the top 20%; the top "
            f"{s['top_fraction']:.0%} cannot be set against it."
        )
    if not s["destroying_accounts"]:
        return (
            "No account loses money, so the curve ends at its peak and the top 20% can earn at "
            "most 100% of total profit: Cooper & Kaplan's 150-300% arises where a loss-making "
            "tail gives part of the profit back, and there is none here."
        )
    top, lost = s["top_share"], s["value_destroyed_share"]
    concentration = s["top_share_of_peak"]
    tail = (
        f"the loss-making tail loses {_share(lost)} of total profit, {_against(lost, TAIL_RANGE)} "
        "the 50-200% of Kaplan & Narayanan's usual shape (2001)"
    )
    where = _against(top, TOP_RANGE)
    if where == "within":
        return f"That is within the 150-300% of Cooper & Kaplan's cases; {tail}."
    if where == "above":
        return (
            f"That is above the 150-300% of Cooper & Kaplan's cases: {tail}, and gives back "
            f"{_share(s['peak_given_back'])} of the peak."
        )
    if lost < TAIL_RANGE[0]:
        spread = (
            f"Profit itself is concentrated: the top 20% earn {concentration:.0%} of the peak."
            if concentration > 0.5
            else f"Profit is also spread beyond the top 20%: they earn only "
            f"{concentration:.0%} of the peak."
        )
        return (
            f"That is below the 150-300% of Cooper & Kaplan's cases because {tail}: with a tail "
            "under 50%, the top 20% stay below 150% even if they earn the whole peak. " + spread
        )
    return (
        f"That is below the 150-300% of Cooper & Kaplan's cases although {tail}: profit is "
        f"spread beyond the top 20%, who earn only {concentration:.0%} of the peak."
    )


def describe_whale(summary: dict, currency: str = "GBP") -> str:
    """The figures of :func:`~kamlab.value.whale_summary` as sentences a manager can read:
    the top 20%'s share of total profit, the peak (what the profitable accounts earn
    together) and the share of it the loss-making tail gives back."""
    s = summary

    def money_(amount: float) -> str:
        return money(amount, currency)

    lines = [f"{s['accounts']:,} accounts; total contribution {money_(s['total_profit'])}."]
    if s["profitable"]:
        lines += [
            f"The most profitable {s['top_fraction']:.0%} of accounts earn "
            f"{s['top_share']:.0%} of total profit (Cooper & Kaplan 1991: typically "
            "150-300%, 225% in their case).",
            f"The curve peaks at {s['peak_share']:.0%} of total profit after "
            f"{s['peak_accounts']:,} accounts ({s['peak_accounts_share']:.0%}): what the "
            f"profitable accounts earn together; the top {s['top_fraction']:.0%} earn "
            f"{s['top_share_of_peak']:.0%} of it.",
        ]
    else:
        lines.append(
            f"The profitable {s['peak_accounts']:,} accounts earn {money_(s['peak_profit'])}, "
            "but the portfolio as a whole does not make money, so there is no share of "
            "total profit to report."
        )
    if s["destroying_accounts"]:
        tail = f", {_share(s['value_destroyed_share'])} of total profit" if s["profitable"] else ""
        back = ""
        if s["peak_profit"] > 0:
            given = s["peak_given_back"]
            # more than the whole peak: a multiple reads better than "35851%"
            times = f"{given:.0f}" if given >= 10 else f"{given:.1f}"
            back = (
                f", and so give back {_share(given)} of the peak"
                if given <= 1
                else f", and so give back {times} times the peak"
            )
        lines.append(
            f"{s['destroying_accounts']:,} accounts ({s['destroying_accounts_share']:.0%}) "
            f"destroy value: they lose {money_(s['value_destroyed'])}{tail}{back}."
        )
    else:
        lines.append("No account destroys value.")
    return "\n".join(lines)


def whale_headline(pnl: pd.DataFrame) -> str:
    """:func:`describe_whale` of a P&L, with :func:`whale_verdict` added."""
    summary = whale_summary(pnl)
    text = describe_whale(summary, pnl.attrs.get("currency", "GBP"))
    return f"{text}\n{whale_verdict(summary)}"


# --------------------------------------------------------------------------- retention economics


def convexity_table(
    retentions: Sequence[float] = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95),
    *,
    discount: float = 0.10,
    points: float = 5,
) -> pd.DataFrame:
    """Gupta & Lehmann's CLV = m r / (1 + d - r) against retention r, in multiples of the
    margin m per period, and what ``points`` more retention adds.

    One row per ``retention``: ``clv_multiple``, ``clv_multiple_after`` (at r + points/100,
    capped below 1 + d), ``lift`` (fraction: 0.275 = +27.5%).
    """
    from kamlab.value.uplift import gupta_lehmann_clv

    r = np.asarray(retentions, dtype=float)
    after = np.minimum(r + points / 100.0, 1.0)
    base = gupta_lehmann_clv(1.0, r, discount)
    raised = gupta_lehmann_clv(1.0, after, discount)
    return pd.DataFrame(
        {
            "retention_after": after,
            "clv_multiple": base,
            "clv_multiple_after": raised,
            "lift": raised / base - 1.0,
        },
        index=pd.Index(r, name="retention"),
    )


def cohort_curves(model, survivors: Sequence[float], periods: int = 12):
    """An sBG cohort: ``(observed, fitted, projected)`` survivors by period, as Series.

    ``fitted`` covers the observed periods, ``projected`` runs from the last observed
    period to ``periods``; the index is named ``year`` (the periods of the Fader &
    Hardie cohorts).
    """
    observed = pd.Series(np.asarray(survivors, dtype=float), name="observed")
    observed.index = pd.RangeIndex(len(observed), name="year")
    expected = model.project(max(periods, len(observed) - 1), cohort_size=observed.iloc[0])
    expected.index = expected.index.rename("year")
    last = len(observed) - 1
    return observed, expected.loc[:last].rename("fitted"), expected.loc[last:].rename("projected")


def retention_by_period(model, survivors: Sequence[float]) -> pd.DataFrame:
    """Observed and fitted retention per period of an sBG cohort (period 1 onwards)."""
    counts = np.asarray(survivors, dtype=float)
    t = np.arange(1, len(counts))
    return pd.DataFrame(
        {
            "survivors": counts[1:],
            "observed_retention": counts[1:] / counts[:-1],
            "fitted_retention": np.atleast_1d(model.retention(t)),
        },
        index=pd.Index(t, name="year"),
    )


def describe_heterogeneity(model, discount: float = 0.10, renewals: Sequence[int] = (1, 7)) -> str:
    """What heterogeneity is worth in an sBG cohort, in sentences.

    Compares a new customer's discounted expected lifetime (DEL, payments, the first one
    undiscounted) with what one constant retention rate, the first period's fitted
    retention, gives: ``(1 + d) / (1 + d - r)``. Then the discounted expected residual
    lifetime (DERL) of customers who have renewed ``renewals`` times.
    """
    r1 = float(model.retention(1))
    new = model.del_(discount)
    constant = (1 + discount) / (1 + discount - r1)
    lines = [
        f"A new customer's expected discounted lifetime (DEL, at {discount:.0%} a period): "
        f"{new:.2f} payments. With one retention rate for everyone, the first period's "
        f"{r1:.1%}, it would be {constant:.2f}: ignoring heterogeneity undervalues a new "
        f"customer by {1 - constant / new:.0%}."
    ]
    derl = np.atleast_1d(model.derl(discount, renewals=np.asarray(renewals, dtype=float)))
    parts = [
        f"{d:.2f} after {k} renewal{'s' if k != 1 else ''}"
        for k, d in zip(renewals, derl, strict=True)
    ]
    lines.append(
        "Further discounted payments expected from a customer (DERL): " + ", ".join(parts) + "."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- models


def parameter_table(model, digits: int = 3) -> pd.DataFrame:
    """A fitted model's parameters: ``estimate``, ``std_error`` (``digits`` significant
    figures) and ``meaning`` (from :data:`PARAMETER_MEANINGS`)."""
    table = model.summary()[["estimate", "std_error"]]
    table = round_significant(table, digits)
    name = _MODEL_NAMES.get(model.display_name, model.display_name)
    meanings = PARAMETER_MEANINGS.get(name, {})
    table["meaning"] = [meanings.get(p, "") for p in table.index]
    return table


def _per_year(model) -> float:
    unit = getattr(model, "time_unit_", None) or "week"
    return YEAR_DAYS / PERIOD_DAYS[unit]


def describe_purchase_model(model) -> str:
    """What a fitted BG/NBD or Pareto/NBD says about a typical account, in sentences."""
    params = model.params_
    unit = getattr(model, "time_unit_", None) or "week"
    per_year = _per_year(model)
    rate = params["r"] / params["alpha"]
    n = getattr(model, "n_accounts_", None)
    fitted = f" on {n:,} accounts" if n is not None else ""
    status = "converged." if model.converged_ else f"DID NOT CONVERGE: {model.convergence_message_}"
    lines = [
        f"{model.display_name}{fitted} (time unit: {unit}); {status}",
        f"An active account buys on average {rate * per_year:.3g} times a year "
        f"(r / alpha = {rate:.3g} per {unit}).",
    ]
    lines.append(
        f"Purchase rates vary across accounts with a coefficient of variation of "
        f"{1 / np.sqrt(params['r']):.2f} (1 / sqrt(r))."
    )
    if "a" in params:
        drop = params["a"] / (params["a"] + params["b"])
        lines.append(
            f"After each purchase an account leaves for good with probability {drop:.2%} on "
            "average (a / (a + b))."
        )
    else:
        mu = params["s"] / params["beta"]
        lines.append(
            f"An account leaves at a rate of {mu * per_year:.3g} a year on average "
            f"(s / beta = {mu:.3g} per {unit})."
        )
    return "\n".join(lines)


def describe_spend_check(summary: pd.DataFrame, threshold: float = 0.3) -> str:
    """The Gamma-Gamma model's independence check: the correlation between the repeat
    buyers' frequency and their mean spend per purchase, and what it means."""
    repeat = summary[summary["frequency"] > 0]
    if len(repeat) < 3:
        return "Too few repeat buyers to check that spend is unrelated to frequency."
    corr = float(repeat["frequency"].corr(repeat["monetary_value"]))
    text = (
        f"Correlation of frequency and spend per purchase among the {len(repeat):,} repeat "
        f"buyers: {corr:.2f}."
    )
    if abs(corr) <= threshold:
        return text + " Small enough for the Gamma-Gamma model's assumption of independence."
    return text + (
        " Larger than the model assumes: accounts that buy more often also spend "
        f"{'more' if corr > 0 else 'less'} per purchase. The model leans on each account's "
        "own average spend once it has a few repeat purchases, so the error falls mainly on "
        "accounts with few purchases, whose spend is pulled towards the portfolio's average."
    )


def alive_grid(
    model,
    T: float,
    frequencies: Sequence[int] = (0, 1, 2, 3, 5, 10, 20, 40, 80),
    n_recency: int = 9,
) -> pd.DataFrame:
    """P(alive) of a hypothetical account observed for ``T`` time units, on a grid of
    recency (rows, 0 to ``T``) and frequency (columns).

    Cells with frequency 0 and recency > 0 are impossible (recency is 0 without repeat
    purchases) and are NaN. Labels are rounded to whole time units.
    """
    recency = np.linspace(0.0, float(T), int(n_recency))
    freq = np.asarray(frequencies, dtype=float)
    x, tx = np.meshgrid(freq, recency)
    grid = pd.DataFrame({"frequency": x.ravel(), "recency": tx.ravel(), "T": float(T)})
    possible = ~((grid["frequency"] == 0) & (grid["recency"] > 0))
    p = np.full(len(grid), np.nan)
    p[possible.to_numpy()] = model.probability_alive(grid[possible]).to_numpy()
    unit = getattr(model, "time_unit_", None) or "week"
    out = pd.DataFrame(
        p.reshape(len(recency), len(freq)),
        index=pd.Index(np.round(recency).astype(int), name=f"recency ({unit}s, last purchase)"),
        columns=pd.Index(freq.astype(int), name="frequency (repeat purchases)"),
    )
    return out


# --------------------------------------------------------------------------- value


def value_table(pnl: pd.DataFrame, value) -> pd.DataFrame:
    """The P&L and the customer value side by side: one row per account of either.

    ``value`` is a :class:`~kamlab.value.clv.CustomerValue`; its columns follow the
    P&L's (``account_name`` first when known). Accounts without a P&L row in the
    window, or without a value (only returns in the window), have NaN there.
    """
    index = pnl.index.union(value.table.index)
    out = pnl.reindex(index).join(value.table.reindex(index), how="left")
    out.index.name = "account_id"
    out.attrs.update(pnl.attrs)
    out.attrs.update(horizon_months=value.horizon_months, discount=value.discount)
    return out


def describe_value(value, currency: str = "GBP") -> str:
    """The portfolio's customer value in three sentences."""
    table = value.table
    clv = table["clv"]
    n = len(table)
    ranked = clv.sort_values(ascending=False)
    top_n = max(1, int(round(0.2 * n)))
    top_share = ranked.head(top_n).sum() / clv.sum() if clv.sum() > 0 else np.nan
    alive = table["probability_alive"].sum() if "probability_alive" in table else np.nan
    horizon = f"{value.horizon_months:g} months" if value.horizon_months else "their lifetime"
    lines = [
        f"Customer value of {n:,} accounts over {horizon}, discounted at {value.discount:.0%} "
        f"a year: {money(value.total, currency, short=True)} ({value.model.display_name} purchases).",
    ]
    if math.isfinite(alive):
        lines.append(f"Expected active accounts now: {alive:,.0f} of {n:,} ({alive / n:.0%}).")
    if math.isfinite(top_share):
        whole = ""
        if top_share > 1:  # a share over 100% needs its reason beside it
            taken = money(-float(clv[clv < 0].sum()), currency)
            whole = (
                f", more than the whole: the accounts of negative value take {taken} off the total"
            )
        lines.append(
            f"The {top_n:,} most valuable accounts (20%) hold {top_share:.0%} of it{whole}."
        )
    negative = int((clv < 0).sum())
    if negative:
        lines.append(
            f"{negative:,} accounts are worth less than nothing: their expected cost to serve "
            "exceeds their expected margin."
        )
    return "\n".join(lines)


def top_value_accounts(value, names: pd.Series | None = None, n: int = 10) -> pd.DataFrame:
    """The ``n`` most valuable accounts: name, P(alive) (2 decimals), expected purchases
    over the horizon (1 decimal), spend per purchase and the discounted money (whole units)."""
    table = value.table.sort_values("clv", ascending=False, kind="stable").head(n)
    cols = [
        "probability_alive",
        "expected_purchases",
        "expected_spend",
        "discounted_revenue",
        "discounted_gross_margin",
        "discounted_cost_to_serve",
        "clv",
    ]
    out = table[[c for c in cols if c in table.columns]].copy()
    out.insert(0, "account_name", names_for(out.index, names))
    money = [c for c in cols[2:] if c in out.columns]
    out[money] = out[money].round(0)
    return out.round({"probability_alive": 2, "expected_purchases": 1})


def compare_models(values: dict) -> pd.DataFrame:
    """Customer value under several purchase models, one row per model: ``log_likelihood``
    (1 decimal), ``expected_active`` accounts, ``value`` (to the thousand) and
    ``rank_correlation`` (Spearman) of each account's CLV with the first model's."""
    first = next(iter(values.values())).table["clv"]
    rows = {}
    for name, value in values.items():
        table = value.table
        rows[name] = {
            "log_likelihood": round(float(value.model.log_likelihood_), 1),
            "expected_active": round(float(table["probability_alive"].sum()), 1),
            "value": int(round(value.total, -3)),
            "rank_correlation": round(float(table["clv"].corr(first, method="spearman")), 3),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def model_choice_table(comparison) -> pd.DataFrame:
    """The purchase models compared out of sample
    (:class:`~kamlab.models.holdout.ModelComparison`), one row per model by display name:
    converged, log-likelihood (1 decimal), holdout repeat purchases predicted and made
    (totals, 1 decimal), mean absolute error, root mean squared error and bias per
    account (3 decimals) and chosen."""
    t = comparison.table.set_index("model")
    out = pd.DataFrame(
        {
            "converged": t["converged"].map({True: "yes", False: "no"}),
            "log_likelihood": t["log_likelihood"].round(1),
            "holdout_predicted": t["predicted"].round(1),
            "holdout_actual": t["actual"].round(1),
            "mae_per_account": t["mae"].round(3),
            "rmse_per_account": t["rmse"].round(3),
            "bias_per_account": t["bias"].round(3),
            "chosen": t["chosen"].map({True: "chosen", False: ""}),
        }
    )
    return out.rename_axis("model")


def describe_model_choice(comparison) -> str:
    """Which purchase model the run uses and why, citing the holdout's errors
    (:func:`kamlab.workflows.value.model_choice_note`, the note the run's value and
    uplift carry), then the rule."""
    from kamlab.models.holdout import CHOICE_RULE
    from kamlab.workflows.value import model_choice_note

    return f"{model_choice_note(comparison)} Rule: {CHOICE_RULE[comparison.rule]}."


# --------------------------------------------------------------------------- uplift


def names_for(index: pd.Index, names: pd.Series | None) -> pd.Series:
    """Account names for ``index`` (a Series by account id), the id where a name is missing."""
    ids = pd.Series(index.astype("string"), index=index)
    if names is None:
        return ids
    return names.reindex(index).astype("string").fillna(ids)


def uplift_chart_data(uplift, names: pd.Series | None = None) -> pd.DataFrame:
    """What :func:`kamlab.plots.uplift_by_account` draws: ``delta_value``, ``lower``,
    ``upper`` and ``account_name``, from a :class:`~kamlab.value.uplift.RetentionUplift`
    (without per-account intervals, lower = upper = the estimate)."""
    table = uplift.table
    delta = table["uplift"]
    return pd.DataFrame(
        {
            "account_name": names_for(table.index, names),
            "delta_value": delta,
            "lower": table.get("uplift_lower", delta),
            "upper": table.get("uplift_upper", delta),
        },
        index=table.index,
    )


def uplift_headline(uplift) -> str:
    """The retention uplift in Reichheld & Sasser's terms, one line: "5 points more
    retention -> +12.3% portfolio value (90% interval ...)", with the accounts in the
    scenario when not all, and the accounts whose rise was capped."""
    scenario, total, level = uplift.scenario, uplift.total, uplift.level
    where = uplift.table["in_scenario"].to_numpy(dtype=bool)
    capped = int(uplift.table["capped"].sum())
    if "points" in scenario:
        what = f"{scenario['points']:g} points more retention"
    else:
        what = f"{scenario['churn_reduction']:.0%} less churn"
    scope = "" if where.all() else f" (on {int(where.sum()):,} of {where.size:,} accounts)"
    text = f"{what}{scope} -> {total['uplift_pct']:+.1f}% portfolio value"
    if "uplift_pct_lower" in total:
        text += (
            f" ({level:.0%} interval {total['uplift_pct_lower']:+.1f}% to "
            f"{total['uplift_pct_upper']:+.1f}%)"
        )
    if capped:
        text += (
            f"; capped for {counted(capped, 'account')} whose churn is already below "
            f"{scenario['points']:g} points (a churn reduction in percent avoids the cap)"
        )
    return text + _draws_note(uplift)


def no_interval_note(value) -> str:
    """Why the uplift of ``value`` (a :class:`~kamlab.value.clv.CustomerValue`) gets no
    interval, in one plain sentence; ``""`` when it can have one."""
    from kamlab.value.uplift import weakly_identified, without_covariance

    if without_covariance(value):
        return (
            "The range around the uplift is left out: the purchase model did not settle on "
            "these data, so how uncertain its figures are is unknown."
        )
    if weakly_identified(value):
        return (
            "The range around the uplift is left out: the history is too short to pin the "
            "purchase model down, so any range would span orders of magnitude."
        )
    return ""


def _draws_note(uplift) -> str:
    """What the time limit on the parameter draws left out, or nothing."""
    if not getattr(uplift, "draws_timed_out", False):
        return ""
    asked = uplift.draws_requested
    if "uplift_pct_lower" in uplift.total:
        return (
            f". The interval rests on {len(uplift.draws):,} of {asked:,} parameter draws: "
            "the model's parameters are uncertain on these data and valuing more took too long"
        )
    return (
        ". No interval: the model's parameters are so uncertain on these data that too few of "
        f"the {asked:,} parameter draws could be valued in the time allowed"
    )


def describe_uplift(uplift, currency: str = "GBP") -> str:
    """The uplift's point estimate in money, to three significant figures; when the
    portfolio is worth less than nothing, why more retention then loses money; and, for a
    :class:`~kamlab.value.uplift.RetentionUplift`, :func:`compare_with_reichheld`."""
    t = uplift.total
    text = (
        f"Point estimate: portfolio value {money(t['value'], currency, short=True)} -> "
        f"{money(t['value_scenario'], currency, short=True)}, {money(t['uplift'], currency, short=True)} "
        f"({t['uplift_pct']:+.1f}%)."
    )
    if t["value"] < 0:
        text += (
            " The portfolio is worth less than nothing here: its accounts are expected to "
            "cost more to serve than they earn, so keeping them longer loses more. Check the "
            "cost-to-serve rates, and fix the cost to serve before paying for retention."
        )
    if getattr(uplift, "table", None) is not None:
        text += "\n" + compare_with_reichheld(uplift, currency)
    return text


REICHHELD_RANGE = (25.0, 85.0)
"""Reichheld & Sasser (1990): 5 points fewer defections raised profits by 25-85% (%)."""

RETENTION_BASIS = {
    "Pareto/NBD": "year",
    "BG/NBD": "purchase",
    "MBG/NBD": "purchase",
    "sBG": "period",
}
"""What one unit of each model's retention is: a year (as Reichheld & Sasser measured
defections), a purchase opportunity, or a contract period."""


def reichheld_reasons(uplift, currency: str = "GBP") -> list[str]:
    """Why a :class:`~kamlab.value.uplift.RetentionUplift`'s total differs from Reichheld &
    Sasser's 25-85%, one sentence per reason that applies to it:

    - the scenario, when it is not 5 points of retention;
    - the horizon, when the value stops after ``horizon_months`` (theirs is the lifetime);
    - tenure effects (rising spend, referrals, lower cost to serve with tenure): never
      modelled here, so always listed;
    - value-destroying accounts in the scenario (negative value: keeping them longer
      loses money), with their loss and the uplift of the others alone;
    - what retention means, when it is not per year: per purchase opportunity (BG/NBD,
      MBG/NBD; with the accounts whose 5 points were capped near 100%) or per contract
      period (sBG); for the other models, the accounts whose rise was capped, if any.
    """
    scenario, table = uplift.scenario, uplift.table
    reasons = []
    points = scenario.get("points")
    if points != 5:
        what = (
            f"{points:g} points"
            if points is not None
            else f"{scenario['churn_reduction']:.0%} less churn"
        )
        reasons.append(f"the scenario: theirs is 5 points fewer defections, this one {what}.")
    horizon = getattr(uplift, "horizon_months", None)
    if horizon:
        discount = getattr(uplift, "discount", None)
        rate = f", discounted at {discount:.0%} a year" if discount is not None else ""
        reasons.append(
            f"the horizon: the value counts {horizon:g} months of profit{rate}, theirs the "
            "customer's whole lifetime; retention compounds, so the uplift grows with the "
            "horizon."
        )
    reasons.append(
        "tenure effects are not modelled: in their cases profit per customer grew with tenure "
        "(rising spend, referrals, lower cost to serve, a price premium); here an account "
        "keeps its purchase rate, spend per purchase and cost to serve, so a longer life adds "
        "more of the same."
    )
    in_scenario = table["in_scenario"].astype(bool)
    negative = in_scenario & (table["clv"] < 0)
    loss = float(table.loc[negative, "uplift"].sum())
    if negative.any() and loss < 0:
        positive = in_scenario & (table["clv"] >= 0)
        base = float(table.loc[positive, "clv"].sum())
        others = (
            f" (the others alone: {100 * table.loc[positive, 'uplift'].sum() / base:+.1f}%)"
            if base > 0
            else ""
        )
        reasons.append(
            f"value-destroying accounts: {int(negative.sum()):,} of the {int(in_scenario.sum()):,} "
            "accounts in the scenario have negative value (expected cost to serve above their "
            f"margin); keeping them longer loses {money(-loss, currency, short=True)}, netted "
            f"off the total{others}."
        )
    model = getattr(uplift, "model", "")
    basis = RETENTION_BASIS.get(model)
    if basis == "purchase":
        capped = int(table["capped"].sum())
        cap = (
            f"; for {counted(capped, 'account')} already within {points:g} points of 100% the rise "
            "was capped"
            if capped and points is not None
            else ""
        )
        reasons.append(
            f"retention per purchase, not per year: {model}'s retention is the chance of "
            "staying after each purchase, theirs the customers kept a year; for an account "
            f"buying several times a year a point per purchase is more than a point a year{cap}."
        )
    elif basis == "period":
        reasons.append(
            "retention per contract period (sBG's renewals), theirs per year: alike only when a "
            "period is a year."
        )
    capped = int(table["capped"].sum())
    if basis != "purchase" and capped and points is not None:
        reasons.append(
            f"the cap: {counted(capped, 'account')} {agreeing(capped, 'was', 'were')} already "
            f"within {points:g} points of 100% "
            "retention, so their rise was capped below the points asked."
        )
    return reasons


def compare_with_reichheld(uplift, currency: str = "GBP") -> str:
    """The uplift against Reichheld & Sasser's (1990) 25-85%: where its total falls and
    every reason (:func:`reichheld_reasons`) that it is not like for like, one per line."""
    t = uplift.total
    cited = "Reichheld & Sasser (1990): 5 points fewer defections raised profits by 25-85%"
    if not t["value"] > 0:
        return f"{cited}; no comparison here, the portfolio's value is not positive."
    pct = float(t["uplift_pct"])
    low, high = REICHHELD_RANGE
    where = "below" if pct < low else "above" if pct > high else "within"
    lines = [
        f"{cited}. Here {pct:+.1f}% of portfolio value, {where} that range; not like for like:"
    ]
    lines += [f"- {reason}" for reason in reichheld_reasons(uplift, currency)]
    return "\n".join(lines)


def uplift_by_tier(uplift, tiers: Sequence[float] = (0.2, 0.5)) -> pd.DataFrame:
    """Where the uplift lands: accounts ranked by value and cut into tiers (top 20%, next
    30%, the rest by default). Per tier: ``accounts``, ``share_of_value``,
    ``share_of_uplift``, ``uplift_pct`` (the tier's uplift over its value, %) and the
    mean ``retention`` before and after."""
    table = uplift.table
    order = table["clv"].rank(ascending=False, method="first") / len(table)
    edges = [0.0, *tiers, 1.0]
    labels = [f"top {tiers[0]:.0%}"]
    labels += [f"next {hi - lo:.0%}" for lo, hi in zip(edges[1:-2], edges[2:-1], strict=True)]
    labels += [f"bottom {1 - tiers[-1]:.0%}"]
    tier = pd.cut(order, edges, labels=labels)
    grouped = table.groupby(tier, observed=True)
    out = pd.DataFrame(
        {
            "accounts": grouped.size(),
            "value": grouped["clv"].sum(),
            "uplift": grouped["uplift"].sum(),
            "retention": grouped["retention"].mean(),
            "retention_scenario": grouped["retention_scenario"].mean(),
        }
    )
    total_value, total_uplift = table["clv"].sum(), table["uplift"].sum()
    out["share_of_value"] = out["value"] / total_value
    out["share_of_uplift"] = out["uplift"] / total_uplift
    out["uplift_pct"] = 100 * out["uplift"] / out["value"].abs()
    out.index.name = "tier (by value)"
    cols = ["accounts", "share_of_value", "share_of_uplift", "uplift_pct", "retention"]
    return out[[*cols, "retention_scenario"]]


def describe_convexity(uplift) -> str:
    """How the uplift in % of value varies with an account's retention (convexity)."""
    table = uplift.table[uplift.table["in_scenario"] & (uplift.table["clv"] > 0)]
    if len(table) < 4:
        return "Too few accounts in the scenario to compare."
    quarter = pd.qcut(table["retention"].rank(method="first"), 4, labels=False)
    low, high = table[quarter == 0], table[quarter == 3]

    def pct(part):
        return 100 * part["uplift"].sum() / part["clv"].sum()

    return (
        f"The quarter of accounts with the lowest retention (mean {low['retention'].mean():.1%}) "
        f"gain {pct(low):+.1f}% in value; the quarter with the highest "
        f"(mean {high['retention'].mean():.1%}) gain {pct(high):+.1f}%."
    )


def uplift_by_horizon(
    summary: pd.DataFrame,
    purchases,
    spend,
    *,
    horizons: Sequence[float] = (12, 36, 120),
    points: float = 5,
    discount: float = 0.10,
    **value_options,
) -> pd.DataFrame:
    """The portfolio uplift of ``points`` more retention at several horizons (point
    estimates), one row per horizon in months: ``value`` and ``value_scenario`` (rounded
    to the thousand) and ``uplift_pct`` (1 decimal)."""
    from kamlab.value.clv import customer_value
    from kamlab.value.uplift import retention_uplift

    rows = []
    for months in horizons:
        value = customer_value(
            summary, purchases, spend, horizon_months=months, discount=discount, **value_options
        )
        total = retention_uplift(value, points=points, n_draws=0).total
        rows.append(
            (
                months,
                int(round(total["value"], -3)),
                int(round(total["value_scenario"], -3)),
                round(float(total["uplift_pct"]), 1),
            )
        )
    out = pd.DataFrame(rows, columns=["horizon_months", "value", "value_scenario", "uplift_pct"])
    return out.set_index("horizon_months")


def watch_table(
    value, names: pd.Series | None = None, top: int = 10, status: str | None = None
) -> pd.DataFrame:
    """:func:`kamlab.value.churn.watch_list` with account names: the first ``top`` rows
    (of ``status`` only, e.g. ``"at risk"``, when given; ``rank`` stays the rank in the
    whole list), money rounded to whole units, probabilities to 2 decimals.
    ``value_lost_if_churns`` (= ``clv``) is left out."""
    from kamlab.value.churn import watch_list

    table = watch_list(value).drop(columns="value_lost_if_churns")
    if status is not None:
        table = table[table["status"] == status]
    table = table.head(top)
    table.insert(1, "account_name", names_for(table.index, names))
    money = ["clv", "value_if_alive", "value_at_risk"]
    table[money] = table[money].round(0)
    table["probability_alive"] = table["probability_alive"].round(2)
    if "time_since_last_purchase" in table:
        table["time_since_last_purchase"] = table["time_since_last_purchase"].round(1)
    return table


WATCH_TABLE_COLUMNS = [
    "account_name",
    "probability_alive",
    "value_at_risk",
    "clv",
    "time_since_last_purchase",
]
"""The columns of :func:`watch_tables`' tables, in order (the index is the account id)."""


def watch_tables(value, names: pd.Series | None = None, top: int = 10, band=None):
    """The two watch lists to act on (:func:`kamlab.value.churn.watch_lists`), each the
    first ``top`` accounts by value at risk with names, in :data:`WATCH_TABLE_COLUMNS`:
    ``.at_risk`` (a call can still save them) and ``.likely_lost`` (a win-back); money
    rounded to whole units, time since the last purchase (in the summary's time unit, weeks
    for the report) to 1. P(alive) is left as it is: the reader's format shows a tiny one
    as ``<1%``, where rounding first would show ``0%``, a certainty the model never
    gives. ``band``: the P(alive) band of ``at risk`` (default
    :data:`kamlab.value.churn.WATCH_BANDS`)."""
    from dataclasses import replace

    from kamlab.value.churn import WATCH_BANDS, watch_lists

    lists = watch_lists(value, band=band or WATCH_BANDS, top=top)

    def shaped(table: pd.DataFrame) -> pd.DataFrame:
        table = table.assign(account_name=names_for(table.index, names))
        table = table[[c for c in WATCH_TABLE_COLUMNS if c in table.columns]]
        decimals = {"value_at_risk": 0, "clv": 0}
        return table.round({**decimals, "time_since_last_purchase": 1})

    return replace(lists, at_risk=shaped(lists.at_risk), likely_lost=shaped(lists.likely_lost))


def describe_watch_lists(
    value, names: pd.Series | None = None, band=None, currency: str = "GBP"
) -> str:
    """The two watch lists in two sentences, over all their accounts (not only a table's
    top rows): how many, their value at risk in total, the largest. When both are empty
    because the purchase model did not settle (it sees almost no account drop out, so
    P(alive) is near 1 for all), it says so and points to account health instead: "no
    account at risk" would read as good news the model cannot give."""
    from kamlab.value.churn import WATCH_BANDS, watch_lists

    lists = watch_lists(value, band=band or WATCH_BANDS)
    low, high = lists.band
    settled = getattr(value.model, "converged_", True)
    everyone_alive = bool((value.table["probability_alive"] >= high).all())
    if lists.at_risk.empty and lists.likely_lost.empty and everyone_alive and not settled:
        return (
            "No watch list: the purchase model did not settle on these data and puts "
            f"P(alive) at {high:.0%} or more for every account, so it cannot tell which "
            "accounts are going quiet. Account health (days since the last purchase "
            "against each account's own rhythm), in the portfolio section, shows them "
            "instead."
        )
    cases = (
        (
            lists.at_risk,
            f"at risk (P(alive) {low:.0%} to {high:.0%})",
            "a call can still save them",
        ),
        (lists.likely_lost, f"likely lost (P(alive) below {low:.0%})", "for a win-back call"),
    )
    sentences = []
    for table, what, action in cases:
        if table.empty:
            sentences.append(f"No account with value at risk is {what}.")
            continue
        largest = names_for(table.index[:1], names).iloc[0]
        n = f"{len(table)} accounts are" if len(table) > 1 else "1 account is"
        sentences.append(
            f"{n} {what} with {money(table['value_at_risk'].sum(), currency, short=True)} of "
            f"value at risk, the largest {largest} "
            f"({money(table['value_at_risk'].iloc[0], currency, short=True)}): {action}."
        )
    return " ".join(sentences)
