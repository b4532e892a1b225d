"""税务 纳税申报 (raw.tax_declaration)."""

from expectations.runner import WARN, Expect, Part, Suite, sample_sql
from expectations.suites._common import (
    a_not_before_b,
    between,
    period_profile,
)

TABLE = "raw.tax_declaration"

SUITE = Suite(
    name="raw_tax_declaration",
    table=TABLE,
    asset_key=("raw", "tax_declaration"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "negative sales or above 100bn CNY a month: a unit or sign error; a declaration dated "
        "before its period ended; declarations per month changed by more than 10%: a partial or "
        "doubled delivery; median declared sales moved more than 2x month over month: a unit "
        "change or a distribution shift."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                between(
                    "sales",
                    0,
                    1e11,
                    why="negative sales or above 100bn CNY a month: a unit or sign error",
                ),
                a_not_before_b(
                    "declared_date",
                    "period_end_date",
                    WARN,
                    mostly=0.99,
                    why="a declaration dated before its period ended",
                ),
            ),
        ),
        Part(
            "per_period",
            period_profile(TABLE, "_period", "sales", min_rows=200),
            (
                between(
                    "row_change",
                    0.9,
                    1.1,
                    why="declarations per month changed by more than "
                    "10%: a partial or doubled delivery",
                ),
                between(
                    "median_change",
                    0.5,
                    2.0,
                    WARN,
                    why="median declared sales moved more than "
                    "2x month over month: a unit change or a distribution shift",
                ),
            ),
        ),
    ),
)

__all__ = ["SUITE", "Expect"]
