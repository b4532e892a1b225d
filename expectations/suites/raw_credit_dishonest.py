"""信用 失信被执行人名单 (raw.credit_dishonest)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, length, not_null

TABLE = "raw.credit_dishonest"

SUITE = Suite(
    name="raw_credit_dishonest",
    table=TABLE,
    asset_key=("raw", "credit_dishonest"),
    description="Dishonest-debtor listings: keys present, removal (credit repair) not before "
    "listing.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("case_no"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("listed_date"),
                a_not_before_b(
                    "removed_date", "listed_date", why="removed from the list before being listed"
                ),
            ),
        ),
    ),
)
