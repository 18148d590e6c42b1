"""The transaction validation rules as one Ibis expression, for every engine.

A *typed* table comes in: the source's own columns (kept for the quarantine and the
``duplicate_line`` rule) plus, for each mapped role, its typed value (:func:`typed`:
``None`` where it could not be read) and flag (:func:`bad`), and the row's number. A text
file is typed in pandas (:mod:`kamlab.io.parse` decides date formats and decimal marks,
which only text has); a Parquet file or a database table is typed in the engine
(:func:`typed_in_engine`). From there every rule is the same expression on every engine
(:func:`judge`), and so are the accepted lines (:func:`accepted_lines`): returns
netted, ids as text, cost and gross margin. A table with numbered rows (Parquet) is
judged in two passes that keep only the rejected rows (:func:`rejected`); its accepted
lines are the source less those rows (:func:`typed_as_accepted`).

The rules, in the order they apply, are listed in :mod:`kamlab.io.transactions`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

PREFIX = "_kl_"
ROW = PREFIX + "row"
MAX_FIELD_CHARS = 10_000
AMOUNT_LIMIT = 1e15
FIRST_DAY, LAST_DAY = dt.datetime(1900, 1, 1), dt.datetime(2199, 12, 31, 23, 59, 59)
AMOUNT_ROLES = ["revenue", "quantity", "unit_price", "unit_cost", "cost", "gross_margin"]
COST_ROLES = ("unit_cost", "cost", "gross_margin")
"""Amounts that may be empty: an empty cost is unknown, not wrong."""
TEXT_ROLES = ["account_id", "order_id", "product_id", "account_name"]


def typed(role: str) -> str:
    """The typed table's column for a role's value (``_kl_date``)."""
    return PREFIX + role


def bad(role: str) -> str:
    """The typed table's flag of a value that is present but cannot be read (``_kl_bad_date``)."""
    return PREFIX + "bad_" + role


REPEATED = PREFIX + "repeated"
"""Flag, given by a text file's typing (exact, on the text as read): the whole line repeats
an earlier line. A typed table without it gets the rule from its source columns."""
OVERSIZED = PREFIX + "oversized"
"""Where a mapped text value is longer than MAX_FIELD_CHARS: the quarantine's detail
naming the column (null elsewhere)."""
DATE_OUT_OF_RANGE = PREFIX + "date_out_of_range"
"""Flag: the date was read but lies outside FIRST_DAY..LAST_DAY (its typed value is None)."""


def probe(table: ir.Table, cols: dict[str, str]) -> dict:
    """One pass over a typed source for what its typing needs to know: ``rows``; the
    ``cancelled`` share of order ids starting with ``C`` (see :func:`marks_cancellations`);
    the ``last`` date of any row (that of the last accepted line, unless rejected)."""
    found = {"rows": table.count(), "last": table[cols["date"]].cast("timestamp").max()}
    if "order_id" in cols:
        starts = table[cols["order_id"]].cast("string").startswith("C").fill_null(False)
        found["cancelled"] = starts.ifelse(1.0, 0.0).mean()  # PostgreSQL casts no boolean
    values = table.aggregate(**found).to_pandas().iloc[0].to_dict()
    return {
        "rows": int(values["rows"]),
        "last": values["last"],
        "cancelled": values.get("cancelled"),
    }


def _cast(table: ir.Table, cols: dict[str, str]) -> dict[str, ir.Value]:
    """Each mapped role's column cast to its type: a timestamp, text (an empty id is no
    id: null), a float. Ids are taken as stored (a text file's are trimmed)."""
    value = {"date": table[cols["date"]].cast("timestamp")}
    for role in TEXT_ROLES:
        if role in cols:
            value[role] = table[cols[role]].cast("string").nullif("")
    for role in AMOUNT_ROLES:
        if role in cols:
            value[role] = table[cols[role]].cast("float64")
    return value


def typed_in_engine(table: ir.Table, cols: dict[str, str]) -> ir.Table:
    """Type a table whose role columns already have engine types (dates, numbers, ids as
    text or integers): values and flags next to the source's columns (and ``_kl_row``
    when the table has a row order)."""
    value = _cast(table, cols)
    date = value["date"]
    outside = (date < FIRST_DAY) | (date > LAST_DAY)
    too_long = [
        (table[cols[role]].length() > MAX_FIELD_CHARS, oversized_detail(role, cols))
        for role in TEXT_ROLES
        if role in cols and table[cols[role]].type().is_string()
    ]
    new = {
        OVERSIZED: ibis.cases(*too_long, else_=ibis.null("string"))
        if too_long
        else ibis.null("string"),
        DATE_OUT_OF_RANGE: outside.fill_null(False),
        typed("date"): ibis.cases((outside, ibis.null("timestamp")), else_=date),
        bad("date"): date.isnull(),
    }
    new.update({typed(role): value[role] for role in TEXT_ROLES if role in cols})
    for role in AMOUNT_ROLES:
        if role in cols:
            unreadable = value[role].isnan() | value[role].isinf()
            new[bad(role)] = (
                unreadable.fill_null(False)
                if role in COST_ROLES
                else (value[role].isnull() | unreadable).fill_null(True)
            )
            new[typed(role)] = ibis.cases((unreadable, ibis.null("float64")), else_=value[role])
    return table.mutate(**new)


