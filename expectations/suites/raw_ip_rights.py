"""知识产权 专利与商标 (raw.ip_rights)."""

from expectations.runner import Part, Suite, sample_sql
from expectations.suites._common import a_not_before_b, columns, in_set, length, not_null

TABLE = "raw.ip_rights"

SUITE = Suite(
    name="raw_ip_rights",
    table=TABLE,
    asset_key=("raw", "ip_rights"),
    description=(
        "Patents and trademarks: right number and firm key present, type and legal-status"
        " code lists, granted not before applied, lapsed not before granted. "
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "right_no",
                    "uscc",
                    "right_type",
                    "application_date",
                    "granted_date",
                    "lapsed_date",
                    "legal_status",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("right_no"),
                in_set("right_type", ["发明专利", "实用新型", "外观设计", "注册商标"]),
                in_set("legal_status", ["审查中", "有效", "失效"]),
                a_not_before_b(
                    "granted_date", "application_date", why="granted before the application"
                ),
                a_not_before_b("lapsed_date", "granted_date", why="lapsed before it was granted"),
            ),
        ),
    ),
)
