"""统计 规上企业月报 (raw.stats_industry_monthly)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between, period_profile

TABLE = "raw.stats_industry_monthly"

SUITE = Suite(
    name="raw_stats_industry_monthly",
    table=TABLE,
    asset_key=("raw", "stats_industry_monthly"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "employees outside [0, 500000]; reporting firms changed by more than 10%: a partial "
        "delivery."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (between("employees", 0, 500_000, WARN, mostly=0.999),),
        ),
        Part(
            "per_period",
            period_profile(TABLE, "report_month", "revenue_ytd_k", min_rows=200),
            (
                between(
                    "row_change",
                    0.9,
                    1.1,
                    why="reporting firms changed by more than 10%: a partial delivery",
                ),
            ),
        ),
    ),
)
