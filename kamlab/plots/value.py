"""Charts of customer value: P&L, cost to serve, whale curve, retention and uplift.

Axes-level, seaborn style: each takes a pandas object, draws on ``ax`` (the current
axes when ``None``), titles and labels it with units, and returns it; none shows or
saves. The P&L charts take :func:`kamlab.value.customer_pnl` and
:func:`kamlab.value.whale_curve` frames; the model charts (:func:`retention_curve`,
:func:`probability_alive_heatmap`, :func:`uplift_by_account`) take plain Series and
frames, so they do not depend on how the models were fitted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from kamlab.plots._common import (
    BAR,
    LINE,
    RETURN,
    axes,
    legend,
    no_data,
    note,
    thousands,
    ticks,
    titled,
)

__all__ = [
    "contribution_by_account",
    "cost_to_serve_breakdown",
    "pnl_waterfall",
    "probability_alive_heatmap",
    "retention_curve",
    "uplift_by_account",
    "whale_curve",
]

_TOTAL = "0.55"
_LABELS = {"kam_hours": "KAM hours", "financing": "payment-term financing"}


def _currency(data, currency: str | None) -> str:
    return currency or getattr(data, "attrs", {}).get("currency") or "GBP"


def _line_label(column: str) -> str:
    name = str(column).removeprefix("cts_")
    return _LABELS.get(name, name.replace("_", " "))


def _cost_lines(pnl: pd.DataFrame | pd.Series) -> list[str]:
    names = pnl.index if isinstance(pnl, pd.Series) else pnl.columns
    return [str(c) for c in names if str(c).startswith("cts_")]


def _account_labels(frame: pd.DataFrame, width: int = 32) -> pd.Series:
    """``account_name`` (shortened) where known, else the account id."""
    ids = (
        frame["account_id"].astype("string")
        if "account_id" in frame.columns
        else pd.Series(frame.index.astype("string"), index=frame.index)
    )
    if "account_name" not in frame.columns:
        return ids
    names = frame["account_name"].astype("string")
    short = names.where(names.str.len() <= width, names.str.slice(0, width - 1) + "…")
    return short.fillna(ids)


# --------------------------------------------------------------------------- whale curve


def whale_curve(
    curve: pd.DataFrame, *, ax: Axes | None = None, top_fraction: float = 0.2, color: str = BAR
) -> Axes:
    """Cumulative profit (% of total) against cumulative % of accounts, most profitable first.

    ``curve`` is :func:`kamlab.value.whale_curve` output. The dotted line is 100% of
    total profit; the peak (the profit of the profitable accounts alone) and the top
    ``top_fraction`` of accounts are marked. Where total profit is <= 0 there is no
    percentage to show, so the curve is drawn in money and the chart says why.
    """
    ax = axes(ax)
    currency = _currency(curve, None)
    ax.set_xlabel("accounts, most profitable first (cumulative % of accounts)")
    ticks(ax, "x", percent=True)
    if curve.empty:
        titled(
            ax,
            "Whale curve of customer profitability",
            None,
            "contribution (cumulative % of total profit)",
        )
        no_data(ax, "no accounts")
        return ax
    x = np.concatenate([[0.0], curve["cum_accounts_share"].to_numpy(dtype="float64")]) * 100
    shares = curve["cum_profit_share"].to_numpy(dtype="float64")
    percent = not np.isnan(shares).all()
    if percent:
        y = np.concatenate([[0.0], shares]) * 100
        ax.axhline(100, color="0.45", linestyle=":", linewidth=1, label="total profit (100%)")
        ax.set_ylabel("contribution (cumulative % of total profit)")
        ticks(ax, percent=True)
        ax.set_title("Whale curve of customer profitability")
    else:
        y = np.concatenate([[0.0], curve["cum_profit"].to_numpy(dtype="float64")])
        ax.set_ylabel(f"contribution (cumulative, {currency})")
        ticks(ax)
        ax.set_title("Whale curve: total profit <= 0, shown in money")
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.plot(x, y, color=color, linewidth=2, label="accounts ranked by contribution")
    peak = int(np.argmax(y))
    if peak > 0:
        ax.plot([x[peak]], [y[peak]], "o", color=RETURN)
        value = f"{y[peak]:.0f}% of profit" if percent else f"{currency} {thousands(y[peak])}"
        right = x[peak] > 70  # keep the label inside the axes
        note(
            ax,
            f"peak: {value}\nat {x[peak]:.0f}% of accounts",
            (x[peak], y[peak]),
            (-10 if right else 10, 8),
            ha="right" if right else "left",
        )
    px, py = top_fraction * 100, float(np.interp(top_fraction * 100, x, y))
    ax.plot([px, px], [0, py], color="0.35", linewidth=0.8, linestyle=":")
    ax.plot([px], [py], "o", color=color)
    value = f"{py:.0f}% of profit" if percent else f"{currency} {thousands(py)}"
    note(ax, f"top {top_fraction:.0%} of accounts:\n{value}", (px, py), (8, -32), ha="left")
    if not percent:
        no_data(ax, "total profit <= 0: no share of total to show")
    ax.set_xlim(0, 100)
    low, high = min(0.0, float(y.min())), float(y.max())
    ax.set_ylim(low - 0.05 * (high - low or 1), high + 0.12 * (high - low or 1))
    legend(ax, "lower right")
    return ax


# --------------------------------------------------------------------------- P&L


def _pnl_row(pnl: pd.DataFrame | pd.Series, account_id) -> tuple[pd.Series, str]:
    if isinstance(pnl, pd.Series):
        name = pnl.get("account_name", pnl.name)
        return pnl, str(name if pd.notna(name) else "account")
    if account_id is not None:
        if account_id not in pnl.index:
            raise KeyError(f"account {account_id!r} is not in the P&L")
        row = pnl.loc[account_id]
        name = row.get("account_name", account_id)
        return row, str(name if pd.notna(name) else account_id)
    if len(pnl) == 1:
        return _pnl_row(pnl.iloc[0], None)
    total = pnl.select_dtypes("number").sum().astype(object)
    if "cost_of_goods_basis" in pnl.columns:
        basis = set(pnl["cost_of_goods_basis"].astype("string").dropna())
        total["cost_of_goods_basis"] = basis.pop() if len(basis) == 1 else "partly assumed"
    return total, f"portfolio of {len(pnl):,} accounts"


def pnl_waterfall(
    pnl: pd.DataFrame | pd.Series,
    account_id=None,
    *,
    ax: Axes | None = None,
    currency: str | None = None,
) -> Axes:
    """Waterfall of one account's P&L, from gross sales to contribution.

    ``pnl`` is a :func:`kamlab.value.customer_pnl` row, or the frame plus
    ``account_id`` (a frame without ``account_id`` shows the portfolio total).
    Steps: gross sales, returns, discounts (when any), net revenue, cost of goods
    ("assumed" when the margin was assumed), gross margin, each cost-to-serve line,
    contribution. Subtotals are grey bars from 0; reductions red; increases blue.
    """
    ax = axes(ax)
    unit = _currency(pnl, currency)
    row, name = _pnl_row(pnl, account_id)
    basis = row.get("cost_of_goods_basis", "data")
    cogs = "cost of goods" + ("" if basis in ("data", None) else f" ({basis})")
    steps: list[tuple[str, float, bool]] = [("gross sales", float(row["gross_sales"]), True)]
    steps.append(("returns", -float(row["returns"]), False))
    discounts = row.get("discounts", 0.0)
    if pd.notna(discounts) and float(discounts) != 0:
        steps.append(("discounts", -float(row["discounts"]), False))
    steps += [("net revenue", float(row["net_revenue"]), True)]
    steps += [(cogs, -float(row["cost_of_goods"]), False)]
    steps += [("gross margin", float(row["gross_margin"]), True)]
    steps += [(_line_label(c), -float(row[c]), False) for c in _cost_lines(row)]
    steps += [("contribution", float(row["contribution"]), True)]

    level, bottoms, heights, colors = 0.0, [], [], []
    for _, value, total in steps:
        if total:
            bottoms.append(0.0)
            heights.append(value)
            colors.append(_TOTAL)
            level = value
        else:
            bottoms.append(level)
            heights.append(value)
            colors.append(RETURN if value < 0 else BAR)
            level += value
    x = np.arange(len(steps))
    ax.bar(x, heights, bottom=bottoms, color=colors, width=0.7)
    for xi, b, h in zip(x, bottoms, heights, strict=True):
        note(
            ax,
            thousands(h),
            (xi, b + h if h >= 0 else b),
            (0, 2),
            ha="center",
            va="bottom",
            fontsize="x-small",
        )
    ends = np.concatenate([bottoms, np.add(bottoms, heights), [0.0]])
    low, high = float(ends.min()), float(ends.max())
    pad = 0.08 * (high - low or 1.0)
    ax.set_ylim(low - (pad if low < 0 else 0), high + pad)
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_xticks(x, [s[0] for s in steps], rotation=45, ha="right")
    ticks(ax)
    titled(ax, f"Customer P&L: {name}", "P&L line", f"amount ({unit})")
    return ax


def contribution_by_account(
    pnl: pd.DataFrame, *, ax: Axes | None = None, n: int = 10, currency: str | None = None
) -> Axes:
    """Horizontal bars: the ``n`` most and ``n`` least profitable accounts' contribution.

    ``pnl`` is a :func:`kamlab.value.customer_pnl` frame (or any frame with a
    ``contribution`` column, indexed by account). Most profitable at the top; losses
    in red. With ``2 n`` accounts or fewer, all are shown.
    """
    ax = axes(ax)
    unit = _currency(pnl, currency)
    ranked = pnl.sort_index().sort_values("contribution", ascending=False, kind="stable")
    shown = ranked if len(ranked) <= 2 * n else pd.concat([ranked.head(n), ranked.tail(n)])
    titled(
        ax,
        "Contribution by account"
        if len(shown) == len(ranked)
        else f"Most and least profitable accounts (top and bottom {n} of {len(ranked):,})",
        f"contribution ({unit})",
        "account",
    )
    if shown.empty:
        no_data(ax, "no accounts")
        return ax
    values = shown["contribution"].to_numpy(dtype="float64")[::-1]
    labels = _account_labels(shown).to_numpy()[::-1]
    y = np.arange(len(values))
    ax.barh(y, values, color=np.where(values < 0, RETURN, BAR))
    if len(shown) < len(ranked):
        ax.axhline(n - 0.5, color="0.5", linestyle="--", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize="small")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ticks(ax, "x")
    return ax


def cost_to_serve_breakdown(
    pnl: pd.DataFrame,
    by: str | pd.Series | Mapping | None = None,
    *,
    ax: Axes | None = None,
    currency: str | None = None,
) -> Axes:
    """Stacked bars: each cost-to-serve line's share of cost to serve, per group.

    ``pnl`` is a :func:`kamlab.value.customer_pnl` frame. ``by`` groups the accounts:
    ``None`` (the whole portfolio), a column of ``pnl`` (e.g. a tier or segment
    joined onto it), or a Series / mapping from account id to group. Each bar sums
    to 100%; its label gives the group's total cost to serve.
    """
    ax = axes(ax)
    unit = _currency(pnl, currency)
    lines = _cost_lines(pnl)
    if by is None:
        groups, title = pd.Series("portfolio", index=pnl.index), "portfolio"
    elif isinstance(by, str):
        groups, title = pnl[by], by.replace("_", " ")
    else:
        groups = pd.Series(by).reindex(pnl.index)
        title = str(getattr(by, "name", None) or "group").replace("_", " ")
    titled(
        ax,
        "Cost to serve by activity" + ("" if by is None else f", by {title}"),
        "share of cost to serve (%)",
        title,
    )
    costs = pnl[lines].groupby(groups.astype("string").fillna("(none)"), sort=True).sum()
    if costs.empty or not lines:
        no_data(ax, "no cost-to-serve lines")
        return ax
    totals = costs.sum(axis=1)
    shares = costs.div(totals.where(totals > 0), axis=0).fillna(0.0) * 100
    y = np.arange(len(shares))
    left = np.zeros(len(shares))
    palette = [f"C{i % 10}" for i in range(len(lines))]
    for column, color in zip(lines, palette, strict=True):
        width = shares[column].to_numpy()
        ax.barh(y, width, left=left, color=color, label=_line_label(column))
        left += width
    ax.set_yticks(y, [f"{g}\n({unit} {thousands(t)})" for g, t in totals.items()])
    ax.set_xlim(0, 100)
    ticks(ax, "x", percent=True)
    legend(ax, "upper center", bbox_to_anchor=(0.5, -0.15), ncols=4)
    return ax


# --------------------------------------------------------------------------- models


def retention_curve(
    observed: pd.Series,
    fitted: pd.Series,
    projected: pd.Series | None = None,
    *,
    ax: Axes | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Survivors (or retention) per period: observed points, fitted line, projection dashed.

    Each Series is indexed by period (0, 1, 2, ... or dates). Values all within
    0-1 are read as shares of the cohort and shown in %; otherwise as counts of
    survivors. The x label is the index name (``period`` when unnamed).
    """
    ax = axes(ax)
    series = [s for s in (observed, fitted, projected) if s is not None]
    values = pd.concat([s.astype("float64") for s in series]).dropna()
    share = values.empty or bool(((values >= 0) & (values <= 1)).all())
    scale = 100.0 if share else 1.0
    if projected is not None and len(projected):
        ax.plot(
            projected.index,
            projected.to_numpy(dtype="float64") * scale,
            color=BAR,
            linestyle="--",
            label="projected",
        )
    ax.plot(fitted.index, fitted.to_numpy(dtype="float64") * scale, color=BAR, label="fitted")
    ax.plot(
        observed.index,
        observed.to_numpy(dtype="float64") * scale,
        "o",
        color=LINE,
        markersize=4,
        label="observed",
    )
    titled(
        ax,
        "Retention: observed and fitted" + (", with projection" if projected is not None else ""),
        str(observed.index.name or "period").replace("_", " "),
    )
    if share:
        ax.set_ylabel(ylabel or "customers retained (% of cohort)")
        ticks(ax, percent=True)
        ax.set_ylim(0, 102)
    else:
        ax.set_ylabel(ylabel or "customers surviving (count)")
        ax.set_ylim(bottom=0)
        ticks(ax)
    legend(ax, "upper right")
    return ax


