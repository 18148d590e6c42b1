"""One period's run: the inputs read once, and what every notebook computes from them.

Every report notebook, and an analyst in JupyterLab, starts from the same call::

    run = period_run(transactions_path, accounts_path, previous_accounts_path,
                     columns=columns, read_options=read_options, until=until,
                     period=period, criteria=criteria_path, cost_rates=cost_rates_path)
    run.transactions, run.accounts            # read and validated once
    run.plan_scorecard(), run.contact_summary()  # with plans_path= / contacts_path= given
    run.portfolio.table_, run.previous_table  # this period's and the previous one's
    name, value_run, draws, note = run.uplift_model()

Each step is computed on first use. Within a report run (``kamlab report``) the results
are shared between the notebooks through :mod:`kamlab.workflows.cache`, keyed on the
input files' content and the step's parameters: the first notebook to need the
portfolio builds it, the others load it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from kamlab.errors import InputError
from kamlab.io import (
    Accounts,
    Contacts,
    Transactions,
    read_accounts,
    read_contacts,
    read_transactions,
)
from kamlab.periods import ReportPeriod, parse_period, period_of
from kamlab.summary import summaries_kept
from kamlab.workflows.cache import (
    content_key,
    fingerprint,
    in_report_run,
    memo,
    share_lines,
    store,
)
from kamlab.workflows.value import (
    ValueRun,
    evaluate_value,
    hours_plan,
    pick_uplift_run,
    run_value,
)

__all__ = [
    "PeriodRun",
    "covered_until",
    "known_accounts",
    "period_run",
    "read_contacts_file",
    "read_inputs",
]


@dataclass
class PeriodRun:
    """A period's inputs and, computed on first use and shared within a report run, its
    portfolio, the previous period's portfolio and the value models.

    ``until`` is the last day the run covers: the period's last day, or the last date in
    the data when they end before it (or when neither is given); ``asked_until`` the day
    asked for, when the data end before it. ``period`` is its label when known
    ("2026Q3"). ``criteria`` and ``rates`` are the selection-criteria and
    cost-rate files (None: kamlab's defaults). Build it with :func:`period_run`.
    """

    transactions: Transactions
    accounts: Accounts | None = None
    previous_accounts: pd.DataFrame | None = None
    until: str | None = None
    period: str | None = None
    asked_until: str | None = None
    """The last day asked for (the period's end) when the data end before it, else None."""
    criteria: str | None = None
    rates: str | None = None
    plans: str | None = None
    """The folder of key account plans (``kamlab plans init``), or None."""
    contacts: Contacts | None = None
    """The contacts file, read and validated (:func:`~kamlab.io.read_contacts`), or None."""
    sources: tuple = field(default=(), repr=False)
    """What the inputs were read from: file paths, column mapping, reading options."""
    fitted: PeriodRun | None = field(default=None, repr=False)
    """The run whose fitted purchase and spend models this one evaluates instead of fitting
    its own (a run rolled up to global accounts: :func:`~kamlab.workflows.rolled_up`)."""

    @cached_property
    def key(self) -> tuple:
        """What the run's results depend on: the content of every input and configuration
        file, the reading options (the cache key of every step, with its parameters)."""
        if self.sources:
            inputs = _input_key(*self.sources)
        else:  # built from frames, not files
            frames = [getattr(self.transactions, "data", self.transactions)]
            frames += [getattr(self.accounts, "data", self.accounts), self.previous_accounts]
            inputs = tuple(fingerprint(f) for f in frames)
        return (inputs, content_key(self.criteria, self.rates))

    _results: dict = field(default_factory=dict, init=False, repr=False)

    def _memo(self, name: str, parameters: tuple, compute, *, keep: bool = True):
        """``compute()`` once per run: kept on this object, and within a report run in the
        cache shared by its notebooks. ``keep`` False: within a report run, a result this
        object does not hold yet comes from (or goes into) the cache and is not kept."""
        if (name, parameters) in self._results:
            return self._results[name, parameters]
        result = memo(name, lambda: (self.key, parameters), compute)
        if keep or not in_report_run():
            self._results[name, parameters] = result
        return result

    def _share(self, name: str, parameters: tuple, part) -> None:
        """``part``, computed along with another result, kept on the run as :meth:`_memo`
        would keep it (in place of a copy loaded before) and put in the report's cache
        unless there."""
        self._results[name, parameters] = part
        store(name, (self.key, parameters), part)

    # -- the portfolio, now and a period earlier ----------------------------------------------
    @cached_property
    def portfolio(self):
        """This period's :class:`~kamlab.portfolio.Portfolio` (12 months to ``until``), its
        account health from the run's purchase model (:meth:`uplift_model`)."""
        from kamlab.portfolio import build_portfolio
        from kamlab.portfolio.measures import WINDOW

        def build():
            pnl = self._customer_pnl(self.until, WINDOW)  # the run's pnl("12M") too: once
            portfolio = build_portfolio(
                self.transactions,
                self.accounts,
                until=self.until,
                criteria=self.criteria,
                previous_accounts=self.previous_accounts,
                rates=self.rates,
                health_value=self.uplift_value(),
                pnl=pnl,
            )
            self._share("pnl", (portfolio.table_.attrs["until"], WINDOW), pnl)
            return portfolio

        return self._memo("portfolio", (self.until, self._uplift_name()), build)

    @property
    def end(self) -> str:
        """The last day the run covers (``until``, or the last date in the data)."""
        return self.portfolio.table_.attrs["until"]

    @cached_property
    def reporting_period(self) -> ReportPeriod:
        """The period reported on: ``period`` when given, else the quarter of :attr:`end`."""
        return parse_period(self.period) if self.period else period_of(self.end)

    @property
    def label(self) -> str:
        return self.reporting_period.label

    @cached_property
    def previous_period(self) -> ReportPeriod:
        """The period before :attr:`reporting_period` ("a quarter earlier" for quarters)."""
        return self.reporting_period.previous()

    @cached_property
    def previous_table(self) -> pd.DataFrame:
        """The previous period's portfolio table: the data up to its end, scored with the
        previous accounts file when given (else today's judgement scores and stages stand
        in: ``attrs["accounts_as_of"]`` is ``"snapshot"`` or ``"today's"``, see
        :data:`~kamlab.portfolio.history.ACCOUNTS_AS_OF`); account health from the run's
        purchase model evaluated on the history to that end. When the data hold no
        transaction in the 12 months to that end (a short history), an empty table with
        ``attrs["no_transactions"]`` set: every account is then new."""
        return self._previous_table()

    def _previous_table(self, *, keep: bool = True) -> pd.DataFrame:
        """:attr:`previous_table`; ``keep`` as :meth:`_memo` takes it."""
        from kamlab.portfolio import build_portfolio
        from kamlab.portfolio.measures import bought_in_window

        end = str(self.previous_period.end.date())
        given = self.previous_accounts is not None
        accounts = self.previous_accounts if given else self.accounts
        as_of = "snapshot" if given else "today's" if accounts is not None else "none"

        def build() -> pd.DataFrame:
            if not bought_in_window(self.transactions, end):  # a short history: no earlier year
                table = self.portfolio.table_.iloc[0:0].copy()
                table.attrs.update(until=end, accounts_as_of=as_of, no_transactions=True)
                return table
            table = build_portfolio(
                self.transactions,
                accounts,
                until=end,
                criteria=self.criteria,
                rates=self.rates,
                health_value=self.uplift_value(),
            ).table_
            table.attrs["accounts_as_of"] = as_of
            return table

        return self._memo("previous_portfolio", (end, self._uplift_name()), build, keep=keep)

    def snapshots(self, extra: Mapping | None = None) -> dict:
        """The earlier accounts tables the run has, by period label: the previous accounts
        file under the previous period's label, then ``extra`` (label -> table, e.g. older
        files; it wins on the same label)."""
        out = {}
        if self.previous_accounts is not None:
            out[self.previous_period.label] = self.previous_accounts
        out.update(extra or {})
        return out

    def history(self, count: int = 4, snapshots: Mapping | None = None) -> pd.DataFrame:
        """Box, tier, stage and health of each account over the ``count`` periods to this
        one (:func:`kamlab.portfolio.history.portfolio_history`, health from the run's
        purchase model). The previous period is scored with the previous accounts file when
        the run has one, older periods with ``snapshots`` (label -> accounts table) where
        given; the others with today's, said in ``accounts_as_of``."""
        from kamlab.portfolio.history import portfolio_history

        given = self.snapshots(snapshots)
        tables = tuple(sorted((str(k), fingerprint(_frame(v))) for k, v in given.items()))

        def compute() -> pd.DataFrame:
            # the run's own two tables, where they are what the history would build
            built = {self.label: self.portfolio.table_}
            before = self.previous_period.label
            if given.get(before) is self.previous_accounts:
                # loaded when its turn comes and not kept: at 1M accounts 350 MB through
                # the builds of the older periods, in a notebook that has no other use for it
                built[before] = lambda: self._previous_table(keep=False)
            return portfolio_history(
                self.transactions,
                self.accounts,
                period=self.label,
                count=count,
                criteria=self.criteria,
                rates=self.rates,
                health_value=self.uplift_value(),
                snapshots=given,
                built=built,
            )

        key = (self.label, count, self._uplift_name(), tables)
        return self._memo("history", key, compute)

    def pnl(self, window: str | None = "12M") -> pd.DataFrame:
        """The customer P&L of the ``window`` to the run's end (None: all the history), at
        the run's cost rates (:func:`~kamlab.value.pnl.customer_pnl`): computed once per run
        and shared by the report's notebooks."""
        return self._memo("pnl", (self.end, window), lambda: self._customer_pnl(self.end, window))

    def _history_pnl(self, end: str) -> pd.DataFrame:
        """The P&L over all history to ``end`` for a model's value run: one computation
        serves every model (it does not depend on the model). In a report run it goes into
        the cache, not kept on the run: the runs passed over let theirs go."""
        return self._memo("pnl", (end, None), lambda: self._customer_pnl(end, None), keep=False)

    def _customer_pnl(self, until, window: str | None) -> pd.DataFrame:
        from kamlab.value.pnl import customer_pnl

        return customer_pnl(
            self.transactions, self.accounts, until=until, window=window, rates=self.rates
        )

    # -- plans and people -------------------------------------------------------------------------
    def plan_scorecard(self):
        """The plans read against this period's portfolio table
        (:func:`~kamlab.plans.plan_against_actual`): ``(scorecard, overdue actions)``, or
        None without plans. The 12 months' customer P&L (:meth:`pnl`) gives the
        gross-margin objectives their actual."""
        from kamlab.plans import plan_against_actual

        if not self.plans:
            return None
        return plan_against_actual(
            self.plans,
            self.portfolio.table_,
            end=self.end,
            pnl=self.pnl("12M"),
            known_accounts=known_accounts(self.transactions, self.accounts),
        )

    def contact_summary(self) -> pd.DataFrame | None:
        """Per account of this period's portfolio: contacts, functions and links on both
        sides, the relationship's shape and its flags, stale contacts measured to the
        period's end (:func:`~kamlab.portfolio.contacts.contact_summary`); None without a
        contacts file."""
        from kamlab.portfolio.contacts import contact_summary

        if self.contacts is None:
            return None
        return contact_summary(self.contacts, accounts=self.portfolio.table_, as_of=self.end)

    # -- value ----------------------------------------------------------------------------------
    def model_comparison(self, holdout_weeks: int | None = None):
        """The purchase models compared out of sample on the data to ``until``
        (:func:`~kamlab.models.holdout.compare_purchase_models`; the last 26 weeks as
        holdout unless ``holdout_weeks``): computed once per run."""
        from kamlab.models.holdout import HOLDOUT_WEEKS, compare_purchase_models

        weeks = HOLDOUT_WEEKS if holdout_weeks is None else int(holdout_weeks)
        return self._memo(
            "model_comparison",
            (self.until, weeks),
            lambda: compare_purchase_models(
                self.transactions, until=self.until, holdout_weeks=weeks
            ),
        )

    def value(
        self, model: str | None = None, *, horizon_months: float = 36, discount: float = 0.10
    ) -> ValueRun:
        """:func:`~kamlab.workflows.value.run_value` for ``model`` ("bgnbd", "mbgnbd",
        "pareto-nbd"; None: the run's purchase model, :meth:`uplift_model`) on the data
        up to ``until``."""
        if model is None:
            return self.uplift_model(horizon_months=horizon_months, discount=discount)[1]
        return self._memo(
            "value",
            (self.until, model, horizon_months, discount),
            lambda: run_value(
                self.transactions,
                self.accounts,
                until=self.until,
                model=model,
                horizon_months=horizon_months,
                discount=discount,
                rates=self.rates,
                history_pnl=self._history_pnl,
            ),
        )

    def uplift_model(self, *, horizon_months: float = 36, discount: float = 0.10):
        """The run's one purchase model, for value, retention and value at risk: the one
        :meth:`model_comparison` chose out of sample, or the next by its rule when that
        one does not converge on all the data (:func:`~kamlab.workflows.value.pick_uplift_run`):
        ``(name, ValueRun, parameter draws it supports, note)``. A run with :attr:`fitted`
        evaluates that run's models on its own accounts
        (:func:`~kamlab.workflows.value.evaluate_value`) and fits none. Within a report
        run only the chosen model's run stays in memory, and while choosing only one run is
        held at a time (at 100k accounts a run holds some 50 MB, at 1M some 450 MB); the
        fits passed over stay in the run's cache on disk."""
        return self._uplift_model(horizon_months, discount, share=True)

    def _uplift_model(self, horizon_months: float, discount: float, *, share: bool):
        """:meth:`uplift_model`. ``share`` True: within a report run, a choice made here is
        kept on the run and also goes into the cache in the parts some notebooks need
        alone (:meth:`uplift_fits`, :meth:`uplift_value`). False: what those parts are
        taken from (their cache entries are locked meanwhile); within a report run the
        choice is then not kept, only the part (its runs stay in the cache on disk)."""
        options = {"horizon_months": horizon_months, "discount": discount}
        if self.fitted is not None:
            name, fitted, draws, note = self.fitted.uplift_fits(**options)
            value = self._memo(
                "evaluated_value",
                (self.until, name, horizon_months, discount),
                lambda: evaluate_value(
                    fitted,
                    self.transactions,
                    self.accounts,
                    until=self.until,
                    rates=self.rates,
                    **options,
                ),
            )
            return name, value, draws, note
        chosen = ("uplift_model", (horizon_months, discount))
        if chosen in self._results:
            return self._results[chosen]
        tried = set(self._results)

        def value_of(model: str) -> ValueRun:
            # in a report run a fit passed over goes before the next loads (at 1M accounts
            # a run holds some 450 MB), so only the chosen one stays; the others stay in
            # the cache on disk, loaded again if asked for
            self._let_go_value_runs(tried)
            return self.value(model, **options)

        with summaries_kept(self.transactions):  # the comparison and the fits: one end
            choice = pick_uplift_run(value_of, self.model_comparison())
        if share or not in_report_run():
            self._results[chosen] = choice
            if share and in_report_run():
                parameters = (horizon_months, discount)
                self._share("uplift_fits", parameters, _fits_only(choice))
                self._share("uplift_value", parameters, choice[1].value)
        else:  # only a part is wanted: the whole run goes with this call (cached on disk)
            self._let_go_value_runs(tried)
        return choice

    def _let_go_value_runs(self, kept: set) -> None:
        """Within a report run, forget the value runs not among ``kept`` (keys of
        ``_results``): they stay in the run's cache on disk."""
        for key in set(self._results) - kept if in_report_run() else ():
            if key[0] == "value":
                del self._results[key]

    def uplift_fits(self, *, horizon_months: float = 36, discount: float = 0.10):
        """:meth:`uplift_model` with its run's fitted models only: ``(name, ValueRun whose
        summary, pnl and value are None, draws, note)``, what a run rolled up from this one
        evaluates (:attr:`fitted`) without holding this run's per-account tables (at 1M
        accounts some 450 MB)."""
        return self._memo(
            "uplift_fits",
            (horizon_months, discount),
            lambda: _fits_only(self._uplift_model(horizon_months, discount, share=False)),
        )

    def uplift_value(self, *, horizon_months: float = 36, discount: float = 0.10):
        """The per-account value (:class:`~kamlab.value.clv.CustomerValue`) of the run's
        purchase model (:meth:`uplift_model`): the portfolio's account health. Within a
        report run it is cached on its own, so a notebook that needs only it does not load
        the model's whole run (at 1M accounts some 100 MB against 450 MB)."""
        return self._memo(
            "uplift_value",
            (horizon_months, discount),
            lambda: self._uplift_model(horizon_months, discount, share=False)[1].value,
        )

    def _uplift_name(self) -> str:
        """The name of the run's purchase model (:meth:`uplift_model`, default horizon and
        discount), part of the keys of what its account health went into."""
        return (self.fitted or self).uplift_fits()[0]

    def hours_plan(self, **options):
        """Account-manager hours for this period's portfolio
        (:func:`~kamlab.workflows.value.hours_plan`): the allocation and notes."""
        return hours_plan(
            self.transactions,
            self.accounts,
            self.portfolio.table_,
            until=self.until,
            rates=self.rates,
            choice=self.uplift_model,
            **options,
        )


def _fits_only(choice: tuple) -> tuple:
    """An :meth:`PeriodRun.uplift_model` choice with its run's per-account tables left out."""
    name, run, draws, note = choice
    fits = copy.copy(run)  # the models are shared, not copied
    fits.summary = fits.pnl = fits.value = None
    return name, fits, draws, note


def _frame(table) -> pd.DataFrame | None:
    """The frame of an :class:`~kamlab.io.Accounts` (or the frame itself)."""
    return getattr(table, "data", table)


def _input_key(paths: tuple, columns: dict | None, options: dict) -> tuple:
    return (content_key(*paths), columns or None, sorted(options.items()))


def read_inputs(
    transactions_path: str | Path,
    accounts_path: str | Path | None = None,
    previous_accounts_path: str | Path | None = None,
    *,
    columns: dict[str, str] | None = None,
    read_options: dict | None = None,
) -> tuple[Transactions, Accounts | None, Accounts | None]:
    """Read and validate the transactions (against the accounts when given), the accounts
    and the previous period's accounts: ``(transactions, accounts, previous accounts)``.
    Within a report run each file is read once, whichever notebook needs it first, and the
    accepted lines are shared as one Parquet file that every notebook opens in its engine
    (:func:`~kamlab.workflows.cache.share_lines`): no kernel holds them in pandas."""
    options = dict(read_options or {})

    def accounts_file(path):
        if not path:
            return None
        return memo("accounts", lambda: content_key(path), lambda: read_accounts(path))

    accounts = accounts_file(accounts_path)
    tx = memo(
        "transactions",
        lambda: _input_key((transactions_path, accounts_path), columns, options),
        lambda: share_lines(
            read_transactions(
                transactions_path,
                columns or None,
                accounts=accounts.data if accounts else None,
                **options,
            )
        ),
    )
    return tx, accounts, accounts_file(previous_accounts_path)


def read_contacts_file(path: str | Path, accounts: Accounts | None = None) -> Contacts:
    """The contacts file read and validated against the accounts (once per report run)."""
    key = (content_key(path), fingerprint(accounts.data) if accounts is not None else None)
    return memo("contacts", lambda: key, lambda: read_contacts(path, accounts=accounts))


def known_accounts(transactions: Transactions, accounts: Accounts | None = None) -> set[str]:
    """Every account id the run knows: those with accepted lines and the accounts file's
    (what a plan may name)."""
    ids = transactions.lines.select("account_id").distinct().to_pyarrow()["account_id"]
    known = set(ids.to_pylist())
    if accounts is not None:
        known |= set(accounts.data.index.astype(str))
    return known


def covered_until(transactions: Transactions, until: str | None, period: str | None = None):
    """The last day a run can measure: ``until``, or the last date in the data when they end
    before it. Counted to a day the data do not reach, every account would look quiet for
    the days in between (days since the last purchase, P(alive), lapsing key accounts):
    a quarter's report run on the quarter to date measures to the last day with sales.
    An :class:`~kamlab.errors.InputError` when the data end before ``period`` begins."""
    if until is None:
        return None
    last = transactions.last_date
    if last is None:
        last = transactions.date_range()[1]
    if pd.isna(last) or last.normalize() >= pd.Timestamp(until):
        return until
    last = last.normalize()
    if period and last < parse_period(period).start:
        raise InputError(
            f"the transactions end on {last:%Y-%m-%d}, before {period} begins: report a "
            f"period the data reach, such as {period_of(last).label} (--period)"
        )
    return str(last.date())


def period_run(
    transactions_path: str | Path,
    accounts_path: str | Path | None = None,
    previous_accounts_path: str | Path | None = None,
    *,
    columns: dict[str, str] | None = None,
    read_options: dict | None = None,
    until: str | None = None,
    period: str | None = None,
    criteria: str | Path | None = None,
    cost_rates: str | Path | None = None,
    plans_path: str | Path | None = None,
    contacts_path: str | Path | None = None,
) -> PeriodRun:
    """The run of one period: its inputs read once (:func:`read_inputs`) and the last day
    it covers: ``until``, else the end of ``period`` ("2026Q3"), else the last date in the
    data; the last date in the data when they end before that day (:func:`covered_until`).
    ``plans_path``: a folder of key account plans; ``contacts_path``: a contacts file (both
    optional)."""
    paths = (transactions_path, accounts_path, previous_accounts_path)
    tx, accounts, previous = read_inputs(*paths, columns=columns, read_options=read_options)
    asked = until or (str(parse_period(period).end.date()) if period else None)
    until = covered_until(tx, asked, period)
    return PeriodRun(
        tx,
        accounts,
        previous.data if previous is not None else None,
        until=until,
        period=period,
        asked_until=asked if until != asked else None,
        criteria=str(criteria) if criteria else None,
        rates=str(cost_rates) if cost_rates else None,
        plans=str(plans_path) if plans_path else None,
        contacts=read_contacts_file(contacts_path, accounts) if contacts_path else None,
        sources=(paths, columns, dict(read_options or {})),
    )
