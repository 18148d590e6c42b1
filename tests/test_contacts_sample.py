"""The generated contacts agree with the generator's stages and accounts table; ``kamlab
contacts`` (the must-show), the drawn map and the sentences."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kamlab.cli as cli
from kamlab.datasets import make_sample
from kamlab.io import read_accounts, read_contacts, read_transactions
from kamlab.plots.contacts import contact_map
from kamlab.portfolio import build_portfolio
from kamlab.portfolio.contacts import contact_indicators, contact_summary, shape_fits_stage
from kamlab.presentation.contacts import (
    contact_block,
    contact_blocks,
    contacts_overview,
    contacts_sentence,
    contacts_table,
)

SEEDS = [21, 22, 23]


@pytest.fixture(scope="module", params=SEEDS)
def written(request, tmp_path_factory):
    sample = make_sample(600, seed=request.param)
    return sample, sample.write(tmp_path_factory.mktemp(f"s{request.param}"))


def test_the_contacts_file_agrees_with_the_accounts_table(written):
    sample, paths = written
    contacts = read_contacts(paths["contacts"], accounts=read_accounts(paths["accounts"]))
    assert len(contacts.quarantine) == 0 and not contacts.notes  # every row valid
    accounts = sample.accounts.set_index("account_id")
    found = contact_indicators(contacts, accounts.index)
    assert found["contacts"].eq(accounts["contacts"]).all()
    assert found["executive_sponsor"].eq(accounts["executive_sponsor"]).all()
    fewer = accounts["functions_involved"] <= accounts["contacts"]
    assert found["functions_involved"][fewer].eq(accounts["functions_involved"][fewer]).all()
    assert (found["functions_involved"] <= accounts["functions_involved"]).all()


def test_shapes_agree_with_the_true_stage_for_key_accounts_and_single_threads_are_exact(written):
    sample, paths = written
    tx, accounts = read_transactions(paths["transactions"]), read_accounts(paths["accounts"])
    table = build_portfolio(tx, accounts, until="2026-09-30").table_
    key = table.index[table["tier"] == "key"]
    summary = contact_summary(read_contacts(paths["contacts"]), accounts=accounts.data)
    truth = sample.truth.set_index("account_id")["stage"]
    fits = shape_fits_stage(summary["shape"].reindex(key), truth.reindex(key))
    assert len(key) >= 10 and fits.mean() >= 0.85
    assert shape_fits_stage(summary["shape"], truth.reindex(summary.index)).mean() >= 0.9
    per_account = sample.contacts.groupby("account_id").size()
    assert set(summary.index[summary["single_threaded"]]) == set(
        per_account.index[per_account == 1]
    )


def test_the_sample_has_stale_contacts_and_critics_more_at_lapsed_accounts(written):
    sample, _ = written
    summary = contact_summary(sample.contacts, as_of="2026-09-30")
    lapsed = ~sample.truth.set_index("account_id")["alive"]
    stale_share = summary["stale"] / summary["contacts"]
    assert 0.05 < summary["stale"].sum() / summary["contacts"].sum() < 0.4
    assert stale_share[lapsed].mean() > 2 * stale_share[~lapsed].mean()
    assert summary["critics"].sum() > 0


def test_generated_contacts_do_not_change_the_other_tables():
    with_contacts = make_sample(80, seed=4)
    again = make_sample(80, seed=4)
    pd.testing.assert_frame_equal(with_contacts.contacts, again.contacts)
    assert with_contacts.contacts["person"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return make_sample(150, seed=8).write(tmp_path_factory.mktemp("small"))


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_summary_lists_every_single_threaded_account_and_draws_maps(
    small, tmp_path, capsys
):
    out, maps = tmp_path / "contacts_summary.csv", tmp_path / "maps"
    code, stdout, err = run(
        capsys,
        "contacts",
        small["contacts"],
        "--accounts",
        small["accounts"],
        small["transactions"],
        "--period",
        "2026Q3",
        "--out",
        out,
        "--maps",
        maps,
    )
    assert code == 0, err
    summary = pd.read_csv(out, dtype={"account_id": str})
    wanted = {"shape", "single_threaded", "key_account", "stage", "stage_from_contacts", "stale"}
    assert wanted <= set(summary.columns)
    single = summary.loc[summary["single_threaded"], "account_id"]
    assert f"single-threaded accounts: {len(single)}" in stdout
    for account in single:
        assert f"  {account} " in stdout
    key = summary.loc[summary["key_account"], "account_id"]
    # the key accounts are kamlab portfolio's for the same inputs
    table = tmp_path / "portfolio.csv"
    args = [small["transactions"], "--accounts", small["accounts"], "--period", "2026Q3"]
    assert cli.main(["portfolio", *map(str, args), "--out", str(table)]) == 0
    portfolio = pd.read_csv(table, dtype={"account_id": str})
    assert sorted(key) == sorted(portfolio.loc[portfolio["tier"] == "key", "account_id"])
    assert sorted(p.name for p in maps.iterdir()) == sorted(f"contact_map_{a}.png" for a in key)


def test_cli_names_every_account_also_those_outside_the_portfolio(small, tmp_path, capsys):
    """A former customer (not in the period's portfolio) keeps its name from the accounts
    file in the summary and in the printed list of single-threaded accounts."""
    out = tmp_path / "contacts_summary.csv"
    args = ["--accounts", small["accounts"], small["transactions"], "--period", "2026Q3"]
    code, stdout, err = run(capsys, "contacts", small["contacts"], *args, "--out", out)
    assert code == 0, err
    summary = pd.read_csv(out, dtype={"account_id": str}, keep_default_na=False)
    accounts = pd.read_csv(small["accounts"], dtype={"account_id": str}).set_index("account_id")
    assert summary["tier"].eq("").any()  # some accounts are not in the portfolio
    names = accounts["account_name"].reindex(summary["account_id"]).to_numpy()
    assert (summary["account_name"].to_numpy() == names).all()
    for account in summary.loc[summary["single_threaded"].astype(str) == "True", "account_id"]:
        assert f"  {account} {accounts.loc[account, 'account_name']}" in stdout


def test_cli_without_transactions_and_key_only(small, tmp_path, capsys):
    code, stdout, _ = run(capsys, "contacts", small["contacts"], "--out", tmp_path / "a.csv")
    assert code == 0 and "shapes:" in stdout
    code, _, err = run(
        capsys, "contacts", small["contacts"], "--key-only", "--out", tmp_path / "b.csv"
    )
    assert code == 2 and "TRANSACTIONS" in err


def test_cli_maps_the_contacts_file_columns(tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_text("Customer,Full name,Owner\nA1,Ann Lee,Kim\nA1,Bob Ray,Kim\n")
    code, stdout, err = run(
        capsys,
        "contacts",
        path,
        "--contacts-column",
        "person=Full name",
        "--contacts-column",
        "counterpart=Owner",
        "--out",
        tmp_path / "s.csv",
    )
    assert code == 0, err
    assert "bow tie 1" in stdout


def test_cli_refuses_a_bad_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "contacts.csv"
    bad.write_text("customer,notes\nA1,hello\n")
    code, _, err = run(capsys, "contacts", bad, "--out", tmp_path / "s.csv")
    assert code == 2
    assert err.strip().count("\n") == 0 and err.startswith("kamlab contacts: error:")
    code, _, err = run(capsys, "contacts", tmp_path / "missing.csv", "--out", tmp_path / "s.csv")
    assert code == 2 and "no such file" in err


def test_the_map_draws_both_sides_with_a_title(small):
    contacts = read_contacts(small["contacts"])
    account = contacts.data["account_id"].value_counts().index[0]
    fig, ax = plt.subplots()
    returned = contact_map(contacts, account, ax=ax, name="Acme Ltd", shape="diamond")
    assert returned is ax
    assert ax.get_title() == f"Acme Ltd ({account}): diamond"
    texts = {t.get_text() for t in ax.texts}
    assert {"Our people", "Their people"} <= texts
    assert ax.get_legend() is not None
    plt.close(fig)


def test_sentences_for_the_key_account_page_and_the_portfolio(small):
    summary = contact_summary(
        read_contacts(small["contacts"]), accounts=read_accounts(small["accounts"]).data
    )
    single = summary[summary["single_threaded"]].iloc[0]
    block = contact_block(single)
    assert block.startswith("### Contact map") and "Single-threaded" in block
    assert "**Shape: bow tie**" in block
    blocks = contact_blocks(summary, [single.name, "NOPE"])
    assert blocks[single.name] == block and "No contacts are recorded" in blocks["NOPE"]
    lines = contacts_overview(summary)
    assert lines[0].startswith(f"{len(summary)} accounts; shapes:")
    assert "Shape" in contacts_table(summary).frame.columns


def test_the_executive_summary_names_single_threaded_key_accounts_and_missing_sponsors(small):
    summary = contact_summary(
        read_contacts(small["contacts"]), accounts=read_accounts(small["accounts"]).data
    )
    single = summary.index[summary["single_threaded"]][:2]
    sponsored = summary.index[~summary["missing_executive_sponsor"]][:1]
    key = pd.Series(["Single One", "Single Two", "Sponsored", "Nobody Ltd"],
                    index=[*single, *sponsored, "NOPE"])  # fmt: skip
    text = contacts_sentence(summary, key)
    assert text.startswith("Relationships at the 4 key accounts: 2 single-threaded")
    assert "single-threaded (a bow tie: one seller, one buyer): Single One and Single Two;" in text
    assert "Sponsored" not in text  # it has a sponsor and several links
    assert text.endswith("1 key account has no contact on the map (Nobody Ltd).")
    bold = contact_blocks(summary, [single[0]], heading=None)[single[0]]
    assert bold.startswith("**Contact map**\n\n") and "#" not in bold
