"""市场监管 经营异常名录 (raw.amr_abnormal)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, columns, length, not_null

TABLE = "raw.amr_abnormal"

SUITE = Suite(
    name="raw_amr_abnormal",
    table=TABLE,
    asset_key=("raw", "amr_abnormal"),
    description=(
        "Abnormal-operations list: listing number and firm key present, removal not "
        "before listing (credit repair dates drive time-correct membership). "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns("listing_no", "uscc", "listed_date", "listed_reason", "removed_date"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("listing_no"),
                not_null("listed_date"),
                not_null("listed_reason"),
                a_not_before_b(
                    "removed_date", "listed_date", why="removed from the list before being listed"
                ),
            ),
        ),
    ),
)
