"""电力 用电量 (raw.power_usage)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, monthly_drift, not_null

TABLE = "raw.power_usage"

SUITE = Suite(
    name="raw_power_usage",
    table=TABLE,
    asset_key=("raw", "power_usage"),
    description=(
        "Power use per meter account: account and firm key present, kWh non-negative and "
        "plausible; month-over-month row count and median use. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns("account_no", "uscc", "bill_month", "kwh"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("account_no"),
                not_null("bill_month"),
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
