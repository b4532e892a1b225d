"""市场监管 经营异常名录 (raw.amr_abnormal)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.amr_abnormal"

SUITE = Suite(
    name="raw_amr_abnormal",
    table=TABLE,
    asset_key=("raw", "amr_abnormal"),
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
