"""电力 用电量 (raw.power_usage)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, not_null, period_profile

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
        Part(
            "per_period",
            period_profile(TABLE, "bill_month", "kwh", skip_first=True, min_rows=200),
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
