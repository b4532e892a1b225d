"""法院 被执行人案件 (raw.court_enforcement)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, between, in_set, length, not_null

TABLE = "raw.court_enforcement"

SUITE = Suite(
    name="raw_court_enforcement",
    table=TABLE,
    asset_key=("raw", "court_enforcement"),
    description="Enforcement cases: case number and debtor key present, status code list, "
    "non-negative amounts, closed not before filed.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("case_no"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("filed_date"),
                in_set("case_status", ["执行中", "已结案"]),
                between("amount", 0, None),
                a_not_before_b(
                    "closed_date", "filed_date", why="a case closed before it was filed"
                ),
            ),
        ),
    ),
)
