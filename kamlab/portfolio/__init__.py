"""The key account portfolio: selection criteria, matrix, tiers, stages, buyer's view,
exits, movement and the allocation of account-manager hours.

    portfolio = build_portfolio(transactions, accounts, until="2026-09-30")
    portfolio.table_   # one row per account: scores, box, tier, stage, exit proposal
"""

from kamlab.portfolio.allocate import Allocation, allocate_hours, response_gain, value_at_stake
from kamlab.portfolio.buyer import BUYER_QUESTIONS, buyer_scorecard, portfolio_buyer_summary
from kamlab.portfolio.criteria import BOXES, Criteria, ExitRule, Factor, load_criteria
from kamlab.portfolio.matrix import STRATEGIES, TIERS
from kamlab.portfolio.measures import portfolio_measures
from kamlab.portfolio.movement import Movement, portfolio_movement
from kamlab.portfolio.planning import plan_hours
from kamlab.portfolio.portfolio import TABLE_COLUMNS, Portfolio, build_portfolio
from kamlab.portfolio.scoring import PortfolioWarning
from kamlab.portfolio.stages import assess_stages, stage_crosstab, stage_gaps

__all__ = [
    "BOXES",
    "BUYER_QUESTIONS",
    "STRATEGIES",
    "TABLE_COLUMNS",
    "TIERS",
    "Allocation",
    "Criteria",
    "ExitRule",
    "Factor",
    "Movement",
    "Portfolio",
    "PortfolioWarning",
    "allocate_hours",
    "assess_stages",
    "build_portfolio",
    "buyer_scorecard",
    "load_criteria",
    "plan_hours",
    "portfolio_buyer_summary",
    "portfolio_measures",
    "portfolio_movement",
    "response_gain",
    "stage_crosstab",
    "stage_gaps",
    "value_at_stake",
]
