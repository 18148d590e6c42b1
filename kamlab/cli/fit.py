"""``kamlab fit``: fit a customer-base model from the command line, or compare the
purchase models out of sample (``kamlab fit compare``)."""

from __future__ import annotations

import json
import math
import sys
import warnings

from kamlab.cli.options import (
    RAW,
    add_command,
    add_input,
    add_number,
    add_until,
    comma_list,
    read_input,
    until_date,
    write_quarantine,
)
from kamlab.errors import InputError

MODELS = {
    "bgnbd": "BetaGeo",
    "mbgnbd": "ModifiedBetaGeo",
    "pareto-nbd": "ParetoNBD",
    "gamma-gamma": "GammaGamma",
    "sbg": "ShiftedBetaGeometric",
}

_EPILOG = """
SUMMARY.csv is a per-account summary as written by 'kamlab summarize' (account_id
and the columns frequency, recency, T, monetary_value); any other CSV with those
columns works, its first column taken as the account id. Name other columns with
--column NAME=COLUMN (e.g. --column frequency=x --column recency=t_x).

Models (parameters as in the literature):
  bgnbd        BG/NBD, Fader, Hardie & Lee 2005: r, alpha, a, b
  mbgnbd       MBG/NBD (may also drop out after the first purchase): r, alpha, a, b
  pareto-nbd   Pareto/NBD, Schmittlein, Morrison & Colombo 1987: r, alpha, s, beta
  gamma-gamma  spend per purchase, on repeat buyers: p, q, gamma
  sbg          shifted-beta-geometric, Fader & Hardie 2007: alpha, beta
               (from --survivors, the cohort size first, not from a summary)

--json prints one object: the parameters, log_likelihood, converged and
standard_errors (an object by parameter; null when the fit did not converge).

'kamlab fit compare TRANSACTIONS' compares BG/NBD, MBG/NBD and Pareto/NBD out of
sample and says which one kamlab value, uplift and the report use (see
'kamlab fit compare --help').

examples:
  kamlab fit compare data/sample/transactions.csv --holdout-weeks 26
  kamlab fit bgnbd summary.csv
  kamlab fit pareto-nbd summary.csv --json
  kamlab fit gamma-gamma cdnow_summary.csv --column frequency=x --column monetary_value=zbar
  kamlab fit sbg --survivors 1000,631,468,382,326,289,262,241
"""


def _renames(items: list[str]) -> dict[str, str]:
    """``--column NAME=COLUMN`` items as ``{COLUMN: NAME}``."""
    from kamlab.io.tables import SUMMARY_COLUMNS

    mapping = {}
    for item in items:
        name, sep, source = item.partition("=")
        if not sep or name.strip() not in SUMMARY_COLUMNS or not source.strip():
            raise InputError(
                f"--column {item!r}: expected NAME=COLUMN with NAME one of {', '.join(SUMMARY_COLUMNS)}"
            )
        mapping[source.strip()] = name.strip()
    return mapping


def _survivors(text: str | None) -> list[float]:
    if not text:
        raise InputError(
            "sbg needs --survivors N0,N1,... (the cohort size, then survivors after each period)"
        )
    try:
        return [float(v) for v in comma_list(text.replace(" ", ""))]
    except ValueError as exc:
        raise InputError(f"--survivors {text!r}: expected numbers separated by commas") from exc


def _number(v: float):
    return None if v is None or not math.isfinite(v) else float(v)


def cmd_fit(args) -> None:
    """fit a customer-base model (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG) by maximum likelihood

    Fit a model to a per-account summary (or sBG to cohort survivors) and print its
    parameters with standard errors and whether the fit converged.
    """
    import kamlab.models as models
    from kamlab.io.tables import read_summary

    model = getattr(models, MODELS[args.model])()
    if args.model == "sbg":
        if args.summary:
            raise InputError("sbg is fitted to --survivors, not to a summary file")
        data = _survivors(args.survivors)
    else:
        if args.survivors:
            raise InputError("--survivors is for sbg only")
        if not args.summary:
            raise InputError(f"{args.model} needs SUMMARY.csv (from 'kamlab summarize')")
        data = read_summary(args.summary, _renames(args.column))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", models.ConvergenceWarning)  # reported below instead
        model.fit(data)
    if not model.converged_:
        print(f"warning: the fit did not converge: {model.convergence_message_}", file=sys.stderr)
    if args.json:
        out = {name: float(v) for name, v in model.params_.items()}
        out["log_likelihood"] = _number(model.log_likelihood_)
        out["converged"] = bool(model.converged_)
        out["standard_errors"] = {k: _number(v) for k, v in model.standard_errors_.items()}
        print(json.dumps(out))
        return
    print(_human(model, args.model))


