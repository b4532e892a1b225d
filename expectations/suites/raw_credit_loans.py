"""金融办 信贷 (raw.credit_loans)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, monthly_drift, not_null

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
        monthly_drift(TABLE, "stat_date", "loans_outstanding_10k"),
    ),
)
