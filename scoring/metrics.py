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


def ks_statistic(y_true: ArrayLike, score: ArrayLike) -> float:
    """Return the Kolmogorov-Smirnov statistic: the largest gap between the score's
    cumulative distributions among positives and among negatives.

    Parameters
    ----------
    y_true : array_like
        0/1 outcomes (both classes present).
    score : array_like
        Finite scores, higher = more likely positive.

    Examples
    --------
    >>> ks_statistic([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.5
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(score, dtype=float)
    if y.all() or not y.any():
        raise ValueError("ks_statistic needs both classes")
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # Evaluate only where the score changes, so ties move together.
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    tpr = np.cumsum(y_sorted)[last] / y.sum()
    fpr = np.cumsum(~y_sorted)[last] / (~y).sum()
    return float(np.max(np.abs(tpr - fpr)))


def brier_score(y_true: ArrayLike, probability: ArrayLike) -> float:
    """Return the mean squared error of predicted probabilities against 0/1 outcomes.

    Examples
    --------
    >>> brier_score([0, 1], [0.1, 0.7])
    0.05
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(probability, dtype=float)
    return float(np.round(np.mean((p - y) ** 2), 15))


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> float:
    """Return the population stability index of ``actual`` against ``expected``.

    Bins are the deciles (or ``bins`` quantiles) of ``expected``;
    ``PSI = sum((a - e) * ln(a / e))`` over the bin shares, each floored at 1e-4. Rules of
    thumb: < 0.1 stable, 0.1-0.25 some shift, > 0.25 a major shift. NaN values are ignored.

    Examples
    --------
    >>> x = np.arange(1000.0)
    >>> psi(x, x), round(psi(x, x + 300.0), 3)
    (0.0, 2.486)
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e, a = e[~np.isnan(e)], a[~np.isnan(a)]
    if e.size == 0 or a.size == 0:
        return float("nan")
    cuts = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    e_share = np.bincount(np.searchsorted(cuts, e, side="right"), minlength=cuts.size + 1)
    a_share = np.bincount(np.searchsorted(cuts, a, side="right"), minlength=cuts.size + 1)
    e_share = np.maximum(e_share / e.size, 1e-4)
    a_share = np.maximum(a_share / a.size, 1e-4)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))
