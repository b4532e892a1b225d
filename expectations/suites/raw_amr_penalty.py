"""市场监管 行政处罚 (raw.amr_penalty)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, between, columns, in_set, length, not_null

TABLE = "raw.amr_penalty"

SUITE = Suite(
    name="raw_amr_penalty",
    table=TABLE,
    asset_key=("raw", "amr_penalty"),
    description=(
        "Administrative penalties: decision number and firm key present, penalty type "
        "code list, non-negative amounts, publicity ends after the decision. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "penalty_no",
                    "uscc",
                    "decision_date",
                    "penalty_type",
                    "amount_10k",
                    "publicity_end_date",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("penalty_no"),
                not_null("decision_date"),
                in_set(
                    "penalty_type", ["警告", "罚款", "没收违法所得", "责令停产停业", "吊销许可证"]
                ),
                between("amount_10k", 0, None, why="a negative fine is a sign error"),
                a_not_before_b(
                    "publicity_end_date", "decision_date", why="publicity ended before the decision"
                ),
            ),
        ),
    ),
)
