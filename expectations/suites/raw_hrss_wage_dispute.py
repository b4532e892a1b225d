"""人社 劳动争议/欠薪案件 (raw.hrss_wage_dispute)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.hrss_wage_dispute"

SUITE = Suite(
    name="raw_hrss_wage_dispute",
    table=TABLE,
    asset_key=("raw", "hrss_wage_dispute"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): a "
        "dispute closed before it was filed."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "closed_date", "filed_date", why="a dispute closed before it was filed"
                ),
            ),
        ),
    ),
)
