"""Back-test metrics for scores against observed outcomes."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata


def roc_auc(y_true: ArrayLike, score: ArrayLike) -> float:
    """Return the area under the ROC curve of ``score`` for the positives in ``y_true``.

    Computed from ranks (the Mann-Whitney U statistic divided by ``n_pos * n_neg``): the
    probability that a random positive scores higher than a random negative, ties counting
    one half. A health score is higher for healthier firms, so to back-test it against
    distress pass ``-overall_score`` (or ``100 - overall_score``).

    Parameters
    ----------
    y_true : array_like
        1-D outcomes, boolean or 0/1 (1 = positive, e.g. distress).
    score : array_like
        1-D finite scores, same length; higher means "more likely positive".

    Returns
    -------
    float
        AUC in [0, 1]: 1 perfect, 0.5 no better than chance, 0 perfectly reversed.

    Raises
    ------
    ValueError
        If the inputs are not 1-D of equal length, ``y_true`` is not 0/1, ``score`` has a
        non-finite value, or only one class is present.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y = np.asarray(y_true)
    s = np.asarray(score, dtype=float)
    if y.ndim != 1 or s.ndim != 1 or y.shape != s.shape:
        raise ValueError(
            f"y_true and score must be 1-D of equal length, got shapes {y.shape} and {s.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0/1 or booleans")
    if not np.isfinite(s).all():
        raise ValueError("score must be finite (drop or impute NaN before computing AUC)")
    positive = y.astype(bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(
            f"roc_auc needs both classes, got {n_pos} positive(s) and {n_neg} negative(s)"
        )
    ranks = rankdata(s, method="average")
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))
