"""Column roles and how a file's columns are mapped onto them.

A *role* is what kamlab needs a column for (``account_id``, ``date``, ...). The
user names their column for a role (``--column account_id="Customer ID"`` or a
YAML mapping file); roles left unnamed are matched automatically against common
names, compared case-, space- and punctuation-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kamlab.errors import ConfigError, MissingColumnError
from kamlab.yamlfile import read_yaml, shown, text

TRANSACTION_ROLES: dict[str, list[str]] = {
    "account_id": [
        "account_id",
        "customer_id",
        "customerid",
        "customer id",
        "customer",
        "account",
        "client_id",
        "client",
        "cust_id",
        "customer_number",
        "customer_no",
        "sold_to",
        "id",
    ],
    "date": [
        "date",
        "invoice_date",
        "invoicedate",
        "order_date",
        "orderdate",
        "transaction_date",
        "purchase_date",
        "txn_date",
        "datetime",
        "timestamp",
    ],
    "revenue": [
        "revenue",
        "sales",
        "amount",
        "line_total",
        "net_sales",
        "sales_value",
        "value",
        "dollar_value",
        "total",
        "line_amount",
    ],
    "quantity": ["quantity", "qty", "units", "unit_count"],
    "unit_price": ["unit_price", "unitprice", "price", "price_each", "list_price"],
    "order_id": [
        "order_id",
        "orderid",
        "invoice",
        "invoice_no",
        "invoiceno",
        "invoice_number",
        "order",
        "order_no",
        "order_number",
        "transaction_id",
    ],
    "product_id": ["product_id", "productid", "stockcode", "stock_code", "sku", "product", "item"],
    "unit_cost": ["unit_cost", "unitcost", "cost_each"],
    "cost": ["cost", "line_cost", "cogs", "cost_of_goods"],
    "gross_margin": ["gross_margin", "margin", "gross_profit", "profit", "line_profit"],
    "account_name": ["account_name", "customer_name", "company", "company_name", "client_name"],
}
"""Roles of a transactions file with the column names recognised for each, best first."""

ACCOUNT_ROLES: dict[str, list[str]] = {
    "account_id": TRANSACTION_ROLES["account_id"],
    "account_name": ["account_name", "name", "customer_name", "company", "company_name"],
    "industry": ["industry", "sector", "vertical"],
    "region": ["region", "territory", "area"],
    "country": ["country", "country_name", "nation"],
    "parent_id": [
        "parent_id",
        "global_id",
        "global_account_id",
        "parent_account_id",
        "group_id",
        "ultimate_parent_id",
    ],
    "parent_name": [
        "parent_name",
        "global_name",
        "global_account_name",
        "parent_account_name",
        "group_name",
        "ultimate_parent_name",
    ],
}
"""Roles of an accounts file; other columns are kept under their own names. ``parent_id``
names the global account an entity belongs to (:mod:`kamlab.io.accounts`)."""


def normalise_name(name: object) -> str:
    """``"Customer ID"`` -> ``"customerid"``: the form in which column names are compared."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


@dataclass
class ColumnMapping:
    """Which file column fills each role, and whether the user named it or kamlab guessed."""

    columns: dict[str, str] = field(default_factory=dict)
    auto: set[str] = field(default_factory=set)

    def describe(self) -> list[str]:
        """Lines such as ``account_id <- 'CustomerID' (recognised)`` for printing."""
        return [
            f"{role} <- {col!r} ({'recognised' if role in self.auto else 'given'})"
            for role, col in self.columns.items()
        ]


def parse_column_options(options: list[str] | None) -> dict[str, str]:
    """``["account_id=Customer ID", ...]`` (from repeated ``--column``) -> ``{role: column}``."""
    mapping: dict[str, str] = {}
    for option in options or []:
        role, sep, column = option.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise ConfigError(
                f"--column {option!r}: expected ROLE=COLUMN, e.g. account_id=CustomerID"
            )
        mapping[role.strip()] = column.strip()
    return mapping


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """A YAML file of ``role: column`` pairs (optionally under a ``columns:`` key), read
    by :func:`kamlab.yamlfile.read_yaml` (size, alias and nesting limits; one-line
    errors). Each key must be a role of :data:`TRANSACTION_ROLES`, each value a column
    name (text, or a whole number for a column named ``2024``); a mistake is a
    :class:`ConfigError` naming the file, the key and the fix."""
    where = str(path)
    data = read_yaml(path, "the column mapping", fix=_MAPPING_FIX)
    if set(data) == {"columns"}:
        data = data["columns"]
        if not isinstance(data, dict):
            raise ConfigError(
                f"{where}: columns must be 'role: column' lines, e.g. 'account_id: CustomerID'"
            )
    mapping = {}
    for role, column in data.items():
        if role not in TRANSACTION_ROLES:
            raise ConfigError(
                f"{where}: unknown role {shown(role)}; known roles: "
                f"{', '.join(TRANSACTION_ROLES)}; write 'ROLE: YOUR_COLUMN' with one of them"
            )
        text(column, where, role, example="'CustomerID'", numbers=True)
        mapping[role] = str(column)  # as written: a header may have spaces
    return mapping


_MAPPING_FIX = "write one 'role: column' line per role, e.g. 'account_id: CustomerID'"


def resolve_mapping(
    found: list[str],
    given: dict[str, str] | None,
    roles: dict[str, list[str]],
    *,
    required: list[str],
    source: str = "",
    hint: str | None = None,
) -> ColumnMapping:
    """Map roles to the file's columns: the user's choices first, then recognised names.

    Raises :class:`ConfigError` for an unknown role or a named column that is not in
    the file, and :class:`MissingColumnError` (with ``hint``, else the default of
    naming the column with ``--column``) when a required role stays unfilled.
    """
    given = dict(given or {})
    found = [str(c) for c in found]
    mapping = ColumnMapping()
    for role, column in given.items():
        if role not in roles:
            raise ConfigError(
                f"unknown role {shown(role)}; known roles: {', '.join(roles)}; "
                "name one of them, e.g. account_id=CustomerID"
            )
        if column not in found:
            raise ConfigError(
                f"column {column!r} given for role {role!r} is not in {source or 'the file'}; "
                f"found columns {', '.join(found)}"
            )
        mapping.columns[role] = column
    by_normal = {}
    for col in found:
        by_normal.setdefault(normalise_name(col), col)
    taken = set(mapping.columns.values())
    for role, aliases in roles.items():
        if role in mapping.columns:
            continue
        for alias in aliases:
            col = by_normal.get(normalise_name(alias))
            if col is not None and col not in taken:
                mapping.columns[role] = col
                mapping.auto.add(role)
                taken.add(col)
                break
    for role in required:
        if role not in mapping.columns:
            raise MissingColumnError(role, roles[role], found, source, hint=hint)
    return mapping