def typed_as_accepted(table: ir.Table, cols: dict[str, str]) -> ir.Table:
    """The typed values of :func:`typed_in_engine` for rows the rules accepted, as plain
    casts: a date in range, finite or empty amounts and an account id leave its guards
    nothing to do (and a query over every line saves them)."""
    return table.mutate(**{typed(role): v for role, v in _cast(table, cols).items()})


def text(role: str) -> str:
    """The typed table's column of a role's value as written (a text file's date and
    amounts, for the quarantine's detail); a typed table shows its source column instead."""
    return PREFIX + "text_" + role


def row_number(table: ir.Table) -> ir.IntegerValue:
    """The row's number in its source (null for a table without a row order)."""
    return table[ROW].cast("int64") if ROW in table.columns else ibis.null("int64")


def _shown(table: ir.Table, role: str, cols: dict[str, str]) -> ir.StringValue:
    """``column=<value as written>``, cut to 80 characters, or ``column is empty`` (for a
    quarantine detail)."""
    column = text(role) if text(role) in table.columns else cols[role]
    value = table[column].cast("string")
    empty = value.isnull() | (value.strip() == "")
    written = ibis.literal(f"{cols[role]}=") + value.substr(0, 80)
    return ibis.cases(
        (empty.fill_null(True), ibis.literal(f"{cols[role]} is empty")), else_=written
    )


def oversized_detail(role: str, cols: dict[str, str]) -> str:
    return f"{cols[role]} longer than {MAX_FIELD_CHARS:,} characters"


def _with_repeated(table: ir.Table, source_columns: list[str], files: list[str]) -> ir.Table:
    """``table`` with :data:`REPEATED`: True on a row that repeats an earlier row of the
    table exactly (all source columns), "earlier" in the order of ``files`` (the column
    naming each row's file, when there are several) and row number; a table without row
    numbers lets the window decide which of the copies comes first.

    A window over every row sorts them all: :func:`rejected` uses it on the few rows
    whose hash occurs twice. (A text file's typing gives this flag itself.)"""
    same = [table[c] for c in source_columns]
    at = [table[c] for c in (*files, ROW)] if ROW in table.columns else same
    return table.mutate(**{REPEATED: ibis.row_number().over(group_by=same, order_by=at) > 0})


def rejected(table: ir.Table, **judging) -> ir.Table:
    """The rows of a table with row numbers (``_kl_row``) that :func:`judge` (given
    ``judging``, its arguments) rejects, with their ``_kl_reason`` and ``_kl_detail``,
    kept in the engine (few rows: the quarantine).

    With the ``duplicate_line`` rule the source is read twice, and never sorted: first for
    the hashes of whole rows that occur twice (kept: a handful), then for every row that
    may be rejected, by another rule or for such a hash. Only those rows are compared
    exactly, and judged again with the duplicate rule in its place."""
    if judging.get("keep_duplicates"):
        judged = judge(table, **judging)
        return judged.filter(judged._kl_reason.notnull()).cache()
    source_columns, files = judging["source_columns"], list(judging.get("files", ()))
    whole = ibis.struct({c: table[c] for c in source_columns}).hash()
    hashed = table.mutate(_kl_hash=whole)
    twice = hashed.group_by("_kl_hash").aggregate(n=hashed.count())
    twice = twice.filter(twice.n > 1).select("_kl_hash").cache()
    others = judge(hashed.mutate(**{REPEATED: ibis.literal(False)}), **judging)
    maybe = others._kl_reason.notnull() | others._kl_hash.isin(twice._kl_hash)
    suspects = others.filter(maybe).drop("_kl_reason", "_kl_detail", REPEATED).cache()
    judged = judge(_with_repeated(suspects, source_columns, files), **judging)
    return judged.filter(judged._kl_reason.notnull()).cache()


