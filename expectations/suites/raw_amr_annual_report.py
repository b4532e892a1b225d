"""市场监管 企业年度报告 (raw.amr_annual_report)."""

from expectations.runner import WARN, Part, Suite, sample_sql
from expectations.suites._common import between

TABLE = "raw.amr_annual_report"

SUITE = Suite(
    name="raw_amr_annual_report",
    table=TABLE,
    asset_key=("raw", "amr_annual_report"),
    description=(
        "Beyond the contract (keys, types, code lists, ranges are enforced at ingestion): "
        "report_year outside [2000, 2100]; employees outside [0, 500000]; pension_insured outside"
        " [0, 500000]; reports are filed by 30 June of the following year."
    ),
    parts=(
        Part(
            "sample",
            sample_sql(TABLE),
            (
                between("report_year", 2000, 2100),
                between("employees", 0, 500_000, mostly=0.999),
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
