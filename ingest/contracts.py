"""Explicit contracts for every landing feed: where files are, how they are encoded, and the
mapping from each department's Chinese header to our typed column.

The contract is our reading of a department's export, written down once. What restates it (dbt's
sources YAML, the department lists of the dbt models, the tables of docs/feeds.md and
docs/departments.md) is written from it by ``make generate`` (ingest/generate.py).
"""

from __future__ import annotations

from ingest.schema import COLUMN_TYPES, AsOf, Column, FeedContract, Freshness

__all__ = [
    "COLUMN_TYPES",
    "AsOf",
    "CONTRACTS",
    "FEEDBACK_CONTRACTS",
    "Column",
    "FeedContract",
    "Freshness",
]

C = Column

AMR_REGISTRY = FeedContract(
    feed_id="amr_registry",
    department="amr",
    department_zh="市场监管",
    department_en="market supervision",
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
    as_of=AsOf("record_date"),
    period_column="record_date",
    description="Monthly delta of registrations and status changes; the first month is the stock.",
    freshness=Freshness("cast(record_date as timestamp)", warn_days=45, error_days=90),
)

AMR_ANNUAL_REPORT = FeedContract(
    feed_id="amr_annual_report",
    department="amr",
    department_zh="市场监管",
    department_en="market supervision",
    title_zh="企业年度报告",
    file_pattern=r"annual_report_(?P<period>\d{4})(?:_part(?P<part>\d+))?\.xlsx",
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
        C("所有者权益合计(万元)", "owners_equity_10k", "decimal", required=False, signed=True),
        C("营业总收入(万元)", "total_revenue_10k", "decimal", required=False),
        C("主营业务收入(万元)", "main_revenue_10k", "decimal", required=False),
        C("利润总额(万元)", "total_profit_10k", "decimal", required=False, signed=True),
        C("净利润(万元)", "net_profit_10k", "decimal", required=False, signed=True),
        C("纳税总额(万元)", "total_tax_10k", "decimal", required=False),
        C("负债总额(万元)", "total_liabilities_10k", "decimal", required=False),
        C("养老保险参保人数", "pension_insured", "int", required=False),
        # 多报合一: the sections other departments read from the same filing
        C("认缴出资额(万元)", "subscribed_capital_10k", "decimal", required=False),
        C("实缴出资额(万元)", "paid_in_capital_10k", "decimal", required=False),
        C("对外提供保证担保金额(万元)", "guarantees_given_10k", "decimal", required=False),
        C("是否有网站或网店", "has_website_flag", "text", required=False, allowed=("是", "否")),
        C("失业保险参保人数", "unemployment_insured", "int", required=False),
        C("医疗保险参保人数", "medical_insured", "int", required=False),
        C("工伤保险参保人数", "injury_insured", "int", required=False),
        C("生育保险参保人数", "maternity_insured", "int", required=False),
        C("单位缴费基数(万元)", "contribution_base_10k", "decimal", required=False),
        C("本期实际缴费金额(万元)", "contributions_paid_10k", "decimal", required=False),
        C("单位累计欠缴金额(万元)", "contribution_arrears_10k", "decimal", required=False),
        C("出口额(万元)", "export_10k", "decimal", required=False),
        C("进口额(万元)", "import_10k", "decimal", required=False),
        C("研发费用(万元)", "rd_expense_10k", "decimal", required=False),
        C("综合能源消费量(吨标准煤)", "energy_tce", "decimal", required=False),
        C("是否外商投资企业", "foreign_investment_flag", "text", False, ("是", "否")),
        C("经常项目外汇收入(万美元)", "fx_receipts_10k_usd", "decimal", required=False),
    ),
    key=("uscc", "report_year"),
    as_of=AsOf("filed_date"),
    period_column="report_year",
    duplicate_rule="latest:filed_date",
    description="Annual report (企业年度报告), filed January-June of the following year.",
    freshness=Freshness("cast(filed_date as timestamp)", warn_days=400, error_days=550),
)

