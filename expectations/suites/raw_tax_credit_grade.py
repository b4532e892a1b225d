"""税务 纳税信用等级 (raw.tax_credit_grade)."""

from expectations.runner import Part, Suite
from expectations.suites._common import between, period_profile

TABLE = "raw.tax_credit_grade"

# Codes, keys and dates are the contract's (ingestion quarantines anything else); what it cannot
# know is whether a year's list is complete.
SUITE = Suite(
    name="raw_tax_credit_grade",
    table=TABLE,
    asset_key=("raw", "tax_credit_grade"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): graded "
        "taxpayers changed by more than 20% year over year: a partial or doubled list."
    ),
    parts=(
        Part(
            "per_year",
            period_profile(TABLE, "assessment_year", min_rows=200),
            (
                between(
                    "row_change",
                    0.8,
                    1.25,
                    why="graded taxpayers changed by more than 20% year over year: a partial "
                    "or doubled list",
                ),
            ),
        ),
    ),
)
