"""Back-testing scores against later outcomes: distress labels without look-ahead."""

from __future__ import annotations

import polars as pl


def distress_labels(
    panel: pl.DataFrame,
    events: pl.DataFrame,
    horizon_months: int = 12,
    last_observed: object | None = None,
) -> pl.DataFrame:
    """Return ``panel`` with ``distress_next`` and ``eligible`` columns for a back-test.

    A firm-month is eligible when the firm had no distress event on or before the month's end
    (an outcome already seen is not a prediction) and the whole horizon after the month lies
    within the observed period. ``distress_next`` is True when the firm's first event falls in
    the ``horizon_months`` after the month's end.

    Parameters
    ----------
    panel : polars.DataFrame
        Columns ``firm_id`` (str) and ``period_month`` (date, first of month), plus anything else.
    events : polars.DataFrame
        Columns ``firm_id`` and ``event_date`` (date); several events per firm allowed.
    horizon_months : int
        Length of the outcome window.
    last_observed : date, optional
        Last day outcomes are known; defaults to the end of the panel's last month.

    Examples
    --------
    >>> from datetime import date
    >>> panel = pl.DataFrame({"firm_id": ["a", "b", "c"], "period_month": [date(2024, 1, 1)] * 3})
    >>> events = pl.DataFrame({"firm_id": ["a", "c"],
    ...                        "event_date": [date(2024, 6, 3), date(2024, 1, 20)]})
    >>> out = distress_labels(panel, events, 12, last_observed=date(2025, 12, 31))
    >>> out.select("firm_id", "distress_next", "eligible").rows()
    [('a', True, True), ('b', False, True), ('c', False, False)]
    """
    month_end = pl.col("period_month").dt.month_end()
    if last_observed is None:
        last_observed = panel["period_month"].max()
        last_observed = pl.select(pl.lit(last_observed).dt.month_end()).item()
    first = events.group_by("firm_id").agg(pl.col("event_date").min().alias("_first_event"))
    horizon_end = month_end.dt.offset_by(f"{horizon_months}mo").dt.month_end()
    return (
        panel.join(first, on="firm_id", how="left")
        .with_columns(
            (
                pl.col("_first_event").is_not_null()
                & (pl.col("_first_event") > month_end)
                & (pl.col("_first_event") <= horizon_end)
            ).alias("distress_next"),
            (
                (pl.col("_first_event").is_null() | (pl.col("_first_event") > month_end))
                & (horizon_end <= pl.lit(last_observed))
            ).alias("eligible"),
        )
        .drop("_first_event")
    )
