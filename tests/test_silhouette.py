"""Mean silhouettes of several labellings in one pass: scikit-learn's numbers."""

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from kamlab.segment.silhouette import mean_silhouettes


@pytest.fixture
def rows():
    rng = np.random.default_rng(3)
    return np.vstack([rng.normal(c, 1.0, size=(400, 3)) for c in (0.0, 4.0, 9.0)])


def test_each_labelling_scores_as_scikit_learn_scores_it(rows):
    rng = np.random.default_rng(4)
    labellings = [rng.integers(0, k, len(rows)) for k in (2, 3, 5)]
    labellings.append(np.repeat([0, 1, 2], 400))  # the true clusters: a high silhouette
    expected = [silhouette_score(rows, labels) for labels in labellings]
    assert mean_silhouettes(rows, labellings) == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert expected[-1] > 0.5


def test_on_a_sample_the_same_rows_as_scikit_learns_sample(rows):
    labellings = [np.repeat([0, 1, 2], 400), np.arange(len(rows)) % 4]
    expected = [
        silhouette_score(rows, labels, sample_size=300, random_state=11) for labels in labellings
    ]
    found = mean_silhouettes(rows, labellings, sample_size=300, seed=11)
    assert found == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_a_row_alone_in_its_cluster_scores_zero_and_one_cluster_has_no_silhouette(rows):
    alone = np.repeat([0, 1, 2], 400)
    alone[0] = 7  # a cluster of one row
    found = mean_silhouettes(rows, [alone, np.zeros(len(rows), dtype=int)])
    assert found[0] == pytest.approx(silhouette_score(rows, alone), rel=1e-10)
    assert np.isnan(found[1])
