"""Health scores (scoring.firm_health_scores)."""

from expectations.runner import WARN, Expect, Part, Suite, sample_sql
from expectations.suites._common import between, in_set, not_null

TABLE = "scoring.firm_health_scores"
DIMENSIONS = ("operations", "innovation", "structure", "efficiency", "risk")

SUITE = Suite(
    name="firm_health_scores",
    table=TABLE,
    asset_key=("scoring", "firm_health_scores"),
    description="Scores in 0-100, grades from the code list, one grade per firm-month; month "
    "over month the unhealthy share and the mean score move only a little.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("firm_id"),
                not_null("grade"),
                in_set("grade", ["健康", "亚健康", "不健康", "数据不足", "已退出"]),
                between("overall_score", 0, 100),
                *(between(f"score_{d}", 0, 100) for d in DIMENSIONS),
            ),
        ),
        Part(
            "per_period",
            f"""
            with m as (
                select period_month, count(*) as firms, avg(overall_score) as mean_score,
                       avg(case when grade = '不健康' then 1.0 else 0.0 end) as unhealthy_share
                from {TABLE} group by 1)
            select period_month,
                   firms / lag(firms) over (order by period_month) as row_change,
                   mean_score - lag(mean_score) over (order by period_month) as mean_change,
                   unhealthy_share - lag(unhealthy_share) over (order by period_month)
                       as unhealthy_change
            from m order by 1""",
            (
                between("row_change", 0.95, 1.05),
                between(
                    "mean_change",
                    -5,
                    5,
                    WARN,
                    why="the mean score moved more than 5 points "
                    "in a month: check inputs before sending alerts",
                ),
                between(
                    "unhealthy_change",
                    -0.05,
                    0.05,
                    WARN,
                    why="the unhealthy share moved more than 5 points in a month",
                ),
            ),
        ),
        Part(
            "uniqueness",
            f"""select firm_id || '|' || period_month as firm_month
                               from {TABLE} where period_month = (select max(period_month)
                               from {TABLE})""",
            (
                Expect(
                    "ExpectColumnValuesToBeUnique",
                    {"column": "firm_month"},
                    why="one grade per firm and month",
                ),
            ),
        ),
    ),
)
