"""Customer segmentation: features, the choice of k, stable labels, names, profiles, CLI."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from kamlab import cli
from kamlab.datasets import make_sample
from kamlab.errors import ConfigError, InputError
from kamlab.io import read_transactions
from kamlab.presentation.segments import describe_segments
from kamlab.segment import (
    DEFAULT_FEATURES,
    Segmenter,
    StabilityWarning,
    account_features,
    transitions,
)
from kamlab.segment.naming import name_segments, segment_percentiles

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """``kamlab sample --seed 0 --accounts 400``, written to a folder."""
    out = tmp_path_factory.mktemp("sample")
    make_sample(400, seed=0).write(out)
    return out


@pytest.fixture(scope="module")
def tx(sample_dir):
    return read_transactions(sample_dir / "transactions.csv", today="2026-11-01")


@pytest.fixture(scope="module")
def features(tx):
    return account_features(tx)


@pytest.fixture(scope="module")
def fitted(features):
    return Segmenter(random_state=0).fit(features)


def table(columns: dict, n: int | None = None) -> pd.DataFrame:
    """A feature table indexed by account id (A1, A2, ...)."""
    frame = pd.DataFrame(columns)
    frame.index = pd.Index([f"A{i + 1}" for i in range(len(frame))], name="account_id")
    return frame


def blobs(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Three well-separated groups of accounts on two features."""
    rng = np.random.default_rng(seed)
    centre = np.repeat([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]], n // 3, axis=0)
    points = centre + rng.normal(size=centre.shape)
    return table({"spend": np.exp(points[:, 0] + 5), "visits": points[:, 1] + 10})


# --------------------------------------------------------------------------- features

TINY = """account_id,date,order_id,product_id,quantity,unit_price,unit_cost
A,2024-01-01,O1,P1,10,10,6
A,2024-01-01,O1,P2,5,20,10
A,2025-01-31,O2,P1,10,10,6
A,2025-02-05,C2,P1,-5,10,6
A,2026-01-01,O3,P3,4,50,40
B,2026-05-02,O4,P1,1,10,6
"""


def test_account_features_by_hand(write):
    tx = read_transactions(write("t.csv", TINY), today="2026-11-01")
    f = account_features(tx, until="2026-06-30")
    a, b = f.loc["A"], f.loc["B"]
    # A: first purchase 2024-01-01, tenure 912 days; 3 purchase days, 3 orders, 4 lines
    months = 912 / (365.25 / 12)
    assert a.tenure_months == pytest.approx(months)
    assert a.purchases_per_month == pytest.approx(3 / months)
    assert a.order_value == pytest.approx((200 + 100 + 200) / 3)  # sales before returns
    assert a.lines_per_order == pytest.approx(4 / 3)
    assert a.revenue == pytest.approx(450)  # 500 sold, 50 returned
    assert a.gross_margin == pytest.approx(90 + 40 - 20 + 40)
    assert a.margin_share == pytest.approx(150 / 450)
    assert a.revenue_per_year == pytest.approx(450 / months * 12)
    assert a.days_since_last == 180  # 2026-01-01 to 2026-06-30
    assert a.products == 3
    assert a.returns_share == pytest.approx(50 / 500)
    # growth: last 365 days hold O3 (200), the 365 before O2 less its return (50)
    assert a.growth == pytest.approx((200 - 50) / (200 + 50))
    # B bought once, 60 days ago: rates over the three-month minimum, no growth yet
    assert b.purchases_per_month == pytest.approx(1 / 3)
    assert b.revenue_per_year == pytest.approx(10 / 3 * 12)
    assert np.isnan(b.growth)
    assert f.attrs["until"] == "2026-06-30"


def test_margin_is_missing_when_cost_is_unknown(write):
    no_cost = "\n".join(line.rsplit(",", 1)[0] for line in TINY.splitlines())
    f = account_features(read_transactions(write("t.csv", no_cost), today="2026-11-01"))
    assert f["margin_share"].isna().all() and f["gross_margin"].isna().all()
    seg = Segmenter(n_bootstrap=0).fit(pd.concat([f] * 2).set_axis(list("ABCD")))
    assert "margin_share" not in seg.features_
    assert "margin share is unknown for every account: left out" in seg.notes_  # in words


