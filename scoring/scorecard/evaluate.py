"""The arithmetic of a scorecard on new rows: points, contributions, scores, PD, grades."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import expit

from scoring.scorecard.types import Evaluation, ScorecardBase, check_columns


def red_flag_matrix(frame: pl.DataFrame, flags: tuple[tuple[str, str], ...]) -> np.ndarray:
    """Return rows x flags booleans; an absent column or a null counts as no flag.

    Examples
    --------
    >>> red_flag_matrix(pl.DataFrame({"a": [True, None]}), (("a", "甲"), ("b", "乙"))).tolist()
    [[True, False], [False, False]]
    """
    out = np.zeros((frame.height, len(flags)), dtype=bool)
    for j, (column, _) in enumerate(flags):
        if column in frame.columns:
            dtype = frame.schema[column]
            if not (dtype == pl.Boolean or dtype.is_integer() or dtype == pl.Null):
                raise ValueError(f"red-flag column {column!r} must be boolean, got {dtype}")
            out[:, j] = frame[column].cast(pl.Boolean).fill_null(False).to_numpy()
    return out


def _row_sums(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``matrix @ weights`` summed column by column in a fixed order: a row's result
    never depends on how many rows are scored with it (BLAS blocks differ by row count, and
    a month must score to the same bits alone or in a batch).

    >>> _row_sums(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, 1.0])).tolist()
    [12.0, 34.0]
    """
    out = np.zeros(matrix.shape[0])
    for j in range(matrix.shape[1]):
        out += weights[j] * matrix[:, j]
    return out


def evaluate(model: ScorecardBase, frame: pl.DataFrame) -> Evaluation:
    """Return the ``Evaluation`` of ``frame`` under ``model`` (see ``Scorecard.evaluate``)."""
    active = model.active
    codes = [m.code for m in active]
    check_columns(frame, codes, "frame")
    n = frame.height
    overall_flags = [False] * len(model.reference.columns)
    position = {c: i for i, c in enumerate(model.reference.columns)}
    for m in active:
        overall_flags[position[m.code]] = m.basis == "all"
    values = model.reference.clean_values(frame, codes)
    share, table = model.reference.transform(frame, overall_flags, codes, values)
    present = ~np.isnan(share)
    direction = np.array([m.direction for m in active], dtype=float)
    health = np.where(direction > 0, share, 1.0 - share)
    dim_of = np.array([model.dimensions.index(m.dimension) for m in active], dtype=np.int64)
    n_dims = len(model.dimensions)

    if model.kind == "fitted":
        fitted = _fitted(model, health, present, dim_of)
    else:
        fitted = _expert(model, frame, values, health, present, dim_of)
    contribution, neutral, max_points, dimension_points, woe, bins = fitted

    dim_present = np.zeros((n, n_dims), dtype=bool)
    for d in range(n_dims):
        columns_d = dim_of == d
        if columns_d.any():
            dim_present[:, d] = present[:, columns_d].any(axis=1)
    dimension_scores = np.full((n, n_dims), np.nan, order="F")
    for d in range(n_dims):
        columns_d = np.flatnonzero(dim_of == d)
        if columns_d.size:
            total = dimension_points[:, columns_d].sum(axis=1)
            dimension_scores[:, d] = np.where(dim_present[:, d], np.clip(total, 0.0, 100.0), np.nan)

    n_indicators = present.sum(axis=1)
    n_dimensions = dim_present.sum(axis=1)
    config = model.config
    need_indicators, need_dimensions = model.required()
    sufficient = (
        (n_indicators >= need_indicators) & (n_dimensions >= need_dimensions) & (n_indicators > 0)
    )
    # Clipping only removes floating-point dust (1e-13) at the ends of the 0-100 scale.
    overall = np.where(sufficient, np.clip(contribution.sum(axis=1), 0.0, 100.0), np.nan)
    pd = np.full(n, np.nan)
    points = np.full(n, np.nan)
    if model.calibration is not None:
        a, b = model.calibration
        weights = np.array([m.weight for m in active])
        log_odds = a + b * (model.intercept - _row_sums(woe, weights))
        pd = np.where(sufficient, expit(log_odds), np.nan)
        scale = config.points
        points = np.where(sufficient, scale.offset - scale.factor * log_odds, np.nan)
    flags = red_flag_matrix(frame, config.red_flags)
    healthy_min, subhealthy_min = model.score_cutoffs()
    grade = np.where(
        flags.any(axis=1),
        "unhealthy",
        np.where(
            ~sufficient,
            "insufficient",
            np.where(
                overall >= healthy_min,
                "healthy",
                np.where(overall >= subhealthy_min, "subhealthy", "unhealthy"),
            ),
        ),
    ).astype(object)
    return Evaluation(
        values=values,
        share=share,
        health=health,
        table=table,
        bins=bins,
        contribution=contribution,
        neutral=neutral,
        max_points=max_points,
        dimension_points=dimension_points,
        woe=woe,
        dimension_scores=dimension_scores,
        overall=overall,
        pd=pd,
        points=points,
        sufficient=sufficient,
        flags=flags,
        n_indicators=n_indicators,
        n_dimensions=n_dimensions,
        grade_code=grade,
    )


