"""生态环境 环境行政处罚 (raw.env_penalty)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.env_penalty"

SUITE = Suite(
    name="raw_env_penalty",
    table=TABLE,
    asset_key=("raw", "env_penalty"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "rectified before the decision."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "rectified_date", "decision_date", why="rectified before the decision"
                ),
            ),
        ),
    ),
)