TAX_DECLARATION = FeedContract(
    feed_id="tax_declaration",
    department="tax",
    department_zh="税务",
    department_en="tax",
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
        C("销售额(元)", "sales", "decimal", signed=True),
        C("应纳增值税额(元)", "vat_payable", "decimal"),
        C("已缴企业所得税(元)", "cit_paid", "decimal"),
        C("欠税余额(元)", "tax_arrears", "decimal"),
    ),
    key=("uscc", "period_start_date"),
    as_of=AsOf("period_start_date", monthly=True),
    period_column="period_start_date",
    description="Monthly tax declarations, GBK-encoded, amounts with thousands separators.",
    freshness=Freshness("cast(period_end_date as timestamp)", warn_days=50, error_days=80),
)

STATS_INDUSTRY_MONTHLY = FeedContract(
    feed_id="stats_industry_monthly",
    department="stats",
    department_zh="统计",
    department_en="statistics",
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
        C("利润总额本年累计(千元)", "profit_ytd_k", "decimal", required=False, signed=True),
        C("研发费用本年累计(千元)", "rd_expense_ytd_k", "decimal", required=False),
        C("期末从业人数", "employees", "int", required=False),
        C("新产品产值本年累计(千元)", "new_product_output_ytd_k", "decimal", required=False),
        C("综合能源消费量本年累计(吨标准煤)", "energy_ytd_tce", "decimal", required=False),
    ),
    key=("uscc", "report_month"),
    as_of=AsOf("report_month", monthly=True),
    period_column="report_month",
    description="Above-scale firms' monthly report, year-to-date values; February covers 1-2月.",
    freshness=Freshness(
        "cast(report_month + interval 1 month as timestamp)", warn_days=50, error_days=80
    ),
)

COURT_ENFORCEMENT = FeedContract(
    feed_id="court_enforcement",
    department="court",
    department_zh="法院",
    department_en="courts",
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
    as_of=AsOf("filed_date", changes=("closed_date",), while_pending=(("case_status", "执行中"),)),
    description="Enforcement cases filed or closed in the month; latest record per case wins.",
    freshness=Freshness("cast(filed_date as timestamp)", warn_days=60, error_days=120),
)

CREDIT_DISHONEST = FeedContract(
    feed_id="credit_dishonest",
    department="court",  # published by the courts; the feed id is kept for history
    department_zh="法院",
    department_en="courts",
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
    as_of=AsOf("listed_date", changes=("removed_date",)),
    description="Dishonest-debtor listings and removals (信用修复) published in the month.",
    freshness=Freshness("cast(listed_date as timestamp)", warn_days=90, error_days=180),
)

