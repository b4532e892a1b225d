"""科技 科技认定 (raw.sci_certification)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, columns, in_set, length, not_null

TABLE = "raw.sci_certification"

SUITE = Suite(
    name="raw_sci_certification",
    table=TABLE,
    asset_key=("raw", "sci_certification"),
    description=(
        "Certifications: certificate number and firm key present, certification code "
        "list, expiry after issue. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "certificate_no",
                    "uscc",
                    "certification",
                    "issued_date",
                    "expiry_date",
                    "revoked_date",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("certificate_no"),
                in_set("certification", ["高新技术企业", "专精特新中小企业", "科技型中小企业"]),
                a_not_before_b(
                    "expiry_date", "issued_date", why="a certificate expiring before it was issued"
                ),
                a_not_before_b("revoked_date", "issued_date", why="revoked before it was issued"),
            ),
        ),
    ),
)
