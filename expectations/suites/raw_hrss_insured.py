"""人社 社会保险参保缴费 (raw.hrss_insured)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, monthly_drift, not_null

TABLE = "raw.hrss_insured"

SUITE = Suite(
    name="raw_hrss_insured",
    table=TABLE,
    asset_key=("raw", "hrss_insured"),
    description=(
        "Social insurance: headcounts and amounts non-negative; month-over-month row count. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "uscc",
                    "period_month",
                    "pension_insured",
                    "contribution_base",
                    "contributions_due",
                    "contributions_paid",
                    "arrears_balance",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("period_month"),
                between("pension_insured", 0, 1_000_000, why="a negative or implausible headcount"),
                between("contributions_paid", 0, None, why="negative contributions paid"),
                between("arrears_balance", 0, None, why="arrears cannot be negative"),
            ),
        ),
        monthly_drift(TABLE, "period_month", "pension_insured"),
    ),
)
