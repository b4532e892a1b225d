"""市场监管 企业登记 (raw.amr_registry)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, length

TABLE = "raw.amr_registry"

SUITE = Suite(
    name="raw_amr_registry",
    table=TABLE,
    asset_key=("raw", "amr_registry"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "industry_class_code must be 4 characters; county_code must be 6 characters; a record "
        "dated before the firm was founded."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                length("industry_class_code", 4),
                length("county_code", 6),
                a_not_before_b(
                    "record_date", "founded_date", why="a record dated before the firm was founded"
                ),
            ),
        ),
    ),
)
