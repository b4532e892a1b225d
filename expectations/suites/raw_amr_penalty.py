"""市场监管 行政处罚 (raw.amr_penalty)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.amr_penalty"

SUITE = Suite(
    name="raw_amr_penalty",
    table=TABLE,
    asset_key=("raw", "amr_penalty"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "publicity ended before the decision."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "publicity_end_date", "decision_date", why="publicity ended before the decision"
                ),
            ),
        ),
    ),
)
