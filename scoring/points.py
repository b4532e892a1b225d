"""Indicator points (0-100): winsorise within the month, then rank within the peer group."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from scoring.config import IndicatorSpec, ScoringConfig
from scoring.peers import MONTH, PEER_LEVEL, PEER_LEVEL_KEYS


def points_column(code: str) -> str:
    """Return the internal column name holding the points of indicator ``code``.

    Examples
    --------
    >>> points_column("tax_sales_yoy")
    '_pts_tax_sales_yoy'
    """
    return f"_pts_{code}"


def _winsorised_column(code: str) -> str:
    return f"_win_{code}"


def winsorise_expr(values: pl.Expr, winsor: tuple[float, float]) -> pl.Expr:
    """Return ``values`` clipped at their within-month ``winsor`` quantiles.

    Quantiles use the ``"nearest"`` observed value, so everything beyond a cut-off ties with
    the firm at the cut-off: for rank-based points that is exactly what limits an outlier.
    Nulls are ignored and stay null. A bound of 0 or 1 leaves that tail alone.

    Parameters
    ----------
    values : polars.Expr
        Float expression.
    winsor : tuple of float
        Lower and upper quantile, ``0 <= lower < upper <= 1``.

    Returns
    -------
    polars.Expr
        The clipped expression (a window over ``period_month``).

    Examples
    --------
    >>> frame = pl.DataFrame({"period_month": [1] * 5, "x": [1.0, 2.0, 3.0, 4.0, 1000.0]})
    >>> frame.select(winsorise_expr(pl.col("x"), (0.0, 0.75)))["x"].to_list()
    [1.0, 2.0, 3.0, 4.0, 4.0]
    """
    lower, upper = winsor
    low = values.quantile(lower, "nearest").over(MONTH) if lower > 0.0 else None
    high = values.quantile(upper, "nearest").over(MONTH) if upper < 1.0 else None
    if low is None and high is None:
        return values
    return values.clip(low, high)


def mid_rank_percent(values: pl.Expr) -> pl.Expr:
    """Return the mid-rank percentile of ``values`` in percent, ties averaged, nulls null.

    ``(rank - 0.5) * 100 / n`` where ``rank`` is the average rank among the non-null values
    and ``n`` their count; apply ``.over(...)`` for groups.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    >>> frame.select(mid_rank_percent(pl.col("x")))["x"].to_list()
    [12.5, 37.5, 62.5, 87.5]
    """
    return (values.rank("average") - 0.5) * 100.0 / values.count()


def peer_percentile_expr(code: str, direction: int, level: int) -> pl.Expr:
    """Return points = mid-rank percentile (x100) of the winsorised value in its peer group.

    The groups are those of one peer level (0 = division x size, 1 = section x size,
    2 = section, 3 = month); see ``add_peer_percentiles`` for choosing the level per firm.
    ``direction == -1`` flips the points (``100 - p``).

    Parameters
    ----------
    code : str
        Indicator code; the winsorised column ``_win_<code>`` must exist.
    direction : int
        +1 or -1.
    level : int
        Peer level whose keys (``PEER_LEVEL_KEYS``) define the groups.

    Returns
    -------
    polars.Expr
        Float64 points named ``_pts_<code>``, null where the value is null.

    Examples
    --------
    >>> frame = pl.DataFrame({"period_month": [1] * 4, "industry_division": ["33"] * 4,
    ...     "size_class": ["小型"] * 4, "_win_x": [1.0, 2.0, 3.0, 4.0]})
    >>> frame.select(peer_percentile_expr("x", -1, 0))["_pts_x"].to_list()
    [87.5, 62.5, 37.5, 12.5]
    """
    percent = mid_rank_percent(pl.col(_winsorised_column(code))).over(*PEER_LEVEL_KEYS[level])
    points = percent if direction == 1 else 100.0 - percent
    return points.cast(pl.Float64).alias(points_column(code))


def add_peer_percentiles(frame: pl.DataFrame, indicators: Sequence[IndicatorSpec]) -> pl.DataFrame:
    """Return ``frame`` with peer-percentile points, each firm ranked at its own peer level.

    A firm that falls back to section x size class is ranked among all firms of that
    section and size class in the month, including those whose own division group was large
    enough. Ranks are computed only inside groups that hold a firm of the level, so the
    fallback levels cost little when few firms need them.

    Parameters
    ----------
    frame : polars.DataFrame
        Holds ``_peer_level``, the peer keys and ``_win_<code>`` for every indicator.
    indicators : sequence of IndicatorSpec
        Peer-percentile indicators to score.

    Returns
    -------
    polars.DataFrame
        ``frame`` (same row order) with a ``_pts_<code>`` column per indicator.

    Examples
    --------
    >>> frame = pl.DataFrame({"period_month": [1] * 3, "industry_section": ["C"] * 3,
    ...     "industry_division": ["33", "33", "34"], "size_class": ["小型"] * 3,
    ...     "_peer_level": [0, 0, 1], "_win_x": [1.0, 3.0, 2.0]})
    >>> spec = IndicatorSpec("x", "operations", 1)
    >>> add_peer_percentiles(frame, [spec])["_pts_x"].to_list()
    [25.0, 75.0, 50.0]
    """
    if not indicators:
        return frame
    if frame.height == 0:
        return frame.with_columns(
            pl.lit(None, pl.Float64).alias(points_column(s.code)) for s in indicators
        )
    row = "_row"
    keys = sorted({key for level_keys in PEER_LEVEL_KEYS for key in level_keys})
    narrow = frame.select(
        *keys, PEER_LEVEL, *[_winsorised_column(s.code) for s in indicators]
    ).with_row_index(row)
    parts = []
    for level in sorted(narrow[PEER_LEVEL].unique().to_list()):
        is_level = pl.col(PEER_LEVEL) == level
        # Level-0 groups hold only level-0 firms (the choice is constant within a group).
        in_scope = is_level if level == 0 else is_level.any().over(*PEER_LEVEL_KEYS[level])
        parts.append(
            narrow.filter(in_scope)
            .select(
                row,
                PEER_LEVEL,
                *[peer_percentile_expr(s.code, s.direction, level) for s in indicators],
            )
            .filter(is_level)
            .drop(PEER_LEVEL)
        )
    points = pl.concat(parts).sort(row).drop(row)
    return pl.concat([frame, points], how="horizontal")


def absence_points_expr(code: str, max_points: float) -> pl.Expr:
    """Return points for an adverse-event measure: 0 events give 100, any event far fewer.

    A value of 0 (or below) scores 100. A positive value scores
    ``max_points * (1 - p)`` where ``p`` is its mid-rank percentile among the firms of the
    month with a positive (winsorised) value; adverse events are rare, so peer groups would
    often hold only one or two of them. Null stays null.

    Parameters
    ----------
    code : str
        Indicator code; the raw column ``code`` and the winsorised positives ``_win_<code>``
        must exist.
    max_points : float
        Points of the mildest positive value (the first-percentile end of the scale).

    Returns
    -------
    polars.Expr
        Float64 points named ``_pts_<code>``.

    Examples
    --------
    >>> frame = pl.DataFrame({"period_month": [1] * 3, "n": [0.0, 2.0, None],
    ...     "_win_n": [None, 2.0, None]})
    >>> frame.select(absence_points_expr("n", 40.0))["_pts_n"].to_list()
    [100.0, 20.0, None]
    """
    raw = pl.col(code)
    positives = pl.col(_winsorised_column(code))
    percent = mid_rank_percent(positives).over(MONTH)
    return (
        pl.when(raw.is_null())
        .then(pl.lit(None, pl.Float64))
        .when(raw <= 0.0)
        .then(pl.lit(100.0))
        .otherwise(max_points * (1.0 - percent / 100.0))
        .cast(pl.Float64)
        .alias(points_column(code))
    )


def add_indicator_points(
    frame: pl.DataFrame, indicators: Sequence[IndicatorSpec], config: ScoringConfig
) -> pl.DataFrame:
    """Return ``frame`` with a ``_pts_<code>`` points column (0-100) per indicator.

    ``frame`` must hold the indicator columns as Float64 without NaN, ``period_month``, the
    peer keys and ``_peer_level``. "absence" indicators are winsorised among their positive
    values only, so a lower cut-off can never turn a clean record into an adverse one.

    Examples
    --------
    >>> frame = pl.DataFrame({"period_month": [1] * 2, "industry_section": ["C"] * 2,
    ...     "industry_division": ["33"] * 2,
    ...     "size_class": ["小型"] * 2, "_peer_level": [0, 0], "x": [5.0, 9.0]})
    >>> spec = IndicatorSpec("x", "operations", +1)
    >>> add_indicator_points(frame, [spec], ScoringConfig())["_pts_x"].to_list()
    [25.0, 75.0]
    """
    winsorised = []
    for spec in indicators:
        values = pl.col(spec.code)
        if spec.transform == "absence":
            values = pl.when(values > 0.0).then(values)
        winsorised.append(
            winsorise_expr(values, config.winsor).alias(_winsorised_column(spec.code))
        )
    frame = frame.with_columns(winsorised)
    frame = add_peer_percentiles(frame, [s for s in indicators if s.transform == "peer_percentile"])
    frame = frame.with_columns(
        absence_points_expr(s.code, config.absence_max_points)
        for s in indicators
        if s.transform == "absence"
    )
    return frame.drop([_winsorised_column(s.code) for s in indicators])