def judge(
    table: ir.Table,
    cols: dict[str, str],
    *,
    source_columns: list[str],
    files: list[str] = (),
    keep_duplicates: bool = False,
    today: dt.date,
    known_accounts: ir.Column | None = None,
) -> ir.Table:
    """The typed table with each row's ``_kl_reason`` and ``_kl_detail``: the first rule
    that applies, or null for a row that is accepted (rules and order:
    :mod:`kamlab.io.transactions`). ``files``: the column naming each row's file, when
    the rows come from several files numbered each on its own."""
    if not keep_duplicates and REPEATED not in table.columns:  # sorts every row
        table = _with_repeated(table, source_columns, list(files))
    rules: list[tuple[ir.BooleanValue, str, ir.Value | str]] = []

    def rule(condition, reason, detail):
        rules.append((condition, reason, detail))

    rule(table[OVERSIZED].notnull(), "oversized_field", table[OVERSIZED])
    rule(
        table[typed("account_id")].isnull(), "missing_account_id", f"{cols['account_id']} is empty"
    )
    if not keep_duplicates:
        rule(table[REPEATED], "duplicate_line", "repeats an earlier line")
    rule(
        table[DATE_OUT_OF_RANGE],
        "date_out_of_range",
        f"{cols['date']} outside {FIRST_DAY.date()} to {LAST_DAY.date()}",
    )
    rule(table[bad("date")], "unparseable_date", _shown(table, "date", cols))
    rule(table[typed("date")].date() > today, "date_in_future", f"after {today}")
    amounts = [role for role in AMOUNT_ROLES if role in cols]
    for role in amounts:
        rule(table[bad(role)], "non_numeric_amount", _shown(table, role, cols))
    beyond = f"beyond {AMOUNT_LIMIT:.0e} in size"
    for role in amounts:
        rule(
            table[typed(role)].abs() > AMOUNT_LIMIT, "amount_out_of_range", f"{cols[role]} {beyond}"
        )
    for role in ("unit_price", "unit_cost"):
        if role in amounts and "quantity" in amounts:
            line = (table[typed("quantity")] * table[typed(role)]).abs()
            rule(line > AMOUNT_LIMIT, "amount_out_of_range", f"quantity x {role} {beyond}")
    if "quantity" in amounts:
        rule(table[typed("quantity")] == 0, "zero_quantity", f"{cols['quantity']} is 0")
    if "revenue" not in cols:
        price = table[typed("unit_price")]
        rule(price == 0, "zero_price", f"{cols['unit_price']} is 0")
        shown = ibis.literal(f"{cols['unit_price']}=") + price.cast("string")
        rule(price < 0, "negative_price", shown)
    if known_accounts is not None:
        unknown = ~table[typed("account_id")].isin(known_accounts)
        rule(unknown, "unknown_account", "not in the accounts table")

    reason = ibis.cases(*[(c.fill_null(False), r) for c, r, _ in rules], else_=ibis.null("string"))
    detail = ibis.cases(
        *[(c.fill_null(False), ibis.literal(d) if isinstance(d, str) else d) for c, _, d in rules],
        else_=ibis.null("string"),
    )
    return table.mutate(_kl_reason=reason, _kl_detail=detail)


def marks_cancellations(share: float | None) -> bool:
    """True when order ids starting with ``C`` mark cancellations: some do, and fewer than
    half the lines' ids (ordinary ids that all begin with C are not mistaken)."""
    return share is not None and share == share and 0 < share < 0.5


def accepted_lines(
    table: ir.Table, cols: dict[str, str], *, cancelled: bool, keep: list[str] = ()
) -> ir.Table:
    """A typed table's rows as kamlab's lines (plus its columns ``keep``): returns netted
    (negative revenue, quantity and cost), ids as text, cost and gross margin. Filter the
    accepted rows (``_kl_reason`` null) first, or keep the reason to split them after.

    A line is a return when its revenue or quantity is negative, or (``cancelled``) its
    order id starts with ``C``. Revenue is ``revenue``, else quantity x unit price;
    cost is unit cost x |quantity|, else ``cost``; gross margin is revenue less cost, else
    the ``gross_margin`` given.
    """
    value = {role: table[typed(role)] for role in AMOUNT_ROLES if role in cols}
    revenue = value["revenue"] if "revenue" in value else value["quantity"] * value["unit_price"]
    is_return = revenue < 0
    if "quantity" in value:
        is_return |= value["quantity"] < 0
    if cancelled:
        is_return |= table[typed("order_id")].startswith("C").fill_null(False)
    is_return = is_return.fill_null(False)
    sign = ibis.cases((is_return, -1.0), else_=1.0)
    out = {
        "account_id": table[typed("account_id")],
        "date": table[typed("date")],
        "revenue": sign * revenue.abs(),
        "is_return": is_return,
        "row": row_number(table),
    }
    if "quantity" in value:
        out["quantity"] = sign * value["quantity"].abs()
    if "unit_price" in value:
        out["unit_price"] = value["unit_price"]
    cost = None
    if "unit_cost" in value and "quantity" in value:
        cost = value["unit_cost"] * value["quantity"].abs()
    elif "cost" in value:
        cost = value["cost"].abs()
    if cost is not None:
        out["cost"] = sign * cost
        out["gross_margin"] = out["revenue"] - out["cost"]
    elif "gross_margin" in value:
        out["gross_margin"] = value["gross_margin"]
    for role in ("order_id", "product_id", "account_name"):
        if role in cols:
            out[role] = table[typed(role)]
    return table.select(*keep, **out)
