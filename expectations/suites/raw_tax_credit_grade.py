"""税务 纳税信用等级 (raw.tax_credit_grade)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import columns, in_set, length, not_null

TABLE = "raw.tax_credit_grade"

SUITE = Suite(
    name="raw_tax_credit_grade",
    table=TABLE,
    asset_key=("raw", "tax_credit_grade"),
    description=("Tax credit grades: one of A/B/M/C/D, published after the assessment year. "),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns("uscc", "assessment_year", "grade", "published_date"),
                not_null("uscc"),
                length("uscc", 18),
                not_null("assessment_year"),
                in_set("grade", ["A", "B", "M", "C", "D"]),
                not_null("published_date"),
            ),
        ),
    ),
)