_EPILOG_COMPARE = """
Splits the transactions at a calibration end: the last --holdout-weeks weeks up to
--until (default: the last date in the data) are the holdout. Summarises the
calibration window, fits BG/NBD, MBG/NBD and Pareto/NBD on it, predicts each
account's repeat purchases in the holdout and counts the purchase days it actually
had there (days with a non-return line, as the summary counts them).

Printed per model: converged, log-likelihood (calibration window), repeat purchases
in the holdout predicted and made (totals over the calibration accounts), and the
mean absolute error (MAE), root mean squared error and bias per account; then the
model chosen and why.

Rule: the lowest MAE per account among the models that converged (a tie goes to the
earlier of BG/NBD, MBG/NBD, Pareto/NBD); none converged: the lowest MAE all the
same, flagged. History shorter than twice the holdout: the holdout is half the
history (whole weeks, at least 8); shorter still: in sample (all the data, the
highest log-likelihood). The output says which.

kamlab value, kamlab uplift and the report use the chosen model (unless --model).

--json prints one object: models (a list of three: name, model, converged,
log_likelihood, predicted, actual, mae, rmse, bias, chosen), chosen, chosen_model,
rule, rule_text, calibration_end, end, holdout_weeks, requested_weeks,
history_weeks, fallback, accounts and note.

examples:
  kamlab fit compare data/sample/transactions.csv --holdout-weeks 26
  kamlab fit compare sales.csv --until 2026-09-30 --holdout-weeks 13 --json
"""


def cmd_compare(args) -> None:
    """compare BG/NBD, MBG/NBD and Pareto/NBD out of sample and choose one

    Fit every purchase model on the calibration window, predict the holdout window
    (the last --holdout-weeks weeks), and choose the model by a stated rule.
    """
    from kamlab.models.holdout import compare_purchase_models
    from kamlab.presentation.tables import for_reader
    from kamlab.presentation.value import describe_model_choice, model_choice_table

    until = until_date(args.until)
    tx, _ = read_input(args)
    print(tx.report(), file=sys.stderr)
    write_quarantine(tx, args, None)
    comparison = compare_purchase_models(tx, until=until, holdout_weeks=args.holdout_weeks)
    note = describe_model_choice(comparison)
    if args.json:
        print(json.dumps({**comparison.to_dict(), "note": note}))
        return
    accounts = len(comparison.per_account)
    if comparison.holdout_weeks:
        print(
            f"input: {args.input}: models fitted on the data to {comparison.calibration_end} "
            f"({accounts:,} accounts), holdout the {comparison.holdout_weeks} weeks to "
            f"{comparison.end}"
        )
    else:
        print(
            f"input: {args.input}: in sample, the data to {comparison.end} ({accounts:,} accounts)"
        )
    print(for_reader(model_choice_table(comparison)))  # the reader's labels, not code names
    print(f"chosen: {comparison.chosen_name} ({comparison.chosen})")
    print(note)
    for name, message in comparison.messages.items():
        print(f"note: {name}: {message}", file=sys.stderr)


def parameter_lines(model, name: str, *, digits: str = ".4f", indent: str = "") -> list[str]:
    """A fitted model's parameters with standard errors and 95% intervals, as lines."""
    n = getattr(model, "n_accounts_", None)
    what = f"{n:,} accounts" if n is not None else f"a cohort of {model.cohort_size_:,.0f}"
    status = "converged" if model.converged_ else "DID NOT CONVERGE"
    lines = [f"{model.display_name} ({name}) fitted on {what}: {status}"]
    lines.append(f"{indent}{'parameter':<10} {'estimate':>12} {'std_error':>12}   95% interval")
    for param, row in model.summary().iterrows():
        if math.isfinite(row["std_error"]):
            se = f"{row['std_error']:>12{digits}}"
            interval = f"{row['lower 95%']:{digits}} - {row['upper 95%']:{digits}}"
        else:  # no standard errors: a fit that did not converge has none (never "nan")
            se, interval = f"{'-':>12}", "not estimated (the fit did not converge)"
        lines.append(f"{indent}{param:<10} {row['estimate']:>12{digits}} {se}   {interval}")
    return lines


def _human(model, name: str) -> str:
    lines = parameter_lines(model, name)
    lines.append(f"log-likelihood: {model.log_likelihood_:.2f}")
    if not model.converged_:
        lines.append(f"why: {model.convergence_message_}")
    return "\n".join(lines)


_MODEL_HELP = {
    "bgnbd": "BG/NBD (r, alpha, a, b) on a summary",
    "mbgnbd": "MBG/NBD (r, alpha, a, b) on a summary",
    "pareto-nbd": "Pareto/NBD (r, alpha, s, beta) on a summary",
    "gamma-gamma": "Gamma-Gamma spend (p, q, gamma) on a summary",
    "sbg": "shifted-beta-geometric (alpha, beta) on --survivors",
}


def add_commands(sub, inputs) -> None:
    """Add ``kamlab fit MODEL`` (on a summary) and ``kamlab fit compare`` (on transactions)."""
    p = add_command(sub, cmd_fit, epilog=_EPILOG)
    models = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    for name in MODELS:
        m = models.add_parser(
            name, help=_MODEL_HELP[name], formatter_class=RAW, epilog=_EPILOG, description=None
        )
        m.set_defaults(func=cmd_fit)
        _model_options(m)
    c = add_command(models, cmd_compare, inputs, _EPILOG_COMPARE)
    add_input(c)
    add_until(c, "last day of the data used: the holdout ends here (default: last date in it)")
    add_number(
        c,
        "--holdout-weeks",
        26,
        "N",
        "the last N weeks are the holdout (default 26; shorter when the history is)",
    )
    c.add_argument("--json", action="store_true", help="print one JSON object")


def _model_options(p) -> None:
    p.add_argument("summary", nargs="?", metavar="SUMMARY.csv", help="per-account summary (CSV)")
    p.add_argument(
        "--survivors",
        metavar="N0,N1,...",
        help="sbg: customers left at the start and after each period, comma separated",
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME=COLUMN",
        help="read summary column NAME (frequency, recency, T, monetary_value) from COLUMN",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
