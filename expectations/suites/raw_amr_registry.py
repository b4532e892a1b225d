"""市场监管 企业登记 (raw.amr_registry)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, columns, in_set, length, not_null

TABLE = "raw.amr_registry"

SUITE = Suite(
    name="raw_amr_registry",
    table=TABLE,
    asset_key=("raw", "amr_registry"),
    description="Registry records: key, GB/T 4754 class and GB/T 2260 county code shapes, "
    "status code list, founding not after the record.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "uscc",
                    "firm_name",
                    "industry_class_code",
                    "county_code",
                    "founded_date",
                    "registration_status",
                    "record_date",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("firm_name"),
                length("industry_class_code", 4),
                length("county_code", 6),
                in_set("registration_status", ["存续", "吊销", "注销"]),
                a_not_before_b(
                    "record_date", "founded_date", why="a record dated before the firm was founded"
                ),
            ),
        ),
    ),
)