# --------------------------------------------------------------------------- recovery


@pytest.mark.parametrize("seed", SEEDS)
def test_kamlab_segment_recovers_the_sample_segments(seed, tmp_path, capsys):
    """`kamlab sample` then `kamlab segment` with the defaults: k = 4 and ARI >= 0.8."""
    assert (
        cli.main(["sample", "--seed", str(seed), "--accounts", "400", "--out", str(tmp_path)]) == 0
    )
    out = tmp_path / "segments.csv"
    assert cli.main(["segment", str(tmp_path / "transactions.csv"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "segments: k = 4 (chosen automatically: highest Calinski-Harabasz" in printed
    found = pd.read_csv(out, index_col="account_id")
    truth = pd.read_csv(tmp_path / "truth.csv", index_col="account_id")
    ari = adjusted_rand_score(truth.loc[found.index, "segment"], found["segment"])
    print(f"seed {seed}: ARI {ari:.3f}")
    assert ari >= 0.8


def test_the_gaussian_mixture_recovers_them_too(features, sample_dir):
    truth = pd.read_csv(sample_dir / "truth.csv", index_col="account_id")["segment"]
    seg = Segmenter(method="gmm", n_bootstrap=5, random_state=0).fit(features)
    assert seg.k_ == 4
    assert "bic" in seg.scores_.columns
    assert adjusted_rand_score(truth.loc[seg.labels_.index], seg.labels_) >= 0.8


# --------------------------------------------------------------------------- stable labels


def test_same_input_and_seed_give_identical_labels_names_and_scores(features, fitted):
    again = Segmenter(random_state=0).fit(features)
    pd.testing.assert_series_equal(again.labels_, fitted.labels_)
    pd.testing.assert_series_equal(again.names_, fitted.names_)
    pd.testing.assert_frame_equal(again.scores_, fitted.scores_)
    assert again.stability_ == fitted.stability_


def test_segment_numbers_mean_the_same_whatever_the_seed(features, fitted):
    """Labels do not permute: segment 1 is the largest spenders for every seed."""
    for seed in (1, 2):
        other = Segmenter(random_state=seed, n_bootstrap=0).fit(features)
        assert (other.labels_ == fitted.labels_).mean() > 0.97
        assert other.names_.tolist() == fitted.names_.tolist()


def test_segments_are_numbered_by_revenue_per_year_largest_first(fitted):
    medians = fitted.profiles_["median_revenue_per_year"]
    assert medians.is_monotonic_decreasing
    assert list(fitted.profiles_.index) == list(range(1, fitted.k_ + 1))
    assert fitted.order_by_ == "revenue_per_year"


def test_predict_puts_the_fitted_accounts_in_their_segments(features, fitted):
    pd.testing.assert_series_equal(fitted.predict(features), fitted.labels_)
    labels = fitted.label(features.iloc[:5])
    assert list(labels.columns) == ["segment", "segment_name"]
    assert (labels["segment_name"] == fitted.names_.loc[labels["segment"]].to_numpy()).all()


def test_predict_compares_one_quarter_with_the_next(tx, fitted):
    """Fitted on the window to 2026-06-30, next quarter's accounts mostly keep their segment."""
    earlier = account_features(tx, until="2026-06-30")
    seg = Segmenter(random_state=0, n_bootstrap=0).fit(earlier)
    later = account_features(tx, until="2026-09-30")
    moved = seg.predict(later).loc[earlier.index] != seg.labels_
    assert moved.mean() < 0.1
    assert seg.names_.tolist() == fitted.names_.tolist()


# --------------------------------------------------------------------------- choosing k


def test_the_scores_table_has_every_k_and_marks_the_chosen_one(fitted):
    scores = fitted.scores_
    assert list(scores.index) == list(range(2, 11))
    assert {"silhouette", "calinski_harabasz", "inertia", "chosen"} <= set(scores.columns)
    assert scores["chosen"].sum() == 1 and scores["chosen"].idxmax() == fitted.k_ == 4
    assert scores["calinski_harabasz"].idxmax() == fitted.k_  # the documented rule


def test_without_a_peak_in_calinski_harabasz_the_silhouette_decides():
    """On a uniform line Calinski-Harabasz grows with k: no peak, so the silhouette picks k."""
    rng = np.random.default_rng(0)
    seg = Segmenter(n_bootstrap=0).fit(table({"spend": rng.uniform(size=300)}))
    assert seg.scores_["calinski_harabasz"].idxmax() == 10
    assert seg.k_ == seg.scores_["silhouette"].idxmax()
    assert "silhouette" in seg.rule_


def test_a_fixed_k_is_taken_as_given():
    seg = Segmenter(k=3, n_bootstrap=0).fit(blobs())
    assert seg.k_ == 3 and seg.rule_ == "fixed"
    assert list(seg.scores_.index) == [3]
    assert sorted(seg.labels_.unique()) == [1, 2, 3]


def test_large_tables_choose_k_on_a_sample_and_fit_every_account():
    seg = Segmenter(max_samples=60, n_bootstrap=2).fit(blobs(300))
    assert seg.k_ == 3 and len(seg.labels_) == 300
    assert any("sample of 60" in note for note in seg.notes_)


# --------------------------------------------------------------------------- stability


def test_stability_is_reported_per_run(fitted):
    s = fitted.stability_
    assert s["resamples"] == 20 == len(fitted.stability_scores_)
    assert 0.9 <= s["ari_mean"] <= 1 and s["ari_min"] <= s["ari_p05"] <= s["ari_mean"]
    assert s["verdict"] == "highly stable"
    assert "stability: mean bootstrap ARI" in describe_segments(fitted)


def test_the_printed_segmentation_speaks_the_readers_words(fitted):
    printed = describe_segments(fitted)
    assert "Calinski-Harabasz" in printed and "Share of accounts" in printed
    for code_name in ("calinski_harabasz", "segment_name", "share_of_accounts", "_per_"):
        assert code_name not in printed


def test_a_feature_tables_own_column_names_are_printed_as_they_are(tmp_path, capsys):
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "customer": [f"c{i}" for i in range(90)],
            "MonthlyCharges": np.r_[rng.normal(20, 2, 45), rng.normal(90, 5, 45)],
            "tenure": rng.integers(1, 72, 90),
        }
    )
    path = tmp_path / "features.csv"
    table.to_csv(path, index=False)
    argv = ["segment", str(path), "--id", "customer", "--features", "MonthlyCharges,tenure"]
    assert cli.main([*argv, "--k", "2", "--out", str(tmp_path / "s.csv")]) == 0
    assert "features: MonthlyCharges, tenure\n" in capsys.readouterr().out


def test_unstable_segments_raise_a_warning():
    rng = np.random.default_rng(0)
    cloud = table({f: rng.normal(size=300) for f in "abc"})  # no segments at all
    with pytest.warns(StabilityWarning, match="mean bootstrap ARI"):
        seg = Segmenter(k=6).fit(cloud)
    assert seg.stability_["ari_mean"] < 0.75
    assert any("bootstrap ARI" in note for note in seg.notes_)


# --------------------------------------------------------------------------- names, profiles


def test_names_are_words_from_the_profile():
    percentiles = pd.DataFrame(
        {
            "revenue_per_year": [95, 50, 10, 48],
            "purchases_per_month": [90, 85, 20, 52],
            "margin_share": [88, 40, 25, 50],
            "days_since_last": [10, 20, 90, 55],
            "products": [80, 60, 25, 45],
        },
        index=pd.Index([1, 2, 3, 4], name="segment"),
    )
    names = name_segments(percentiles)
    assert names[1] == "large, frequent, high-margin"
    assert names[2] == "frequent"
    assert names[3] == "lapsing, small, infrequent"  # state first, then size, frequency
    assert names[4] == "mid-range"


def test_segments_with_the_same_words_get_more_words_or_a_number():
    percentiles = pd.DataFrame(
        {"revenue": [90, 90, 90], "orders": [80, 80, 80], "products": [75, 25, 75]},
        index=pd.Index([1, 2, 3], name="segment"),
    )
    names = name_segments(percentiles)
    assert names[1] == "large, frequent, wide-range (1)"
    assert names[2] == "large, frequent, narrow-range"
    assert names.is_unique


def test_percentiles_count_ties_half():
    data = pd.DataFrame({"x": [1.0, 2, 2, 2, 3, 4, 5, 6]})
    labels = pd.Series([1, 1, 1, 1, 2, 2, 2, 2])
    pct = segment_percentiles(data, labels, [1, 2])
    assert pct.loc[1, "x"] == pytest.approx(100 * (1 + 4) / 16)  # median 2: 1 below, 3 equal
    assert pct.loc[2, "x"] == pytest.approx(100 * (6 + 6) / 16)  # median 4.5: 6 below


def test_profiles_give_size_shares_medians_and_what_sets_each_apart(features, fitted):
    p = fitted.profiles_
    assert p["accounts"].sum() == len(features)
    assert p["share_of_revenue"].sum() == pytest.approx(1)
    assert p["share_of_margin"].sum() == pytest.approx(1)
    medians = features.groupby(fitted.labels_).median()
    for col in ("order_value", "days_since_last", "growth"):
        np.testing.assert_allclose(p[f"median_{col}"], medians[col])
    assert p["segment_name"].is_unique and p["sets_apart"].str.contains("% of accounts").all()
    # the sample's strategic partners: 10% of accounts, most of the revenue
    assert p.loc[1, "share_of_accounts"] < 0.2 and p.loc[1, "share_of_revenue"] > 0.5
    assert fitted.names_[1].startswith("large")


def test_projection_has_two_components_and_the_segments(fitted):
    points = fitted.project()
    assert list(points.columns) == ["component_1", "component_2", "segment", "segment_name"]
    assert len(points) == len(fitted.labels_) and len(points.attrs["explained"]) == 2


def test_default_features_and_log_transforms(fitted):
    assert fitted.features_ == list(DEFAULT_FEATURES)
    assert set(fitted.log_features_) == {"purchases_per_month", "order_value", "lines_per_order"}


# --------------------------------------------------------------------------- bad input


def test_missing_values_are_named_with_their_accounts():
    frame = blobs()
    frame.loc[["A2", "A5"], "visits"] = np.nan
    with pytest.raises(InputError, match=r"'visits' is missing for 2 of 120 accounts \(A2, A5\)"):
        Segmenter().fit(frame)


def test_a_constant_column_is_an_error_when_asked_for_and_left_out_otherwise():
    frame = blobs().assign(region_code=7)
    with pytest.raises(InputError, match="'region_code' has the same value"):
        Segmenter(features=["spend", "region_code"]).fit(frame)
    seg = Segmenter(n_bootstrap=0).fit(frame)
    assert seg.features_ == ["spend", "visits"]
    assert "'region_code' is the same for every account: left out" in seg.notes_


@pytest.mark.parametrize("n", [1, 2])
def test_too_few_accounts(n):
    with pytest.raises(InputError, match="needs at least 3 accounts"):
        Segmenter().fit(blobs().iloc[:n])


def test_fewer_accounts_than_k():
    with pytest.raises(InputError, match="k=6 needs more than 6 accounts .* got 5 accounts"):
        Segmenter(k=6).fit(blobs().iloc[:5])


def test_non_numeric_features():
    frame = blobs().assign(industry="Retail", score="7")
    frame.loc["A3", "score"] = "seven"
    with pytest.raises(InputError, match=r"'industry' is not numeric: .*'Retail' \(account A1\)"):
        Segmenter(features=["spend", "industry"]).fit(frame)
    with pytest.raises(InputError, match=r"'score' is not numeric: 1 values such as 'seven'"):
        Segmenter().fit(frame)  # a number column with a typo is an error, not skipped
    seg = Segmenter(n_bootstrap=0).fit(frame.drop(columns="score"))
    assert "'industry' is text, not a number: left out" in seg.notes_


def test_yes_no_columns_count_as_numbers():
    frame = blobs().assign(partner=["Yes", "No"] * 60)
    seg = Segmenter(n_bootstrap=0).fit(frame)
    assert "partner" in seg.features_


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"features": ["spend", "nope"]}, "unknown feature"),
        ({"k": 1}, "expected 'auto' or a whole number >= 2"),
        ({"method": "dbscan"}, "expected one of kmeans, gmm"),
        ({"k_range": (1, 5)}, "2 <= low <= high"),
    ],
)
def test_bad_settings_are_config_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        Segmenter(**settings).fit(blobs())


