"""知识产权 专利与商标 (raw.ip_rights)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.ip_rights"

SUITE = Suite(
    name="raw_ip_rights",
    table=TABLE,
    asset_key=("raw", "ip_rights"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): granted"
        " before the application; lapsed before it was granted."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "granted_date", "application_date", why="granted before the application"
                ),
                a_not_before_b("lapsed_date", "granted_date", why="lapsed before it was granted"),
            ),
        ),
    ),
)