def probability_alive_heatmap(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Heatmap of P(alive) by recency bin (rows, first at the bottom) and frequency bin.

    ``table``: index = recency bins, columns = frequency bins, values = probability
    alive in 0-1 (e.g. from a BG/NBD or Pareto/NBD fit). Cells are written in %
    when the table is small (``annotate=None``: at most 12 x 12). Adds a colour bar.
    """
    ax = axes(ax)
    values = table.to_numpy(dtype="float64")
    titled(
        ax,
        "Probability alive by recency and frequency",
        str(table.columns.name or "frequency (repeat purchases)").replace("_", " "),
        str(table.index.name or "recency").replace("_", " "),
    )
    if values.size == 0:
        no_data(ax, "empty table")
        return ax
    image = ax.imshow(values, origin="lower", aspect="auto", vmin=0, vmax=1, cmap=cmap)
    bar = ax.figure.colorbar(image, ax=ax, format=PercentFormatter(xmax=1))
    bar.set_label("P(alive) (%)")
    rows, cols = values.shape
    step_r, step_c = max(1, int(np.ceil(rows / 12))), max(1, int(np.ceil(cols / 12)))
    ax.set_yticks(np.arange(0, rows, step_r), [str(v) for v in table.index[::step_r]])
    ax.set_xticks(np.arange(0, cols, step_c), [str(v) for v in table.columns[::step_c]])
    if annotate if annotate is not None else (rows <= 12 and cols <= 12):
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(
                    c,
                    r,
                    f"{v:.0%}",
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color="black" if v > 0.5 else "white",
                )
    return ax


def uplift_by_account(
    uplift: pd.DataFrame, *, ax: Axes | None = None, n: int = 15, currency: str | None = None
) -> Axes:
    """Horizontal bars of the ``n`` largest value uplifts, with interval whiskers.

    ``uplift`` has ``delta_value``, ``lower`` and ``upper`` (the interval) and
    ``account_name`` or ``account_id`` (a column or the index) for the labels.
    Largest at the top.
    """
    ax = axes(ax)
    unit = _currency(uplift, currency)
    top = uplift.sort_values("delta_value", ascending=False, kind="stable").head(n)
    titled(
        ax,
        f"Profit uplift from better retention: top {len(top)} accounts",
        f"change in expected value ({unit}), with interval",
        "account",
    )
    if top.empty:
        no_data(ax, "no accounts")
        return ax
    top = top.iloc[::-1]
    delta = top["delta_value"].to_numpy(dtype="float64")
    low = (delta - top["lower"].to_numpy(dtype="float64")).clip(min=0)
    high = (top["upper"].to_numpy(dtype="float64") - delta).clip(min=0)
    y = np.arange(len(top))
    ax.barh(
        y,
        delta,
        color=np.where(delta < 0, RETURN, BAR),
        xerr=np.nan_to_num(np.vstack([low, high])),
        error_kw={"ecolor": LINE, "capsize": 3, "linewidth": 1},
    )
    ax.set_yticks(y, _account_labels(top).to_numpy(), fontsize="small")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ticks(ax, "x")
    return ax
