"""法院 被执行人案件 (raw.court_enforcement)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.court_enforcement"

SUITE = Suite(
    name="raw_court_enforcement",
    table=TABLE,
    asset_key=("raw", "court_enforcement"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): a case "
        "closed before it was filed."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (a_not_before_b("closed_date", "filed_date", why="a case closed before it was filed"),),
        ),
    ),
)
