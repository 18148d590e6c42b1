"""Workflows: the steps that every entry point shares, run once per set of inputs.

The command line, the notebooks and the report call these instead of chaining the
domain functions themselves, so each step is written once:

- :mod:`kamlab.workflows.period`: one period's run (:func:`period_run`): the inputs read
  once, the portfolio now and a period earlier, the value models, the hours plan; every
  report notebook starts from it;
- :mod:`kamlab.workflows.value`: summarise, fit a purchase model and Gamma-Gamma, build
  the P&L and value every account (:func:`run_value`); the model that the run uses for
  retention and value at risk (:func:`fit_uplift_model`, :func:`choose_uplift_model`);
- :mod:`kamlab.workflows.global_accounts`: a period's run rolled up to global accounts
  (:func:`rolled_up`);
- :mod:`kamlab.workflows.cache`: the one cache, shared by the notebooks of a report run
  and keyed on the content of the inputs;
- :mod:`kamlab.workflows.report_inputs`: a report run's first step, every input read and
  validated into that cache (:func:`~kamlab.workflows.report_inputs.read_into_cache`).
"""

from kamlab.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "kamlab.workflows.global_accounts": ["rolled_up"],
        "kamlab.workflows.period": ["PeriodRun", "covered_until", "period_run", "read_inputs"],
        "kamlab.workflows.value": [
            "DEFAULT_DRAWS",
            "MODELS",
            "ValueRun",
            "choose_uplift_model",
            "fit_uplift_model",
            "hours_plan",
            "model_choice_note",
            "pick_uplift_run",
            "run_value",
        ],
    },
)
