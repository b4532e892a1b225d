"""Explicit contracts for every landing feed: where files are, how they are encoded, and the
mapping from each department's Chinese header to our typed column.

The contract is our reading of a department's export, written down once; docs/feeds.md is the
human description of the same files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Value types a landing column can have. Each maps to a parser in ingest.validate.
COLUMN_TYPES = {
    "uscc",  # 18-character unified social credit code, check character verified
    "text",  # free text, stripped
    "int",  # whole number, may carry thousands separators
    "decimal",  # amount, may carry thousands separators; stored as DOUBLE
    "date_iso",  # 2024-03-15
    "date_compact",  # 20240315
    "date_cn",  # 2024年03月15日
    "period_cn",  # statistics report period: 2024年3月, 2024年1-2月 -> first day of the last month
    "year",  # 2024
}


@dataclass(frozen=True)
class Column:
    """One landing column: the department's header, our name, its type, whether it may be empty."""

    header: str
    name: str
    type: str
    required: bool = True
    allowed: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class FeedContract:
    """How one department feed arrives and what a valid row looks like."""

    feed_id: str
    department: str
    department_zh: str
    title_zh: str
    file_pattern: str  # regex on the file name; group "period" is the period the file covers
    format: str  # csv | xlsx | json
    encoding: str  # for csv/json: utf-8, utf-8-sig (BOM optional) or gbk
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns that identify one record (later deliveries win in staging)
    sheet: str | None = None
    description: str = ""
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.file_pattern))
        names = [c.name for c in self.columns]
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"feed {self.feed_id}: key columns {missing} are not columns")
        if self.format not in {"csv", "xlsx", "json"}:
            raise ValueError(f"feed {self.feed_id}: unknown format {self.format!r}")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def match(self, file_name: str) -> str | None:
        """Return the period a file covers if its name belongs to this feed, else None."""
        m = self._regex.fullmatch(file_name)
        return m.group("period") if m else None


C = Column

AMR_REGISTRY = FeedContract(
    feed_id="amr_registry",
    department="amr",
    department_zh="市场监管",
    title_zh="企业登记信息",
    file_pattern=r"registry_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8-sig",
    columns=(
        C("统一社会信用代码", "uscc", "uscc"),
        C("企业名称", "firm_name", "text"),
        C("企业类型", "legal_form", "text", required=False),
        C("行业代码", "industry_class_code", "text"),
        C("住所行政区划代码", "county_code", "text"),
        C("注册资本(万元)", "registered_capital_10k", "decimal", required=False),
        C("成立日期", "founded_date", "date_iso"),
        C("登记状态", "registration_status", "text", allowed=("存续", "吊销", "注销")),
        C("状态变更日期", "status_changed_date", "date_iso", required=False),
        C("变更日期", "record_date", "date_iso"),
    ),
    key=("uscc", "record_date"),
    description="Monthly delta of registrations and status changes; the first month is the stock.",
)

AMR_ANNUAL_REPORT = FeedContract(
    feed_id="amr_annual_report",
    department="amr",
    department_zh="市场监管",
    title_zh="企业年度报告",
    file_pattern=r"annual_report_(?P<period>\d{4})(_part\d+)?\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="年报",
    columns=(
        C("统一社会信用代码", "uscc", "uscc"),
        C("企业名称", "firm_name", "text"),
        C("年报年度", "report_year", "year"),
        C("报送日期", "filed_date", "date_iso"),
        C("从业人数", "employees", "int", required=False),
        C("资产总额(万元)", "total_assets_10k", "decimal", required=False),
        C("所有者权益合计(万元)", "owners_equity_10k", "decimal", required=False),
        C("营业总收入(万元)", "total_revenue_10k", "decimal", required=False),
        C("主营业务收入(万元)", "main_revenue_10k", "decimal", required=False),
        C("利润总额(万元)", "total_profit_10k", "decimal", required=False),
        C("净利润(万元)", "net_profit_10k", "decimal", required=False),
        C("纳税总额(万元)", "total_tax_10k", "decimal", required=False),
        C("负债总额(万元)", "total_liabilities_10k", "decimal", required=False),
        C("养老保险参保人数", "pension_insured", "int", required=False),
    ),
    key=("uscc", "report_year"),
    description="Annual report (企业年度报告), filed January-June of the following year.",
)

