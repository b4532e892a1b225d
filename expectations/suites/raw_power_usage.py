"""电力 用电量 (raw.power_usage)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, monthly_drift

TABLE = "raw.power_usage"

SUITE = Suite(
    name="raw_power_usage",
    table=TABLE,
    asset_key=("raw", "power_usage"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "negative or above 1 TWh a month on one meter: a unit or sign error; rows per month "
        "changed by more than 20%: a partial or doubled delivery; the median moved more than 2x "
        "month over month: a unit change or a distribution shift."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                between(
                    "kwh",
                    0,
                    1e9,
                    why="negative or above 1 TWh a month on one meter: a unit or sign error",
                ),
            ),
        ),
        monthly_drift(TABLE, "bill_month", "kwh"),
    ),
)
