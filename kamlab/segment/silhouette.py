"""Mean silhouettes of several labellings of the same rows, in one pass over their distances.

The silhouette of a row (Rousseeuw 1987) is ``s = (b - a) / max(a, b)``, where ``a`` is
its mean distance to the other rows of its cluster and ``b`` its smallest mean distance
to the rows of another cluster; ``s = 0`` for a row alone in its cluster. The numbers
are scikit-learn's ``silhouette_score`` (Euclidean, the same random sample for the same
``seed``), but the segmenter scores every k it tries on the same accounts: computing
the sample's distances once for all of them, and summing them by cluster with one matrix
product, takes 0.3 s for seven k on 5,000 accounts where seven calls took 2.6 s.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import pairwise_distances_chunked
from sklearn.utils import check_random_state

__all__ = ["mean_silhouettes"]

WORKING_MEMORY_MB = 64
"""Distances are computed this many MB of rows at a time (scikit-learn's default, 1 GB,
holds the 5,000 x 5,000 matrix of a sample at once: 200 MB)."""


def mean_silhouettes(
    Z: np.ndarray, labellings: list[np.ndarray], *, sample_size: int | None = None, seed=None
) -> list[float]:
    """The mean silhouette of each labelling of the rows of ``Z`` (NaN for one with fewer
    than 2 clusters, or as many as rows, in the sample). ``sample_size``: score a random
    sample of that many rows, the one ``silhouette_score(..., sample_size, random_state=seed)``
    draws."""
    if sample_size is not None:
        rows = check_random_state(seed).permutation(len(Z))[:sample_size]
        Z, labellings = Z[rows], [labels[rows] for labels in labellings]
    codes, sizes, blocks = [], [], []
    for labels in labellings:
        _, code, count = np.unique(labels, return_inverse=True, return_counts=True)
        codes.append(code.ravel())
        sizes.append(count)
        blocks.append(np.eye(len(count))[code.ravel()])  # rows x clusters, 0/1
    members = np.hstack(blocks)
    sums = np.empty((len(Z), members.shape[1]))  # each row's summed distance to each cluster
    start = 0
    for chunk in pairwise_distances_chunked(Z, working_memory=WORKING_MEMORY_MB):
        sums[start : start + len(chunk)] = chunk @ members
        start += len(chunk)
    out, first = [], 0
    for code, count in zip(codes, sizes, strict=True):
        k = len(count)
        if not 2 <= k <= len(Z) - 1:
            out.append(float("nan"))
            first += k
            continue
        own = sums[:, first : first + k]
        first += k
        rows = np.arange(len(code))
        with np.errstate(divide="ignore", invalid="ignore"):
            a = own[rows, code] / (count[code] - 1)
            means = own / count
            means[rows, code] = np.inf
            b = means.min(axis=1)
            s = np.nan_to_num((b - a) / np.maximum(a, b))
        s[count[code] == 1] = 0.0
        out.append(float(np.mean(s)))
    return out
