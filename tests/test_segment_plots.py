"""Segment charts: each draws on the axes it is given, titled and labelled, and returns them."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from kamlab.plots import segments as kps
from kamlab.segment import Segmenter


@pytest.fixture(scope="module")
def seg():
    rng = np.random.default_rng(0)
    centre = np.repeat([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]], 40, axis=0)
    points = centre + rng.normal(size=centre.shape)
    frame = pd.DataFrame(
        {
            "revenue": np.exp(points[:, 0] + 8),
            "purchases_per_month": np.exp(points[:, 1] / 2),
            "gross_margin": np.exp(points[:, 0] + 7),
        },
        index=[f"A{i}" for i in range(120)],
    )
    return Segmenter(features=["revenue", "purchases_per_month"], n_bootstrap=0).fit(frame)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


@pytest.mark.parametrize("score", [None, "silhouette", "inertia"])
def test_k_selection_marks_the_chosen_k(seg, ax, score):
    assert kps.k_selection(seg.scores_, score=score, ax=ax) is ax
    assert labelled(ax)
    assert any(f"chosen k = {seg.k_}" in t.get_text() for t in ax.texts)
    assert len(ax.lines[0].get_xdata()) == len(seg.scores_)


def test_k_selection_rejects_an_unknown_score(seg, ax):
    with pytest.raises(ValueError, match="no column 'bic'"):
        kps.k_selection(seg.scores_, score="bic", ax=ax)


def test_profile_heatmap_is_segments_by_features(seg, ax):
    assert kps.profile_heatmap(seg.percentiles_, names=seg.names_, ax=ax) is ax
    assert labelled(ax)
    assert ax.images[0].get_array().shape == seg.percentiles_.shape
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[0].startswith(f"1: {seg.names_[1]}"[:30])
    assert len(ax.texts) == seg.percentiles_.size  # every cell annotated


def test_snake_plot_has_one_line_per_segment_and_the_base(seg, ax):
    kps.snake_plot(seg.percentiles_, names=seg.names_, ax=ax)
    assert labelled(ax)
    assert len(ax.lines) == seg.k_ + 1
    assert ax.get_ylim() == (0, 100)


def test_segment_scatter_samples_large_tables(seg, ax):
    points = seg.project()
    kps.segment_scatter(points, ax=ax, max_points=50)
    assert labelled(ax) and "of variance" in ax.get_xlabel()
    assert sum(len(c.get_offsets()) for c in ax.collections) == 50
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == "50 of 120 accounts shown"


def test_segment_shares_compares_accounts_revenue_and_margin(seg, ax):
    kps.segment_shares(seg.profiles_, ax=ax)
    assert labelled(ax)
    assert len(ax.patches) == 3 * seg.k_
    widths = [p.get_width() for p in ax.patches]
    assert sum(widths[: seg.k_]) == pytest.approx(100)  # shares of accounts add up


def test_segment_colours_are_fixed_per_segment():
    assert kps.segment_colour(1) == kps.segment_colour(11) != kps.segment_colour(2)


def test_empty_inputs_say_so(ax):
    kps.segment_shares(pd.DataFrame(columns=["segment_name", "share_of_accounts"]), ax=ax)
    assert ax.texts[-1].get_text() == "no segments"
