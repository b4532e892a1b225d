"""财政·经信 财政补助 (raw.subsidy_payment)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import between

TABLE = "raw.subsidy_payment"

SUITE = Suite(
    name="raw_subsidy_payment",
    table=TABLE,
    asset_key=("raw", "subsidy_payment"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): a "
        "negative subsidy or above 10bn CNY: a unit or sign error."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                between(
                    "amount_10k",
                    0,
                    1e6,
                    why="a negative subsidy or above 10bn CNY: a unit or sign error",
                ),
            ),
        ),
    ),
)
