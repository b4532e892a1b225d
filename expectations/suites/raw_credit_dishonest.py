"""信用 失信被执行人名单 (raw.credit_dishonest)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.credit_dishonest"

SUITE = Suite(
    name="raw_credit_dishonest",
    table=TABLE,
    asset_key=("raw", "credit_dishonest"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): removed"
        " from the list before being listed."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "removed_date", "listed_date", why="removed from the list before being listed"
                ),
            ),
        ),
    ),
)