def _fitted(model: ScorecardBase, health: np.ndarray, present: np.ndarray, dim_of: np.ndarray):
    """Points of a fitted scorecard: WOE of the bin, scaled so the best firm scores 100.

    Dimension scores are the sub-scorecards (``beta * WOE``, scaled to 0-100); a dimension
    without any selected indicator shows the mean peer percentile of its indicators instead.
    """
    active = model.active
    n, k = health.shape
    low, high = model._fitted_range()
    span = high - low
    refs = model.woe_refs()
    contribution = np.zeros((n, k), order="F")
    dimension_points = np.zeros((n, k), order="F")
    woe = np.zeros((n, k), order="F")
    bins = np.empty((n, k), dtype=np.int64, order="F")
    neutral = np.zeros(k)
    max_points = np.zeros(k)
    dim_span = np.zeros(len(model.dimensions))
    descriptive_weight = np.zeros((n, len(model.dimensions)))
    for i, m in enumerate(active):
        if m.selected:
            dim_span[dim_of[i]] += m.beta * (m.woe_max - m.woe_min)
        else:
            descriptive_weight[:, dim_of[i]] += present[:, i] * m.beta
    for i, m in enumerate(active):
        assert m.bins is not None
        # Each bin's numbers once (missing last), then one gather per row: the same
        # arithmetic on the same operands as per row, so the same bits.
        column = np.searchsorted(m.bins.cuts, health[:, i], side="right")
        column[~present[:, i]] = m.bins.woe.size
        bins[:, i] = np.where(present[:, i], column, -1)
        woe_of_bin = np.r_[m.bins.woe, m.bins.missing_woe]
        woe[:, i] = woe_of_bin[column]
        if not m.selected:  # descriptive: peer percentile points, no weight
            with np.errstate(invalid="ignore", divide="ignore"):
                share = m.beta / descriptive_weight[:, dim_of[i]]
            dimension_points[:, i] = np.where(present[:, i], share * 100.0 * health[:, i], 0.0)
            continue
        scale = 100.0 * m.weight / span if span > 0 else 0.0
        ref = refs[i]
        contribution[:, i] = (scale * (woe_of_bin - ref))[column]
        neutral[i] = scale * (min(max(0.0, m.woe_min), m.woe_max) - ref)
        max_points[i] = scale * (m.woe_max - ref)
        d_span = dim_span[dim_of[i]]
        if d_span > 0:
            dimension_points[:, i] = (100.0 * m.beta * (woe_of_bin - m.woe_min) / d_span)[column]
    # Constant down the rows: read-only views, not rows x indicators copies.
    neutral = np.broadcast_to(neutral, (n, k))
    max_points = np.broadcast_to(max_points, (n, k))
    return contribution, neutral, max_points, dimension_points, woe, bins


def _expert(
    model: ScorecardBase,
    frame: pl.DataFrame,
    values: np.ndarray,
    health: np.ndarray,
    present: np.ndarray,
    dim_of: np.ndarray,
):
    """Points of an expert scorecard: peer percentiles, weighted means of what is available."""
    active = model.active
    n, k = health.shape
    points = 100.0 * health
    is_absence = np.array([m.transform == "absence" for m in active])
    if is_absence.any():
        assert model.positives is not None
        codes = [m.code for m in active if m.transform == "absence"]
        positive = pl.DataFrame(
            {
                c: np.where(values[:, i] > 0, values[:, i], np.nan)
                for i, c in zip(np.flatnonzero(is_absence), codes, strict=True)
            }
        )
        by = model.positives.by
        if by is not None and by in frame.columns:
            positive = positive.with_columns(frame[by])
        share_pos, _ = model.positives.transform(positive)
        order = [model.positives.columns.index(c) for c in codes]
        for j, i in enumerate(np.flatnonzero(is_absence)):
            v = values[:, i]
            points[:, i] = np.where(
                v <= 0, 100.0, model.config.absence_max_points * (1.0 - share_pos[:, order[j]])
            )
            points[np.isnan(v) | ~present[:, i], i] = np.nan
    beta = np.array([m.beta for m in active])
    dim_weights = np.asarray(model.dimension_weights, dtype=float)
    available = np.zeros((n, len(model.dimensions)))
    for i in range(k):
        available[:, dim_of[i]] += present[:, i] * beta[i]
    total = _row_sums((available > 0).astype(float), dim_weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(present, beta / available[:, dim_of], 0.0)
        share = within * dim_weights[dim_of] / total[:, None]
    share = np.nan_to_num(share)
    filled = np.nan_to_num(points)
    contribution = np.asfortranarray(share * filled)
    neutral = np.asfortranarray(share * np.where(is_absence, 100.0, 50.0))
    max_points = np.asfortranarray(share * 100.0)
    dimension_points = np.asfortranarray(np.nan_to_num(within) * filled)
    woe = np.full((n, k), np.nan, order="F")
    bins = np.where(present, 0, -1).astype(np.int64)
    return contribution, neutral, max_points, dimension_points, woe, bins
