"""人社 社会保险参保缴费 (raw.hrss_insured)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, monthly_drift

TABLE = "raw.hrss_insured"

SUITE = Suite(
    name="raw_hrss_insured",
    table=TABLE,
    asset_key=("raw", "hrss_insured"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): a "
        "negative or implausible headcount; rows per month changed by more than 20%: a partial or"
        " doubled delivery; the median moved more than 2x month over month: a unit change or a "
        "distribution shift."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (between("pension_insured", 0, 1_000_000, why="a negative or implausible headcount"),),
        ),
        monthly_drift(TABLE, "period_month", "pension_insured"),
    ),
)
