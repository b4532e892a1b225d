"""金融办 信贷 (raw.credit_loans)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, not_null, period_profile

TABLE = "raw.credit_loans"

SUITE = Suite(
    name="raw_credit_loans",
    table=TABLE,
    asset_key=("raw", "credit_loans"),
    description=(
        "Loans: outstanding, overdue and guarantees non-negative; month-over-month row "
        "count and median balance. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "uscc",
                    "stat_date",
                    "loans_outstanding_10k",
                    "overdue_10k",
                    "guarantees_given_10k",
                    "lenders",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("stat_date"),
                between("loans_outstanding_10k", 0, None, why="negative loans outstanding"),
                between("overdue_10k", 0, None, why="negative overdue amount"),
                between("guarantees_given_10k", 0, None, why="negative guarantees"),
            ),
        ),
        Part(
            "per_period",
            period_profile(
                TABLE, "stat_date", "loans_outstanding_10k", skip_first=True, min_rows=200
            ),
            (
                between(
                    "row_change",
                    0.8,
                    1.25,
                    WARN,
                    why="rows per month changed by more than 20%: a partial or doubled delivery",
                ),
                between(
                    "median_change",
                    0.5,
                    2.0,
                    WARN,
                    why="the median moved more than 2x month over month: "
                    "a unit change or a distribution shift",
                ),
            ),
        ),
    ),
)
