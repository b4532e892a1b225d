"""企业风险诉求预警清单 (delivery.rpt_monthly_alert_list), what agencies receive."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import in_set, length, not_null

TABLE = "delivery.rpt_monthly_alert_list"

SUITE = Suite(
    name="rpt_monthly_alert_list",
    table=TABLE,
    asset_key=("delivery", "rpt_monthly_alert_list"),
    description="Every alert names the firm, its grade, what is wrong and who should act.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("firm_id"),
                length("firm_id", 18),
                not_null("firm_name"),
                in_set("grade", ["亚健康", "不健康"]),
                not_null("reasons_zh", why="an alert without a reason cannot be acted on"),
                not_null(
                    "action_departments_zh",
                    WARN,
                    mostly=0.99,
                    why="an alert no department is asked to act on",
                ),
            ),
        ),
    ),
)
