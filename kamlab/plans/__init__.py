"""Key account plans as files people edit, and plan against actual (primer section 11).

plans = draft_plans(portfolio.table_, period="2026Q3")   # one per key account
write_plan(plans[0], "plans/")                           # plans/A0001.yaml
card = plan_scorecard(read_plans("plans/"), table, end="2026-12-31")
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.plans.document": [
            "ACTION_STATUSES",
            "MEASURES",
            "Action",
            "Objective",
            "Plan",
            "dump_plan",
            "plan_file_name",
            "read_plan",
            "read_plans",
            "write_plan",
        ],
        "kamlab.plans.draft": ["TARGET_RULES", "carry_forward", "draft_plans", "next_period"],
        "kamlab.plans.scorecard": [
            "SCORECARD_COLUMNS",
            "STATUSES",
            "measure_actuals",
            "objective_status",
            "overdue_actions",
            "plan_against_actual",
            "plan_scorecard",
        ],
    },
)