def test_duplicate_accounts_and_unfitted_use():
    with pytest.raises(InputError, match="appear more than once"):
        Segmenter().fit(pd.concat([blobs(), blobs().iloc[:2]]))
    with pytest.raises(NotFittedError, match="not fitted"):  # scikit-learn's, not ConfigError
        Segmenter().predict(blobs())
    seg = Segmenter(n_bootstrap=0).fit(blobs())
    with pytest.raises(InputError, match="lacks the segmentation feature"):
        seg.predict(blobs().drop(columns="visits"))


# --------------------------------------------------------------------------- command line

BAD_TABLES = {
    "missing values": "id,spend,visits\nA,1,2\nB,,3\nC,5,4\nD,6,1\n",
    "constant column": "id,spend,visits\nA,1,2\nB,2,2\nC,5,2\nD,6,2\n",
    "single account": "id,spend,visits\nA,1,2\n",
    "fewer accounts than k": "id,spend,visits\nA,1,2\nB,2,5\nC,5,3\n",
    "non-numeric": "id,spend,visits\nA,1,2\nB,two,5\nC,5,3\nD,6,1\n",
}


@pytest.mark.parametrize("case", BAD_TABLES)
def test_bad_feature_tables_exit_2_with_a_one_line_reason(case, write, tmp_path, capsys):
    path = write("features.csv", BAD_TABLES[case])
    argv = ["segment", str(path), "--id", "id", "--out", str(tmp_path / "out.csv")]
    argv += ["--features", "spend,visits"] + (["--k", "4"] if "than k" in case else [])
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("kamlab segment: error: ")
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "out.csv").exists()


