"""人社 劳动争议/欠薪案件 (raw.hrss_wage_dispute)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, between, columns, in_set, length, not_null

TABLE = "raw.hrss_wage_dispute"

SUITE = Suite(
    name="raw_hrss_wage_dispute",
    table=TABLE,
    asset_key=("raw", "hrss_wage_dispute"),
    description=(
        "Wage disputes: case number and firm key present, status code list, closed not "
        "before filed. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns("case_no", "uscc", "filed_date", "case_status", "closed_date"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("case_no"),
                not_null("filed_date"),
                in_set("case_status", ["处理中", "已结案"]),
                between("workers", 0, None, why="a negative number of workers"),
                between("amount", 0, None, why="a negative amount owed"),
                a_not_before_b(
                    "closed_date", "filed_date", why="a dispute closed before it was filed"
                ),
            ),
        ),
    ),
)