TAX_DECLARATION = FeedContract(
    feed_id="tax_declaration",
    department="tax",
    department_zh="税务",
    title_zh="纳税申报信息",
    file_pattern=r"declaration_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="gbk",
    columns=(
        C("纳税人识别号", "uscc", "uscc"),
        C("纳税人名称", "firm_name", "text"),
        C("税款所属期起", "period_start_date", "date_compact"),
        C("税款所属期止", "period_end_date", "date_compact"),
        C("申报日期", "declared_date", "date_compact"),
        C("销售额(元)", "sales", "decimal"),
        C("应纳增值税额(元)", "vat_payable", "decimal"),
        C("已缴企业所得税(元)", "cit_paid", "decimal"),
        C("欠税余额(元)", "tax_arrears", "decimal"),
    ),
    key=("uscc", "period_start_date"),
    description="Monthly tax declarations, GBK-encoded, amounts with thousands separators.",
)

STATS_INDUSTRY_MONTHLY = FeedContract(
    feed_id="stats_industry_monthly",
    department="stats",
    department_zh="统计",
    title_zh="规上工业企业月报",
    file_pattern=r"industry_monthly_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8",
    columns=(
        C("统一社会信用代码", "uscc", "uscc"),
        C("单位详细名称", "firm_name", "text"),
        C("报告期", "report_month", "period_cn"),
        C("营业收入本年累计(千元)", "revenue_ytd_k", "decimal"),
        C("工业总产值本年累计(千元)", "output_value_ytd_k", "decimal", required=False),
        C("利润总额本年累计(千元)", "profit_ytd_k", "decimal", required=False),
        C("研发费用本年累计(千元)", "rd_expense_ytd_k", "decimal", required=False),
        C("期末从业人数", "employees", "int", required=False),
    ),
    key=("uscc", "report_month"),
    description="Above-scale firms' monthly report, year-to-date values; February covers 1-2月.",
)

COURT_ENFORCEMENT = FeedContract(
    feed_id="court_enforcement",
    department="court",
    department_zh="法院",
    title_zh="被执行人案件信息",
    file_pattern=r"enforcement_(?P<period>\d{6})\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="执行案件",
    columns=(
        C("案号", "case_no", "text"),
        C("被执行人名称", "firm_name", "text"),
        C("被执行人统一社会信用代码", "uscc", "uscc"),
        C("立案日期", "filed_date", "date_iso"),
        C("执行标的(元)", "amount", "decimal", required=False),
        C("案件状态", "case_status", "text", allowed=("执行中", "已结案")),
        C("结案日期", "closed_date", "date_iso", required=False),
    ),
    key=("case_no", "case_status"),
    description="Enforcement cases filed or closed in the month; latest record per case wins.",
)

CREDIT_DISHONEST = FeedContract(
    feed_id="credit_dishonest",
    department="credit",
    department_zh="信用",
    title_zh="失信被执行人名单",
    file_pattern=r"dishonest_(?P<period>\d{6})\.json",
    format="json",
    encoding="utf-8",
    columns=(
        C("案号", "case_no", "text"),
        C("失信被执行人名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("列入日期", "listed_date", "date_cn"),
        C("移出日期", "removed_date", "date_cn", required=False),
        C("失信行为具体情形", "circumstance", "text", required=False),
    ),
    key=("case_no", "listed_date", "removed_date"),
    description="Dishonest-debtor listings and removals (信用修复) published in the month.",
)

CONTRACTS: dict[str, FeedContract] = {
    c.feed_id: c
    for c in (
        AMR_REGISTRY,
        AMR_ANNUAL_REPORT,
        TAX_DECLARATION,
        STATS_INDUSTRY_MONTHLY,
        COURT_ENFORCEMENT,
        CREDIT_DISHONEST,
    )
}