def test_a_plain_feature_table_without_transactions(write, tmp_path, capsys):
    frame = blobs().reset_index().rename(columns={"account_id": "customer"})
    path = tmp_path / "features.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "segments.csv"
    assert (
        cli.main(["segment", str(path), "--id", "customer", "--seed", "3", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "account-by-feature table" in printed and "segments: k = 3" in printed
    result = pd.read_csv(out)
    assert list(result.columns) == ["account_id", "segment", "segment_name"]
    assert len(result) == 120 and result["segment"].nunique() == 3


def test_a_file_without_dates_is_read_as_a_feature_table(sample_dir, tmp_path, capsys):
    """The sample's accounts table (scores, stage indicators, cost drivers) as features."""
    out = tmp_path / "segments.csv"
    code = cli.main(["segment", str(sample_dir / "accounts.csv"), "--out", str(out), "--k", "auto"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Calinski-Harabasz" in printed and "stability" in printed
    assert 2 <= pd.read_csv(out)["segment"].nunique() <= 8


def test_bad_k_and_help(tmp_path, capsys):
    assert cli.main(["segment", "x.csv", "--k", "many", "--out", str(tmp_path / "o.csv")]) == 2
    assert "expected 'auto' or a whole number" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["segment", "--help"])
    assert exit_.value.code == 0 and "example" in capsys.readouterr().out


@pytest.mark.reference
def test_online_retail_gives_two_to_eight_named_segments(reference_data, tmp_path, capsys):
    source = reference_data / "online_retail" / "online_retail_2010_2011.parquet"
    out, profiles = tmp_path / "segments.csv", tmp_path / "profiles.csv"
    argv = ["segment", str(source), "--out", str(out), "--profiles", str(profiles)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", StabilityWarning)  # printed, never raised by the CLI
        assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "Calinski-Harabasz" in printed and "stability: mean bootstrap ARI" in printed
    result = pd.read_csv(out)
    assert 2 <= result["segment"].nunique() <= 8
    assert result["segment_name"].notna().all()
    assert pd.read_csv(profiles)["segment_name"].is_unique


def test_transitions_count_stayers_movers_and_newcomers():
    before = pd.Series({"A": 1, "B": 2, "C": 1})
    after = pd.Series({"A": 1, "B": 1, "D": 2})
    moves = transitions(before, after)
    assert moves.to_dict(orient="index") == {
        1: {1: 1, 2: 0, "gone": 1},
        2: {1: 1, 2: 0, "gone": 0},
        "new": {1: 0, 2: 1, "gone": 0},
    }
