"""科技 科技认定 (raw.sci_certification)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b

TABLE = "raw.sci_certification"

SUITE = Suite(
    name="raw_sci_certification",
    table=TABLE,
    asset_key=("raw", "sci_certification"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): a "
        "certificate expiring before it was issued; revoked before it was issued."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                a_not_before_b(
                    "expiry_date", "issued_date", why="a certificate expiring before it was issued"
                ),
                a_not_before_b("revoked_date", "issued_date", why="revoked before it was issued"),
            ),
        ),
    ),
)
