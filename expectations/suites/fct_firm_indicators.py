"""The indicator table scoring reads (marts.fct_firm_indicators)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between, in_set, not_null, period_profile

TABLE = "marts.fct_firm_indicators"

SUITE = Suite(
    name="fct_firm_indicators",
    table=TABLE,
    asset_key=("marts", "fct_firm_indicators"),
    description="Keys, peer-group codes and indicator ranges; the share of firms with tax "
    "indicators; firms per month stable.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                not_null("firm_id"),
                not_null("period_month"),
                not_null("industry_section"),
                in_set("size_class", ["大型", "中型", "小型", "微型", "未知"]),
                between("active_months_12m", 0, 12),
                between("pension_coverage", 0, 1),
                between("firm_age_years", 0, 150),
                between(
                    "debt_to_assets",
                    0,
                    10,
                    WARN,
                    mostly=0.999,
                    why="debt above 10x assets: a unit error in the annual report",
                ),
                between("open_enforcement_cases", 0, None),
                not_null(
                    "active_months_12m",
                    WARN,
                    mostly=0.7,
                    why="fewer than 70% of firm-months have tax data: a tax feed gap",
                ),
            ),
        ),
        Part(
            "per_period",
            period_profile(TABLE, "period_month"),
            (
                between(
                    "row_change",
                    0.95,
                    1.05,
                    why="firms in the panel changed by more than 5% "
                    "in a month: registry delta missing or doubled",
                ),
            ),
        ),
    ),
)
