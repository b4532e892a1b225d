"""企业风险诉求预警清单 (delivery.rpt_monthly_alert_list), what agencies receive."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import in_set, length, not_null

TABLE = "delivery.rpt_monthly_alert_list"

SUITE = Suite(
    name="rpt_monthly_alert_list",
    table=TABLE,
    asset_key=("delivery", "rpt_monthly_alert_list"),
    description="Every listed firm is alive, named, ranked, and says what is wrong and who "
    "should act.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("firm_id"),
                length("firm_id", 18),
                not_null("firm_name"),
                # a dead firm (已退出) belongs to the exit track, never to the alert list
                in_set("grade", ["健康", "亚健康", "不健康", "数据不足"]),
                not_null("rank"),
                not_null(
                    "rules_zh",
                    WARN,
                    mostly=0.99,
                    why="a listed firm no rule fired for: nothing for an agency to check",
                ),
                not_null(
                    "agency_codes",
                    WARN,
                    mostly=0.99,
                    why="an alert no agency is asked to act on",
                ),
            ),
        ),
    ),
)
