"""生态环境 环境行政处罚 (raw.env_penalty)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, between, columns, length, not_null

TABLE = "raw.env_penalty"

SUITE = Suite(
    name="raw_env_penalty",
    table=TABLE,
    asset_key=("raw", "env_penalty"),
    description=(
        "Environmental penalties: decision number and firm key present, non-negative "
        "fines, rectified not before the decision. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "penalty_no", "uscc", "decision_date", "violation", "amount", "rectified_date"
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("penalty_no"),
                not_null("decision_date"),
                between("amount", 0, None, why="a negative fine"),
                a_not_before_b(
                    "rectified_date", "decision_date", why="rectified before the decision"
                ),
            ),
        ),
    ),
)
