"""税务 纳税申报 (raw.tax_declaration)."""

from expectations.runner import WARN, Expect, Part, Suite, sample_sql
from expectations.suites._common import (
    a_not_before_b,
    between,
    columns,
    length,
    not_null,
    period_profile,
)

TABLE = "raw.tax_declaration"

SUITE = Suite(
    name="raw_tax_declaration",
    table=TABLE,
    asset_key=("raw", "tax_declaration"),
    description="Schema, keys and ranges of tax declarations; month-over-month row count and "
    "median sales (a partial delivery or a 元/万元 unit slip shows here).",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "uscc",
                    "period_start_date",
                    "period_end_date",
                    "declared_date",
                    "sales",
                    "vat_payable",
                    "cit_paid",
                    "tax_arrears",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("period_start_date"),
                between(
                    "sales",
                    0,
                    1e11,
                    why="negative sales or above 100bn CNY a month: a unit or sign error",
                ),
                between("tax_arrears", 0, None, why="arrears cannot be negative"),
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
