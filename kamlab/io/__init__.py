"""Reading customer data: files of any layout -> validated frames plus a quarantine."""

from kamlab.io.accounts import Accounts, accounts_by_id, read_accounts
from kamlab.io.files import read_table
from kamlab.io.mapping import load_mapping_file, parse_column_options
from kamlab.io.transactions import REASONS, Transactions, read_transactions

__all__ = [
    "REASONS",
    "Accounts",
    "Transactions",
    "accounts_by_id",
    "load_mapping_file",
    "parse_column_options",
    "read_accounts",
    "read_table",
    "read_transactions",
]
