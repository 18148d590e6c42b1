"""The key account portfolio: selection criteria, matrix, tiers, stages, buyer's view,
exits, movement, the allocation of account-manager hours and global accounts (the roll-up
of entities to their global account, and their countries side by side).

    portfolio = build_portfolio(transactions, accounts, until="2026-09-30")
    portfolio.table_   # one row per account: scores, box, tier, stage, exit proposal, health
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.portfolio.allocate": [
            "Allocation",
            "allocate_hours",
            "budget_curve",
            "optimal_budget",
            "response_gain",
            "value_at_stake",
        ],
        "kamlab.portfolio.buyer": ["BUYER_QUESTIONS", "buyer_scorecard", "portfolio_buyer_summary"],
        "kamlab.portfolio.contacts": [
            "contact_indicators",
            "contact_summary",
            "shape_fits_stage",
            "with_contact_indicators",
        ],
        "kamlab.portfolio.criteria": [
            "BOXES",
            "Criteria",
            "ExitRule",
            "Factor",
            "HealthLevel",
            "HealthRule",
            "PotentialRule",
            "load_criteria",
        ],
        "kamlab.portfolio.exits": ["EXIT_COLUMNS", "recommend_exits", "tier_contributions"],
        "kamlab.portfolio.global_accounts": [
            "country_comparison",
            "country_spreads",
            "global_ids",
            "roll_up",
            "roll_up_accounts",
        ],
        "kamlab.portfolio.health": ["HEALTH", "classify_health", "guard_tiers", "health_measures"],
        "kamlab.portfolio.matrix": ["STRATEGIES", "TIERS"],
        "kamlab.portfolio.measures": ["portfolio_measures", "year_on_year_growth"],
        "kamlab.portfolio.movement": ["Movement", "portfolio_movement"],
        "kamlab.portfolio.planning": ["loaded_hour_cost", "plan_hours"],
        "kamlab.portfolio.potential": ["POTENTIAL_BASES", "account_potential"],
        "kamlab.portfolio.portfolio": ["TABLE_COLUMNS", "Portfolio", "build_portfolio"],
        "kamlab.portfolio.scoring": ["PortfolioWarning"],
        "kamlab.portfolio.stages": ["assess_stages", "stage_crosstab", "stage_gaps"],
    },
)
