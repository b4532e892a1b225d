"""市场监管 企业年度报告 (raw.amr_annual_report)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between, columns, length, not_null

TABLE = "raw.amr_annual_report"

SUITE = Suite(
    name="raw_amr_annual_report",
    table=TABLE,
    asset_key=("raw", "amr_annual_report"),
    description="Annual reports: key, plausible years, non-negative assets and headcounts, "
    "filing in the following year.",
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                columns(
                    "uscc",
                    "report_year",
                    "filed_date",
                    "employees",
                    "total_assets_10k",
                    "total_liabilities_10k",
                    "total_revenue_10k",
                    "net_profit_10k",
                ),
                not_null("uscc"),
                length("uscc", 18),
                not_null("report_year"),
                between("report_year", 2000, 2100),
                between("employees", 0, 500_000, mostly=0.999),
                between("total_assets_10k", 0, None, mostly=0.999),
                between("total_liabilities_10k", 0, None, mostly=0.999),
                between("pension_insured", 0, 500_000, WARN, mostly=0.999),
            ),
        ),
        Part(
            "filing_year",
            f"""select report_year, year(filed_date) - report_year as years_after
                                 from ({sample_sql(TABLE)})""",
            (
                between(
                    "years_after",
                    0,
                    1,
                    WARN,
                    mostly=0.95,
                    why="reports are filed by 30 June of the following year",
                ),
            ),
        ),
    ),
)
