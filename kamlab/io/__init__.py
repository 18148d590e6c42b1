"""Reading customer data: files of any layout -> validated frames plus a quarantine."""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.io.accounts": ["Accounts", "accounts_by_id", "read_accounts"],
        "kamlab.io.contacts": ["Contacts", "read_contacts"],
        "kamlab.io.files": ["read_table"],
        "kamlab.io.mapping": ["load_mapping_file", "parse_column_options"],
        "kamlab.io.tables": [
            "SUMMARY_COLUMNS",
            "read_feature_table",
            "read_ids",
            "read_summary",
        ],
        "kamlab.io.transactions": ["REASONS", "Transactions", "lines_of", "read_transactions"],
    },
)