AMR_PENALTY = FeedContract(
    feed_id="amr_penalty",
    department="amr",
    department_zh="市场监管",
    department_en="market supervision",
    title_zh="行政处罚信息",
    file_pattern=r"penalty_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8-sig",
    columns=(
        C("行政处罚决定书文号", "penalty_no", "text"),
        C("当事人名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("处罚决定日期", "decision_date", "date_iso"),
        C(
            "处罚种类",
            "penalty_type",
            "text",
            allowed=("警告", "罚款", "没收违法所得", "责令停产停业", "吊销许可证"),
        ),
        C("罚没金额(万元)", "amount_10k", "decimal", required=False),
        C("违法行为类型", "reason", "text", required=False),
        C("公示截止日期", "publicity_end_date", "date_iso", required=False, years_ahead=10),
    ),
    key=("penalty_no",),
    as_of=AsOf("decision_date", changes=("publicity_end_date",)),
    description="Administrative penalties decided in the month, with the end of their publicity.",
    freshness=Freshness("cast(decision_date as timestamp)", warn_days=90, error_days=180),
)

AMR_ABNORMAL = FeedContract(
    feed_id="amr_abnormal",
    department="amr",
    department_zh="市场监管",
    department_en="market supervision",
    title_zh="经营异常名录",
    file_pattern=r"abnormal_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8",
    columns=(
        C("列入决定书文号", "listing_no", "text"),
        C("企业名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("列入日期", "listed_date", "date_compact"),
        C("列入经营异常名录原因", "listed_reason", "text"),
        C("移出日期", "removed_date", "date_compact", required=False),
        C("移出经营异常名录原因", "removed_reason", "text", required=False),
    ),
    key=("listing_no", "removed_date"),
    as_of=AsOf("listed_date", changes=("removed_date",)),
    description="Abnormal-operation listings and removals in the month; latest record wins.",
    freshness=Freshness(
        "cast(coalesce(removed_date, listed_date) as timestamp)", warn_days=90, error_days=180
    ),
)

TAX_CREDIT_GRADE = FeedContract(
    feed_id="tax_credit_grade",
    department="tax",
    department_zh="税务",
    department_en="tax",
    title_zh="纳税信用等级评价结果",
    file_pattern=r"credit_grade_(?P<period>\d{4})\.csv",
    format="csv",
    encoding="gbk",
    columns=(
        C("纳税人识别号", "uscc", "uscc"),
        C("纳税人名称", "firm_name", "text"),
        C("评价年度", "assessment_year", "year"),
        C("信用级别", "grade", "text", allowed=("A", "B", "M", "C", "D")),
        C("发布日期", "published_date", "date_compact"),
    ),
    key=("uscc", "assessment_year"),
    as_of=AsOf("published_date"),
    period_column="assessment_year",
    description="Yearly tax credit grades for year YYYY, published in April of YYYY+1.",
    freshness=Freshness("cast(published_date as timestamp)", warn_days=400, error_days=550),
)

HRSS_INSURED = FeedContract(
    feed_id="hrss_insured",
    department="hrss",
    department_zh="人社",
    department_en="social security",
    title_zh="单位社会保险参保缴费信息",
    file_pattern=r"insured_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8-sig",
    columns=(
        C("统一社会信用代码", "uscc", "uscc"),
        C("单位名称", "firm_name", "text"),
        C("费款所属期", "period_month", "month_compact"),
        C("养老保险参保人数", "pension_insured", "int"),
        C("失业保险参保人数", "unemployment_insured", "int", required=False),
        C("医疗保险参保人数", "medical_insured", "int", required=False),
        C("工伤保险参保人数", "injury_insured", "int", required=False),
        C("生育保险参保人数", "maternity_insured", "int", required=False),
        C("缴费基数(元)", "contribution_base", "decimal"),
        C("应缴金额(元)", "contributions_due", "decimal"),
        C("实缴金额(元)", "contributions_paid", "decimal"),
        C("累计欠费金额(元)", "arrears_balance", "decimal"),
    ),
    key=("uscc", "period_month"),
    as_of=AsOf("period_month", monthly=True),
    period_column="period_month",
    description="Monthly social-insurance headcounts and contributions per employer.",
    freshness=Freshness(
        "cast(period_month + interval 1 month as timestamp)", warn_days=50, error_days=80
    ),
)

HRSS_WAGE_DISPUTE = FeedContract(
    feed_id="hrss_wage_dispute",
    department="hrss",
    department_zh="人社",
    department_en="social security",
    title_zh="劳动争议及欠薪案件",
    file_pattern=r"wage_dispute_(?P<period>\d{6})\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="劳动争议案件",
    columns=(
        C("案件编号", "case_no", "text"),
        C("用人单位名称", "firm_name", "text"),
        C("用人单位统一社会信用代码", "uscc", "uscc"),
        C("立案日期", "filed_date", "date_cn"),
        C("涉及劳动者人数", "workers", "int", required=False),
        C("涉案金额(元)", "amount", "decimal", required=False),
        C("案件状态", "case_status", "text", allowed=("处理中", "已结案")),
        C("结案日期", "closed_date", "date_cn", required=False),
    ),
    key=("case_no", "case_status"),
    as_of=AsOf("filed_date", changes=("closed_date",), while_pending=(("case_status", "处理中"),)),
    description="Labour-dispute and unpaid-wage cases filed or closed in the month.",
    freshness=Freshness(
        "cast(coalesce(closed_date, filed_date) as timestamp)", warn_days=90, error_days=180
    ),
)

POWER_USAGE = FeedContract(
    feed_id="power_usage",
    department="power",
    department_zh="电力",
    department_en="power utility",
    title_zh="企业用电量",
    file_pattern=r"usage_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8",
    columns=(
        C("户号", "account_no", "text"),
        C("户名", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("电费年月", "bill_month", "month_compact"),
        C("用电类别", "tariff_class", "text", required=False),
        C("用电量(千瓦时)", "kwh", "decimal"),
    ),
    key=("account_no", "bill_month"),
    as_of=AsOf("bill_month", monthly=True),
    period_column="bill_month",
    description="Monthly electricity use per meter account (户号); a firm may have several.",
    freshness=Freshness(
        "cast(bill_month + interval 1 month as timestamp)", warn_days=50, error_days=80
    ),
)

CUSTOMS_TRADE = FeedContract(
    feed_id="customs_trade",
    department="customs",
    department_zh="海关",
    department_en="customs",
    title_zh="企业进出口统计",
    file_pattern=r"trade_(?P<period>\d{6})\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="进出口",
    columns=(
        C("海关编码", "customs_code", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("企业名称", "firm_name", "text"),
        C("统计年月", "trade_month", "month_compact"),
        C("出口额(万元)", "export_10k", "decimal", required=False),
        C("进口额(万元)", "import_10k", "decimal", required=False),
    ),
    key=("uscc", "trade_month"),
    as_of=AsOf("trade_month", monthly=True),
    period_column="trade_month",
    description="Monthly exports and imports of trading firms (firms with no trade have no row).",
    freshness=Freshness(
        "cast(trade_month + interval 1 month as timestamp)", warn_days=50, error_days=80
    ),
)

CREDIT_LOANS = FeedContract(
    feed_id="credit_loans",
    department="credit",
    department_zh="金融办",
    department_en="credit reference / financial office",
    title_zh="企业信贷信息",
    file_pattern=r"loans_(?P<period>\d{6})\.json",
    format="json",
    encoding="utf-8",
    columns=(
        C("统一社会信用代码", "uscc", "uscc"),
        C("企业名称", "firm_name", "text"),
        C("统计日期", "stat_date", "date_iso"),
        C("贷款余额(万元)", "loans_outstanding_10k", "decimal"),
        C("逾期贷款余额(万元)", "overdue_10k", "decimal", required=False),
        C("对外担保余额(万元)", "guarantees_given_10k", "decimal", required=False),
        C("授信机构数", "lenders", "int", required=False),
    ),
    key=("uscc", "stat_date"),
    as_of=AsOf("stat_date", monthly=True),
    period_column="stat_date",
    description="Month-end loans outstanding, overdue and guarantees per borrowing firm.",
    freshness=Freshness("cast(stat_date as timestamp)", warn_days=50, error_days=80),
)

IP_RIGHTS = FeedContract(
    feed_id="ip_rights",
    department="ip",
    department_zh="知识产权",
    department_en="intellectual property",
    title_zh="专利及商标信息",
    file_pattern=r"ip_rights_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8",
    columns=(
        C("申请号/注册号", "right_no", "text"),
        C("权利人名称", "firm_name", "text"),
        C("权利人统一社会信用代码", "uscc", "uscc"),
        C("类型", "right_type", "text", allowed=("发明专利", "实用新型", "外观设计", "注册商标")),
        C("申请日", "application_date", "date_compact"),
        C("授权日", "granted_date", "date_compact", required=False),
        C("失效日", "lapsed_date", "date_compact", required=False),
        C("法律状态", "legal_status", "text", allowed=("审查中", "有效", "失效")),
    ),
    key=("right_no", "legal_status"),
    as_of=AsOf("application_date", changes=("granted_date", "lapsed_date")),
    description="Patent and trademark applications, grants and lapses in the month.",
    freshness=Freshness(
        "cast(greatest(application_date, coalesce(granted_date, application_date),"
        " coalesce(lapsed_date, application_date)) as timestamp)",
        warn_days=60,
        error_days=120,
    ),
)

SCI_CERTIFICATION = FeedContract(
    feed_id="sci_certification",
    department="sci",
    department_zh="科技",
    department_en="science & technology",
    title_zh="科技企业认定名单",
    file_pattern=r"certification_(?P<period>\d{6})\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="认定名单",
    columns=(
        C("证书编号", "certificate_no", "text"),
        C("企业名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C(
            "认定类型",
            "certification",
            "text",
            allowed=("高新技术企业", "专精特新中小企业", "科技型中小企业"),
        ),
        C("发证日期", "issued_date", "date_iso"),
        C("有效期至", "expiry_date", "date_iso", years_ahead=10),
        C("撤销日期", "revoked_date", "date_iso", required=False),
    ),
    key=("certificate_no", "revoked_date"),
    as_of=AsOf("issued_date", changes=("revoked_date",)),
    description="Certificates issued or revoked in the month; latest record per certificate wins.",
    freshness=Freshness(
        "cast(coalesce(revoked_date, issued_date) as timestamp)", warn_days=400, error_days=550
    ),
)

SUBSIDY_PAYMENT = FeedContract(
    feed_id="subsidy_payment",
    department="subsidy",
    department_zh="财政·经信",
    department_en="finance / economy",
    title_zh="财政补助资金拨付",
    file_pattern=r"subsidy_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="gbk",
    columns=(
        C("拨付单号", "payment_no", "text"),
        C("企业名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("项目名称", "programme", "text"),
        C("主管部门", "issuing_department", "text"),
        C("拨付金额(万元)", "amount_10k", "decimal"),
        C("拨付日期", "paid_date", "date_cn"),
    ),
    key=("payment_no",),
    as_of=AsOf("paid_date"),
    period_column="paid_date",
    description="Subsidies paid in the month (programme, department, amount, date).",
    freshness=Freshness("cast(paid_date as timestamp)", warn_days=120, error_days=240),
)

ENV_PENALTY = FeedContract(
    feed_id="env_penalty",
    department="env",
    department_zh="生态环境",
    department_en="environment",
    title_zh="环境行政处罚",
    file_pattern=r"env_penalty_(?P<period>\d{6})\.json",
    format="json",
    encoding="utf-8",
    columns=(
        C("处罚决定书文号", "penalty_no", "text"),
        C("企业名称", "firm_name", "text"),
        C("统一社会信用代码", "uscc", "uscc"),
        C("处罚日期", "decision_date", "date_iso"),
        C("违法类型", "violation", "text"),
        C("罚款金额(元)", "amount", "decimal", required=False),
        C("整改完成日期", "rectified_date", "date_iso", required=False),
    ),
    key=("penalty_no", "rectified_date"),
    as_of=AsOf("decision_date", changes=("rectified_date",)),
    description="Environmental penalties decided, and rectifications completed, in the month.",
    freshness=Freshness(
        "cast(coalesce(rectified_date, decision_date) as timestamp)", warn_days=120, error_days=240
    ),
)

# Every department contract above, in the order written: a contract defined is a feed ingested.
CONTRACTS: dict[str, FeedContract] = {
    c.feed_id: c for c in list(globals().values()) if isinstance(c, FeedContract)
}

# Agencies' feedback on the alerts they were sent (预警处置反馈): not a department feed but
# ingested with the same contract, quarantine and idempotence. An agency returns, for the alerts
# of a month's extract, what it found: 属实 (confirmed), 不属实 (not confirmed) or 已帮扶
# (confirmed and helped), with the date and a note. CSV (UTF-8, BOM optional) or XLSX.
_FEEDBACK_COLUMNS = (
    C("预警编号", "alert_id", "text"),
    C("统一社会信用代码", "uscc", "uscc"),
    C("处置结果", "outcome_zh", "text", allowed=("属实", "不属实", "已帮扶")),
    C("处置日期", "handled_date", "date_iso"),
    C("备注", "note", "text", required=False),
)

FEEDBACK_CSV = FeedContract(
    feed_id="agency_feedback_csv",
    department="feedback",
    department_zh="预警接收部门",
    department_en="agencies returning alerts",
    title_zh="预警处置反馈（CSV）",
    file_pattern=r"feedback_(?P<agency>[a-z_]+)_(?P<period>\d{6})\.csv",
    format="csv",
    encoding="utf-8-sig",
    columns=_FEEDBACK_COLUMNS,
    key=("alert_id",),
    description="An agency's outcomes for the alerts of one month's extract (the period).",
)

FEEDBACK_XLSX = FeedContract(
    feed_id="agency_feedback_xlsx",
    department="feedback",
    department_zh="预警接收部门",
    department_en="agencies returning alerts",
    title_zh="预警处置反馈（Excel）",
    file_pattern=r"feedback_(?P<agency>[a-z_]+)_(?P<period>\d{6})\.xlsx",
    format="xlsx",
    encoding="binary",
    sheet="处置反馈",
    columns=_FEEDBACK_COLUMNS,
    key=("alert_id",),
    description="The same outcomes as the CSV form, as the workbook agencies fill in.",
)

FEEDBACK_CONTRACTS: dict[str, FeedContract] = {c.feed_id: c for c in (FEEDBACK_CSV, FEEDBACK_XLSX)}
