"""``kamlab fit``: parameters with standard errors, as a table or one JSON object."""

import json

import pandas as pd
import pytest

from kamlab.cli import main
from kamlab.datasets import make_sample


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_explains_itself_with_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


@pytest.mark.reference
def test_bgnbd_json_has_the_literatures_names(reference_data, capsys):
    code, out, _ = run(
        capsys, "fit", "bgnbd", reference_data / "cdnow" / "cdnow_customers_summary.csv", "--json"
    )

    assert code == 0
    result = json.loads(out)
    assert list(result) == [
        "r",
        "alpha",
        "a",
        "b",
        "log_likelihood",
        "converged",
        "standard_errors",
    ]
    assert result["r"] == pytest.approx(0.243, abs=5e-4)
    assert result["log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert result["converged"] is True
    assert set(result["standard_errors"]) == {"r", "alpha", "a", "b"}


@pytest.mark.reference
def test_pareto_nbd_and_gamma_gamma_from_the_cdnow_files(reference_data, capsys):
    cdnow = reference_data / "cdnow"
    code, out, _ = run(capsys, "fit", "pareto-nbd", cdnow / "cdnow_customers_summary.csv", "--json")
    assert code == 0
    assert list(json.loads(out))[:4] == ["r", "alpha", "s", "beta"]

    code, out, _ = run(
        capsys,
        "fit",
        "gamma-gamma",
        cdnow / "cdnow_customers_summary_with_transactions.csv",
        "--column",
        "frequency=x",
        "--column",
        "monetary_value=zbar",
    )
    assert code == 0
    assert "Gamma-Gamma (gamma-gamma) fitted on 946 accounts: converged" in out
    assert "std_error" in out and "gamma" in out


def test_sbg_from_survivors(capsys):
    code, out, _ = run(
        capsys, "fit", "sbg", "--survivors", "1000,631,468,382,326,289,262,241", "--json"
    )

    assert code == 0
    result = json.loads(out)
    assert result["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert result["beta"] == pytest.approx(1.182, abs=5e-4)
    assert result["converged"] is True


def test_fit_reads_what_kamlab_summarize_writes(tmp_path, capsys):
    sample = make_sample(200, seed=3)
    paths = sample.write(tmp_path / "sample")
    summary = tmp_path / "summary.csv"
    assert (
        main(
            [
                "summarize",
                str(paths["transactions"]),
                "--until",
                "2026-09-30",
                "--out",
                str(summary),
            ]
        )
        == 0
    )
    capsys.readouterr()

    code, out, _ = run(capsys, "fit", "mbgnbd", summary)

    assert code == 0
    assert "MBG/NBD (mbgnbd) fitted on 200 accounts" in out
    assert pd.read_csv(summary).columns[0] == "account_id"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "bgnbd", "missing.csv"], "no such file"),
        (["fit", "bgnbd"], "needs SUMMARY.csv"),
        (["fit", "sbg"], "needs --survivors"),
        (["fit", "sbg", "--survivors", "1000,600,700"], "must not increase"),
        (["fit", "sbg", "--survivors", "1000,six"], "expected numbers"),
        (["fit", "bgnbd", "--survivors", "1,2"], "for sbg only"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, message, capsys):
    code, out, err = run(capsys, *argv)

    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_summaries_exit_2(write, capsys):
    zeros = write("zeros.csv", "account_id,frequency,recency,T\na,0,0,10\nb,0,0,12\n")
    code, _, err = run(capsys, "fit", "bgnbd", zeros)
    assert code == 2 and "every account has frequency 0" in err

    bad_column = write("s.csv", "account_id,frequency,recency,T\na,1,2,10\n")
    code, _, err = run(capsys, "fit", "bgnbd", bad_column, "--column", "freq=x")
    assert code == 2 and "expected NAME=COLUMN" in err


def test_a_fit_that_does_not_converge_says_so_and_why(write, capsys):
    rows = "\n".join(f"a{i},{i % 5 + 1},{20 + i % 7},52" for i in range(300))  # nobody leaves
    code, out, err = run(
        capsys, "fit", "bgnbd", write("s.csv", "account_id,frequency,recency,T\n" + rows), "--json"
    )

    assert code == 0
    result = json.loads(out)
    assert result["converged"] is False
    assert all(v is None for v in result["standard_errors"].values())
    assert "warning: the fit did not converge" in err


def test_a_fit_without_standard_errors_prints_no_nan(write, capsys):
    rows = "\n".join(f"a{i},{i % 5 + 1},{20 + i % 7},52" for i in range(300))  # nobody leaves
    code, out, _ = run(
        capsys, "fit", "bgnbd", write("s.csv", "account_id,frequency,recency,T\n" + rows)
    )
    assert code == 0 and "DID NOT CONVERGE" in out
    assert "nan" not in out.lower()
    assert "not estimated (the fit did not converge)" in out
