"""score_panel: firm-month indicator panel in, five dimension scores, grade and reasons out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring.aggregate import (
    dimension_scores,
    dimension_weight_vector,
    grade_code_expr,
    grade_label_expr,
    overall_shares,
    weighted_nanmean,
)
from scoring.config import DIMENSIONS, IndicatorSpec, ScoringConfig
from scoring.explain import explanations, ragged_lists
from scoring.peers import MONTH, peer_label_expr, peer_level_expr
from scoring.points import add_indicator_points, points_column

KEY_COLUMNS: tuple[str, ...] = ("firm_id", "period_month")
REQUIRED_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "period_month",
    "industry_division",
    "industry_section",
    "size_class",
)
OUTPUT_COLUMNS: tuple[str, ...] = (
    "firm_id",
    "period_month",
    *(f"score_{d}" for d in DIMENSIONS),
    "overall_score",
    "grade",
    "grade_code",
    "red_flags",
    "n_indicators",
    "n_dimensions",
    "peer_group",
    "reasons",
    "reason_codes",
    "strengths",
)


def validate_inputs(
    panel: pl.DataFrame, indicators: Sequence[IndicatorSpec], config: ScoringConfig
) -> None:
    """Raise ValueError when the panel or indicator list cannot be scored as given.

    Checks: at least one indicator, unique codes that do not clash with key or red-flag
    columns, every required and indicator column present, numeric indicator columns,
    boolean (or integer 0/1) red-flag columns when present, no null keys and one row per
    firm and month.

    Examples
    --------
    >>> validate_inputs(pl.DataFrame({"firm_id": ["a"]}), [], ScoringConfig())
    Traceback (most recent call last):
    ...
    ValueError: no indicators given: score_panel needs at least one IndicatorSpec
    """
    if not indicators:
        raise ValueError("no indicators given: score_panel needs at least one IndicatorSpec")
    if not all(isinstance(spec, IndicatorSpec) for spec in indicators):
        raise ValueError("indicators must be IndicatorSpec instances")
    codes = [spec.code for spec in indicators]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise ValueError(f"indicator codes given more than once: {duplicated}")
    flag_columns = [column for column, _ in config.red_flags]
    clashes = sorted(set(codes) & (set(REQUIRED_COLUMNS) | set(flag_columns)))
    if clashes:
        raise ValueError(f"indicator codes clash with key or red-flag columns: {clashes}")
    missing = [c for c in (*REQUIRED_COLUMNS, *codes) if c not in panel.columns]
    if missing:
        raise ValueError(f"panel is missing required column(s): {', '.join(missing)}")
    for code in codes:
        dtype = panel.schema[code]
        if not (dtype.is_numeric() or dtype == pl.Null):
            raise ValueError(f"indicator column {code!r} must be numeric, got {dtype}")
    for column in flag_columns:
        if column in panel.columns:
            dtype = panel.schema[column]
            if not (dtype == pl.Boolean or dtype.is_integer() or dtype == pl.Null):
                raise ValueError(f"red-flag column {column!r} must be boolean, got {dtype}")
    keys = panel.select(KEY_COLUMNS)
    if keys.null_count().sum_horizontal().item() > 0:
        raise ValueError("panel has null firm_id or period_month")
    if keys.is_duplicated().any():
        raise ValueError("panel has more than one row for some firm_id and period_month")


def _prepare(
    panel: pl.DataFrame, indicators: Sequence[IndicatorSpec], config: ScoringConfig
) -> pl.DataFrame:
    """Return the sorted working frame: keys, Float64 indicators (NaN -> null), flags, points."""
    validate_inputs(panel, indicators, config)
    flags = [
        (
            pl.col(column).cast(pl.Boolean).fill_null(False)
            if column in panel.columns
            else pl.lit(False)
        ).alias(column)
        for column, _ in config.red_flags
    ]
    frame = panel.select(
        *REQUIRED_COLUMNS,
        *[pl.col(s.code).cast(pl.Float64).fill_nan(None) for s in indicators],
        *flags,
    ).sort([MONTH, "firm_id"])
    frame = frame.with_columns(peer_level_expr(config.min_peer_group))
    frame = add_indicator_points(frame, indicators, config)
    return frame.with_columns(peer_label_expr())


def indicator_points(
    panel: pl.DataFrame,
    indicators: Sequence[IndicatorSpec],
    config: ScoringConfig | None = None,
) -> pl.DataFrame:
    """Return the 0-100 points of every indicator for each firm-month, with its peer group.

    Same validation, peer groups, winsorisation and transforms as ``score_panel``; useful
    for contribution tables and for checking one indicator in isolation.

    Parameters
    ----------
    panel : polars.DataFrame
        As for ``score_panel``.
    indicators : sequence of IndicatorSpec
        Indicators to score.
    config : ScoringConfig, optional
        Defaults to ``ScoringConfig()``.

    Returns
    -------
    polars.DataFrame
        ``firm_id``, ``period_month``, ``peer_group`` and one Float64 points column per
        indicator code (null where the value is null), sorted by month and firm.

    Examples
    --------
    >>> import datetime as dt
    >>> panel = pl.DataFrame({"firm_id": list("abcd"), "period_month": [dt.date(2024, 1, 1)] * 4,
    ...     "industry_division": ["33"] * 4, "industry_section": ["C"] * 4,
    ...     "size_class": ["小型"] * 4, "x": [1.0, 2.0, 3.0, 4.0]})
    >>> config = ScoringConfig(min_peer_group=4, winsor=(0.0, 1.0))
    >>> indicator_points(panel, [IndicatorSpec("x", "operations", 1)], config)["x"].to_list()
    [12.5, 37.5, 62.5, 87.5]
    """
    config = config or ScoringConfig()
    frame = _prepare(panel, indicators, config)
    return frame.select(
        *KEY_COLUMNS,
        "peer_group",
        *[pl.col(points_column(s.code)).alias(s.code) for s in indicators],
    )


def score_panel(
    panel: pl.DataFrame,
    indicators: Sequence[IndicatorSpec],
    config: ScoringConfig | None = None,
) -> pl.DataFrame:
    """Return dimension scores, overall score, grade, red flags and reasons per firm-month.

    Method: peer groups per month (division x size class, falling back to section x size,
    section, all firms when a group has fewer than ``min_peer_group`` firms); per indicator
    the value is winsorised within the month and turned into 0-100 points (mid-rank peer
    percentile, flipped for direction -1; or the "absence" scale for adverse events); a
    dimension score is the weighted mean of its available points, the overall score the
    weighted mean of available dimension scores. Grades follow the config cut-offs; a red
    flag forces 不健康; too few indicators or dimensions gives 数据不足 and no overall score.

    Parameters
    ----------
    panel : polars.DataFrame
        One row per ``firm_id`` and ``period_month`` with ``industry_division``,
        ``industry_section``, ``size_class``, one numeric column per indicator code (null =
        not available) and, optionally, the boolean red-flag columns of the config (missing
        or null = false).
    indicators : sequence of IndicatorSpec
        Indicators to score.
    config : ScoringConfig, optional
        Defaults to ``ScoringConfig()``.

    Returns
    -------
    polars.DataFrame
        Columns ``OUTPUT_COLUMNS``: ``score_<dimension>`` (x5), ``overall_score``, ``grade``
        (Chinese), ``grade_code``, ``red_flags``, ``n_indicators``, ``n_dimensions``,
        ``peer_group``, ``reasons``, ``reason_codes``, ``strengths``; sorted by
        ``period_month`` then ``firm_id``.

    Raises
    ------
    ValueError
        If a required or indicator column is missing, an indicator column is not numeric, a
        code is repeated, or a firm has two rows in one month.

    Examples
    --------
    >>> import datetime as dt
    >>> panel = pl.DataFrame({"firm_id": list("abcd"), "period_month": [dt.date(2024, 1, 1)] * 4,
    ...     "industry_division": ["33"] * 4, "industry_section": ["C"] * 4,
    ...     "size_class": ["小型"] * 4, "x": [1.0, 2.0, 3.0, 4.0]})
    >>> config = ScoringConfig(min_peer_group=4, min_indicators=1, min_dimensions=1)
    >>> score_panel(panel, [IndicatorSpec("x", "operations", 1)], config)["grade"].to_list()
    ['不健康', '不健康', '健康', '健康']
    """
    config = config or ScoringConfig()
    frame = _prepare(panel, indicators, config)
    points = frame.select([points_column(s.code) for s in indicators]).to_numpy().astype(float)
    flags = frame.select([column for column, _ in config.red_flags]).to_numpy().astype(bool)
    scores = _scores(points, flags.reshape(frame.height, len(config.red_flags)), indicators, config)
    return (
        pl.concat([frame.select(*KEY_COLUMNS, "peer_group"), scores], how="horizontal")
        .with_columns(grade_code_expr(config))
        .with_columns(grade_label_expr())
        .select(OUTPUT_COLUMNS)
    )


def _scores(
    points: np.ndarray,
    flags: np.ndarray,
    indicators: Sequence[IndicatorSpec],
    config: ScoringConfig,
) -> pl.DataFrame:
    """Return dimension and overall scores, counts, red flags and explanations per row.

    ``points`` is rows x indicators (NaN = missing), ``flags`` rows x red flags (bool).
    """
    dimensions = dimension_scores(points, indicators)
    n_indicators = (~np.isnan(points)).sum(axis=1)
    n_dimensions = (~np.isnan(dimensions)).sum(axis=1)
    sufficient = (
        (n_indicators >= config.min_indicators)
        & (n_dimensions >= config.min_dimensions)
        & (n_indicators > 0)
    )
    overall = np.where(
        sufficient, weighted_nanmean(dimensions, dimension_weight_vector(config)), np.nan
    )
    share = overall_shares(points, indicators, config)
    return pl.DataFrame(
        {
            **{
                f"score_{d}": pl.Series(dimensions[:, j], nan_to_null=True)
                for j, d in enumerate(DIMENSIONS)
            },
            "overall_score": pl.Series(overall, nan_to_null=True),
            "_has_red_flag": flags.any(axis=1),
            "_sufficient": sufficient,
            "red_flags": ragged_lists(
                np.broadcast_to(np.arange(flags.shape[1]), flags.shape),
                flags,
                [label for _, label in config.red_flags],
                "red_flags",
            ),
            "n_indicators": n_indicators.astype(np.int32),
            "n_dimensions": n_dimensions.astype(np.int32),
            **explanations(
                points, share, sufficient, flags, n_indicators, n_dimensions, indicators, config
            ),
        }
    )
