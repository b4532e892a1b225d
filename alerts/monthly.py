"""One month of the alert list, end to end and without a warehouse: rules -> suppression ->
ranking and budget -> routing -> lifecycle. The Dagster asset reads the inputs and writes the
three outputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from alerts.config import AlertingConfig
from alerts.lifecycle import advance, agency_lists, route, suppress
from alerts.ranking import Ranker, firm_features, rank_and_cut
from alerts.rules import MonthInputs, evaluate_rules


@dataclass(frozen=True)
class MonthResult:
    candidates: pl.DataFrame  # firm x rule firing, with suppression
    ranking: pl.DataFrame  # every live firm: risk, rank, county quota, is_listed
    lifecycle: pl.DataFrame  # agency x fingerprint states


def always_listed(candidates: pl.DataFrame, config: AlertingConfig) -> pl.Series:
    """Return the firms with a severe red flag that appeared this month (listed whatever their
    rank)."""
    codes = [
        r.code
        for r in config.rules
        if r.kind == config.budget.always_list_kind
        and r.severity == config.budget.always_list_severity
    ]
    return (
        candidates.filter(
            pl.col("rule_code").is_in(codes)
            & pl.col("is_new").fill_null(False)
            & pl.col("suppressed").is_null()
        )["firm_id"]
        .unique()
        .sort()
    )


def run_month(
    inputs: MonthInputs,
    config: AlertingConfig,
    ranker: Ranker | None,
    previous_open: pl.DataFrame,
    exited: pl.Series,
) -> MonthResult:
    """Return the month's candidates, ranked list and lifecycle rows.

    ``inputs.firms`` holds the live firms with ``firm_id, peer_group, county_code, pd,
    overall_score, grade_code``; ``previous_open`` the open lifecycle rows after the month
    before; ``exited`` the firms dead this month.
    """
    month = inputs.month
    candidates = suppress(evaluate_rules(inputs, config), config, month)
    active = candidates.filter(pl.col("suppressed").is_null())
    features = firm_features(
        inputs.firms.with_columns(period_month=pl.lit(month)),
        active,
        [r.code for r in config.rules],
    )
    ranking = rank_and_cut(features, ranker, config.budget, always_listed(candidates, config))
    routed = route(candidates, config, inputs.firms.select("firm_id", "county_code"))
    lists = agency_lists(routed, ranking, config)
    lifecycle = advance(month, routed, lists, previous_open, exited)
    return MonthResult(candidates, ranking, lifecycle)


def outcome_labels(
    features: pl.DataFrame, events: pl.DataFrame, horizon_months: int = 12
) -> pl.DataFrame:
    """Return ``features`` with ``outcome``: 1 when the firm has a distress event dated after
    its month's end and within ``horizon_months`` months of it, else 0.

    >>> f = pl.DataFrame({"firm_id": ["a", "b"], "period_month": [dt.date(2024, 1, 1)] * 2})
    >>> e = pl.DataFrame({"firm_id": ["a"], "event_date": [dt.date(2024, 6, 3)]})
    >>> outcome_labels(f, e)["outcome"].to_list()
    [1, 0]
    """
    keyed = features.with_columns(
        _start=pl.col("period_month").dt.month_end(),
        _end=pl.col("period_month").dt.offset_by(f"{horizon_months}mo").dt.month_end(),
    )
    hits = (
        keyed.select("firm_id", "period_month", "_start", "_end")
        .join(events.select("firm_id", "event_date"), on="firm_id", how="inner")
        .filter(
            (pl.col("event_date") > pl.col("_start")) & (pl.col("event_date") <= pl.col("_end"))
        )
        .select("firm_id", "period_month")
        .unique()
        .with_columns(outcome=pl.lit(1, pl.Int8))
    )
    return (
        keyed.join(hits, on=["firm_id", "period_month"], how="left")
        .with_columns(pl.col("outcome").fill_null(0))
        .drop("_start", "_end")
    )


def history_window(month: dt.date, fit_months: int, horizon_months: int = 12) -> tuple:
    """Return the first and last month whose outcomes are known at ``month``'s end and may
    train the ranker for ``month``: the last is ``horizon_months`` before it.

    >>> history_window(dt.date(2026, 9, 1), 12)
    (datetime.date(2024, 10, 1), datetime.date(2025, 9, 1))
    """
    from alerts.rules import add_months

    last = add_months(month, -horizon_months)
    return add_months(last, -(fit_months - 1)), last
