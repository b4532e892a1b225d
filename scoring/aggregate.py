"""Dimension and overall scores (weighted means of what is available) and grades."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring.config import DIMENSIONS, GRADE_LABELS_ZH, IndicatorSpec, ScoringConfig


def weighted_nanmean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the row-wise weighted mean of the non-NaN entries; NaN where a row has none.

    Missing values leave both numerator and denominator (missing is not zero).

    Parameters
    ----------
    values : numpy.ndarray
        2-D float array (rows x columns), NaN = missing.
    weights : numpy.ndarray
        1-D non-negative weights, one per column.

    Returns
    -------
    numpy.ndarray
        1-D float array, one mean per row.

    Examples
    --------
    >>> weighted_nanmean(np.array([[80.0, 20.0], [np.nan, 30.0], [np.nan, np.nan]]),
    ...                  np.array([3.0, 1.0])).tolist()
    [65.0, 30.0, nan]
    """
    # Column by column rather than a matrix product: the arrays are tall and thin, and
    # BLAS threads gain nothing there but stall on a busy machine.
    numerator = np.zeros(values.shape[0])
    denominator = np.zeros(values.shape[0])
    for j, weight in enumerate(weights):
        present = ~np.isnan(values[:, j])
        numerator += np.where(present, values[:, j], 0.0) * weight
        denominator += present * weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _dimension_of(indicators: Sequence[IndicatorSpec]) -> np.ndarray:
    """Return the position in ``DIMENSIONS`` of each indicator's dimension."""
    return np.array([DIMENSIONS.index(spec.dimension) for spec in indicators], dtype=np.int64)


def dimension_scores(points: np.ndarray, indicators: Sequence[IndicatorSpec]) -> np.ndarray:
    """Return the score of each dimension: weighted mean of its available indicator points.

    Parameters
    ----------
    points : numpy.ndarray
        Rows x indicators, 0-100, NaN = missing; columns in the order of ``indicators``.
    indicators : sequence of IndicatorSpec
        Supplies dimension and weight per column.

    Returns
    -------
    numpy.ndarray
        Rows x 5 (``DIMENSIONS`` order); NaN where a dimension has no available indicator.

    Examples
    --------
    >>> specs = [IndicatorSpec("a", "operations", 1), IndicatorSpec("b", "operations", 1),
    ...          IndicatorSpec("c", "risk", -1)]
    >>> dimension_scores(np.array([[10.0, 30.0, np.nan]]), specs).tolist()
    [[20.0, nan, nan, nan, nan]]
    """
    weights = np.array([spec.weight for spec in indicators], dtype=float)
    dimension_of = _dimension_of(indicators)
    out = np.full((points.shape[0], len(DIMENSIONS)), np.nan, order="F")
    for d in range(len(DIMENSIONS)):
        columns = np.flatnonzero(dimension_of == d)
        if columns.size:
            out[:, d] = weighted_nanmean(points[:, columns], weights[columns])
    return out


def dimension_weight_vector(config: ScoringConfig) -> np.ndarray:
    """Return the weight of each dimension (``DIMENSIONS`` order) in the overall score.

    Examples
    --------
    >>> dimension_weight_vector(ScoringConfig()).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    return np.array([config.dimension_weight(d) for d in DIMENSIONS], dtype=float)


def overall_shares(
    points: np.ndarray, indicators: Sequence[IndicatorSpec], config: ScoringConfig
) -> np.ndarray:
    """Return the share of the overall score that each indicator's points carry, per row.

    ``share_i = W_d / (sum of W over the row's available dimensions)
    * w_i / (sum of w over the row's available indicators in d)``, so the overall score is
    exactly ``sum(share_i * points_i)`` and ``share_i * (100 - points_i)`` is the number of
    overall points indicator i costs the firm.

    Parameters
    ----------
    points : numpy.ndarray
        Rows x indicators, NaN = missing.
    indicators : sequence of IndicatorSpec
        Supplies dimension and weight per column.
    config : ScoringConfig
        Supplies the dimension weights.

    Returns
    -------
    numpy.ndarray
        Rows x indicators; NaN where the indicator is missing.

    Examples
    --------
    >>> specs = [IndicatorSpec("a", "operations", 1), IndicatorSpec("b", "operations", 1),
    ...          IndicatorSpec("c", "risk", 1)]
    >>> overall_shares(np.array([[10.0, 30.0, 50.0]]), specs, ScoringConfig()).tolist()
    [[0.25, 0.25, 0.5]]
    """
    weights = np.array([spec.weight for spec in indicators], dtype=float)
    dimension_of = _dimension_of(indicators)
    dimension_weights = dimension_weight_vector(config)
    n_rows = points.shape[0]
    present = ~np.isnan(points)
    available = np.zeros((n_rows, len(DIMENSIONS)), order="F")
    for i, d in enumerate(dimension_of):
        available[:, d] += present[:, i] * weights[i]
    total = np.zeros(n_rows)
    for d, weight in enumerate(dimension_weights):
        total += (available[:, d] > 0) * weight
    share = np.full(points.shape, np.nan, order="F")
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, d in enumerate(dimension_of):
            value = dimension_weights[d] * weights[i] / (total * available[:, d])
            share[:, i] = np.where(present[:, i], value, np.nan)
    return share


def grade_code_expr(
    config: ScoringConfig,
    overall: str = "overall_score",
    red_flag: str = "_has_red_flag",
    sufficient: str = "_sufficient",
) -> pl.Expr:
    """Return the grade code: healthy, subhealthy, unhealthy or insufficient.

    A red flag gives ``unhealthy`` whatever the score and even with too little data; else
    too little data gives ``insufficient``; else ``overall >= healthy_min`` is ``healthy``,
    ``overall >= subhealthy_min`` is ``subhealthy`` and lower is ``unhealthy``.

    Parameters
    ----------
    config : ScoringConfig
        Supplies the cut-offs.
    overall, red_flag, sufficient : str
        Names of the overall-score (Float64), red-flag (bool) and enough-data (bool) columns.

    Returns
    -------
    polars.Expr
        String expression named ``grade_code``.

    Examples
    --------
    >>> frame = pl.DataFrame({"overall_score": [55.0, 54.99, 90.0],
    ...     "_has_red_flag": [False, False, True], "_sufficient": [True, True, True]})
    >>> frame.select(grade_code_expr(ScoringConfig()))["grade_code"].to_list()
    ['healthy', 'subhealthy', 'unhealthy']
    """
    score = pl.col(overall)
    return (
        pl.when(pl.col(red_flag))
        .then(pl.lit("unhealthy"))
        .when(~pl.col(sufficient) | score.is_null())
        .then(pl.lit("insufficient"))
        .when(score >= config.healthy_min)
        .then(pl.lit("healthy"))
        .when(score >= config.subhealthy_min)
        .then(pl.lit("subhealthy"))
        .otherwise(pl.lit("unhealthy"))
        .alias("grade_code")
    )


def grade_label_expr(grade_code: str = "grade_code") -> pl.Expr:
    """Return the Chinese grade (健康, 亚健康, 不健康, 数据不足) for a grade-code column.

    Examples
    --------
    >>> pl.DataFrame({"grade_code": ["healthy", "insufficient"]}).select(
    ...     grade_label_expr())["grade"].to_list()
    ['健康', '数据不足']
    """
    return pl.col(grade_code).replace_strict(GRADE_LABELS_ZH, return_dtype=pl.String).alias("grade")
